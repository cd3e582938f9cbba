"""timer_churn — twin of bench/src/workloads/timer_churn.rs: 1,000,000 ×
`async with asyncio.timeout(1): await asyncio.sleep(0)` — a timer armed (loop.call_at) and
cancelled each time. Returns [nanoseconds per timeout]."""

import asyncio
from time import perf_counter

from common import standalone


async def main(timeouts):
    start = perf_counter()
    met = 0
    for _ in range(timeouts):
        async with asyncio.timeout(1):
            await asyncio.sleep(0)
        met += 1
    elapsed = perf_counter() - start
    assert met == timeouts, "a timeout fired"
    return [elapsed * 1e9 / timeouts]


if __name__ == "__main__":
    standalone(main, [1_000_000])
