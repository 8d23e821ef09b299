"""The request-body side of a connection: ``pull()``, raw iteration, whole-body reads.

Any task may read a request's body -- also after its handler returned: the connection
does not parse the next request until the body is complete (see ``BlazeioProtocol``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

from blazeio_common import ClientDisconnected, Protocoltimeout
from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA, Data, EndOfMessage, Headers, RequestReceiver, get_decoder
from blazeio_server.settings import ServerSettings

__all__ = ["BodyReading"]


def _expire(waiter: asyncio.Future[None], within: float) -> None:
    if not waiter.done():
        waiter.set_exception(Protocoltimeout(f"no request data for {within} s"))


class BodyReading:
    """Mixin of ``BlazeioProtocol``: everything that reads the request body."""

    __slots__ = (
        "_body_complete",
        "_body_consumers",
        "_body_read",
        "_body_waiter",
        "_closed",
        "_data_waiters",
        "_expect_continue",
        "_raw_mode",
        "_reading_paused",
        "_trailers",
        "keep_alive",
        "receiver",
        "settings",
        "transport",
    )

    settings: ServerSettings
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    receiver: RequestReceiver
    keep_alive: bool
    _body_complete: bool
    _body_consumers: int
    _body_read: int  # decoded-or-not body bytes handed to readers: progress, for _finish_body
    _body_waiter: asyncio.Future[None] | None
    _trailers: EndOfMessage | None  # the body's end event: its trailers are made only when asked for
    _expect_continue: bool
    _raw_mode: bool
    _closed: bool
    _reading_paused: bool
    _data_waiters: list[asyncio.Future[None]]
    headers: Headers

    def _send_continue(self) -> None: ...

    @property
    def gone(self) -> bool:
        """True once the connection is closed (the peer left, or we closed it)."""
        return self._closed

    @property
    def body_complete(self) -> bool:
        """True once the whole request body has been read (by any task) or there was none."""
        return self._body_complete

    async def _wait_data(self, within: float | None) -> None:
        """Wait for more bytes from the socket; reading resumes while we wait."""
        if self._closed:
            raise ClientDisconnected("the client went away")
        waiter = self._data_future()
        waiters = self._data_waiters
        # A timer that fails this waiter: cheaper than an asyncio.timeout context per wait.
        timer = None if within is None else self.loop.call_later(within, _expire, waiter, within)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter in waiters:
                waiters.remove(waiter)
        if self.gone and not self.receiver.buffered:
            raise ClientDisconnected("the client went away")

    def _data_future(self) -> asyncio.Future[None]:
        """A future the next bytes (or the connection's end) complete; reading resumes."""
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        # Several tasks may wait at once (a body consumer and the server's drain): each has
        # its own future, and the next bytes wake them all.
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._data_waiters.append(waiter)
        return waiter

    def _wake_readers(self) -> None:
        waiters = self._data_waiters
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        waiters.clear()

    def _maybe_resume_reading(self) -> None:
        if self._reading_paused and self.receiver.buffered <= self.settings.read_low_water:
            self._reading_paused = False
            self.transport.resume_reading()

    async def pull(self, decode: bool = False) -> AsyncGenerator[bytes, None]:
        """The request body, piece by piece; stops exactly at its end, never yields b"".

        ``decode=True`` also undoes a ``Content-Encoding`` (gzip, deflate, br), capped at
        ``max_decoded_size`` bytes (``DecompressionError``, a 413, beyond).
        """
        if self._body_complete or self._raw_mode:
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
        self._body_consumers += 1
        try:
            if self._expect_continue:
                self._send_continue()
            receiver = self.receiver
            while True:
                try:
                    event = receiver.next_event()
                except ProtocolError:
                    self.keep_alive = False
                    raise
                if type(event) is Data:
                    self._maybe_resume_reading()
                    self._body_read += len(event.data)
                    yield event.data
                elif type(event) is EndOfMessage:
                    self._trailers = event
                    self._complete_body()
                    return
                elif event is NEED_DATA:
                    if self.body_complete:  # another consumer finished it meanwhile
                        return
                    await self._wait_data(self.settings.body_timeout)
                else:
                    return
        finally:
            self._body_consumers -= 1
            if not self._body_consumers:
                # The last reader stopped (or its generator was closed, e.g. by the garbage
                # collector after the handler failed): the server may have to drain the rest.
                self._wake_body_waiter()

    def _complete_body(self) -> None:
        self._body_complete = True
        self._wake_body_waiter()

    def _wake_body_waiter(self) -> None:
        waiter = self._body_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def trailers(self) -> Headers:
        """Trailer fields of a chunked request body (empty until the body was read)."""
        return self._trailers.trailers if self._trailers is not None else Headers()

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
        self._raw_mode = True
        self.keep_alive = False
        receiver = self.receiver
        while True:
            data = receiver.take_buffered()
            if data:
                self._maybe_resume_reading()
                yield data
            elif self._closed:
                return
            else:
                await self._wait_data(None)
