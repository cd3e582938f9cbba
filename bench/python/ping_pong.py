"""ping_pong — twin of bench/src/workloads/ping_pong.rs: 1,000 tasks, each creating a partner
task and exchanging a ping and a pong with it; asyncio futures are the oneshot channels.
Returns [seconds]."""

import asyncio
from time import perf_counter

from common import standalone


async def partner(ping, pong):
    n = await ping
    pong.set_result(n + 1)


async def pinger(i):
    loop = asyncio.get_running_loop()
    ping, pong = loop.create_future(), loop.create_future()
    asyncio.create_task(partner(ping, pong))  # detached: `ping` holds it until it runs
    ping.set_result(i)
    return (await pong) - i


async def main(pairs):
    start = perf_counter()
    handles = [asyncio.create_task(pinger(i)) for i in range(pairs)]
    pongs = 0
    for handle in handles:
        pongs += await handle
    elapsed = perf_counter() - start
    assert pongs == pairs, "lost a pong"
    return [elapsed]


if __name__ == "__main__":
    standalone(main, [1_000])
