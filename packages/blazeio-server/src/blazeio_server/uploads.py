"""``r.form_data()`` for ``multipart/form-data``: fields in memory, files spooled to disk.

Built on the streaming reader (``r.multipart()``): a field is read whole (up to
``max_body_size``), a file part goes to an ``UploadFile`` that keeps it in memory up to
``spool_threshold`` bytes and past that moves it to a temporary file, written off the
event loop (``FileSink``).
"""

from __future__ import annotations

import asyncio
import io
import shutil
import tempfile
from typing import IO, TYPE_CHECKING, Any

from blazeio_common import ddict
from blazeio_server.filesink import FileSink

if TYPE_CHECKING:
    from blazeio_server.multipart import MultipartPart, MultipartReader

__all__ = ["UploadFile", "read_form"]


class UploadFile:
    """One uploaded file: ``name``, ``filename``, ``content_type``, ``headers``, ``size``, and its ``file``.

    ``file`` is an in-memory ``BytesIO`` for a file up to ``spool_threshold`` bytes, else a
    temporary file (removed when it is closed); either is at its start once the form is read.
    """

    __slots__ = ("_spool", "content_type", "file", "filename", "headers", "name", "size")

    def __init__(self, name: str, filename: str, content_type: str, headers: dict[str, str], spool: int) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.headers = headers
        self.size = 0
        self._spool = spool
        self.file: IO[bytes] = io.BytesIO()

    @property
    def on_disk(self) -> bool:
        """True once the upload outgrew the spool threshold and lives in a temporary file."""
        return not isinstance(self.file, io.BytesIO)

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

    async def _fill(self, part: MultipartPart) -> None:
        """Take in the part's content: in memory on the loop, past the threshold on disk in a thread."""
        memory = io.BytesIO()
        self.file = memory
        sink: FileSink | None = None
        try:
            async for chunk in part:
                self.size += len(chunk)
                if sink is None:
                    if self.size <= self._spool:
                        memory.write(chunk)
                        continue
                    sink = FileSink(tempfile.TemporaryFile)
                    await sink.write(memory.getvalue())
                await sink.write(chunk)
            if sink is not None:
                self.file = await sink.finish(_rewind)
                memory.close()
            else:
                memory.seek(0)
        except BaseException:
            if sink is not None:
                await sink.discard(_close)
            memory.close()
            raise

    def __repr__(self) -> str:
        return f"<UploadFile {self.name}={self.filename!r} {self.size} bytes>"


def _rewind(file: IO[bytes]) -> None:
    file.seek(0)


def _close(file: IO[bytes]) -> None:
    file.close()


def _add(result: ddict, name: str, value: Any) -> None:
    if name in result:
        existing = result[name]
        result[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
    else:
        result[name] = value


async def read_form(parts: MultipartReader, spool_threshold: int) -> tuple[ddict, list[UploadFile]]:
    """``{name: str | UploadFile | list[...]}`` and the uploads in it (the caller closes them)."""
    result = ddict()
    uploads: list[UploadFile] = []
    try:
        async with parts:
            async for part in parts:
                if part.filename is None:
                    _add(result, part.name, (await part.read()).decode("utf-8", errors="replace"))
                    continue
                upload = UploadFile(part.name, part.filename, part.content_type, part.headers, spool_threshold)
                uploads.append(upload)
                await upload._fill(part)
                _add(result, part.name, upload)
    except BaseException:
        # The caller gets no form, so it can close none of its files: close them here.
        for upload in uploads:
            upload.close()
        raise
    return result, uploads
