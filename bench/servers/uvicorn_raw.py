"""uvicorn (httptools + uvloop) with a raw ASGI callable: /plaintext, /json, /upload, /download."""

import json
import sys

import uvicorn

CHUNK = b"x" * (256 * 1024)
DOWNLOAD_SIZE = 256 << 20


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
