"""``io.TestClient``: the app in-process on 127.0.0.1, called with the real client."""

from __future__ import annotations

import asyncio

import pytest

import Blazeio as io


def make_app() -> io.App:
    web = io.App("0.0.0.0", 1)  # the client must not use these: it binds its own ephemeral port
    api = io.Router("/api")

    @api.route.get("/users/{id:int}")
    async def user(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"id": r.path_params["id"], "agent": r.headers.get("x-agent")})

    @api.route.post("/echo")
    async def echo(r: io.BlazeioProtocol) -> None:
        # Full duplex: each chunk is answered as it arrives.
        await r.prepare({"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"}, 200)
        async for chunk in r.pull():
            await r.write(chunk.upper())

    @api.add_route("/things/{name}")
    async def thing(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"method": r.method, "name": r.path_params["name"], "body": (await r.text()) or None})

    web.attach(api)
    return web


async def test_requests_return_the_client_responses_with_json_and_default_headers() -> None:
    async with io.TestClient(make_app(), headers={"X-Agent": "tests"}) as client:
        assert client.base_url.startswith("http://127.0.0.1:")
        async with client.get("/api/users/7") as resp:
            assert (resp.status_code, await resp.json()) == (200, {"id": 7, "agent": "tests"})
        whole = await client.get("/api/users/x")
        assert whole.status_code == 404
        for method in ("put", "patch", "delete", "options"):
            resp = await getattr(client, method)("/api/things/a%20b", body=b"data")
            assert await resp.json() == {"method": method.upper(), "name": "a b", "body": "data"}
        head = await client.head("/api/users/1")
        assert (head.status_code, await head.read()) == (200, b"")
        posted = await client.post("/api/things/x", json={"a": 1}, headers={"X-Agent": "override"})
        assert (await posted.json())["body"] == '{"a":1}'


async def test_streaming_is_full_duplex() -> None:
    async with io.TestClient(make_app()) as client, client.post("/api/echo", {"Transfer-Encoding": "chunked"}) as resp:
        await resp.write(b"ping")
        await resp.prepare_http()  # the response head arrives while the request is still open
        chunks = resp.__aiter__()
        assert await asyncio.wait_for(chunks.__anext__(), 10) == b"PING"
        await resp.write(b"pong")
        assert await asyncio.wait_for(chunks.__anext__(), 10) == b"PONG"
        await resp.eof()


async def test_the_app_shuts_down_gracefully_on_exit() -> None:
    web = make_app()
    stopped: list[bool] = []
    web.on_exit(lambda: stopped.append(True))
    entered, release = asyncio.Event(), asyncio.Event()

    @web.add_route
    async def _slow(r: io.BlazeioProtocol) -> None:
        entered.set()
        await release.wait()
        await io.Deliver.text("finished")

    async with io.TestClient(web) as client:
        port = int(client.base_url.rsplit(":", 1)[1])
        in_flight = asyncio.create_task(client.get("/slow").__aenter__())
        await asyncio.wait_for(entered.wait(), 10)
        release.set()
    # The request in flight when the block ended was answered before the app stopped.
    resp = await asyncio.wait_for(in_flight, 10)
    assert (resp.status_code, await resp.text()) == (200, "finished")
    await resp.__aexit__(None, None, None)
    assert stopped == [True]
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(RuntimeError, match="inside 'async with"):
        client.get("/api/users/1")


async def test_a_startup_failure_surfaces_from_the_test_client() -> None:
    web = make_app()

    @web.on_startup
    async def migrate() -> None:
        raise RuntimeError("schema is too new")

    with pytest.raises(io.StartupError, match="migrate raised RuntimeError"):
        async with io.TestClient(web):
            raise AssertionError("not reached")
