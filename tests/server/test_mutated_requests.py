"""Mutated requests over 127.0.0.1: every one gets well-formed answers or a clean close.

Valid requests (plain, Content-Length and chunked bodies, Expect, HTTP/1.0, pipelined pairs)
are mutated at random (bytes replaced, inserted, deleted, duplicated; seeded, so a failure
reproduces), sent with a FIN, and the server's bytes are read until it closes. The server
must never hang, never answer 500 (no handler here fails), never send bytes that do not
parse as responses, and answer every payload that starts with a whole valid request.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from serving import TIMEOUT, parse, running, until

import Blazeio as io
from blazeio_common import ProtocolError
from blazeio_common.http import Data, EndOfMessage, Request, RequestReceiver

from wire import mutate

SEEDS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"GET /echo?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
]


async def send_with_fin(port: int, payload: bytes) -> bytes:
    """Send ``payload`` and a FIN; everything the server sends until it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        writer.write_eof()
        return await asyncio.wait_for(reader.read(), TIMEOUT)  # a hang fails here
    finally:
        writer.close()


def first_request_is_complete(payload: bytes) -> bool:
    """Whether the core reads a whole valid request (head and body) at the start of ``payload``."""
    receiver = RequestReceiver()
    receiver.feed(payload)
    receiver.feed_eof()
    try:
        if type(receiver.next_event()) is not Request:
            return False
        while type(event := receiver.next_event()) is Data:
            pass
    except ProtocolError:
        return False
    return type(event) is EndOfMessage


def fuzz_app() -> io.App:
    web = io.App("127.0.0.1", 0, header_timeout=5.0)

    @web.add_route("/")
    async def _index(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text("hi")

    @web.add_route
    async def _echo(r: io.BlazeioProtocol) -> None:
        body = b""
        async for chunk in r.pull():
            body += chunk
        await io.Deliver.bytes(body)

    return web


async def test_mutated_requests_get_well_formed_answers_or_a_clean_close() -> None:
    rng = random.Random(20261124)
    payloads = []
    for _ in range(600):
        payload = mutate(rng, rng.choice(SEEDS))
        if rng.random() < 0.3:
            payload += mutate(rng, rng.choice(SEEDS))  # a pipelined follow-up
        payloads.append(payload)
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(32)

    async def send(payload: bytes) -> None:
        async with gate:
            raw = await send_with_fin(web.port, payload)
        try:
            replies = parse(raw)
        except ProtocolError as exc:
            raise AssertionError(f"unparseable answer {raw[:200]!r} to {payload!r}") from exc
        # A whole valid request is answered, even though the FIN came with it (no handler
        # here waits for anything, so the FIN never lands while one runs).
        assert replies or not first_request_is_complete(payload), payload
        for reply in replies:
            assert reply.status != 500, payload
            statuses[reply.status] = statuses.get(reply.status, 0) + 1

    async with running(fuzz_app()) as web:
        await asyncio.gather(*(send(payload) for payload in payloads))
        # Still serving after all of that.
        reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        (reply,) = parse(await asyncio.wait_for(reader.read(), TIMEOUT))
        writer.close()
    assert (reply.status, reply.body) == (200, b"hi")
    # The mutations reach both outcomes: requests still valid, and each kind of rejection.
    assert statuses.get(200, 0) > 20
    assert statuses.get(400, 0) > 300


FORM = (
    b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue\r\n'
    b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n'
    b"file body\r\n--XyZ--\r\n"
)


def _post(path: bytes, content_type: bytes, body: bytes) -> bytes:
    head = b"POST %s HTTP/1.1\r\nHost: a\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
    return head % (path, content_type, len(body)) + body


HELPER_SEEDS = [
    _post(b"/json", b"application/json", b'{"a": [1, 2.5, "x\\u00e9"], "b": null}'),
    _post(b"/form", b"multipart/form-data; boundary=XyZ", FORM),
    _post(b"/form", b"application/x-www-form-urlencoded", b"a=1&b=%20x&c=%E2%82%AC&a=2"),
    _post(b"/text", b"text/plain; charset=latin-1", b"caf\xe9"),
    b'GET /any?x=1&y=%41&z=a+b HTTP/1.1\r\nHost: a\r\nCookie: a=1; b="q"; c=%20\r\n\r\n',
    b'GET /static/a.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-10,20-30,-5\r\nIf-None-Match: "x"\r\n\r\n',
    b"GET /static/a.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=100-\r\n"
    b"If-Modified-Since: Tue, 24 Nov 2026 10:00:00 GMT\r\n\r\n",
    b"GET /static/%2e%2e/secret.txt HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip, br;q=0.5\r\n\r\n",
]


async def test_mutated_bodies_and_headers_for_the_request_helpers_never_hang_or_fail(tmp_path: Path) -> None:
    # JSON, forms (multipart and urlencoded), text, query/cookies, and StaticServer ranges and
    # validators: a malformed one is a 4xx, never a 500, and no connection is left behind.
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_bytes(bytes(range(256)) * 12)
    (tmp_path / "secret.txt").write_bytes(b"outside the root")
    web = io.App("127.0.0.1", 0, header_timeout=5.0, body_timeout=5.0)

    @web.add_route
    async def _json(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"got": await r.get_json()})

    @web.add_route
    async def _form(r: io.BlazeioProtocol) -> None:
        form = await r.form_data()
        await io.Deliver.json({key: value if isinstance(value, str) else "upload" for key, value in form.items()})

    @web.add_route
    async def _text(r: io.BlazeioProtocol) -> None:
        await io.Deliver.text(await r.text())

    @web.add_route
    async def _any(r: io.BlazeioProtocol) -> None:
        await io.Deliver.json({"params": r.params(), "cookies": r.cookies()})

    web.attach(io.StaticServer("/static", str(root), 1024 * 1024, "page", "index.html"))
    rng = random.Random(11)
    payloads = [mutate(rng, rng.choice(HELPER_SEEDS)) for _ in range(800)]
    statuses: dict[int, int] = {}
    gate = asyncio.Semaphore(32)

    async def send(payload: bytes) -> None:
        async with gate:
            raw = await send_with_fin(web.port, payload)
        assert b"outside the root" not in raw, payload
        try:
            replies = parse(raw)
        except ProtocolError:
            # Cut short: the FIN came while a handler still worked (a file read in a thread),
            # which the server takes as the client leaving. Only a file response may be cut;
            # its head must be sound and declare more than arrived, so the client sees it.
            assert b" /static/" in payload.split(b"\r\n", 1)[0], (payload, raw[:200])
            head, _, body = raw.partition(b"\r\n\r\n")
            replies = parse(head.replace(b"Content-Length", b"X-Length") + b"\r\n\r\n")
            assert len(body) < int(replies[0].headers["x-length"]), (payload, raw[:200])
        for reply in replies:
            assert reply.status < 500 or reply.status in (501, 505), (payload, reply.body)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1

    async with running(web):
        await asyncio.gather(*(send(payload) for payload in payloads))
        await until(lambda: not web.connections)  # nothing left open
    assert statuses.get(200, 0) + statuses.get(206, 0) > 50
    assert statuses.get(400, 0) > 300
