"""The ceiling: a bare asyncio Protocol on uvloop that parses nothing but the request target.

It answers a canned response for every ``\\r\\n\\r\\n`` it sees (a POST's head starts a body that
ends at the next one: the chunked terminator), chosen by the path between ``GET `` and the next
space (one startswith for /plaintext, else one find and one dict lookup: each workload's
answer has the body size its servers send, framed as they frame it), and streams a canned
chunked body for ``GET /download``. No HTTP framework can be faster than this on the same loop.
"""

import asyncio
import sys

import uvloop
from bodies import DOWNLOAD_SIZE, EVENT, HELLO, JSON, STATIC, STATIC_NAME, STATIC_ROUTE

PLAIN = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\n" + HELLO
DOWNLOAD_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
CHUNK = 256 * 1024


def _chunked(content_type: bytes, body: bytes) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: " + content_type + b"\r\n\r\n"
    return head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


def _whole(content_type: bytes, body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: %s\r\n\r\n" % (len(body), content_type) + body


# Path -> the whole canned response; None: the streamed download. Anything else gets PLAIN.
ANSWERS: dict[bytes, bytes | None] = {
    b"/plaintext": PLAIN,
    b"/json": _whole(b"application/json", JSON),
    b"/prepare": PLAIN,
    b"/chunked": _chunked(b"text/plain", HELLO),
    b"/sse": _chunked(b"text/event-stream", EVENT),
    f"{STATIC_ROUTE}/{STATIC_NAME}".encode(): _whole(b"text/plain", STATIC),
    b"/download": None,
}


class Ceiling(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.tail = b""
        self.in_body = False
        self.paused = None

    def data_received(self, data):
        if self.in_body:
            # Inside an upload only its end matters: the chunked terminator (nothing follows it).
            last = (self.tail + data[-5:])[-5:]
            if last != b"0\r\n\r\n":
                self.tail = last
                return
            self.in_body, self.tail = False, b""
            self.transport.write(PLAIN)
            return
        if self.tail:
            data = self.tail + data
        start = 0
        answers = []
        while (end := data.find(b"\r\n\r\n", start)) >= 0:
            if data.startswith(b"POST", start):
                self.in_body, self.tail = True, b""
                if answers:
                    self.transport.write(b"".join(answers))
                if end + 4 < len(data):
                    self.data_received(data[end + 4 :])  # the body began in this read
                return
            if data.startswith(b"GET /plaintext ", start):
                answers.append(PLAIN)  # plaintext pays one startswith, as before paths were looked up
            else:
                answer = ANSWERS.get(data[start + 4 : data.find(b" ", start + 4, end)], PLAIN)
                if answer is None:
                    asyncio.get_running_loop().create_task(self.download())
                else:
                    answers.append(answer)
            start = end + 4
        self.tail = data[start:]
        if answers:
            self.transport.write(b"".join(answers))

    def pause_writing(self):
        self.paused = asyncio.get_running_loop().create_future()

    def resume_writing(self):
        if self.paused is not None:
            self.paused.set_result(None)
            self.paused = None

    async def download(self):
        chunk = b"%x\r\n" % CHUNK + b"x" * CHUNK + b"\r\n"
        self.transport.write(DOWNLOAD_HEAD)
        for _ in range(DOWNLOAD_SIZE // CHUNK):
            if self.transport.is_closing():
                return
            self.transport.write(chunk)
            if self.paused is not None:
                await self.paused
        self.transport.write(b"0\r\n\r\n")


async def serve(protocol, port):
    server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(serve(Ceiling, int(sys.argv[1])))
