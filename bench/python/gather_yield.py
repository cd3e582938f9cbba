"""gather_yield — twin of bench/src/workloads/gather_yield.rs: one `asyncio.gather` over
100,000 coroutines that each `sleep(0)` once (gather wraps each in a task).
Returns [seconds]."""

import asyncio
from time import perf_counter

from common import standalone


async def child():
    await asyncio.sleep(0)
    return 1


async def main(futures):
    start = perf_counter()
    outputs = await asyncio.gather(*(child() for _ in range(futures)))
    elapsed = perf_counter() - start
    assert len(outputs) == futures and sum(outputs) == futures, "lost outputs"
    return [elapsed]


if __name__ == "__main__":
    standalone(main, [100_000])
