"""``io.WebSocket``: an open WebSocket, the same object on the server and the client.

::

    async with ws:                          # closes with 1000 on exit (1011 on an exception)
        await ws.send("hello")              # str -> text, bytes -> binary
        await ws.send(pieces())             # an async iterable: one fragmented message
        async for message in ws:            # str or bytes; ends when the peer closes normally
            ...
        reply = await ws.receive()          # one message, or WebSocketClosed(code, reason)
        latency = await ws.ping()           # returns when the pong arrives

It is built by whoever did the handshake (``io.getSession.websocket`` on the client, the
server's upgrade) with the transport, which it takes over, and the bytes that were already
read past the handshake's head.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterable, AsyncIterator
from types import TracebackType
from typing import Any

from blazeio_common.jsonutil import dumps, loads
from blazeio_common.websocket_flow import WebSocketFlow
from blazeio_common.ws import GOING_AWAY, INTERNAL_ERROR, NORMAL_CLOSURE, NO_STATUS_RECEIVED, State

__all__ = ["WebSocket"]

# Closes that end ``async for message in ws`` instead of raising.
_NORMAL_CODES = frozenset((NORMAL_CLOSURE, GOING_AWAY, NO_STATUS_RECEIVED))
# Messages from this size on leave as header + payload (two writes); smaller ones in one write,
# where joining them costs less than a second piece.
_SEPARATE_PAYLOAD = 64 * 1024
_LOCAL_CLOSING = State.LOCAL_CLOSING
_CLOSED = State.CLOSED


class WebSocket(WebSocketFlow):
    """An open WebSocket connection (RFC 6455), with permessage-deflate when it was negotiated.

    ``WebSocket(transport, role, *, deflate=None, subprotocol=None, buffered=b"",
    max_message_size=1 MiB, max_queue=16, max_queue_bytes=4 MiB, ping_interval=20.0,
    ping_timeout=20.0, close_timeout=10.0)``, inside the running loop: it becomes the
    transport's protocol and reads ``buffered`` before anything else.

    - ``max_message_size``: the largest message received (after inflating; ``None``: no
      limit); a larger one closes the connection with 1009.
    - ``max_queue`` / ``max_queue_bytes``: reading from the socket pauses while this many
      messages (or bytes) are received and unread, and resumes below a quarter of both.
    - ``ping_interval`` / ``ping_timeout``: a keepalive ping every ``ping_interval`` seconds;
      no pong within ``ping_timeout`` closes the connection (1011) and drops it. ``None``
      turns either off.
    - ``close_timeout``: how long ``close()`` waits for the peer's close frame (and a client
      for the server to end TCP) before the connection is dropped.

    ``close_code`` / ``close_reason`` are ``None`` / ``""`` while it is open, then the
    peer's close code (1005: it sent none), ours when we failed the connection (1002, 1007,
    1009 on a protocol violation, 1011 on a keepalive timeout), or 1006 when the connection
    ended without a close frame. ``on_close`` is a future done when the connection has ended.
    """

    # -- receiving ---------------------------------------------------------------------
    async def receive(self) -> str | bytes:
        """The next message: ``str`` for text, ``bytes`` for binary.

        Messages received before the close are still returned; after them it raises
        ``WebSocketClosed`` with the close code and reason.
        """
        while True:
            inbox = self._inbox
            if inbox:
                # ``_take()`` written out, for speed: most messages are received this way.
                message = inbox.popleft()
                self._inbox_bytes -= len(message)
                if self._reading_paused:
                    self._resume_below_quarter()
                return message
            if self.close_code is not None:
                raise self._closed_error()
            waiter = self._inbox_waiter
            if waiter is None or waiter.done():
                waiter = self._inbox_waiter = self.loop.create_future()
            await waiter

    async def receive_json(self) -> Any:
        """The next message parsed as JSON (text or UTF-8 bytes)."""
        return loads(await self.receive())

    def __aiter__(self) -> AsyncIterator[str | bytes]:
        return self

    async def __anext__(self) -> str | bytes:
        """The next message; iteration ends at a normal close (1000, 1001 or no code), other
        closes raise ``WebSocketClosed``."""
        # ``receive()`` written out again, for speed: one coroutine per message instead of two.
        while True:
            inbox = self._inbox
            if inbox:
                message = inbox.popleft()
                self._inbox_bytes -= len(message)
                if self._reading_paused:
                    self._resume_below_quarter()
                return message
            if self.close_code is not None:
                error = self._closed_error()
                if error.code in _NORMAL_CODES:
                    raise StopAsyncIteration
                raise error
            waiter = self._inbox_waiter
            if waiter is None or waiter.done():
                waiter = self._inbox_waiter = self.loop.create_future()
            await waiter

    # -- sending -----------------------------------------------------------------------
    async def send(self, message: str | bytes | bytearray | memoryview | AsyncIterable[str | bytes]) -> None:
        """Send a message: ``str`` as text, bytes as binary; waits while the peer is slow to read.

        An async iterable is sent as *one* fragmented message, a frame per piece as it is
        produced (pieces must all be ``str`` or all bytes). Other messages sent meanwhile wait
        for it. If the iterable fails half way, the message cannot be finished and the
        connection is closed with 1011.
        """
        if isinstance(message, (bytes, str)):
            data: bytes | str = message
        elif isinstance(message, (bytearray, memoryview)):
            data = bytes(message)
        elif isinstance(message, AsyncIterable):
            await self._send_fragments(message)
            return
        else:
            raise TypeError(f"a WebSocket message is str, bytes or an async iterable, not {type(message).__name__}")
        while self._fragmenting is not None:
            await asyncio.shield(self._fragmenting)
        # ``_can_send()`` written out, for speed.
        state = self.connection.state
        if self._lost or state is _LOCAL_CLOSING or state is _CLOSED or self.transport.is_closing():
            raise self._closed_error()
        if len(data) < _SEPARATE_PAYLOAD:
            self.transport.write(self.connection.send(data))
        else:
            # Header and payload as two pieces: the payload is not copied to join them. Two
            # write() calls, not writelines(): CPython 3.12's selector transport never calls
            # pause_writing() from writelines(), so a large send would not wait for its drain.
            header, payload = self.connection.send_parts(data)
            transport = self.transport
            transport.write(header)
            transport.write(payload)
        if self._write_paused:
            await self._drain()

    async def _send_fragments(self, pieces: AsyncIterable[str | bytes]) -> None:
        while self._fragmenting is not None:
            await asyncio.shield(self._fragmenting)
        done = self._fragmenting = self.loop.create_future()
        text: bool | None = None
        try:
            async for piece in pieces:
                if text is None:
                    text = isinstance(piece, str)
                elif text is not isinstance(piece, str):
                    raise TypeError("the pieces of one message must all be str or all be bytes")
                self._can_send()
                self.transport.write(
                    self.connection.send(piece if isinstance(piece, str) else bytes(piece), final=False)
                )
                if self._write_paused:
                    await self._drain()
            if text is not None:
                self._can_send()
                self.transport.write(self.connection.send("" if text else b"", final=True))
        except BaseException:
            if text is not None and not self._lost and self._sent_close is None:
                self._fail(INTERNAL_ERROR, "message left unfinished", self.connection.close(INTERNAL_ERROR))
            raise
        finally:
            self._fragmenting = None
            done.set_result(None)

    async def send_json(self, obj: Any) -> None:
        """Send ``obj`` as a compact JSON text message."""
        await self.send(dumps(obj, indent=0))

    async def ping(self, data: bytes = b"") -> float:
        """Send a ping and wait for its pong; returns the round trip in seconds.

        Without ``data`` a random 4-byte payload is used, so concurrent pings do not mix up.
        Pings from the peer are answered automatically.
        """
        future = self._send_ping(bytes(data) if data else os.urandom(4))
        latency = await future
        if latency is None:
            raise self._closed_error()
        return latency

    async def pong(self, data: bytes = b"") -> None:
        """Send an unsolicited pong (a one-way heartbeat)."""
        self._can_send()
        self.transport.write(self.connection.pong(bytes(data)))

    # -- closing -----------------------------------------------------------------------
    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """The close handshake: send our close frame, wait for the peer's (up to
        ``close_timeout``), then end the connection. Idempotent; messages not read yet stay
        readable, and messages arriving after our close frame are dropped."""
        self._start_close(code, reason)
        await asyncio.shield(self.on_close)

    def going_away(self, reason: str = "") -> asyncio.Future[None]:
        """Start closing with 1001 (the server is shutting down) without waiting; returns ``on_close``."""
        self._start_close(GOING_AWAY, reason)
        return self.on_close

    def abort(self) -> None:
        """Drop the connection at once, without a close handshake (the close code is 1006)."""
        self.transport.abort()

    async def wait_closed(self) -> None:
        """Wait until the connection has ended."""
        await asyncio.shield(self.on_close)

    @property
    def closed(self) -> bool:
        """True once the connection has ended."""
        return self.on_close.done()

    async def __aenter__(self) -> WebSocket:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None or issubclass(exc_type, GeneratorExit):
            await self.close()
        elif issubclass(exc_type, asyncio.CancelledError):
            await self.close(GOING_AWAY)
        else:
            await self.close(INTERNAL_ERROR)

    def __repr__(self) -> str:
        state = "open" if self.close_code is None else f"closed {self.close_code}"
        return f"<WebSocket {self.role} {state}>"
