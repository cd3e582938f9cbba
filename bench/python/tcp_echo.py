"""tcp_echo — twin of bench/src/workloads/tcp_echo.rs: 50 connections × 2,000 round trips of
64 bytes over loopback, server and clients on one loop, with asyncio streams (which set
TCP_NODELAY themselves). Returns [round trips per second]."""

import asyncio
from time import perf_counter

from common import standalone

MESSAGE = 64


def message(connection, round_):
    return bytes((connection * 31 + round_ * 7 + i) & 0xFF for i in range(MESSAGE))


async def echo(reader, writer):
    while True:
        data = await reader.read(1024)
        if not data:
            break  # the client hung up
        writer.write(data)
        await writer.drain()
    writer.close()


async def client(port, connection, round_trips):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for round_ in range(round_trips):
        sent = message(connection, round_)
        writer.write(sent)
        await writer.drain()
        reply = await reader.readexactly(MESSAGE)
        assert reply == sent, "a wrong echo"
    writer.close()
    await writer.wait_closed()
    return round_trips


async def main(connections, round_trips):
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    start = perf_counter()
    results = await asyncio.gather(*(client(port, c, round_trips) for c in range(connections)))
    elapsed = perf_counter() - start
    server.close()
    await server.wait_closed()
    echoed = sum(results)
    assert echoed == connections * round_trips, "lost round trips"
    return [echoed / elapsed]


if __name__ == "__main__":
    standalone(main, [50, 2_000])
