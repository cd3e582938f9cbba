import asyncio, time

async def blocking_task():
    time.sleep(2)             # holds the whole loop for 2 s

async def async_task():
    await asyncio.sleep(2)    # gives the loop back for 2 s

async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(blocking_task(), blocking_task())
    print(f"blocking, gathered: {loop.time() - start:.3f} s")   # 4 s
    start = loop.time()
    await asyncio.gather(async_task(), async_task())
    print(f"awaiting, gathered: {loop.time() - start:.3f} s")   # 2 s

asyncio.run(main())
