"""Protocol edges that must be answered at once, never left to a timeout -- over 127.0.0.1.

The header timeout is set far above the time each test allows, so a request left waiting
fails the test instead of being rescued by the timeout.
"""

from __future__ import annotations

import asyncio

import pytest
from serving import parse, running

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
