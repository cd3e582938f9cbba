import asyncio

async def brew_coffee():
    await asyncio.sleep(1)
    return "coffee"

async def download_everything():
    await asyncio.sleep(3600)                       # far too long

async def toast():
    await asyncio.sleep(0.1)
    raise RuntimeError("the toaster caught fire")

async def boil_water():
    await asyncio.sleep(0.3)
    return "hot water"

async def main():
    coffee = asyncio.create_task(brew_coffee())    # starts now, in the background
    await asyncio.sleep(0.5)                        # other work meanwhile
    print(await coffee)                             # 1 s in all, not 1.5

    download = asyncio.create_task(download_everything())
    await asyncio.sleep(0.2)
    download.cancel()                               # awaiting it raises CancelledError

    toaster = asyncio.create_task(toast())          # raises after 0.1 s
    kettle = asyncio.create_task(boil_water())      # fine after 0.3 s
    print(await asyncio.gather(toaster, kettle, return_exceptions=True))

asyncio.run(main())
