"""Protocol edges that must be answered at once, never left to a timeout -- over 127.0.0.1.

The header timeout is set far above the time each test allows, so a request left waiting
fails the test instead of being rescued by the timeout.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from serving import TIMEOUT, exchange, parse, read_until, request, running

import Blazeio as io

PATIENT = 60.0  # header timeout: far longer than any answer below may take
PROMPT = 2.0  # seconds within which each answer must have arrived


def hello_app() -> io.App:
    web = io.App("127.0.0.1", 0, header_timeout=PATIENT)

    @web.add_route
    async def _hello(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("hello")

    return web


async def answer_without_fin(port: int, data: bytes) -> bytes:
    """Send ``data`` and keep the connection open; everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), PROMPT)
    finally:
        writer.close()


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(b"GET /hello HTTP/1.1\nHost: a\n\n", id="every-line-bare-lf"),
        pytest.param(b"GET /hello HTTP/1.1\r\nHost: a\n\r\n", id="last-field-bare-lf-then-crlf"),
        pytest.param(b"GET /hello HTTP/1.1\r\nHost: a\r\n\n", id="crlf-then-bare-lf-empty-line"),
        pytest.param(b"GET /hello HTTP/1.0\n\n", id="http10-request-line-alone"),
    ],
)
async def test_a_head_ended_with_bare_lf_is_answered_400_at_once_and_closed(head: bytes) -> None:
    # RFC 9112 §2.2 allows a recipient to accept a bare LF as a line end; we do not, and say
    # so the moment such a head is complete, instead of waiting for a CRLF CRLF.
    async with running(hello_app()) as web:
        (reply,) = parse(await answer_without_fin(web.port, head))
    assert (reply.status, reply.keep_alive) == (400, False)


async def test_a_bare_lf_head_after_good_requests_on_a_connection_is_answered_400_at_once() -> None:
    # The connection's heads come from the head cache by then; the bare-LF one is still seen.
    good = b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
    async with running(hello_app()) as web:
        replies = parse(await answer_without_fin(web.port, good + good + b"GET /hello HTTP/1.1\nHost: a\n\n"))
    assert [(r.status, r.keep_alive) for r in replies] == [(200, True), (200, True), (400, False)]


def echo_app() -> io.App:
    """The README's streaming echo: the head first, then the body as it arrives."""
    web = io.App("127.0.0.1", 0, header_timeout=PATIENT)

    @web.add_route
    async def upload(r: io.BlazeioProtocol, route: str = "/upload") -> None:
        await r.prepare({"Content-Type": "application/octet-stream", **io.Ctypes.chunked})
        async for chunk in r.pull():
            await r.write(chunk)

    @web.add_route
    async def _refuse(r: io.BlazeioProtocol) -> None:
        await r.prepare({"Content-Type": "text/plain", **io.Ctypes.chunked}, 403)
        await r.write(b"not here")

    return web


@pytest.mark.peer("curl")
@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(["-T", "{file}"], id="curl-T-put"),
        pytest.param(["-H", "Expect: 100-continue", "--data-binary", "@{file}"], id="curl-post-expect"),
    ],
)
async def test_curl_expecting_100_continue_gets_it_before_a_streamed_200(tmp_path: Path, upload: list[str]) -> None:
    # RFC 9110 §10.1.1: curl sends the body only after a 100 (or after waiting 1 s for one).
    # The handler sends its 200 head before it reads: the 100 must go first, or every such
    # upload stalls for that second.
    payload = os.urandom(300_000)
    path = tmp_path / "upload.bin"
    path.write_bytes(payload)
    async with running(echo_app()) as web:
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            "curl", "-sS", "--fail", *(arg.format(file=path) for arg in upload), f"{web.server_address}/upload",
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), TIMEOUT)
        elapsed = time.monotonic() - started
    assert proc.returncode == 0
    assert out == payload
    assert elapsed < 0.5, f"curl waited {elapsed:.2f} s for a 100 Continue"


