"""Keep-alive, pipelining, HEAD, Expect: 100-continue, Date/Server headers -- over 127.0.0.1."""

from __future__ import annotations

import asyncio
import email.utils
import http.client

import pytest
from serving import TIMEOUT, exchange, parse, read_until, running

import Blazeio as io
from blazeio_server import clock
from blazeio_server.settings import ServerSettings


def echo_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _echo(r: io.BlazeioProtocol) -> None:
        body = await r.read_body()
        await io.Deliver.text(f"{r.method} {r.tail} {body.decode()}")

    @web.add_route
    async def _stream(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 200)
        await r.write(b"one,")
        await r.write(b"")  # a no-op, never the last chunk
        await r.write(b"two")

    return web


async def test_pipelined_requests_are_answered_in_order() -> None:
    async with running(echo_app()) as web:
        requests = b"".join(
            b"GET /echo?n=%d HTTP/1.1\r\nHost: t\r\n\r\n" % i if i % 3 else
            b"POST /echo?n=%d HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody" % i
            for i in range(100)
        )  # fmt: skip
        replies = await exchange(
            web.port, requests + b"GET /echo?last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
    assert len(replies) == 101
    for i, reply in enumerate(replies[:100]):
        expected = f"POST /echo?n={i} body" if i % 3 == 0 else f"GET /echo?n={i} "
        assert reply.body.decode() == expected
    assert replies[-1].body == b"GET /echo?last "
    assert not replies[-1].keep_alive


async def test_a_client_that_half_closes_after_its_requests_gets_every_answer() -> None:
    # printf ... | nc -N: the requests and the FIN arrive together. Answers held back to be sent
    # in one write (more bytes followed the request) must still leave before the close.
    cases = [
        (b"GET /echo HTTP/1.1\r\nHost: t\r\n\r\n\r\n\r\n", ["GET /echo "]),
        (b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", ["POST /echo abc"]),
        (b"GET /echo?1 HTTP/1.1\r\nHost: t\r\n\r\n" b"GET /echo?2 HTTP/1.1\r\nHost: t\r\n\r\n",
         ["GET /echo?1 ", "GET /echo?2 "]),
    ]  # fmt: skip
    async with running(echo_app()) as web:
        for request, bodies in cases:
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            writer.write(request)
            writer.write_eof()
            raw = await asyncio.wait_for(reader.read(), TIMEOUT)
            writer.close()
            assert [reply.body.decode() for reply in parse(raw)] == bodies, request


async def test_pipelined_responses_keep_bytes_a_handler_reuses_after_writing() -> None:
    # Pipelined responses are held and sent together; a handler may reuse its buffer at once.
    web = io.App("127.0.0.1", 0)

    @web.add_route
    async def _reuse(r: io.BlazeioProtocol) -> None:
        buffer = bytearray(b"a" * 8)
        await r.prepare({"Content-Type": "text/plain", "Content-Length": "16"}, 200)
        await r.write(buffer)
        buffer[:] = b"b" * 8
        await r.write(memoryview(buffer))
        buffer[:] = b"c" * 8

    async with running(web):
        one = b"GET /reuse HTTP/1.1\r\nHost: t\r\n\r\n"
        replies = await exchange(web.port, one * 16 + b"GET /reuse HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert [reply.body for reply in replies] == [b"a" * 8 + b"b" * 8] * 17


async def test_a_pipelined_response_does_not_wait_for_the_next_requests_handler() -> None:
    # The handler of request 2 waits until the client has read response 1: holding response 1
    # back to send it with response 2 would deadlock here.
    web = io.App("127.0.0.1", 0)
    first_read = asyncio.Event()

    @web.add_route
    async def _fast(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("fast")

    @web.add_route
    async def _waits(r: io.BlazeioProtocol) -> None:
        await first_read.wait()
        await io.Deliver.text("after")

    async with running(web):
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /fast HTTP/1.1\r\nHost: t\r\n\r\nGET /waits HTTP/1.1\r\nHost: t\r\n\r\n")
        head = await asyncio.wait_for(read_until(reader, b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 200 ")
        assert await asyncio.wait_for(reader.readexactly(4), TIMEOUT) == b"fast"
        first_read.set()
        head = await asyncio.wait_for(read_until(reader, b"\r\n\r\n"), TIMEOUT)
        assert await asyncio.wait_for(reader.readexactly(5), TIMEOUT) == b"after"
        writer.close()
        await writer.wait_closed()


async def test_keep_alive_serves_many_requests_on_one_connection_and_close_is_honoured() -> None:
    async with running(echo_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        for i in range(3):
            writer.write(b"GET /echo?i=%d HTTP/1.1\r\nHost: t\r\n\r\n" % i)
            head = await read_until(reader, b"\r\n\r\n")
            assert b"Connection: close" not in head
            length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            assert await reader.readexactly(length) == b"GET /echo?i=%d " % i
        writer.write(b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        rest = await asyncio.wait_for(reader.read(), TIMEOUT)  # the server closes
        writer.close()
    (reply,) = parse(rest)
    assert reply.headers["connection"] == "close"


async def test_http10_closes_unless_keep_alive_is_asked_for() -> None:
    async with running(echo_app()) as web:
        (reply,) = await exchange(web.port, b"GET /echo HTTP/1.0\r\n\r\n")
        assert reply.status == 200 and not reply.keep_alive
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        head = await read_until(reader, b"\r\n\r\n")
        assert b"Connection: keep-alive" in head
        writer.close()


async def test_chunked_response_to_http10_is_sent_raw_and_closed() -> None:
    async with running(echo_app()) as web:
        (reply,) = await exchange(web.port, b"GET /stream HTTP/1.0\r\n\r\n")
    assert reply.body == b"one,two"
    assert "transfer-encoding" not in reply.headers


async def test_chunked_stream_ends_once_with_one_terminator() -> None:
    async with running(echo_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(
            b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        )
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    assert raw.count(b"0\r\n\r\n") == 2  # exactly one last-chunk per response
    assert [r.body for r in parse(raw)] == [b"one,two", b"one,two"]


async def test_head_never_has_a_body() -> None:
    async with running(echo_app()) as web:
        raw_replies = await exchange(
            web.port,
            b"HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\nHEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            methods=["HEAD", "HEAD", "GET"],
        )
    head, head_stream, get = raw_replies
    # HEAD: the Content-Length the GET body would have ("HEAD /echo "), and no body bytes
    assert head.body == b"" and head.headers["content-length"] == str(len("HEAD /echo "))
    assert head_stream.body == b""
    assert get.body == b"GET /echo "


async def test_expect_100_continue_is_sent_when_the_handler_reads_the_body() -> None:
    async with running(echo_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert await read_until(reader, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b"hello")
        head = await read_until(reader, b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert await reader.readexactly(16) == b"POST /echo hello"
        writer.close()


async def test_no_100_continue_for_http10_or_when_the_handler_does_not_read() -> None:
    web = echo_app()

    @web.add_route
    async def _ignore(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("not reading")

    async with running(web):
        replies = await exchange(
            web.port, b"POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        # answered without 100, and closed: the client may never send a body nobody asked for
        assert [r.status for r in replies] == [200]
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"POST /echo HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi")
        raw = await asyncio.wait_for(reader.read(), TIMEOUT)
        writer.close()
    assert not raw.startswith(b"HTTP/1.1 100")
    assert parse(raw)[0].body == b"POST /echo hi"


async def test_date_header_and_server_header_that_can_be_turned_off() -> None:
    async with running(echo_app()) as web:
        (reply,) = await exchange(web.port, b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert reply.headers["server"] == "Blazeio"
    assert email.utils.parsedate_to_datetime(reply.headers["date"]).tzname() == "UTC"
    async with running(echo_app(server_header=None)) as web:
        (reply,) = await exchange(web.port, b"GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert "server" not in reply.headers


def test_the_date_line_and_the_head_start_follow_the_clock_second_by_second(monkeypatch: pytest.MonkeyPatch) -> None:
    # The start of a head (status, Date, Server) is cached for one second: a new second must
    # give a new Date on every status, and each status and Server header keeps its own start.
    now = [1_700_000_000.2]
    monkeypatch.setattr(clock, "time", lambda: now[0])
    named, anonymous = ServerSettings(server_header="A"), ServerSettings(server_header=None)
    first = clock.head_prefix(200, named)
    assert first == b"HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\nServer: A\r\n"
    assert clock.head_prefix(404, anonymous) == b"HTTP/1.1 404 Not Found\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
    now[0] += 0.7  # the same second
    assert clock.http_date() == b"Date: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
    now[0] += 0.3  # the next second
    assert clock.http_date() == b"Date: Tue, 14 Nov 2023 22:13:21 GMT\r\n"
    assert clock.head_prefix(200, named) == first.replace(b":20 GMT", b":21 GMT")
    assert clock.head_prefix(200, anonymous) == b"HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:21 GMT\r\n"
    named.server_header = "B"  # a setting changed at run time shows at once
    assert clock.head_prefix(200, named).endswith(b"\r\nServer: B\r\n")


async def test_stdlib_http_client_keep_alive_and_chunked_upload() -> None:
    async with running(echo_app()) as web:

        def client() -> list[bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
            out = []
            conn.request("POST", "/echo", body=iter([b"chunk", b"ed"]), encode_chunked=True)
            out.append(conn.getresponse().read())
            conn.request("GET", "/stream")
            out.append(conn.getresponse().read())
            conn.close()
            return out

        assert await asyncio.to_thread(client) == [b"POST /echo chunked", b"one,two"]


async def test_absolute_form_targets_are_routed_like_origin_form() -> None:
    async with running(echo_app()) as web:
        replies = await exchange(
            web.port,
            b"GET http://t:1/echo?x=1 HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET http://t?y HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        )
    assert [(r.status, r.body) for r in replies] == [(200, b"GET /echo?x=1 "), (404, b"Not Found")]
