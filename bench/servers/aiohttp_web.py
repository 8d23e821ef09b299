"""aiohttp.web: /plaintext, /json, /upload, /download."""

import sys

from aiohttp import web

CHUNK = b"x" * (256 * 1024)
DOWNLOAD_SIZE = 256 << 20


async def plaintext(request):
    return web.Response(text="Hello, World!")


async def json_(request):
    return web.json_response({"message": "Hello, World!"})


async def upload(request):
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
    return web.Response(text=str(size))


async def download(request):
    response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(DOWNLOAD_SIZE // len(CHUNK)):
        await response.write(CHUNK)
    await response.write_eof()
    return response


app = web.Application()
app.add_routes(
    [
        web.get("/plaintext", plaintext),
        web.get("/json", json_),
        web.post("/upload", upload),
        web.get("/download", download),
    ]
)

if __name__ == "__main__":
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(
        app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, keepalive_timeout=120, backlog=4096
    )
