"""granian with a raw RSGI app (one worker): /plaintext, /json, /upload, /download."""

import json
import sys

from granian.constants import Interfaces, Loops
from granian.server import Server

CHUNK = b"x" * (256 * 1024)
DOWNLOAD_SIZE = 256 << 20


async def app(scope, proto):
    path = scope.path
    if path == "/json":
        body = json.dumps({"message": "Hello, World!"}, separators=(",", ":")).encode()
        proto.response_bytes(200, [("content-type", "application/json")], body)
    elif path == "/upload":
        size = 0
        async for chunk in proto:
            size += len(chunk)
        proto.response_str(200, [("content-type", "text/plain")], str(size))
    elif path == "/download":
        transport = proto.response_stream(200, [("content-type", "application/octet-stream")])
        for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
            await transport.send_bytes(CHUNK)
    else:
        proto.response_bytes(200, [("content-type", "text/plain; charset=utf-8")], b"Hello, World!")


if __name__ == "__main__":
    Server(
        "granian_rsgi:app",
        address="127.0.0.1",
        port=int(sys.argv[1]),
        interface=Interfaces.RSGI,
        workers=1,
        runtime_threads=1,
        loop=Loops.uvloop,
        log_enabled=False,
        backlog=4096,
    ).serve()
