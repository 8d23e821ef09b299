"""The request-body side of a request: ``pull()``, raw iteration, whole-body reads.

Any task may read a request's body -- also after its handler returned: the connection
does not parse the next request until the body is complete (see ``finish_body``), and the
request object is the task's own (the next request is another object).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

from blazeio_common import ClientDisconnected, Protocoltimeout
from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA, Data, EndOfMessage, Headers, get_decoder
from blazeio_server.settings import ServerSettings
from blazeio_server.types import ConnectionSide

__all__ = ["BodyProgress", "BodyReading"]

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class BodyProgress:
    """Who reads a body and how far: made on the first read (a request without a body has none)."""

    __slots__ = ("consumers", "raw", "read", "trailers", "waiter")

    def __init__(self) -> None:
        self.consumers = 0  # pull() generators running
        self.read = 0  # decoded-or-not body bytes handed to readers: progress, for finish_body
        self.waiter: asyncio.Future[None] | None = None  # the connection, waiting for the readers
        self.trailers: EndOfMessage | None = None  # the end event: its trailers are made when asked
        self.raw = False  # read unframed (``async for chunk in r``): the connection closes after


class BodyReading:
    """The body-reading layer of a request object."""

    __slots__ = (
        "_continue_sent",
        "_expect_continue",
        "_prepared",
        "_progress",
        "body_complete",
        "conn",
        "keep_alive",
        "settings",
    )

    conn: ConnectionSide
    settings: ServerSettings
    keep_alive: bool
    body_complete: bool  # True once the whole body was read (by any task) or there was none
    _progress: BodyProgress | None
    _expect_continue: bool
    _continue_sent: bool
    _prepared: bool  # the response head is written (or held): no 100 Continue after it
    headers: Headers

    def send_continue(self) -> None:
        """RFC 9110 §10.1.1: the 100 (Continue) goes out when the handler first reads the body."""
        if not self._continue_sent and not self._prepared and not self.conn.closed:
            self._continue_sent = True
            self.conn.write(_CONTINUE)

    def _track(self) -> BodyProgress:
        progress = self._progress
        if progress is None:
            progress = self._progress = BodyProgress()
        return progress

    @property
    def gone(self) -> bool:
        """True once the connection is closed (the peer left, or we closed it)."""
        return self.conn.closed

    async def _wait_data(self, within: float | None) -> None:
        """Wait for more bytes from the socket; reading resumes while we wait."""
        conn = self.conn
        await conn.wait_data(within)
        if conn.closed and not conn.receiver.buffered:
            raise ClientDisconnected("the client went away")

    def _maybe_resume_reading(self) -> None:
        conn = self.conn
        if conn.reading_paused:
            conn.resume_reading_if(conn.receiver.buffered, self.settings.read_low_water)

    async def pull(self, decode: bool = False) -> AsyncGenerator[bytes, None]:
        """The request body, piece by piece; stops exactly at its end, never yields b"".

        ``decode=True`` also undoes a ``Content-Encoding`` (gzip, deflate, br), capped at
        ``max_decoded_size`` bytes (``DecompressionError``, a 413, beyond).
        """
        progress = self._track()
        if self.body_complete or progress.raw:
            return
        coding = self.headers.get("content-encoding") if decode else None
        if coding:
            decoder = get_decoder(coding, self.settings.max_decoded_size)
            async with aclosing(self.pull()) as chunks:  # closed at once if decoding fails
                async for chunk in chunks:
                    out = decoder.decode(chunk)
                    if out:
                        yield out
            tail = decoder.flush()
            if tail:
                yield tail
            return
        progress.consumers += 1
        try:
            if self._expect_continue:
                self.send_continue()
            receiver = self.conn.receiver
            while True:
                try:
                    event = receiver.next_event()
                except ProtocolError:
                    self.keep_alive = False
                    raise
                if type(event) is Data:
                    self._maybe_resume_reading()
                    progress.read += len(event.data)
                    yield event.data
                elif type(event) is EndOfMessage:
                    progress.trailers = event
                    self._complete_body()
                    return
                elif event is NEED_DATA:
                    # Another consumer may have finished it while this one waited (mypy sees no await).
                    if self.body_complete:
                        return  # type: ignore[unreachable]
                    await self._wait_data(self.settings.body_timeout)
                else:
                    return
        finally:
            progress.consumers -= 1
            if not progress.consumers:
                # The last reader stopped (or its generator was closed, e.g. by the garbage
                # collector after the handler failed): the server may have to drain the rest.
                self.wake_body_waiter()

    def _complete_body(self) -> None:
        self.body_complete = True
        self.wake_body_waiter()

    def wake_body_waiter(self) -> None:
        """Wake the connection waiting for this body's readers (progress, their end, or its own end)."""
        progress = self._progress
        if progress is not None:
            waiter = progress.waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    @property
    def trailers(self) -> Headers:
        """Trailer fields of a chunked request body (empty until the body was read)."""
        end = self._progress.trailers if self._progress is not None else None
        return end.trailers if end is not None else Headers()

    async def read_body(self, limit: int | None = None) -> bytes:
        """The whole decoded body; raises ``ProtocolError(413)`` past ``limit`` bytes (never buffered whole first)."""
        parts: list[bytes] = []
        size = 0
        async with aclosing(self.pull()) as chunks:
            async for chunk in chunks:
                size += len(chunk)
                if limit is not None and size > limit:
                    self.keep_alive = False
                    raise ProtocolError(f"request body larger than {limit} bytes", 413)
                parts.append(chunk)
        return b"".join(parts)

    def __aiter__(self) -> AsyncIterator[bytes]:
        """Raw bytes after the head, unframed (custom protocols); the connection closes afterwards."""
        return self._raw()

    async def _raw(self) -> AsyncIterator[bytes]:
        self._track().raw = True
        self.keep_alive = False
        conn = self.conn
        receiver = conn.receiver
        while True:
            data = receiver.take_buffered()
            if data:
                self._maybe_resume_reading()
                yield data
            elif conn.closed:
                return
            else:
                await self._wait_data(None)

    # -- the connection's side: the body complete before the next request ---------------
    async def finish_body(self) -> bool:
        """Make the request body complete before the next request is parsed; False means close."""
        progress = self._track()
        if progress.raw or (self._expect_continue and not self._continue_sent):
            return False  # the client may never send a body it was not asked for
        drained = 0
        receiver = self.conn.receiver
        while True:
            if progress.consumers:
                # Another task reads this body (also after its handler returned): wait for it
                # to finish. If every reader stops early, drain the rest as below.
                if not await self._wait_for_readers():
                    return False
                if self.body_complete:
                    return True
                continue
            # Nobody reads it: discard what arrives, up to the drain limit.
            try:
                event = receiver.next_event()
            except ProtocolError:
                return False
            if type(event) is Data:
                drained += len(event.data)
                if drained > self.settings.drain_limit:
                    return False
                self._maybe_resume_reading()
            elif type(event) is EndOfMessage:
                self._complete_body()
                return True
            elif event is NEED_DATA:
                try:
                    await self._wait_data(self.settings.body_timeout)
                except (ClientDisconnected, Protocoltimeout):
                    return False
            else:
                return False

    async def _wait_for_readers(self) -> bool:
        """Wait while tasks read the body; False if the connection went or the readers stalled.

        A reader that keeps a ``pull()`` open without reading would otherwise hold the
        connection forever: after ``body_timeout`` seconds without a byte read, it closes.
        """
        loop = self.conn.loop
        progress = self._track()
        while progress.consumers and not self.body_complete:
            read = progress.read
            waiter = progress.waiter = loop.create_future()
            timer = loop.call_later(self.settings.body_timeout, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                progress.waiter = None
            if self.gone:
                return False
            if progress.read == read and progress.consumers and not self.body_complete:
                return False
        return not self.gone


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
