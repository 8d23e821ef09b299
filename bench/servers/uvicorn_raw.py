"""uvicorn (httptools + uvloop) with a raw ASGI callable: /plaintext and /json."""

import json
import sys

import uvicorn


async def app(scope, receive, send):
    assert scope["type"] == "http"
    if scope["path"] == "/json":
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
    )