async def test_the_100_continue_precedes_a_2xx_head_sent_before_the_body_is_read() -> None:
    async with running(echo_app()) as web:
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        try:
            writer.write(b"PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            # The body is not sent until the 100 is here, as a client that waits for it does.
            assert await read_until(reader, b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            assert (await read_until(reader, b"\r\n\r\n")).startswith(b"HTTP/1.1 200 OK\r\n")
            writer.write(b"hello")
            assert await read_until(reader, b"0\r\n\r\n") == b"5\r\nhello\r\n0\r\n\r\n"
            # The body was read: the connection serves the next request.
            writer.write(b"PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            (reply,) = parse(await asyncio.wait_for(reader.read(), PROMPT))
        finally:
            writer.close()
    assert (reply.status, reply.body) == (200, b"ok")


async def test_an_error_head_sent_before_the_body_is_read_comes_without_100_and_closes() -> None:
    # RFC 9110 §10.1.1: a final status the server can give from the head alone is sent instead
    # of a 100; the body it does not want is never asked for, so the connection closes after.
    async with running(echo_app()) as web:
        raw = await answer_without_fin(
            web.port, b"PUT /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
    assert raw.startswith(b"HTTP/1.1 403 Forbidden\r\n")
    (reply,) = parse(raw)
    assert reply.body == b"not here"


def methods_app(**settings: object) -> io.App:
    web = io.App("127.0.0.1", 0, **settings)  # type: ignore[arg-type]

    @web.add_route
    async def _any(r: io.BlazeioProtocol) -> None:  # a route for every method
        await io.Deliver.text(f"served {r.method}")

    @web.route.get("/item")
    async def get_item(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("item")

    @web.route.post("/item")
    async def post_item(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("posted")

    async def purge(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("purged")

    web.add_method_route("PURGE", "/cache", purge)  # a custom method, registered for one path
    return web


@pytest.mark.parametrize(
    ("method", "path", "status", "allow", "body"),
    [
        # RFC 9110 §9.1: "The method token is case-sensitive": get is not GET, head is not HEAD.
        pytest.param("get", "/any", 501, None, b"Not Implemented", id="lower-case-get"),
        pytest.param("head", "/any", 501, None, b"Not Implemented", id="lower-case-head"),
        pytest.param("Post", "/any", 501, None, b"Not Implemented", id="mixed-case-post"),
        pytest.param("FOO", "/any", 501, None, b"Not Implemented", id="unknown-method"),
        pytest.param("FOO", "/nowhere", 501, None, b"Not Implemented", id="unknown-method-no-route"),
        # Where the path has routes by method, 405 names them (RFC 9110 §15.5.6).
        pytest.param("get", "/item", 405, "GET, HEAD, POST", b"Method Not Allowed", id="lower-case-on-method-routes"),
        pytest.param("purge", "/cache", 405, "PURGE", b"Method Not Allowed", id="lower-case-custom-method"),
        # Exactly spelt methods are served as before, custom ones too.
        pytest.param("GET", "/any", 200, None, b"served GET", id="get"),
        pytest.param("DELETE", "/any", 200, None, b"served DELETE", id="delete"),
        pytest.param("PURGE", "/cache", 200, None, b"purged", id="registered-custom-method"),
        pytest.param("GET", "/item", 200, None, b"item", id="method-route"),
    ],
)
async def test_methods_are_case_sensitive_and_unknown_ones_are_not_implemented(
    method: str, path: str, status: int, allow: str | None, body: bytes
) -> None:
    async with running(methods_app()) as web:
        (reply,) = await exchange(web.port, request(method, path))
    assert (reply.status, reply.headers.get("allow"), reply.body) == (status, allow, body)


async def test_methods_beyond_the_standard_ones_reach_routes_for_every_method_when_named() -> None:
    async with running(methods_app(extra_methods={"PROPFIND"})) as web:
        named, lower, other = [
            (await exchange(web.port, request(method, "/any")))[0] for method in ("PROPFIND", "propfind", "MKCOL")
        ]
    assert (named.status, named.body) == (200, b"served PROPFIND")
    assert (lower.status, other.status) == (501, 501)


async def test_an_unknown_method_keeps_the_connection_for_the_next_request() -> None:
    async with running(methods_app()) as web:
        head = b"get /any HTTP/1.1\r\nHost: t\r\n\r\n"
        first, second = await exchange(web.port, head + request("GET", "/any"))
    assert (first.status, first.keep_alive, second.status, second.body) == (501, True, 200, b"served GET")


def test_methods_that_are_not_tokens_are_refused_when_registered() -> None:
    async def handler(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("never")

    web = io.App("127.0.0.1", 0)
    with pytest.raises(ValueError, match="not a valid HTTP method"):
        web.add_method_route("GET /x", "/x", handler)
    with pytest.raises(ValueError, match="not a valid HTTP method"):
        io.App("127.0.0.1", 0, extra_methods={"BAD METHOD"})
    with pytest.raises(TypeError, match="collection"):
        io.App("127.0.0.1", 0, extra_methods="PROPFIND")
