"""Request bodies that stream: file objects, async iterables, and multipart/form-data."""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import stat
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from typing import IO, Any

from blazeio_common import url_encode

__all__ = ["Stream", "file_stream", "multipart_stream"]

CHUNK = 256 * 1024


class Stream:
    """A body to stream: its chunks, its length when known, and ``rewind`` when it can be sent
    again (a 307/308 redirect): a callable giving the same body from its start as a new Stream."""

    __slots__ = ("chunks", "length", "rewind")

    def __init__(
        self, chunks: AsyncIterator[bytes], length: int | None, rewind: Callable[[], Stream] | None = None
    ) -> None:
        self.chunks = chunks
        self.length = length
        self.rewind = rewind


async def _read_file(handle: IO[bytes], chunk: int = CHUNK) -> AsyncIterator[bytes]:
    while data := await asyncio.to_thread(handle.read, chunk):
        yield data


def _position(handle: IO[bytes]) -> int | None:
    """Where a seekable file object is now (to come back to), or ``None``."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if handle.seekable():
            return handle.tell()
    return None


def _remaining(handle: IO[bytes]) -> int | None:
    """How many bytes are left to read, when that can be known: a regular file's size, or a
    seekable object's end (an in-memory file); ``None`` for a pipe, a socket or a plain reader."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode):  # a pipe's st_size says nothing about what will come
            return max(0, info.st_size - handle.tell())
        return None
    position = _position(handle)
    if position is None:
        return None
    with contextlib.suppress(OSError, ValueError):
        end = handle.seek(0, os.SEEK_END)
        handle.seek(position)
        return max(0, end - position)
    return None


def file_stream(handle: IO[bytes]) -> Stream:
    """A binary file object: its remaining size becomes the Content-Length when it can be known."""
    start = _position(handle)

    def rewind() -> Stream:
        assert start is not None
        handle.seek(start)
        return file_stream(handle)

    return Stream(_read_file(handle), _remaining(handle), None if start is None else rewind)


async def _iterate(source: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    async for item in source:
        if item:
            yield item.encode() if isinstance(item, str) else bytes(item)


def iterable_stream(source: AsyncIterable[Any]) -> Stream:
    return Stream(_iterate(source), None)


def multipart_stream(fields: Mapping[str, Any]) -> tuple[Stream, str]:
    """``multipart/form-data`` (RFC 7578): ``{"name": "value", "file": ("a.txt", fileobj_or_bytes, type)}``.

    Files are read piece by piece, never whole. When every part's size is known (text, bytes,
    regular or in-memory files) the length is too, so it goes with Content-Length rather than
    chunked (which many servers refuse for uploads); when every file can seek, it can be sent
    again. Returns the stream and the Content-Type.
    """
    boundary = f"blazeio-{uuid.uuid4().hex}"
    parts: list[bytes | IO[bytes]] = []
    text = bytearray()  # the bytes between files, joined
    for name, value in fields.items():
        quoted = _quote(name)
        if isinstance(value, tuple):
            filename, content, *rest = value
            kind = rest[0] if rest else mimetypes.guess_type(filename)[0] or "application/octet-stream"
            text += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"; '
                f"filename=\"{_quote(filename)}\"; filename*=UTF-8''{url_encode(filename)}\r\n"
                f"Content-Type: {kind}\r\n\r\n"
            ).encode()
            if isinstance(content, (bytes, bytearray, memoryview)):
                text += content
            else:
                parts += (bytes(text), content)
                text.clear()
            text += b"\r\n"
        else:
            data = value if isinstance(value, (bytes, bytearray)) else str(value).encode()
            text += f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode()
            text += data + b"\r\n"
    text += f"--{boundary}--\r\n".encode()
    parts.append(bytes(text))
    files = [part for part in parts if not isinstance(part, bytes)]
    sizes = [len(part) if isinstance(part, bytes) else _remaining(part) for part in parts]
    length = None if None in sizes else sum(size for size in sizes if size is not None)
    starts = [_position(handle) for handle in files]

    async def generate() -> AsyncIterator[bytes]:
        for part in parts:
            if isinstance(part, bytes):
                if part:
                    yield part
            else:
                async for piece in _read_file(part):
                    yield piece

    def rewind() -> Stream:
        for handle, start in zip(files, starts, strict=True):
            assert start is not None
            handle.seek(start)
        return Stream(generate(), length, rewind)

    return Stream(
        generate(), length, rewind if None not in starts else None
    ), f"multipart/form-data; boundary={boundary}"


def _quote(value: str) -> str:
    # RFC 7578 §4.2: in a quoted-string, escape quotes; CR/LF can never appear in a header line.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
