import asyncio

async def make_tea():
    await asyncio.sleep(2)        # the kettle boils
    await asyncio.sleep(1)        # the tea steeps

async def make_toast():
    await asyncio.sleep(1.5)      # the bread toasts
    await asyncio.sleep(0.5)      # butter it

async def main():
    await make_tea()                                 # one after the other: 5 s
    await make_toast()
    await asyncio.gather(make_tea(), make_toast())   # together: 3 s

asyncio.run(main())
