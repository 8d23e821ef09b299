"""Answer one representation of a file: validators, conditional requests, ranges, the body.

Used by ``StaticServer`` and ``Deliver.file`` alike (one implementation of RFC 9110 §13 and §14
for every file answer): 304 and 412 from ``conditional.preconditions``, 206 / 416 for a single
byte range, else 200; the body comes from memory, an open file or a path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, BinaryIO

from blazeio_common import ioConf
from blazeio_common.http import serialise_fields
from blazeio_server.abort import Abort
from blazeio_server.conditional import NOT_MODIFIED, PROCEED, byte_range, if_range_holds, preconditions
from blazeio_server.types import HandlerRequest
from blazeio_server.zerocopy import MIN_THREAD_READ

if TYPE_CHECKING:
    import os

__all__ = ["Representation", "file_etag", "http_date", "send_representation"]

# RFC 9110 §15.4.5: a 304 carries the Content-Location, Date, ETag, Vary, Cache-Control and Expires
# a 200 would have; "a sender SHOULD NOT generate representation metadata other than the above".
_NOT_IN_304 = frozenset(
    ("content-type", "content-encoding", "content-language", "content-length", "content-disposition")
)

_DATES: dict[float, str] = {}


def http_date(mtime: float) -> str:
    """The Last-Modified value of a modification time (remembered: files are answered again and again)."""
    value = _DATES.get(mtime)
    if value is None:
        if len(_DATES) >= 4096:
            _DATES.clear()
        value = _DATES[mtime] = formatdate(mtime, usegmt=True)
    return value


def file_etag(stat: os.stat_result, coding: str | None = None) -> str:
    """A strong entity-tag from size and mtime; each content coding gets its own (RFC 9110 §8.8.3)."""
    suffix = f"-{coding}" if coding else ""
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}{suffix}"'


class Representation:
    """What one answer sends: its head fields, validators, and where its bytes are.

    ``body`` is the whole content in memory, an open file, or a path opened only if the bytes
    are sent; ``size`` is None for a body compressed while it is sent (no ranges then).
    """

    __slots__ = ("body", "etag", "fields", "modified", "ranges", "size")

    def __init__(
        self,
        fields: dict[str, Any],
        etag: str,
        modified: int | None,
        size: int | None,
        body: bytes | BinaryIO | str,
        ranges: bool = True,
    ) -> None:
        self.fields = fields
        self.etag = etag
        self.modified = modified
        self.size = size
        self.body = body
        self.ranges = ranges and size is not None


def not_modified_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name.lower() not in _NOT_IN_304}


async def send_representation(r: HandlerRequest, rep: Representation, chunk_size: int = 0) -> None:
    """Answer ``r`` with ``rep``: 304 / 412 / 416 / 206 / 200 as the request's conditions say."""
    outcome = preconditions(r.method, r.headers.get, rep.etag, rep.modified)
    if outcome != PROCEED:
        if outcome == NOT_MODIFIED:
            await r.prepare(not_modified_fields(rep.fields), 304)
            return
        raise Abort("Precondition Failed", 412)
    fields = rep.fields
    size = rep.size
    status, start, end = 200, 0, (size or 0) - 1
    if rep.ranges and size is not None and r.method == "GET":
        # RFC 9110 §14.2: "GET is the only method for which range handling is defined".
        range_header = r.headers.get("range")
        if range_header is not None and if_range_holds(r.headers.get("if-range"), rep.etag, rep.modified):
            wanted = byte_range(range_header, size)
            if wanted is False:
                raise Abort("Range Not Satisfiable", 416, {"Content-Range": f"bytes */{size}"})
            if isinstance(wanted, tuple):
                start, end = wanted
                status = 206
                fields = {**fields, "Content-Range": f"bytes {start}-{end}/{size}"}
    body = rep.body
    if isinstance(body, bytes):
        # Serialised here, so the server's own compression leaves this chosen representation alone.
        await r.respond(status, serialise_fields(fields), body if status == 200 else body[start : end + 1])
        return
    chunk_size = chunk_size or ioConf.OUTBOUND_CHUNK_SIZE
    if size is None:
        # Compressed while sent: the head names the coding and prepare() sets up one encoder.
        await r.prepare(fields, status)
        if r.method != "HEAD":
            await _send_file(r, body, 0, None, chunk_size)
        return
    length = end - start + 1
    await r.prepare({**fields, "Content-Length": length}, status)
    if r.method != "HEAD" and length > 0:
        await _send_file(r, body, start, length, chunk_size)


async def _send_file(r: HandlerRequest, body: BinaryIO | str, start: int, length: int | None, chunk_size: int) -> None:
    if not isinstance(body, str):
        await _send_open(r, body, start, length, chunk_size)
        return
    # Opening (like the stat before it) is one local syscall; the reads go to a thread or the kernel.
    with open(body, "rb") as handle:  # noqa: ASYNC230
        await _send_open(r, handle, start, length, chunk_size)


async def _send_open(r: HandlerRequest, handle: BinaryIO, start: int, length: int | None, chunk_size: int) -> None:
    if length is not None:
        await r.sendfile(handle, start, length, chunk_size)
        return
    handle.seek(start)
    while data := await asyncio.to_thread(handle.read, max(chunk_size, MIN_THREAD_READ)):
        await r.write(data)
