"""Python cost of one client request without sockets (a transport that answers every write).

    python bench/client_path.py [--requests 20000]

Sends keep-alive GETs through ``getSession`` on a pooled connection whose transport answers
each request with nginx's response for a 13-byte body, and reads each body; prints
microseconds per request. Uses uvloop when installed. Not a substitute for
``bench/client.py`` (no syscalls), but a stable profile target, and the client path that
``bench/instructions.py`` counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time
from typing import TYPE_CHECKING

import blazeio_client as io
from blazeio_client import connection, pool

if TYPE_CHECKING:
    from blazeio_common.http import HeadCache

URL = "http://127.0.0.1:18485/hello"
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 06:45:24 GMT\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\nHello, World!"
)


class AnsweringTransport(asyncio.Transport):
    """Answers every write with RESPONSE on the next turn of the loop, as a socket would."""

    def __init__(self, protocol: connection.ClientConnection) -> None:
        super().__init__()
        self.protocol = protocol
        self.loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.loop.call_soon(self.protocol.data_received, RESPONSE)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def open_answering(
    host: str, port: int, tls: object, within: float | None, heads: HeadCache | None = None
) -> connection.ClientConnection:
    # The pool's head cache, as open_connection() passes it (pools before it passed none).
    protocol = connection.ClientConnection() if heads is None else connection.ClientConnection(heads)
    protocol.connection_made(AnsweringTransport(protocol))
    return protocol


async def main(requests: int, after_auth: bool = False) -> float:
    pool.open_connection = open_answering  # type: ignore[assignment]
    connections = io.Pool()
    if after_auth:
        # The process's first request has auth= and retries=: the plain requests that follow
        # must cost what they cost without it (Session.__init__ says why they might not).
        async with io.getSession.get(URL, pool=connections, auth=("user", "pass"), retries=io.Retry(total=1)) as r:
            await r.read()
    for _ in range(100):
        async with io.getSession.get(URL, pool=connections) as r:
            await r.read()
    # The start-up heap (imports, the warm-up) out of the collector's sight, as in server_path.py:
    # otherwise whether a full collection over it falls into a run of N or of 2N requests swings
    # the instruction count by thousands per request (bench/instructions.py).
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for _ in range(requests):
        async with io.getSession.get(URL, pool=connections) as r:
            await r.read()
    elapsed = time.perf_counter() - start
    connections.close()
    return elapsed / requests * 1e6


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--after-auth", action="store_true", help="make one request with auth= and retries= first")
    args = ap.parse_args()
    try:
        import uvloop
    except ImportError:
        cost = asyncio.run(main(args.requests, args.after_auth))
    else:
        cost = uvloop.run(main(args.requests, args.after_auth))
    print(f"{cost:.2f} us/request")
