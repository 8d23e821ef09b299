"""Streaming ``multipart/form-data`` (RFC 7578): fields in memory, files spooled to disk.

The body is read piece by piece from ``r.pull()``; a part's bytes go to its destination as
they arrive, keeping back only the few bytes that could begin the next delimiter. A file
part lives in a ``SpooledTemporaryFile`` that moves to disk past ``spool_threshold`` bytes,
so an upload is never whole in memory. Limits: total size (413), field size (413), part
count, part-header size (400 on malformed input).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from typing import IO, Any

from blazeio_common import ddict
from blazeio_common.errors import ProtocolError

__all__ = ["UploadFile", "parse_multipart"]

_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


class UploadFile:
    """One uploaded file: ``filename``, ``content_type``, ``size``, and its spooled ``file``."""

    __slots__ = ("content_type", "file", "filename", "headers", "name", "size")

    def __init__(self, name: str, filename: str, content_type: str, headers: dict[str, str], spool: int) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.size = 0
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=spool)  # noqa: SIM115 - owned here

    @property
    def on_disk(self) -> bool:
        """True once the upload outgrew the spool threshold and lives in a temporary file."""
        return bool(getattr(self.file, "_rolled", False))

    async def read(self) -> bytes:
        self.file.seek(0)
        return await asyncio.to_thread(self.file.read)

    async def save(self, path: str) -> None:
        """Copy the upload to ``path`` (in a thread: never blocks the loop)."""

        def copy() -> None:
            self.file.seek(0)
            with open(path, "wb") as out:
                shutil.copyfileobj(self.file, out)

        await asyncio.to_thread(copy)

    def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"<UploadFile {self.name}={self.filename!r} {self.size} bytes>"


def _disposition(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + value.partition(";")[2]):
        key, quoted, token = match.groups()
        params[key.lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else token
    return params


def _add(result: ddict, name: str, value: Any) -> None:
    if name in result:
        existing = result[name]
        result[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        result[name] = value


async def parse_multipart(
    chunks: AsyncIterator[bytes],
    boundary: str,
    *,
    max_size: int,
    max_field_size: int,
    max_parts: int,
    spool_threshold: int,
    max_part_header: int = 16 * 1024,
) -> ddict:
    """Parse a multipart body into ``{name: str | UploadFile | list[...]}``."""
    if not boundary or len(boundary) > 70:
        raise ProtocolError("multipart boundary missing or longer than 70 characters", 400)
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    result = ddict()
    buf = bytearray(b"\r\n")  # so the first delimiter looks like every later one
    total = parts = 0
    state = "preamble"
    name = ""
    field: bytearray | None = None
    upload: UploadFile | None = None
    keep = len(delimiter) + 1

    def finish_part() -> None:
        nonlocal field, upload
        if upload is not None:
            upload.file.seek(0)
            _add(result, name, upload)
        elif field is not None:
            _add(result, name, field.decode("utf-8", errors="replace"))
        field = upload = None

    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > max_size:
                raise ProtocolError(f"form body larger than {max_size} bytes", 413)
            buf += chunk
            while True:
                if state == "preamble":
                    at = buf.find(delimiter)
                    if at < 0:
                        del buf[: max(0, len(buf) - keep)]
                        break
                    del buf[: at + len(delimiter)]
                    state = "after-delimiter"
                if state == "after-delimiter":
                    if len(buf) < 2:
                        break
                    if buf[:2] == b"--":
                        return result  # the close delimiter; the epilogue is ignored
                    if buf[:2] != b"\r\n":
                        raise ProtocolError("malformed multipart delimiter line", 400)
                    del buf[:2]
                    state = "headers"
                if state == "headers":
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        if len(buf) > max_part_header:
                            raise ProtocolError("multipart part headers too large", 400)
                        break
                    parts += 1
                    if parts > max_parts:
                        raise ProtocolError(f"more than {max_parts} form parts", 413)
                    headers: dict[str, str] = {}
                    for line in buf[:end].decode("utf-8", errors="replace").split("\r\n"):
                        key, colon, value = line.partition(":")
                        if not colon:
                            raise ProtocolError("malformed multipart part header", 400)
                        headers[key.strip().lower()] = value.strip()
                    del buf[: end + 4]
                    params = _disposition(headers.get("content-disposition", ""))
                    if "name" not in params:
                        raise ProtocolError("multipart part without a name", 400)
                    name = params["name"]
                    if "filename" in params:
                        upload = UploadFile(
                            name,
                            params["filename"],
                            headers.get("content-type", "application/octet-stream"),
                            headers,
                            spool_threshold,
                        )
                    else:
                        field = bytearray()
                    state = "body"
                if state == "body":
                    at = buf.find(delimiter)
                    usable = at if at >= 0 else max(0, len(buf) - keep)
                    if usable:
                        data = bytes(buf[:usable])
                        del buf[:usable]
                        if upload is not None:
                            upload.size += len(data)
                            upload.file.write(data)
                        elif field is not None:
                            field += data
                            if len(field) > max_field_size:
                                raise ProtocolError(f"form field {name!r} larger than {max_field_size} bytes", 413)
                    if at < 0:
                        break
                    del buf[: len(delimiter)]
                    finish_part()
                    state = "after-delimiter"
        raise ProtocolError("multipart body ended before its close delimiter", 400)
    except BaseException:
        # The caller gets no form, so it can close none of its files: close every spooled
        # upload here (a temporary file on disk is removed with it).
        if upload is not None:
            upload.close()
        for value in result.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, UploadFile):
                    item.close()
        raise
