"""chained_spawn — twin of bench/src/workloads/chained_spawn.rs: a chain of 1,000 tasks, each
creating the next; the last one reports through a future. Returns [seconds]."""

import asyncio
from time import perf_counter

from common import standalone


def link(remaining, hops, done):
    if remaining == 0:
        done.set_result(hops)
        return
    asyncio.create_task(next_link(remaining - 1, hops + 1, done))


async def next_link(remaining, hops, done):
    link(remaining, hops, done)


async def main(tasks):
    start = perf_counter()
    done = asyncio.get_running_loop().create_future()
    link(tasks, 0, done)
    hops = await done
    elapsed = perf_counter() - start
    assert hops == tasks, "broke the chain"
    return [elapsed]


if __name__ == "__main__":
    standalone(main, [1_000])
