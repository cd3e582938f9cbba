"""yield_many — twin of bench/src/workloads/yield_many.rs: 200 tasks × 1,000 `sleep(0)`.
Returns [seconds]."""

import asyncio
from time import perf_counter

from common import standalone


async def yielder(yields):
    done = 0
    for _ in range(yields):
        await asyncio.sleep(0)
        done += 1
    return done


async def main(tasks, yields):
    start = perf_counter()
    handles = [asyncio.create_task(yielder(yields)) for _ in range(tasks)]
    total = 0
    for handle in handles:
        total += await handle
    elapsed = perf_counter() - start
    assert total == tasks * yields, "skipped yields"
    return [elapsed]


if __name__ == "__main__":
    standalone(main, [200, 1_000])
