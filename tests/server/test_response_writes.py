"""How many transport writes a response takes, and that a head still leaves at once.

A head and a body written in the same turn of the event loop leave together (one ``send()``
instead of two); a head whose handler goes on to wait for something else leaves at the end
of the turn in which ``prepare()`` ran.
"""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import brotli
import pytest
from serving import TIMEOUT, connect_recording, exchange, parse, read_until, request, running

import Blazeio as io
from blazeio_common import LocalProtocolError

REQUEST = b"GET /answer HTTP/1.1\r\nHost: t\r\n\r\n"


async def recorded(web: io.App, request: bytes = REQUEST) -> list[bytes]:
    """The transport writes of ``web``'s answer to ``request`` (one keep-alive request)."""
    connection, transport = connect_recording(web)
    connection.data_received(request)
    await asyncio.wait_for(transport.wrote.wait(), TIMEOUT)
    # Let the serve loop finish the response and return to waiting for the next request.
    for _ in range(5):
        await asyncio.sleep(0)
    connection.connection_lost(None)
    return transport.writes


def app_with(handler: Any) -> io.App:
    web = io.App("127.0.0.1", 0)
    web.add_route(handler, "/answer")
    return web


@pytest.mark.parametrize(
    ("name", "headers", "body"),
    [
        ("content-length", {"Content-Type": "text/plain", "Content-Length": "13"}, b"Hello, World!"),
        ("chunked", {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, b"d\r\nHello, World!\r\n0\r\n\r\n"),
    ],
)
async def test_a_head_and_body_written_in_one_turn_leave_in_one_write(
    name: str, headers: dict[str, str], body: bytes
) -> None:
    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare(headers, 200)
        await r.write(b"Hello, World!")
        await r.eof()

    writes = await recorded(app_with(answer))
    assert len(writes) == 1
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert writes[0].endswith(b"\r\n\r\n" + body)
    (reply,) = parse(writes[0])
    assert reply.body == b"Hello, World!"


async def test_a_server_sent_event_and_its_head_leave_in_one_write() -> None:
    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/event-stream"}, 200)
        await r.send_event("hi", event="greeting")
        await r.eof()

    (write,) = await recorded(app_with(answer))
    (reply,) = parse(write)
    assert reply.headers["content-type"] == "text/event-stream"
    assert reply.body == b"event: greeting\ndata: hi\n\n"


async def test_a_head_leaves_at_once_when_the_handler_waits_before_writing() -> None:
    gate = asyncio.Event()

    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _slow(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, 200)
        await gate.wait()  # e.g. the next event of a stream
        await r.write(b"late")

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        try:
            writer.write(b"GET /slow HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            head = await read_until(reader, b"\r\n\r\n")  # arrives while the handler still waits
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            gate.set()
            rest = await asyncio.wait_for(reader.read(), TIMEOUT)
        finally:
            writer.close()
    (reply,) = parse(head + rest)
    assert reply.body == b"late"


async def test_a_refused_header_is_refused_every_time_not_only_the_first() -> None:
    # prepare() remembers header shapes it validated; an invalid one must never be remembered.
    web = io.App("127.0.0.1", 0)
    refused: list[str] = []

    @web.add_route
    async def _inject(r: io.BlazeioProtocol) -> None:
        try:
            await r.prepare({"Content-Type": "text/plain", "X-Evil": "a\r\nSet-Cookie: owned=1"}, 200)
        except LocalProtocolError as exc:
            refused.append(type(exc).__name__)
        await io.Deliver.text("ok")

    async with running(web):
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            writer.write(b"GET /inject HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            raw = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            assert b"owned" not in raw
            assert parse(raw)[0].body == b"ok"
    assert len(refused) == 3


async def test_two_apps_keep_their_own_response_header_memo() -> None:
    # A header mapping learned by one App (with its Server line dropped) says nothing in another.
    web_b = io.App("127.0.0.1", 0, server_header=None)
    headers = {"Content-Type": "text/plain", "Content-Length": "2", "Server": "mine"}

    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare(headers, 200)
        await r.write(b"ok")

    web_a = app_with(answer)
    (first,) = parse(b"".join(await recorded(web_a)))
    assert first.headers.getlist("server") == ["Blazeio"]
    web_b.add_route(answer, "/answer")
    (second,) = parse(b"".join(await recorded(web_b)))
    assert second.headers.getlist("server") == ["mine"]
    assert web_a.head_shapes is not web_b.head_shapes


async def test_each_app_owns_its_request_head_cache_and_size_zero_turns_it_off() -> None:
    async def answer(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(r.headers["x-a"])

    cached, uncached = app_with(answer), io.App("127.0.0.1", 0, head_cache_size=0)
    uncached.add_route(answer, "/answer")
    head = b"GET /answer HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n\r\n"
    for web in (cached, uncached):
        replies = parse(b"".join(await recorded(web, head * 3)))
        assert [reply.body for reply in replies] == [b"1"] * 3
    limits = cached.settings.limits
    assert len(cached.head_cache.table("request", limits)) == 1
    assert not uncached.head_cache.table("request", limits)


async def test_a_carriage_return_in_event_data_cannot_start_a_field_of_its_own() -> None:
    # HTML §9.2.6: a lone CR ends a line, so "a\rid: x" sent raw would set the event's id.
    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/event-stream"}, 200)
        await r.send_event("a\rid: x")
        await r.write("b\revent: y")
        await r.eof()

    (reply,) = parse(b"".join(await recorded(app_with(answer))))
    assert reply.body == b"data: a\ndata: id: x\n\ndata: b\ndata: event: y\n\n"


async def test_a_large_body_piece_leaves_beside_the_head_not_copied_into_it() -> None:
    body = bytes(range(256)) * 256  # 64 KiB

    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked"}, 200)
        await r.write(body)
        await r.eof()

    writes = await recorded(app_with(answer))
    assert writes[0].endswith(b"\r\n\r\n") and body not in writes[0]  # the head alone
    assert body in writes  # the piece itself, never joined with other bytes
    (reply,) = parse(b"".join(writes))
    assert reply.body == body


async def test_a_streamed_text_answer_negotiates_its_coding_on_every_request() -> None:
    # prepare() keeps the negotiated field lines per header shape and coding: one request's
    # coding must never leak into the next answer of the same shape on the connection.
    web = io.App("127.0.0.1", 0, compress=True)

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, 200)
        await r.write(b"streamed text " * 20)
        await r.eof()

    asked = ["gzip", None, "br", "gzip", None]
    data = b"".join(
        b"GET /stream HTTP/1.1\r\nHost: t\r\n"
        + (f"Accept-Encoding: {coding}\r\n".encode() if coding else b"")
        + b"\r\n"
        for coding in asked
    )
    async with running(web):
        replies = await exchange(web.port, data + request("GET", "/stream"))
    assert len(replies) == len(asked) + 1
    for coding, reply in zip([*asked, None], replies, strict=True):
        assert reply.headers.getlist("vary") == ["Accept-Encoding"]
        assert reply.headers.getlist("content-encoding") == ([coding] if coding else [])
        body = {"gzip": gzip.decompress, "br": brotli.decompress, None: bytes}[coding](reply.body)
        assert body == b"streamed text " * 20


@pytest.mark.parametrize(
    ("headers", "send", "body"),
    [
        ({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, "write", b"onetwo"),
        (
            {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
            "send_event",
            b"data: one\n\ndata: two\n\n",
        ),
    ],
)
async def test_a_stream_to_an_http_1_0_client_is_compressed_and_ends_with_the_connection(
    headers: dict[str, str], send: str, body: bytes
) -> None:
    # RFC 9112 §6.3: no chunked coding for HTTP/1.0; the body ends when the connection closes.
    web = io.App("127.0.0.1", 0, compress=True)

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare(headers, 200)
        for piece in ("one", "two"):
            await getattr(r, send)(piece if send == "send_event" else piece.encode())
        await r.eof()

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        try:
            writer.write(b"GET /stream HTTP/1.0\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
            raw = await asyncio.wait_for(reader.read(), TIMEOUT)  # the server closes: the body's end
        finally:
            writer.close()
    head, _, sent = raw.partition(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    assert lines[0].startswith(b"http/1.1 200 ")
    assert b"content-encoding: gzip" in lines and b"vary: accept-encoding" in lines
    assert not any(line.startswith((b"transfer-encoding", b"content-length")) for line in lines)
    assert zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(sent) == body


async def test_many_small_chunks_in_one_turn_are_held_no_longer_than_the_write_high_water() -> None:
    web = io.App("127.0.0.1", 0, write_high_water=4096, write_low_water=1024)

    async def answer(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}, 200)
        for i in range(200):  # no await yields: all in the turn of prepare()
            await r.write(b"%03d" % i + b"." * 97)
        await r.eof()

    web.add_route(answer, "/answer")
    writes = await recorded(web)
    assert len(writes) > 1
    assert all(len(write) < 4096 + 200 for write in writes)  # the limit, plus the piece that crossed it
    (reply,) = parse(b"".join(writes))
    assert reply.body == b"".join(b"%03d" % i + b"." * 97 for i in range(200))
