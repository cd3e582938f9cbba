import asyncio

async def brew_coffee():
    print("brewing")
    await asyncio.sleep(1)
    return "coffee"

async def main():
    coro = brew_coffee()     # nothing printed: the body has not started
    cup = await coro         # now it runs: "brewing", 1 s, "coffee"
    await brew_coffee()      # awaits run one after the other: 2 s for two
    await brew_coffee()

asyncio.run(main())
