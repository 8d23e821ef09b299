"""Write modes, eof, and what happens when handlers fail -- exact wire results."""

from __future__ import annotations

import asyncio
import logging

import pytest
from serving import TIMEOUT, exchange, parse, read_until, running

import Blazeio as io

CLOSE = b"Connection: close\r\n"


def get(path: str, close: bool = True) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n".encode() + (CLOSE if close else b"") + b"\r\n"


async def one(web: io.App, path: str) -> tuple[bytes, list[object]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
    writer.write(get(path))
    raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    writer.close()
    return raw, parse(raw)  # type: ignore[return-value]


async def test_content_length_mode_and_idempotent_eof() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _cl(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", "Content-Length": 6}, 201)
        await r.write(b"abc")
        await r.eof(b"def")
        await r.eof()  # idempotent
        await r.eof(b"")

    async with running(web):
        raw, (reply,) = await one(web, "/cl")
    assert reply.status == 201 and reply.body == b"abcdef"  # type: ignore[attr-defined]
    assert raw.endswith(b"\r\n\r\nabcdef")


async def test_response_without_length_is_sent_until_close() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _raw(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain"}, 200)
        await r.write(b"until ")
        await r.write(b"close")

    async with running(web):
        replies = await exchange(web.port, get("/raw", close=False) + get("/raw"))
    assert [r.body for r in replies] == [b"until close"]  # the first response ends the connection
    assert replies[0].headers["connection"] == "close"


async def test_server_sent_events_are_framed() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _sse(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}, 200)
        await r.write("hello")
        await r.write({"n": 1})
        await r.write("line one\nline two")
        await r.write("event: tick\ndata: 3\n\n")

    async with running(web):
        _, (reply,) = await one(web, "/sse")
    assert reply.headers["transfer-encoding"] == "chunked"  # type: ignore[attr-defined]
    assert reply.body == (  # type: ignore[attr-defined]
        b'data: hello\n\ndata: {"n":1}\n\ndata: line one\ndata: line two\n\nevent: tick\ndata: 3\n\n'
    )


async def test_handler_that_returns_without_responding_gets_500_and_a_logged_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _silent(r: io.BlazeioProtocol) -> None:
        return None

    async with running(web):
        _, (reply,) = await one(web, "/silent")
    io.plog.flush_sync()
    assert reply.status == 500  # type: ignore[attr-defined]
    assert "without a response" in caplog.text


async def test_handler_error_is_500_with_traceback_logged_and_connection_stays_usable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _boom(r: io.BlazeioProtocol) -> None:
        raise ZeroDivisionError("kaboom")

    @web.add_route
    async def _ok(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("ok")

    with caplog.at_level(logging.ERROR):
        async with running(web):
            replies = await exchange(web.port, get("/boom", close=False) + get("/ok"))
        io.plog.flush_sync()
    assert [(r.status, r.body) for r in replies] == [(500, b"Internal Server Error"), (200, b"ok")]
    assert "ZeroDivisionError: kaboom" in caplog.text and "Traceback" in caplog.text


async def test_error_after_the_head_closes_the_connection_never_a_second_head() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _late_error(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        await r.write(b"partial")
        raise RuntimeError("after the head")

    @web.add_route
    async def _late_abort(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        raise io.Abort("too late", 404)

    async with running(web):
        for path in ("/late/error", "/late/abort"):
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            writer.write(get(path, close=False) + get(path))
            raw = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            assert raw.count(b"HTTP/1.1") == 1
            assert not raw.endswith(b"0\r\n\r\n")  # no terminator: the client sees a truncated body


async def test_short_content_length_closes_the_connection(caplog: pytest.LogCaptureFixture) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _short(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Length": 10}, 200)
        await r.write(b"only5")

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(get("/short", close=False) + get("/short"))
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    io.plog.flush_sync()
    assert raw.count(b"HTTP/1.1") == 1 and raw.endswith(b"only5")
    assert "Incomplete response" in caplog.text


async def test_abort_answers_with_status_reason_headers_and_content_length() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _gone(r: io.BlazeioProtocol) -> None:
        raise io.Abort("Not here", 404, {"X-Why": "test"})

    @web.add_route
    async def _redirect(r: io.BlazeioProtocol) -> None:
        raise io.Abort("", 302, io.ddict(location="/api/ip"))

    @web.add_route
    async def _default(r: io.BlazeioProtocol) -> None:
        raise io.Abort()

    async with running(web):
        replies = await exchange(web.port, get("/gone", False) + get("/redirect", False) + get("/default"))
    gone, redirect, default = replies
    assert (gone.status, gone.reason, gone.body, gone.headers["x-why"]) == (404, "Not Found", b"Not here", "test")
    assert (redirect.status, redirect.headers["location"], redirect.headers["content-length"]) == (302, "/api/ip", "0")
    assert (default.status, default.body) == (403, b"Something went wrong")


async def test_deliver_works_from_a_task_the_handler_started(caplog: pytest.LogCaptureFixture) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _delegated(r: io.BlazeioProtocol) -> None:
        # Deliver.* are coroutines: create_task() takes them, and the task finds the request.
        await asyncio.create_task(io.Deliver.json({"from": "task"}))

    with caplog.at_level(logging.ERROR):
        async with running(web):
            replies = await exchange(web.port, get("/delegated", close=False) + get("/delegated"))
        io.plog.flush_sync()
    assert [r.body for r in replies] == [b'{"from":"task"}'] * 2  # the connection stays usable
    assert replies[0].headers["content-type"] == "application/json; charset=utf-8"
    assert "Error in handler" not in caplog.text


async def test_header_injection_in_a_response_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _inject(r: io.BlazeioProtocol) -> None:
        await r.prepare({"X-Evil": "a\r\nSet-Cookie: owned=1"}, 200)

    async with running(web):
        raw, (reply,) = await one(web, "/inject")
    assert reply.status == 500  # type: ignore[attr-defined]
    assert b"owned" not in raw


async def test_unknown_path_is_404_and_bad_requests_get_the_core_status() -> None:
    web = io.App("127.0.0.1", 0)
    async with running(web):
        (missing,) = await exchange(web.port, get("/nowhere"))
        (bad,) = await exchange(web.port, b"GET / HTTP/1.1\r\nHost: t\r\nX : y\r\n\r\n")
        (smuggle,) = await exchange(
            web.port, b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        (http2,) = await exchange(web.port, b"GET / HTTP/2.0\r\nHost: t\r\n\r\n")
    assert missing.status == 404
    assert (bad.status, bad.keep_alive) == (400, False)
    assert smuggle.status == 400
    assert http2.status == 505


async def test_handle_all_chain_stops_at_the_first_that_responded() -> None:
    web = io.App("127.0.0.1", 0)
    calls: list[str] = []

    class Static:
        async def handle_all_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append("static")
            if r.path == "/file":
                await io.Deliver.text("file")

    class Server:
        async def before_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append("before")

        async def handle_all_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append("app")
            raise io.Abort("Not Found", 404)

        async def after_middleware(self, r: io.BlazeioProtocol) -> None:
            calls.append("after")

    web.attach(Static)
    web.attach(Server())
    async with running(web):
        replies = await exchange(web.port, get("/file", False) + get("/other"))
    assert [(r.status, r.body) for r in replies] == [(200, b"file"), (404, b"Not Found")]
    assert calls == ["before", "static", "after", "before", "static", "app", "after"]


async def test_duplicate_routes_are_an_error_not_silent() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _x(r: io.BlazeioProtocol) -> None: ...

    with pytest.raises(ValueError, match="duplicate route '/x'"):

        @web.add_route
        async def other(r: io.BlazeioProtocol, route: str = "/x") -> None: ...


async def test_a_route_path_can_be_given_to_the_decorator() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route("/hello/there")
    async def greet(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("hi")

    with pytest.raises(TypeError, match="needs a handler function"):
        web.add_route(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path twice"):
        web.add_route("/a", "/b")
    async with running(web):
        (ok,) = await exchange(web.port, get("/hello/there"))
        (missing,) = await exchange(web.port, get("/greet"))
    assert (ok.status, ok.body) == (200, b"hi")
    assert missing.status == 404


async def test_percent_encoded_paths_match_decoded_routes() -> None:
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def spaced(r: io.BlazeioProtocol, route: str = "/a b") -> None:
        await io.Deliver.text(r.path)

    async with running(web):
        (ok,) = await exchange(web.port, get("/a%20b"))
        (bad,) = await exchange(web.port, get("/a%FFb"))
    assert (ok.status, ok.body) == (200, b"/a%20b")
    assert bad.status == 400


async def test_reads_of_the_next_request_are_not_blocked_by_a_slow_write_path() -> None:
    # Sanity: a streaming handler that awaits between writes still ends its response once.
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _slow(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        for i in range(3):
            await asyncio.sleep(0)
            await r.write(b"%d" % i)

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(get("/slow", close=False))
        head = await read_until(reader, b"0\r\n\r\n")
        writer.close()
    assert head.count(b"0\r\n\r\n") == 1


async def test_deliver_file_sends_type_length_and_download_name(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "report data.csv"
    payload = b"a,b\n" * 50_000
    path.write_bytes(payload)
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _inline(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(str(path))

    @web.add_route
    async def _download(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(r, str(path), attachment=True, filename="résumé.csv")

    @web.add_route
    async def _missing(r: io.BlazeioProtocol) -> None:
        await io.Deliver.file(str(path) + ".nope")

    async with running(web):
        replies = await exchange(web.port, get("/inline", False) + get("/download", False) + get("/missing"))
    inline, download, missing = replies
    assert (inline.body, inline.headers["content-type"], inline.headers["content-length"]) == (
        payload,
        "text/csv; charset=utf-8",
        str(len(payload)),
    )
    assert download.body == payload
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"r?sum?.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv"
    )
    assert missing.status == 404
