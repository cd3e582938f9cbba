"""The runner's side door into CPython: reads one request per line on stdin — a workload's name
and its sizes, e.g. `spawn_many 10000` — runs it once on a fresh loop (`asyncio.run`), and
answers with one line: the workload's numbers, space-separated, in the Rust workload's units.

The runner starts one such worker per workload, as it does for each Rust runtime
(`glassloop-bench --worker KEY`), so repetitions after the first are warm in both; the allocator is
warmed the same way before the first.
"""

import asyncio
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import warm_allocator  # noqa: E402


def serve():
    warm_allocator()
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        name, sizes = words[0], [int(w) for w in words[1:]]
        module = importlib.import_module(name)
        numbers = asyncio.run(module.main(*sizes))
        print(" ".join(repr(float(n)) for n in numbers), flush=True)


if __name__ == "__main__":
    serve()
