"""Compression negotiation, request-body decoding, CORS and server-sent events over 127.0.0.1."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from pathlib import Path

import brotli
import pytest
from serving import browser_dom, exchange, read_until, request, running

import Blazeio as io
from blazeio_common.http import get_decoder

TEXT = "Blazeio compresses text. " * 200


def app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _text(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(TEXT)

    @web.add_route
    async def _tiny(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("tiny")

    @web.add_route
    async def _png(r: io.BlazeioProtocol) -> None:
        await io.Deliver.image_png(b"\x89PNG" + b"\x00" * 4000)

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        for i in range(50):
            await r.write(f"line {i} {'x' * 50}\n".encode())

    @web.add_route
    async def _explicit(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"}, 200)
        await r.write(b"a" * 1000)
        await r.write(b"b" * 1000)

    @web.add_route
    async def _upload(r: io.BlazeioProtocol) -> None:
        size = 0
        async for chunk in r.pull(decode=True):
            size += len(chunk)
        await io.Deliver.text(str(size))

    @web.add_route
    async def _oneshot(r: io.BlazeioProtocol) -> None:
        packed = await r.gzip(TEXT.encode())
        assert brotli.decompress(await r.br(TEXT.encode())) == TEXT.encode()
        await io.Deliver.bytes(packed)

    return web


async def test_compression_is_off_by_default_and_negotiated_when_on() -> None:
    async with running(app()) as web:
        (plain,) = await exchange(web.port, request("GET", "/text", headers={"Accept-Encoding": "gzip, br"}))
    assert "content-encoding" not in plain.headers and plain.body == TEXT.encode()
    async with running(app(compress=True)) as web:
        (br,) = await exchange(web.port, request("GET", "/text", headers={"Accept-Encoding": "gzip, br"}))
        (gz,) = await exchange(web.port, request("GET", "/text", headers={"Accept-Encoding": "br;q=0, gzip;q=0.5"}))
        (none,) = await exchange(web.port, request("GET", "/text", headers={"Accept-Encoding": "identity"}))
        (tiny,) = await exchange(web.port, request("GET", "/tiny", headers={"Accept-Encoding": "gzip"}))
        (png,) = await exchange(web.port, request("GET", "/png", headers={"Accept-Encoding": "gzip"}))
    assert (br.headers["content-encoding"], br.headers["vary"]) == ("br", "Accept-Encoding")
    assert brotli.decompress(br.body) == TEXT.encode() and int(br.headers["content-length"]) == len(br.body)
    assert gz.headers["content-encoding"] == "gzip" and gzip.decompress(gz.body) == TEXT.encode()
    assert "content-encoding" not in none.headers
    assert "content-encoding" not in tiny.headers and tiny.body == b"tiny"
    assert "content-encoding" not in png.headers  # already-compressed types are left alone


async def test_a_streamed_response_uses_one_compressor_for_the_whole_body() -> None:
    async with running(app(compress=True)) as web:
        (reply,) = await exchange(web.port, request("GET", "/stream", headers={"Accept-Encoding": "gzip"}))
        (explicit,) = await exchange(web.port, request("GET", "/explicit"))
    expected = "".join(f"line {i} {'x' * 50}\n" for i in range(50)).encode()
    assert reply.headers["content-encoding"] == "gzip"
    # One gzip member: a single-member decoder sees everything (per-write members would stop early).
    assert zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(reply.body) == expected
    assert gzip.decompress(explicit.body) == b"a" * 1000 + b"b" * 1000


async def test_compressed_request_bodies_are_decoded_with_a_cap() -> None:
    async with running(app(max_decoded_size=1 << 20)) as web:
        (ok,) = await exchange(
            web.port, request("POST", "/upload", gzip.compress(b"z" * 500_000), {"Content-Encoding": "gzip"})
        )
        (bomb,) = await exchange(
            web.port, request("POST", "/upload", gzip.compress(b"\0" * (8 << 20)), {"Content-Encoding": "gzip"})
        )
        (garbage,) = await exchange(web.port, request("POST", "/upload", b"not gzip", {"Content-Encoding": "gzip"}))
    assert ok.body == b"500000"
    assert bomb.status == 413
    assert garbage.status == 400


async def test_one_shot_gzip_and_br_helpers() -> None:
    async with running(app()) as web:
        (reply,) = await exchange(web.port, request("GET", "/oneshot"))
    assert gzip.decompress(reply.body) == TEXT.encode()


def cors_app(**options: object) -> io.App:
    web = io.App("127.0.0.1", 0)
    web.attach(io.Cors(**options))  # type: ignore[arg-type]

    @web.route.any("/data")
    async def data(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"ok": True})

    return web


async def test_cors_simple_requests_and_preflight() -> None:
    options = {"allow_origins": ["https://app.test"], "allow_credentials": True, "expose_headers": ["X-Total"]}
    async with running(cors_app(**options)) as web:
        (simple,) = await exchange(web.port, request("GET", "/data", headers={"Origin": "https://app.test"}))
        (foreign,) = await exchange(web.port, request("GET", "/data", headers={"Origin": "https://evil.test"}))
        preflight_headers = {
            "Origin": "https://app.test",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type, X-Token",
        }
        (preflight,) = await exchange(web.port, request("OPTIONS", "/data", headers=preflight_headers))
        bad_method = {**preflight_headers, "Access-Control-Request-Method": "TRACE"}
        (refused,) = await exchange(web.port, request("OPTIONS", "/data", headers=bad_method))
    assert simple.headers["access-control-allow-origin"] == "https://app.test"  # echoed: credentials
    assert simple.headers["access-control-allow-credentials"] == "true"
    assert simple.headers["access-control-expose-headers"] == "X-Total"
    assert "access-control-allow-origin" not in foreign.headers
    assert preflight.status == 204 and preflight.body == b""
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, POST, PUT, PATCH, DELETE"
    assert preflight.headers["access-control-allow-headers"] == "Content-Type, X-Token"
    assert preflight.headers["access-control-max-age"] == "600"
    assert refused.status == 403


async def test_cors_preflight_for_a_method_in_another_case_is_refused() -> None:
    # RFC 9110 §9.1: "patch" is not PATCH, and the request that follows would get a 501.
    headers = {"Origin": "https://app.test", "Access-Control-Request-Method": "patch"}
    async with running(cors_app()) as web:
        (refused,) = await exchange(web.port, request("OPTIONS", "/data", headers=headers))
        (exact,) = await exchange(
            web.port, request("OPTIONS", "/data", headers={**headers, "Access-Control-Request-Method": "PATCH"})
        )
    assert (refused.status, exact.status) == (403, 204)


async def test_cors_wildcard_without_credentials() -> None:
    async with running(cors_app()) as web:
        (reply,) = await exchange(web.port, request("GET", "/data", headers={"Origin": "https://any.test"}))
    assert reply.headers["access-control-allow-origin"] == "*"


def sse_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def page(r: io.BlazeioProtocol, route: str = "/") -> None:
        await io.Deliver.html(
            "<!doctype html><p id=out>waiting</p><script>"
            "const seen = []; const source = new EventSource('/events');"
            "source.addEventListener('tick', e => { seen.push(e.data + '@' + e.lastEventId);"
            " if (seen.length === 3) { source.close();"
            " document.getElementById('out').textContent = seen.join('|'); } });"
            "</script>"
        )

    @web.add_route
    async def _events(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": io.Ctypes.eventstream, "Cache-Control": "no-cache"}, 200)
        await r.send_event(retry=10_000)
        for i in range(3):
            await r.send_event(f"n{i}\nsecond line" if i == 1 else f"n{i}", event="tick", id=str(i))

    return web


async def test_sse_events_over_the_stdlib_and_flushed_when_compressed() -> None:
    async with running(sse_app()) as web:
        (reply,) = await exchange(web.port, request("GET", "/events"))
    assert reply.body == (
        b"retry: 10000\n\n"
        b"event: tick\nid: 0\ndata: n0\n\n"
        b"event: tick\nid: 1\ndata: n1\ndata: second line\n\n"
        b"event: tick\nid: 2\ndata: n2\n\n"
    )
    async with running(sse_app(compress=True)) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(request("GET", "/events", headers={"Accept-Encoding": "gzip"}))
        head = await read_until(reader, b"\r\n\r\n")
        assert b"Content-Encoding: gzip" in head
        size_line = await read_until(reader, b"\r\n")
        first = await reader.readexactly(int(size_line, 16))  # the first chunk alone decodes: it was flushed
        writer.close()
    assert get_decoder("gzip").decode(first) == b"retry: 10000\n\n"


@pytest.mark.peer("chromium")
async def test_a_browser_eventsource_receives_the_events(tmp_path: Path) -> None:
    async with running(sse_app()) as web:
        dom = await browser_dom(f"{web.server_address}/", tmp_path / "profile")
    assert b"n0@0|n1\nsecond line@1|n2@2" in dom
