"""spawn_many — twin of bench/src/workloads/spawn_many.rs: create 10,000 tasks that do nothing,
await them all. Returns [seconds]."""

import asyncio
from time import perf_counter

from common import standalone


async def task(i):
    return i


async def main(tasks):
    start = perf_counter()
    handles = [asyncio.create_task(task(i)) for i in range(tasks)]
    total = 0
    for handle in handles:
        total += await handle
    elapsed = perf_counter() - start
    assert total == tasks * (tasks - 1) // 2, "lost tasks"
    return [elapsed]


if __name__ == "__main__":
    standalone(main, [10_000])
