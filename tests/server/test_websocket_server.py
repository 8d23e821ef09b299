"""``r.websocket()`` against real peers: the ``websockets`` library's client and Blazeio's own
(text, binary, large and fragmented messages, compression, pings, every close path,
subprotocols, refused handshakes, routes and middleware)."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import Any

import pytest
from serving import TIMEOUT, exchange, read_until, request, running

websockets = pytest.importorskip("websockets")  # a test dependency, absent from install slices

from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

import Blazeio as io  # noqa: E402
from blazeio_common import WebSocket, WebSocketClosed, plog  # noqa: E402
from blazeio_common.ws import WebSocketConnection  # noqa: E402

BIG = 32 << 20


class Recorder:
    """What the server-side handlers saw, for the test to check."""

    def __init__(self) -> None:
        self.seen: list[Any] = []
        self.done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def finish(self, value: Any) -> None:
        if not self.done.done():
            self.done.set_result(value)


def ws_app(rec: Recorder) -> io.App:
    web = io.App("127.0.0.1", 0)

    @web.route("/echo")
    async def echo(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(compress=r.query != "plain", max_message_size=BIG, ping_interval=None)
        rec.seen.append(("deflate", ws.connection.deflate is not None))
        async for message in ws:
            await ws.send(message)
        rec.finish((ws.close_code, ws.close_reason))

    @web.route("/fragments")
    async def fragments(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)

        async def pieces() -> AsyncIterator[str]:
            for piece in ("frag", "ment", "ed"):
                yield piece

        await ws.send(pieces())
        await ws.receive()

    @web.route("/ping")
    async def ping(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        latency = await ws.ping(b"server")
        await ws.send(f"pong after {latency >= 0}")
        await ws.receive()

    @web.route("/chat")
    async def chat(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(protocols=("chat", "superchat"), ping_interval=None)
        await ws.send(str(ws.subprotocol))

    @web.route("/close")
    async def close(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        await ws.close(4000, "bye now")
        rec.finish(ws.close_code)

    @web.route("/return")
    async def returns(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        rec.seen.append(await ws.receive())

    @web.route("/raise")
    async def raises(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        await ws.receive()
        raise RuntimeError("handler broke")

    @web.route("/wait")
    async def wait(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        await ws.send("ready")
        try:
            await ws.receive()
        except asyncio.CancelledError:
            rec.finish("cancelled")
            raise

    @web.route("/shielded")
    async def shielded(r: io.BlazeioProtocol) -> None:
        async with io.ConnectionTaskShield(r):
            ws = await r.websocket(ping_interval=None)
            await ws.send("ready")
            try:
                await ws.receive()
            except WebSocketClosed as exc:
                rec.finish(exc.code)

    @web.route("/plain")
    async def plain(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("plain HTTP")

    return web


@pytest.fixture
async def rec() -> Recorder:
    return Recorder()


def url(web: io.App, path: str) -> str:
    return f"ws://127.0.0.1:{web.port}{path}"


@pytest.mark.parametrize("compress", [True, False])
async def test_text_and_binary_messages_echo_compressed_or_not(rec: Recorder, compress: bool) -> None:
    async with running(ws_app(rec)) as web:
        compression = "deflate" if compress else None
        async with connect(url(web, "/echo"), compression=compression) as client:
            for message in ("hello", "ünïcödé ✓", "", b"\x00\x01\xff", b""):
                await client.send(message)
                assert await asyncio.wait_for(client.recv(), TIMEOUT) == message
        assert rec.seen == [("deflate", compress)]
        assert await asyncio.wait_for(rec.done, TIMEOUT) == (1000, "")  # the client closed


@pytest.mark.parametrize("size", [1 << 20, 16 << 20], ids=["1MiB", "16MiB"])
@pytest.mark.parametrize("path", ["/echo", "/echo?plain"], ids=["deflate", "plain"])
async def test_large_messages_travel_whole(rec: Recorder, size: int, path: str) -> None:
    payload = os.urandom(size)
    async with running(ws_app(rec)) as web, connect(url(web, path), max_size=BIG) as client:
        await client.send(payload)
        assert await asyncio.wait_for(client.recv(), 60) == payload
        text = "é" * (size // 2)
        await client.send(text)
        assert await asyncio.wait_for(client.recv(), 60) == text


async def test_fragmented_messages_arrive_whole_both_ways(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        async with connect(url(web, "/echo?plain"), compression=None) as client:
            await client.send([b"one ", b"two ", b"three"])  # three frames, one message
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == b"one two three"
        async with connect(url(web, "/fragments")) as client:
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "fragmented"


async def test_pings_are_answered_both_ways(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        async with connect(url(web, "/echo")) as client:
            await asyncio.wait_for(await client.ping(b"client"), TIMEOUT)  # the server's pong
        async with connect(url(web, "/ping")) as client:
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "pong after True"


async def test_the_server_closes_with_a_code_and_reason(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/close")) as client:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(client.recv(), TIMEOUT)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "bye now")
        assert await asyncio.wait_for(rec.done, TIMEOUT) == 4000


async def test_a_handler_that_returns_closes_with_1000(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/return")) as client:
        await client.send("last")
        await asyncio.wait_for(client.wait_closed(), TIMEOUT)
        assert client.close_code == 1000
        assert rec.seen == ["last"]


async def test_a_handler_that_raises_closes_with_1011_and_logs(rec: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/raise")) as client:
        await client.send("go")
        await asyncio.wait_for(client.wait_closed(), TIMEOUT)
        assert client.close_code == 1011
    plog.flush_sync()
    assert "Error in WebSocket handler for GET /raise" in caplog.text
    assert "handler broke" in caplog.text


async def test_a_graceful_shutdown_closes_with_1001(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/echo")) as client:
        await client.send("hi")
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "hi"
        await asyncio.wait_for(web.exit(), TIMEOUT)
        await asyncio.wait_for(client.wait_closed(), TIMEOUT)
        assert client.close_code == 1001
        assert await asyncio.wait_for(rec.done, TIMEOUT) == (1001, "")
        assert not web.connections


async def test_a_dropped_connection_cancels_the_handler(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/wait")) as client:
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "ready"
        client.transport.abort()  # TCP gone, no close frame
        assert await asyncio.wait_for(rec.done, TIMEOUT) == "cancelled"


async def test_a_shielded_handler_sees_1006_when_the_connection_drops(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web, connect(url(web, "/shielded")) as client:
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "ready"
        client.transport.abort()
        assert await asyncio.wait_for(rec.done, TIMEOUT) == 1006


async def test_the_subprotocol_is_the_clients_first_choice_the_route_speaks(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        async with connect(url(web, "/chat"), subprotocols=["mqtt", "superchat", "chat"]) as client:
            assert client.subprotocol == "superchat"
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "superchat"
        async with connect(url(web, "/chat"), subprotocols=["mqtt"]) as client:
            assert client.subprotocol is None
            assert await asyncio.wait_for(client.recv(), TIMEOUT) == "None"


def handshake(path: str, **fields: str) -> bytes:
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
        "Sec-WebSocket-Version": "13",
    }
    headers.update(fields)
    return request("GET", path, headers={k: v for k, v in headers.items() if v})


async def test_requests_that_are_no_valid_upgrade_are_refused(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        [plain_get] = await exchange(web.port, request("GET", "/echo"))
        assert plain_get.status == 426
        assert plain_get.headers.get("upgrade") == "websocket"
        [old] = await exchange(web.port, handshake("/echo", **{"Sec-WebSocket-Version": "8"}))
        assert (old.status, old.headers.get("sec-websocket-version")) == (426, "13")
        [no_key] = await exchange(web.port, handshake("/echo", **{"Sec-WebSocket-Key": ""}))
        assert no_key.status == 400
        [bad_key] = await exchange(web.port, handshake("/echo", **{"Sec-WebSocket-Key": "short"}))
        assert bad_key.status == 400
        assert not rec.seen


async def test_upgrade_headers_on_a_plain_route_get_plain_http(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        [reply] = await exchange(web.port, handshake("/plain"))
        assert (reply.status, reply.body) == (200, b"plain HTTP")


async def test_the_handshake_answer_is_a_101_with_the_accept_key(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(handshake("/chat").replace(b"Connection: close\r\n", b""))
        head = await read_until(reader, b"\r\n\r\n")
        writer.close()
        assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        # RFC 6455 §1.3's example key gives this accept value for "dGhlIHNhbXBsZSBub25jZQ=="; ours:
        assert b"Sec-WebSocket-Accept: " in head
        assert b"Content-Length" not in head and b"Transfer-Encoding" not in head


async def test_a_frame_sent_with_the_handshake_is_the_first_message(rec: Recorder) -> None:
    client = WebSocketConnection("client")
    async with running(ws_app(rec)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        opening = handshake("/echo?plain").replace(b"Connection: close\r\n", b"")
        writer.write(opening + client.send_text("first"))  # one send
        head = await read_until(reader, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101 ")
        # The echo (server frames are unmasked); then our close and the server's answer.
        assert await asyncio.wait_for(reader.readexactly(7), TIMEOUT) == b"\x81\x05first"
        writer.write(client.close())
        assert await asyncio.wait_for(reader.readexactly(4), TIMEOUT) == b"\x88\x02\x03\xe8"
        assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""  # then the server ends TCP
        writer.close()
        assert await asyncio.wait_for(rec.done, TIMEOUT) == (1000, "")


async def test_routes_groups_and_middleware_apply(rec: Recorder) -> None:
    calls: list[str] = []
    web = io.App("127.0.0.1", 0)
    live = io.Router(prefix="/live")

    class Audit:
        async def before_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append(f"before {r.path}")

        async def after_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append(f"after {r.path} {r.status}")

    @live.route.get("/rooms/{room}")
    async def room(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(ping_interval=None)
        await ws.send(f"room {r.path_params['room']}")
        calls.append(f"handler got {await ws.receive()}")

    web.attach(live)
    live.attach(Audit)
    async with running(web), connect(url(web, "/live/rooms/7")) as client:
        assert await asyncio.wait_for(client.recv(), TIMEOUT) == "room 7"
        await client.send("bye")
        await asyncio.wait_for(client.wait_closed(), TIMEOUT)
        assert client.close_code == 1000
    assert calls == ["before /live/rooms/7", "handler got bye", "after /live/rooms/7 101"]


async def test_blazeio_client_against_blazeio_server(rec: Recorder) -> None:
    async with running(ws_app(rec)) as web:
        async with io.getSession.websocket(url(web, "/echo"), max_message_size=BIG, ping_interval=None) as ws:
            assert isinstance(ws, WebSocket)
            assert ws.connection.deflate is not None
            for message in ("text", b"\x00bin", "x" * 100_000, os.urandom(1 << 20)):
                await ws.send(message)
                assert await asyncio.wait_for(ws.receive(), TIMEOUT) == message
            await ws.send_json({"a": [1]})
            assert await asyncio.wait_for(ws.receive_json(), TIMEOUT) == {"a": [1]}
            assert await asyncio.wait_for(ws.ping(), TIMEOUT) >= 0
        assert await asyncio.wait_for(rec.done, TIMEOUT) == (1000, "")
        async with io.getSession.websocket(url(web, "/chat"), protocols=("superchat",), ping_interval=None) as ws:
            assert ws.subprotocol == "superchat"
            assert await asyncio.wait_for(ws.receive(), TIMEOUT) == "superchat"


async def browse(url: str, profile: Path, until: Awaitable[Any]) -> Any:
    """Headless Chromium opens ``url`` and runs until ``until`` is done (the page reports back
    over HTTP); then it is stopped. No virtual-time budget: a WebSocket does not hold it."""
    chromium = shutil.which("chromium")
    assert chromium is not None
    proc = await asyncio.create_subprocess_exec(
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", url,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        return await asyncio.wait_for(until, 60)
    finally:
        proc.kill()
        await proc.wait()


@pytest.mark.peer("chromium")
async def test_a_browser_websocket_talks_to_the_server(tmp_path: Path) -> None:
    seen: list[Any] = []
    report: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def page(r: io.BlazeioProtocol, route: str = "/") -> None:
        await io.Deliver.html(
            "<!doctype html><script>"
            "const out = []; const ws = new WebSocket('ws://' + location.host + '/live', ['chat']);"
            "ws.binaryType = 'arraybuffer';"
            "ws.onopen = () => { ws.send('hello ' + ws.protocol + ' ' + ws.extensions);"
            " ws.send(new Uint8Array([1, 2, 3])); };"
            "ws.onmessage = e => { out.push(typeof e.data === 'string' ? e.data"
            " : 'bytes ' + new Uint8Array(e.data).join(',')); if (out.length === 2) ws.close(1000, 'done'); };"
            "ws.onclose = e => { out.push('closed ' + e.code + ' ' + e.wasClean);"
            " fetch('/report', {method: 'POST', body: out.join('|')}); };"
            "</script>"
        )

    @web.add_route
    async def _live(r: io.BlazeioProtocol) -> None:
        ws = await r.websocket(protocols=("chat",))
        async for message in ws:
            seen.append(message)
            await ws.send(message.upper() if isinstance(message, str) else message[::-1])
        seen.append(ws.close_code)

    @web.add_route
    async def _report(r: io.BlazeioProtocol) -> None:
        if not report.done():
            report.set_result(await r.read_body())
        await io.Deliver.text("thanks")

    async with running(web):
        reported = await browse(f"{web.server_address}/", tmp_path / "profile", report)
    # The page's view (its messages back, then a clean close) and the server's.
    assert reported == b"HELLO CHAT PERMESSAGE-DEFLATE|bytes 3,2,1|closed 1000 true"
    assert seen == ["hello chat permessage-deflate", b"\x01\x02\x03", 1000]
