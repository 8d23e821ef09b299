"""retries=io.Retry(...): a raw peer on 127.0.0.1 that answers 503 + Retry-After before it answers 200."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from peers import Handler, raw_server, read_request

import blazeio_client as io
from blazeio_common import IncompleteBody


def flaky(failures: int, retry_after: str = "0", bodies: list[bytes] | None = None) -> tuple[Handler, list[str]]:
    """A keep-alive peer: the first ``failures`` requests get 503 (with ``Retry-After``), then 200.
    Returns it and the list of request lines it saw (one per attempt)."""
    attempts: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head, body = await read_request(reader)
                attempts.append(head.split(b"\r\n", 1)[0].decode())
                if bodies is not None:
                    bodies.append(body)
                if len(attempts) <= failures:
                    writer.write(
                        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: %s\r\nContent-Length: 4\r\n\r\nbusy"
                        % retry_after.encode()
                    )
                else:
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return handle, attempts


async def test_a_get_answered_503_is_tried_again_until_it_succeeds() -> None:
    handler, attempts = flaky(2)
    async with raw_server(handler) as url:
        resp = await io.getSession.get(url, retries=io.Retry(total=3, backoff=0))
        assert (resp.status_code, await resp.text()) == (200, "ok")
    assert len(attempts) == 3


async def test_retries_stop_at_total_and_return_the_last_answer() -> None:
    handler, attempts = flaky(10)
    async with raw_server(handler) as url, io.Client(retries=io.Retry(total=2, backoff=0)) as client:
        resp = await client.get(url)
        assert (resp.status_code, await resp.text()) == (503, "busy")
    assert len(attempts) == 3  # the first try and two retries


async def test_retry_after_is_honoured() -> None:
    handler, attempts = flaky(1, retry_after="1")
    async with raw_server(handler) as url:
        started = time.monotonic()
        resp = await io.getSession.get(url, retries=io.Retry(total=1, backoff=0))
        elapsed = time.monotonic() - started
    assert resp.status_code == 200 and len(attempts) == 2
    assert elapsed >= 0.9  # the server asked for one second (the backoff alone would be 0)


async def test_retries_apply_on_async_with_entry_before_the_caller_gets_the_response() -> None:
    handler, attempts = flaky(1)
    retries = io.Retry(total=1, backoff=0)
    async with raw_server(handler) as url, io.Client(url, retries=retries) as client, client.get("/x") as resp:
        assert resp.status_code == 200
        assert await resp.read() == b"ok"
    assert attempts == ["GET /x HTTP/1.1", "GET /x HTTP/1.1"]


async def test_a_post_is_retried_only_when_the_policy_names_its_method() -> None:
    handler, attempts = flaky(1)
    bodies: list[bytes] = []
    marked, marked_attempts = flaky(1, bodies=bodies)
    async with raw_server(handler) as url, raw_server(marked) as marked_url:
        plain = await io.getSession.post(url, json={"a": 1}, retries=io.Retry(total=2, backoff=0))
        assert plain.status_code == 503
        chosen = io.Retry(total=2, backoff=0, methods=("POST",))
        again = await io.getSession.post(marked_url, json={"a": 1}, retries=chosen)
        assert again.status_code == 200
    assert len(attempts) == 1
    assert len(marked_attempts) == 2
    assert bodies == [b'{"a":1}', b'{"a":1}']  # the body went again, whole


async def test_a_body_that_cannot_be_rewound_is_never_replayed() -> None:
    async def once() -> AsyncIterator[bytes]:
        yield b"stream"

    handler, attempts = flaky(1)
    async with raw_server(handler) as url:
        resp = await io.getSession.put(url, body=once(), retries=io.Retry(total=2, backoff=0))
    assert resp.status_code == 503
    assert len(attempts) == 1


async def test_a_connect_error_is_retried_for_any_method() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens on that port now: every connect is refused
    tries: list[str] = []
    hooks = {"request": [lambda request: tries.append(request.method)]}
    async with io.Client(retries=io.Retry(total=2, backoff=0), event_hooks=hooks) as client:
        with pytest.raises(io.ConnectError):
            await client.post(f"http://127.0.0.1:{port}/", body=b"x")
        assert tries == ["POST", "POST", "POST"]
        # A body the caller streams after entry: nothing of it was sent, so entry is tried again too.
        with pytest.raises(io.ConnectError):
            async with client.put(f"http://127.0.0.1:{port}/", {"Transfer-Encoding": "chunked"}):
                pass
    assert tries == ["POST", "POST", "POST", "PUT", "PUT", "PUT"]


async def test_an_awaited_get_whose_body_is_cut_short_is_tried_again() -> None:
    attempts: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        attempts.append(1)
        if len(attempts) == 1:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")  # then the connection drops
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcdefghij")
        await writer.drain()
        writer.close()

    async with raw_server(handle) as url:
        with pytest.raises(IncompleteBody):
            await io.getSession.get(url)
        attempts.clear()
        resp = await io.getSession.get(url, retries=io.Retry(total=1, backoff=0))
        assert await resp.read() == b"abcdefghij"
    assert len(attempts) == 2


async def test_a_503_with_an_endless_body_is_given_up_without_reading_it() -> None:
    attempts: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        attempts.append(1)
        try:
            if len(attempts) == 1:
                writer.write(b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n")
                while True:  # until the client closes the connection
                    writer.write(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")
                    await writer.drain()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async with raw_server(handle) as url, asyncio.timeout(10):
        resp = await io.getSession.get(url, retries=io.Retry(total=1, backoff=0))
        assert (resp.status_code, await resp.read()) == (200, b"ok")
    assert len(attempts) == 2
