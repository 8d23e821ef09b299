"""Request bodies that stream: file objects, async iterables, and multipart/form-data."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from typing import IO, Any

from blazeio_common import url_encode

__all__ = ["Stream", "file_stream", "multipart_stream"]

CHUNK = 256 * 1024


class Stream:
    """A body to stream: its chunks and, when known, its length."""

    __slots__ = ("chunks", "length")

    def __init__(self, chunks: AsyncIterator[bytes], length: int | None) -> None:
        self.chunks = chunks
        self.length = length


async def _read_file(handle: IO[bytes], chunk: int = CHUNK) -> AsyncIterator[bytes]:
    while data := await asyncio.to_thread(handle.read, chunk):
        yield data


def file_stream(handle: IO[bytes]) -> Stream:
    """A binary file object: its remaining size becomes the Content-Length when it can be known."""
    length: int | None = None
    with contextlib.suppress(AttributeError, OSError, ValueError):  # not a real file: stream it chunked
        length = os.fstat(handle.fileno()).st_size - handle.tell()
    return Stream(_read_file(handle), length)


async def _iterate(source: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    async for item in source:
        if item:
            yield item.encode() if isinstance(item, str) else bytes(item)


def iterable_stream(source: AsyncIterable[Any]) -> Stream:
    return Stream(_iterate(source), None)


def multipart_stream(fields: Mapping[str, Any]) -> tuple[Stream, str]:
    """``multipart/form-data`` (RFC 7578): ``{"name": "value", "file": ("a.txt", fileobj_or_bytes, type)}``.

    Files are read piece by piece, never whole. Returns the stream and the Content-Type.
    """
    boundary = f"blazeio-{uuid.uuid4().hex}"

    async def generate() -> AsyncIterator[bytes]:
        for name, value in fields.items():
            quoted = _quote(name)
            if isinstance(value, tuple):
                filename, content, *rest = value
                kind = rest[0] if rest else mimetypes.guess_type(filename)[0] or "application/octet-stream"
                yield (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"; '
                    f"filename=\"{_quote(filename)}\"; filename*=UTF-8''{url_encode(filename)}\r\n"
                    f"Content-Type: {kind}\r\n\r\n"
                ).encode()
                if isinstance(content, (bytes, bytearray, memoryview)):
                    yield bytes(content)
                else:
                    async for piece in _read_file(content):
                        yield piece
                yield b"\r\n"
            else:
                text = value if isinstance(value, (bytes, bytearray)) else str(value).encode()
                yield f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode()
                yield bytes(text) + b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    return Stream(generate(), None), f"multipart/form-data; boundary={boundary}"


def _quote(value: str) -> str:
    # RFC 7578 §4.2: in a quoted-string, escape quotes; CR/LF can never appear in a header line.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
