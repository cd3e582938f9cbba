"""Shared helpers of the asyncio twins: the allocator warm-up, CPU time from /proc, the seeded
random generator (the same SplitMix64 as bench/src/measure.rs, so the sleeps are identical), and
the standalone entry point each twin uses when run by hand.

Standard library only.
"""

import asyncio
import os
import statistics
import sys

# Just under glibc's 32 MiB cap on the dynamic mmap threshold: see warm_allocator in
# bench/src/measure.rs for why this size, and why twice.
WARM_UP_BLOCK = (32 << 20) - (64 << 10)


def warm_allocator():
    """Put glibc's malloc in its steady state, exactly as the Rust processes do."""
    for _ in range(2):
        block = bytearray(b"\x01") * WARM_UP_BLOCK
        del block


def cpu_time():
    """CPU time of every live thread of this process, in seconds (first field of schedstat, ns)."""
    total_ns = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                total_ns += int(f.read().split()[0])
        except FileNotFoundError:
            pass  # the thread exited meanwhile
    return total_ns / 1e9


class SplitMix64:
    """The same generator as bench/src/measure.rs: same seed, same numbers."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def between(self, low, high):
        return low + self.next_u64() % (high - low + 1)


def standalone(main, default_sizes, reps=5):
    """Run a twin by hand: `python3 spawn_many.py [sizes...]` — a warm-up, then `reps` runs;
    prints every run's numbers and the medians."""
    sizes = [int(a) for a in sys.argv[1:]] or default_sizes
    warm_allocator()
    asyncio.run(main(*sizes))  # warm-up
    runs = [asyncio.run(main(*sizes)) for _ in range(reps)]
    for run in runs:
        print(" ".join(f"{v:.6g}" for v in run))
    print("median:", " ".join(f"{statistics.median(col):.6g}" for col in zip(*runs)))
