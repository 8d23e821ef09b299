"""Content-Encoding: zstd through the client: advertised only when it can be decoded, decoded under the cap."""

from __future__ import annotations

import asyncio

import pytest
from peers import Handler, raw_server, read_head

import blazeio_client as io
from blazeio_common import DecompressionError
from blazeio_common.http.codecs import ZSTD_AVAILABLE


def zstd_server(body: bytes, seen: list[bytes], coding: bytes = b"zstd") -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_head(reader))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %d\r\n\r\n%s" % (coding, len(body), body)
        )
        await writer.drain()
        writer.close()

    return handle


async def test_zstd_is_in_accept_encoding_exactly_when_it_can_be_decoded() -> None:
    seen: list[bytes] = []
    async with raw_server(zstd_server(b"plain", seen, b"identity")) as url:
        assert await (await io.getSession.get(url)).read() == b"plain"
    line = next(x for x in seen[0].split(b"\r\n") if x.lower().startswith(b"accept-encoding:"))
    assert (b"zstd" in line) is ZSTD_AVAILABLE
    assert line.startswith(b"Accept-Encoding: gzip, deflate")


async def test_a_zstd_response_is_decoded_and_a_zstd_bomb_is_refused_at_the_cap() -> None:
    zstandard = pytest.importorskip("zstandard")
    text = b"zstd over the wire " * 50_000
    seen: list[bytes] = []
    async with raw_server(zstd_server(zstandard.ZstdCompressor().compress(text), seen)) as url:
        assert (await io.getSession.get(url)).received_len < len(text) // 50
        assert await (await io.getSession.get(url)).read() == text
        with pytest.raises(DecompressionError):
            await io.getSession.get(url, max_decoded_size=len(text) // 2)
