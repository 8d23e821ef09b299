"""The client against peers that need no Blazeio server: scripted raw servers and the stdlib.

These run in the client-only install slice too.
"""

from __future__ import annotations

import asyncio
import gzip
import http.server
import threading
from collections.abc import Iterator

import brotli
import pytest
from peers import Handler, canned, raw_server, read_head

import blazeio_client as io
from blazeio_client.session import ACCEPT_ENCODING
from blazeio_common import DecompressionError, IncompleteBody, LocalProtocolError, ProtocolError


def test_timeouts_default_to_bounded_values_and_a_number_sets_all_four() -> None:
    # No request waits forever unless the program asks for it (no I/O: a Session is made only).
    url = "http://127.0.0.1:9/"
    assert io.getSession.get(url).timeout == io.Timeout(connect=10.0, read=60.0, write=60.0, pool=30.0)
    assert io.getSession.get(url, timeout=5).timeout == io.Timeout(5, 5, 5, 5)
    chosen = io.Timeout(read=None)
    assert io.getSession.get(url, timeout=chosen).timeout is chosen


async def test_a_body_cut_short_is_an_error_never_a_short_success() -> None:
    short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly twenty bytes..."
    async with raw_server(canned(short)) as url, io.getSession.get(url) as resp:
        with pytest.raises(IncompleteBody):
            await resp.read()
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
    async with raw_server(canned(chunked)) as url, io.getSession.get(url) as resp:
        with pytest.raises(IncompleteBody):
            await resp.read()


async def test_status_line_without_reason_and_until_close_body() -> None:
    async with raw_server(canned(b"HTTP/1.1 200\r\nConnection: close\r\n\r\nuntil close")) as url:
        resp = await io.getSession.get(url)
    assert (resp.status_code, resp.reason_phrase, await resp.read()) == (200, "", b"until close")


