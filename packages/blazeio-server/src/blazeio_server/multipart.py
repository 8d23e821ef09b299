"""``async for part in r.multipart():`` -- a ``multipart/form-data`` body streamed part by part.

Nothing is buffered beyond the piece that just arrived and nothing is spooled unless asked
(``await part.save(path)``): a part's content is handed out as it arrives, so an upload relay
forwards a file of any size in bounded memory. Parts come in order; moving to the next part
skips the unread rest of the current one.

The limits are ``form_data()``'s: ``max_form_size`` (the whole body, 413), ``max_form_parts``
(413), ``max_part_header_size`` (400) and ``max_body_size`` for ``part.read()`` (413). A
malformed body is a 400; either error stops the reader, and the server drains the rest.
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import IO, NoReturn

from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA
from blazeio_server.abort import Abort
from blazeio_server.filesink import FileSink
from blazeio_server.multipart_parser import FORM_END, PART_END, Mark, MultipartParser, PartHead

__all__ = ["MultipartPart", "MultipartReader"]


class MultipartReader:
    """The parts of a ``multipart/form-data`` body, in order, as they arrive (``r.multipart()``)."""

    __slots__ = ("_chunks", "_error", "_field_limit", "_finished", "_index", "_open", "_parser")

    def __init__(self, chunks: AsyncGenerator[bytes, None], parser: MultipartParser, field_limit: int) -> None:
        self._chunks = chunks
        self._parser = parser
        self._field_limit = field_limit
        # The current part by number, not by reference: a part refers to its reader, and a
        # cycle would keep the body's reader alive (the connection waiting) until the next
        # garbage collection when a handler stops after any part.
        self._index = 0
        self._open = False  # the current part has unread content
        self._error: tuple[str, int] | None = None  # once failed: the Abort's message and status
        self._finished = False

    def __aiter__(self) -> MultipartReader:
        return self

    async def __anext__(self) -> MultipartPart:
        if self._open:
            self._open = False
            while await self._event() is not PART_END:
                pass
        event = await self._event()
        if event is FORM_END:
            self._finished = True
            await self.aclose()  # the server discards the epilogue
            raise StopAsyncIteration
        if type(event) is not PartHead:  # after a PART_END the parser gives a head or the end
            raise AssertionError(f"unexpected multipart event {event!r}")
        self._index += 1
        self._open = True
        return MultipartPart(self, event, self._index)

    async def aclose(self) -> None:
        """Stop reading the body (the server discards what is left of it)."""
        await self._chunks.aclose()

    async def __aenter__(self) -> MultipartReader:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _event(self) -> PartHead | bytes | Mark:
        if self._error is not None:
            raise Abort(*self._error)
        if self._finished:
            return FORM_END
        parser = self._parser
        try:
            while True:
                event = parser.next_event()
                if event is not NEED_DATA:
                    return event  # type: ignore[return-value]
                chunk = await anext(self._chunks, None)
                if chunk is None:
                    parser.feed_eof()
                else:
                    parser.feed(chunk)
        except ProtocolError as exc:
            await self._fail(exc)

    async def _fail(self, exc: ProtocolError) -> NoReturn:
        # Stop reading at once (the server then drains or closes), and keep failing: a later
        # call must not read on from the middle of a broken body.
        kind = "Payload Too Large" if exc.status_code == 413 else "Bad Request"
        self._error = (f"{kind}: {exc}", exc.status_code)
        await self.aclose()
        raise Abort(*self._error)


class MultipartPart:
    """One part: ``name``, ``filename`` (``None`` for a plain field), ``content_type``, ``headers``.

    ``async for chunk in part`` yields its content as it arrives; ``await part.read()`` gives it
    whole (for fields); ``await part.save(path)`` writes it to a file off the event loop.
    """

    __slots__ = ("_done", "_index", "_reader", "content_type", "filename", "headers", "name", "size")

    def __init__(self, reader: MultipartReader, head: PartHead, index: int) -> None:
        self._reader = reader
        self._index = index
        self._done = False
        self.name = head.name
        self.filename = head.filename
        self.content_type = head.content_type
        self.headers = head.headers
        self.size = 0  # content bytes handed out so far

    def __aiter__(self) -> MultipartPart:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        reader = self._reader
        if self._index != reader._index or not reader._open:
            raise RuntimeError(f"part {self.name!r} was skipped: read a part before moving to the next")
        event = await reader._event()
        if type(event) is bytes:
            self.size += len(event)
            return event
        self._done = True  # PART_END
        reader._open = False
        raise StopAsyncIteration

    async def read(self, limit: int | None = None) -> bytes:
        """The rest of the content, whole: a 413 past ``limit`` bytes (``max_body_size`` by default)."""
        if limit is None:
            limit = self._reader._field_limit
        pieces: list[bytes] = []
        size = 0
        async for chunk in self:
            size += len(chunk)
            if size > limit:
                await self._reader._fail(ProtocolError(f"form field {self.name!r} larger than {limit} bytes", 413))
            pieces.append(chunk)
        return b"".join(pieces)

    async def save(self, path: str | os.PathLike[str]) -> int:
        """Write the rest of the content to ``path`` (opened, written and closed in a thread).

        Returns the bytes written. If the body breaks off or is malformed, the incomplete file
        is removed and the error (a 400) propagates.
        """
        sink = FileSink(lambda: open(path, "wb"))  # noqa: SIM115 - FileSink closes it
        written = 0
        try:
            async for chunk in self:
                written += len(chunk)
                await sink.write(chunk)
            await sink.finish(_close)
        except BaseException:
            await sink.discard(lambda file: _close_and_remove(file, path))
            raise
        return written

    def __repr__(self) -> str:
        return f"<MultipartPart {self.name!r} filename={self.filename!r} {self.content_type}>"


def _close(file: IO[bytes]) -> None:
    file.close()


def _close_and_remove(file: IO[bytes], path: str | os.PathLike[str]) -> None:
    file.close()
    os.unlink(path)
