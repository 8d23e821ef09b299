"""uvicorn (httptools + uvloop) with a raw ASGI callable: every workload of the suite.

/prepare sends ``http.response.start`` with a content-length, then the body; /chunked and /sse
send the start without a length and the body with ``more_body`` (uvicorn frames it chunked).
uvicorn has no static-file facility of its own (that is Starlette's), so /static/hello.txt is
read from the folder per request in the handler, as a raw ASGI app must.
"""

import json
import os
import sys

import uvicorn
from bodies import CHUNK, DOWNLOAD_SIZE, STATIC_NAME, STATIC_ROUTE, static_root

STATIC_FILE = f"{STATIC_ROUTE}/{STATIC_NAME}"


async def stream(send, headers, body):
    """A head without a length, then the body in a message of its own: chunked on the wire."""
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def app(scope, receive, send):
    assert scope["type"] == "http"
    path = scope["path"]
    if path == "/upload":
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body, ctype = str(size).encode(), b"text/plain"
    elif path == "/download":
        headers = [(b"content-type", b"application/octet-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
            await send({"type": "http.response.body", "body": CHUNK, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    elif path == "/chunked":
        await stream(send, [(b"content-type", b"text/plain")], b"Hello, World!")
        return
    elif path == "/sse":
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await stream(send, headers, b"data: Hello, World!\n\n")
        return
    elif path == "/prepare":
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"13")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"Hello, World!"})
        return
    elif path == STATIC_FILE:
        # A 1 KiB read from the page cache: blocking, but cheaper than a hop to a thread.
        with open(os.path.join(os.environ["BENCH_STATIC_ROOT"], STATIC_NAME), "rb") as f:  # noqa: ASYNC230
            body, ctype = f.read(), b"text/plain"
    elif path == "/json":
        body, ctype = json.dumps({"message": "Hello, World!"}, separators=(",", ":")).encode(), b"application/json"
    else:
        body, ctype = b"Hello, World!", b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    os.environ["BENCH_STATIC_ROOT"] = static_root()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_level="error",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=120,
        backlog=4096,
    )