async def test_gzip_multi_member_and_br_are_decoded_and_bombs_capped() -> None:
    members = gzip.compress(b"first ") + gzip.compress(b"second")
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(members)
    async with raw_server(canned(head + members)) as url:
        resp = await io.getSession.get(url)
    assert await resp.read() == b"first second"
    assert resp.received_len == len(members)
    packed = brotli.compress(b"brotli body")
    async with raw_server(
        canned(b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: %d\r\n\r\n" % len(packed) + packed)
    ) as url:
        assert await (await io.getSession.get(url)).read() == b"brotli body"
    bomb = gzip.compress(b"\0" * (16 << 20))
    bomb_response = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(bomb) + bomb
    async with raw_server(canned(bomb_response)) as url, io.getSession.get(url, max_decoded_size=1 << 20) as resp:
        with pytest.raises(DecompressionError):
            await resp.read()


async def test_read_timeout_is_a_timeout_error() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        await reader.read()  # never answers; returns when the client gives up
        writer.close()

    async with raw_server(silent) as url:
        with pytest.raises(TimeoutError):
            async with io.getSession.get(url, timeout=io.Timeout(read=0.3)):
                pass


async def test_each_wait_on_a_kept_alive_connection_gets_its_own_read_budget() -> None:
    # Replies to the first two requests, the second after a pause; never to the third.
    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for pause in (0.0, 0.5):
            await read_head(reader)
            if pause:
                await asyncio.sleep(pause)  # a slow server, not synchronisation
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await read_head(reader)
        await reader.read()
        writer.close()

    pool = io.Pool()
    try:
        async with raw_server(peer) as url:
            # A short budget, met; then a longer one outlasting it (the first deadline passes
            # during the wait and must not end it); then a short one after a long default.
            assert await (await io.getSession.get(url, timeout=io.Timeout(read=0.3), pool=pool)).text() == "ok"
            assert await (await io.getSession.get(url, timeout=io.Timeout(read=5), pool=pool)).text() == "ok"
            assert pool.idle_connections == 1
            with pytest.raises(io.ReadTimeout):
                await asyncio.wait_for(io.getSession.get(url, timeout=io.Timeout(read=0.3), pool=pool), 3)
    finally:
        pool.close()


async def test_a_stale_pooled_connection_is_retried_once_for_idempotent_requests() -> None:
    seen: list[int] = []

    async def once_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()  # keep-alive was implied, but the server closes: the pooled connection is stale

    pool = io.Pool()
    async with raw_server(once_then_close) as url:
        assert await (await io.getSession.get(url, pool=pool)).read() == b"ok"
        assert await (await io.getSession.get(url, pool=pool)).read() == b"ok"
    assert len(seen) == 2
    pool.close()


class StdlibHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<r><item>1</item><item>2</item></r>"
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def stdlib_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StdlibHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_xml_from_the_stdlib_server(stdlib_url: str) -> None:
    resp = await io.getSession.get(stdlib_url + "/doc")
    assert (await resp.xml()).r == {"item": ["1", "2"]}
    assert await resp.data() == {"r": {"item": ["1", "2"]}}


def echo_head(location: str | None = None) -> Handler:
    """A keep-alive peer answering each request with the head it received as the body
    (or, given ``location``, with a 302 there)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await read_head(reader)
                if location is not None:
                    writer.write(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode())
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(head), head))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle


async def test_requests_without_headers_of_their_own_send_the_host_and_codings_they_should() -> None:
    # Heads of such requests are reused from a cache: each must still be the one its URL,
    # method and options call for, also when a redirect moves the request to another origin.
    async with raw_server(echo_head()) as a, raw_server(echo_head()) as b:
        host_a, host_b = a.removeprefix("http://"), b.removeprefix("http://")
        pool = io.Pool()
        async with raw_server(echo_head(f"{b}/moved")) as redirecting:
            try:
                heads = [
                    await (await io.getSession.get(f"{a}/x", pool=pool)).text(),
                    await (await io.getSession.get(f"{a}/x", pool=pool)).text(),
                    await (await io.getSession.get(f"{a}/x", decode=False, pool=pool)).text(),
                    await (await io.getSession.post(f"{a}/x", pool=pool)).text(),
                    await (await io.getSession.get(f"{b}/x", pool=pool)).text(),
                    await (await io.getSession.get(f"{redirecting}/x", follow_redirects=True, pool=pool)).text(),
                ]
            finally:
                pool.close()
    agent = f"User-Agent: Blazeio/{io.__version__}\r\n"
    coding = f"Accept-Encoding: {ACCEPT_ENCODING}\r\n"
    assert heads == [
        f"GET /x HTTP/1.1\r\nHost: {host_a}\r\n{agent}{coding}\r\n",
        f"GET /x HTTP/1.1\r\nHost: {host_a}\r\n{agent}{coding}\r\n",
        f"GET /x HTTP/1.1\r\nHost: {host_a}\r\n{agent}\r\n",
        f"POST /x HTTP/1.1\r\nHost: {host_a}\r\n{agent}{coding}Content-Length: 0\r\n\r\n",
        f"GET /x HTTP/1.1\r\nHost: {host_b}\r\n{agent}{coding}\r\n",
        f"GET /moved HTTP/1.1\r\nHost: {host_b}\r\n{agent}{coding}\r\n",
    ]


async def test_a_request_s_headers_are_its_own_even_when_its_head_came_from_the_cache() -> None:
    # A plain request shares its cached head's headers until the program asks for them: what
    # one program changes must show in neither the next request's headers nor its head.
    async with raw_server(echo_head()) as url, raw_server(echo_head(f"{url}/to")) as redirecting:
        host = url.removeprefix("http://")
        pool = io.Pool()
        try:
            await io.getSession.get(f"{url}/h", pool=pool)  # its head is cached
            first = await io.getSession.get(f"{url}/h", pool=pool)
            first.request_headers["Host"] = "changed"
            first.request_headers.add("X-Extra", "1")
            second = await io.getSession.get(f"{url}/h", pool=pool)
            fresh = io.getSession.get(f"{url}/h", pool=pool)
            before = (dict(fresh.headers), fresh.redirects)  # nothing received yet
            async with fresh:
                assert fresh.headers["content-length"] == str(len(await fresh.read()))
            moved = await io.getSession.get(f"{redirecting}/from", follow_redirects=True, pool=pool)
        finally:
            pool.close()
    agent = ("User-Agent", f"Blazeio/{io.__version__}")
    assert first.request_headers.raw_items() == [
        agent, ("Accept-Encoding", ACCEPT_ENCODING), ("Host", "changed"), ("X-Extra", "1")
    ]  # fmt: skip
    assert second.request_headers.raw_items() == [("Host", host), agent, ("Accept-Encoding", ACCEPT_ENCODING)]
    assert await second.text() == (
        f"GET /h HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {agent[1]}\r\nAccept-Encoding: {ACCEPT_ENCODING}\r\n\r\n"
    )
    assert before == ({}, [])
    assert [str(u) for u in moved.redirects] == [f"{redirecting}/from"]
    assert moved.request_headers["host"] == host


async def test_a_cancelled_request_leaves_no_connection_behind_and_the_pool_goes_on() -> None:
    # Cancelled while it waits for the head, while it reads the body, or cut off by the
    # caller's own asyncio.timeout: the connection is closed (the peer sees it end), never
    # pooled half-read, and the origin's only pool slot is free for the next request.
    arrived: asyncio.Queue[str] = asyncio.Queue()
    ended: asyncio.Queue[str] = asyncio.Queue()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                target = (await read_head(reader)).split(b" ")[1].decode()
                await arrived.put(target)
                if target == "/fast":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                elif target == "/partial":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst")
                await writer.drain()  # /silent: never answered
        except (asyncio.IncompleteReadError, ConnectionError):
            await ended.put("closed")
        finally:
            writer.close()

    async def fast(pool: io.Pool) -> bytes:
        data = await (await io.getSession.get(f"{url}/fast", pool=pool)).read()
        assert await asyncio.wait_for(arrived.get(), 5) == "/fast"
        return data

    async with raw_server(handle) as url:
        pool = io.Pool(max_per_origin=1)  # a leaked slot would make the next request wait forever
        try:

            async def silent() -> io.Session:
                return await io.getSession.get(f"{url}/silent", pool=pool)

            waiting = asyncio.create_task(silent())
            assert await asyncio.wait_for(arrived.get(), 5) == "/silent"
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert await asyncio.wait_for(ended.get(), 5) == "closed"
            assert await asyncio.wait_for(fast(pool), 5) == b"ok"

            reading = asyncio.Event()

            async def read_partial() -> None:
                async with io.getSession.get(f"{url}/partial", pool=pool) as resp:
                    async for _ in resp:
                        reading.set()

            partial = asyncio.create_task(read_partial())
            await asyncio.wait_for(reading.wait(), 5)  # on the connection /fast left in the pool
            assert await arrived.get() == "/partial"
            partial.cancel()
            with pytest.raises(asyncio.CancelledError):
                await partial
            assert await asyncio.wait_for(ended.get(), 5) == "closed"
            assert await asyncio.wait_for(fast(pool), 5) == b"ok"

            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.2):  # /silent never answers: any budget runs out
                    await io.getSession.get(f"{url}/silent", pool=pool)
            assert await asyncio.wait_for(arrived.get(), 5) == "/silent"
            assert await asyncio.wait_for(ended.get(), 5) == "closed"
            assert await asyncio.wait_for(fast(pool), 5) == b"ok"
            assert pool.idle_connections == 1
        finally:
            pool.close()


async def test_a_switch_of_protocols_nobody_asked_for_is_a_protocol_error() -> None:
    # RFC 9110 §15.2.2: no Upgrade was sent, so a 101 is the server's error, not a response.
    switched = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x02hi"
    async with raw_server(canned(switched)) as url:
        with pytest.raises(ProtocolError, match="101 Switching Protocols"):
            async with io.getSession.get(url) as resp:
                await resp.read()


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", id="every-line-bare-lf"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 2\n\r\nok", id="last-field-bare-lf-then-crlf"),
    ],
)
async def test_a_response_head_ended_with_bare_lf_is_a_protocol_error_at_once(head: bytes) -> None:
    # RFC 9112 §2.2: we do not accept a bare LF as a line end. The peer keeps the connection
    # open and sends nothing more: the error must come now, not after the 60 s read timeout.
    async with raw_server(canned(head, close=False)) as url:
        with pytest.raises(ProtocolError, match="bare CR or LF"):
            async with asyncio.timeout(2):
                await io.getSession.get(url)


async def test_urls_with_hosts_that_cannot_be_resolved_as_written_are_refused_before_any_lookup() -> None:
    for url in ("http://127..1/", "http://a..b:8080/x", "http://bad\x80host/", "http://" + "a" * 64 + ".test/"):
        with pytest.raises(LocalProtocolError, match="invalid host"):
            async with io.getSession.get(url):
                pass
    # A redirect to such a host fails the same way, with a typed error.
    redirect = b"HTTP/1.1 302 Found\r\nLocation: http://127..1/next\r\nContent-Length: 0\r\n\r\n"
    async with raw_server(canned(redirect)) as url:
        with pytest.raises(LocalProtocolError, match="invalid host"):
            async with io.getSession.get(url, follow_redirects=True):
                pass


async def test_what_a_request_target_cannot_hold_is_percent_encoded_and_escapes_are_kept() -> None:
    # As browsers, httpx and aiohttp do: non-ASCII as UTF-8 escapes, spaces as %20, and a
    # CR/LF in a URL never reaches the wire as a line break.
    cases = {
        "/café?q=a b&ü=1": "/caf%C3%A9?q=a%20b&%C3%BC=1",
        "/already%20escaped?x=%2F": "/already%20escaped?x=%2F",
        "/plain/path?a=1&b=[2]": "/plain/path?a=1&b=[2]",
        "/a\r\nEvil: 1": "/aEvil:%201",
    }
    heads = []
    async with raw_server(echo_head()) as url:
        pool = io.Pool()  # closed before the peer stops (it waits for its connections on 3.12+)
        try:
            for path in cases:
                async with io.getSession.get(url + path, pool=pool) as resp:
                    heads.append(await resp.text())
        finally:
            pool.close()
    for (path, target), head in zip(cases.items(), heads, strict=True):
        assert head.startswith(f"GET {target} HTTP/1.1\r\n"), (path, head)
        assert "\r\nEvil" not in head
