"""sleep_many — twin of bench/src/workloads/sleep_many.rs: 100,000 tasks each sleeping a seeded
random 1–100 ms (the same numbers as the Rust runs). Returns [seconds beyond the longest sleep,
CPU seconds]."""

import asyncio
from time import perf_counter

from common import SplitMix64, cpu_time, standalone

SEED = 42


async def sleeper(ms):
    await asyncio.sleep(ms / 1000)
    return ms


async def main(tasks, max_ms):
    rng = SplitMix64(SEED)
    sleeps = [rng.between(1, max_ms) for _ in range(tasks)]
    longest = max(sleeps) / 1000
    start, cpu_start = perf_counter(), cpu_time()
    handles = [asyncio.create_task(sleeper(ms)) for ms in sleeps]
    slept = 0
    for handle in handles:
        slept += await handle
    wall, cpu = perf_counter() - start, cpu_time() - cpu_start
    assert slept == sum(sleeps), "lost sleepers"
    assert wall >= longest, "woke a sleeper early"
    return [wall - longest, cpu]


if __name__ == "__main__":
    standalone(main, [100_000, 100])
