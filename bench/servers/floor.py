"""The floor: the ceiling's canned answers, but given by an async handler in the connection's task.

Parses nothing but the path, like the ceiling, and answers every ``\\r\\n\\r\\n`` -- but each request is
answered the way a framework that supports ``asyncio.current_task()``, ``asyncio.timeout`` and
cancellation on disconnect must run its handlers: ``data_received`` wakes one task per
connection, which awaits a coroutine handler per request. Responses to requests that arrived
together leave in one write. The gap between the ceiling and this is what that model costs; the
gap between this and a framework is its HTTP work (parsing, routing, building responses).
Request workloads only (no bodies).
"""

import asyncio
import sys

import uvloop
from ceiling import ANSWERS, PLAIN, serve  # the same answers, and the same listening socket


async def handler(path):
    # None: /plaintext, found with one startswith like the ceiling's; no /download: no bodies here
    return PLAIN if path is None else ANSWERS.get(path) or PLAIN


class Floor(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = bytearray()
        self.waiter = None
        self.loop = asyncio.get_running_loop()
        self.task = self.loop.create_task(self.serve())

    def data_received(self, data):
        self.buffer += data
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc):
        self.task.cancel()

    async def serve(self):
        buffer = self.buffer
        answers = []
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if answers:
                    self.transport.write(b"".join(answers))
                    answers.clear()
                self.waiter = self.loop.create_future()
                await self.waiter
                continue
            path = None if buffer.startswith(b"GET /plaintext ") else bytes(buffer[4 : buffer.find(b" ", 4, end)])
            del buffer[: end + 4]
            answers.append(await handler(path))


if __name__ == "__main__":
    uvloop.run(serve(Floor, int(sys.argv[1])))
