"""The ceiling: a bare asyncio Protocol on uvloop that parses nothing.

It answers a canned response for every ``\\r\\n\\r\\n`` it sees (a POST's head starts a body that
ends at the next one: the chunked terminator) and streams a canned chunked body for
``GET /download``. No HTTP framework can be faster than this on the same loop.
"""

import asyncio
import sys

import uvloop

PLAIN = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!"
DOWNLOAD_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
CHUNK = 256 * 1024
DOWNLOAD_SIZE = 256 << 20


class Ceiling(asyncio.BufferedProtocol):
    # BufferedProtocol: the loop reads straight into one preallocated buffer (no bytes object
    # per read), the cheapest way to take bytes off a socket in asyncio.
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = bytearray(256 * 1024)
        self.view = memoryview(self.buffer)
        self.kept = 0  # bytes carried over at the buffer's start (a "\r\n\r\n" split across reads)
        self.in_body = False
        self.paused = None

    def get_buffer(self, sizehint):
        return self.view[self.kept :]

    def buffer_updated(self, nbytes):
        buffer, end_of_data = self.buffer, self.kept + nbytes
        start = 0
        answers = []
        while True:
            end = buffer.find(b"\r\n\r\n", start, end_of_data)
            if end < 0:
                break
            if self.in_body:
                self.in_body = False
                answers.append(PLAIN)
            elif buffer.startswith(b"POST", start):
                self.in_body = True
            elif buffer.startswith(b"GET /download", start):
                asyncio.get_running_loop().create_task(self.download())
            else:
                answers.append(PLAIN)
            start = end + 4
        # Keep an unfinished head whole (requests here are small); of a body, only the last 3 bytes.
        keep_from = start if not self.in_body else max(start, end_of_data - 3)
        self.kept = end_of_data - keep_from
        self.buffer[: self.kept] = self.buffer[keep_from:end_of_data]
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


async def main(port):
    server = await asyncio.get_running_loop().create_server(Ceiling, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
