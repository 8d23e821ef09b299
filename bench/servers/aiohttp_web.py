"""aiohttp.web: /plaintext and /json."""

import sys

from aiohttp import web


async def plaintext(request):
    return web.Response(text="Hello, World!")


async def json_(request):
    return web.json_response({"message": "Hello, World!"})


app = web.Application()
app.add_routes([web.get("/plaintext", plaintext), web.get("/json", json_)])

if __name__ == "__main__":
    import asyncio

    import uvloop

    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
