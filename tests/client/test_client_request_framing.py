"""How a request's body is framed: the rules of blazeio_common.http.send_framing, and bad declarations refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from peers import raw_server

import blazeio_client as io
from blazeio_common import LocalProtocolError


async def _echo_head(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Answers each request with its head, once the body its head declares has arrived.
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            fields = {
                name.strip().lower(): value.strip()
                for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:] if line)
            }
            if b"content-length" in fields:
                await reader.readexactly(int(fields[b"content-length"]))
            elif fields.get(b"transfer-encoding") == b"chunked":
                await reader.readuntil(b"0\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(head), head))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def url() -> AsyncIterator[str]:
    async with raw_server(_echo_head) as base:  # (drops the pool's keep-alive connections at the end)
        yield base + "/"


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Length": "abc"},
        {"Content-Length": "-1"},
        {"Content-Length": "5", "Transfer-Encoding": "chunked"},
        {"Transfer-Encoding": "gzip"},
    ],
)
async def test_a_body_declared_with_bad_framing_is_refused_before_sending(url: str, headers: dict[str, str]) -> None:
    with pytest.raises(LocalProtocolError):
        async with io.getSession.post(url, headers):
            pass


async def test_a_post_without_a_body_says_content_length_zero(url: str) -> None:
    resp = await io.getSession.post(url)
    head = (await resp.read()).lower()
    assert b"\r\ncontent-length: 0\r\n" in head
    assert b"transfer-encoding" not in head


async def test_a_get_without_a_body_declares_none_and_refuses_writes(url: str) -> None:
    async with io.getSession.get(url) as resp:
        head = (await resp.read()).lower()
        assert b"content-length" not in head and b"transfer-encoding" not in head
        with pytest.raises(LocalProtocolError):
            await resp.write(b"data")  # never dropped silently


async def test_a_body_given_up_front_replaces_the_programs_framing_headers(url: str) -> None:
    resp = await io.getSession.post(url, {"Transfer-Encoding": "chunked", "Content-Length": "99"}, body=b"hello")
    head = (await resp.read()).lower()
    assert b"\r\ncontent-length: 5\r\n" in head
    assert b"transfer-encoding" not in head
