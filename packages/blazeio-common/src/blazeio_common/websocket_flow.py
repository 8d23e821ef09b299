"""The asyncio half of ``io.WebSocket``: a protocol that drives a ``WebSocketConnection`` over a
transport taken over after the handshake. No HTTP here; both the server and the client build on it.

What it owns, all as transport callbacks and timers (no task of its own):

- the inbox of received messages, with read backpressure: reading pauses while the unread
  messages reach ``max_queue`` (count) or ``max_queue_bytes``, and resumes below a quarter;
- the write side's drain future (``pause_writing``/``resume_writing``);
- automatic pongs, pong bookkeeping for ``ping()`` and keepalive pings;
- the close handshake: our close frame, the peer's, who closes TCP (RFC 6455 §7.1.1: "the
  underlying TCP connection, in most normal cases, SHOULD be closed first by the server"),
  and a ``close_timeout`` after which the transport is aborted, so a connection always ends.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from collections.abc import Callable
from typing import Literal, cast

from blazeio_common.websocket_errors import WebSocketClosed
from blazeio_common.ws import (
    ABNORMAL_CLOSURE,
    DEFAULT_MAX_MESSAGE_SIZE,
    INTERNAL_ERROR,
    BytesMessage,
    CloseReceived,
    DeflateParameters,
    Ping,
    Pong,
    ProtocolViolation,
    State,
    TextMessage,
    WebSocketConnection,
)

__all__ = [
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_MAX_QUEUE",
    "DEFAULT_MAX_QUEUE_BYTES",
    "DEFAULT_PING_INTERVAL",
    "DEFAULT_PING_TIMEOUT",
    "WebSocketFlow",
]

DEFAULT_MAX_QUEUE = 16
DEFAULT_MAX_QUEUE_BYTES = 4 * 1024 * 1024
DEFAULT_PING_INTERVAL = 20.0
DEFAULT_PING_TIMEOUT = 20.0
DEFAULT_CLOSE_TIMEOUT = 10.0
# Module globals for the per-message checks (a global lookup is cheaper than an Enum attribute).
_LOCAL_CLOSING = State.LOCAL_CLOSING
_CLOSED = State.CLOSED


class WebSocketFlow(asyncio.Protocol):
    """Transport callbacks, buffers and timers of one WebSocket; ``WebSocket`` adds the API."""

    def __init__(
        self,
        transport: asyncio.BaseTransport,
        role: Literal["server", "client"],
        *,
        deflate: DeflateParameters | None = None,
        subprotocol: str | None = None,
        buffered: bytes = b"",
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        ping_interval: float | None = DEFAULT_PING_INTERVAL,
        ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ) -> None:
        if max_queue < 1 or max_queue_bytes < 1:
            raise ValueError("max_queue and max_queue_bytes must be at least 1")
        self.loop = asyncio.get_running_loop()
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are duck-typed
        self.role = role
        self.subprotocol = subprotocol
        self.connection = WebSocketConnection(role, deflate=deflate, max_message_size=max_message_size)
        self.max_queue = max_queue
        self.max_queue_bytes = max_queue_bytes
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.close_timeout = close_timeout
        self.close_code: int | None = None
        self.close_reason = ""
        self.on_close: asyncio.Future[None] = self.loop.create_future()
        self._sent_close: tuple[int, str] | None = None
        self._inbox: deque[str | bytes] = deque()
        self._inbox_bytes = 0
        self._inbox_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._pings: list[tuple[bytes, asyncio.Future[float | None], float]] = []
        self._keepalive: asyncio.TimerHandle | None = None
        self._keepalive_data: bytes | None = None
        self._close_timer: asyncio.TimerHandle | None = None
        self._lost = False
        # The fragmented message being sent (``send`` of an async iterable): done when it ends.
        self._fragmenting: asyncio.Future[None] | None = None
        # Called with the exception at the end of connection_lost, once: the server's upgrade
        # seam sets it, so that it needs no relay between the transport and this protocol.
        self.on_lost: Callable[[Exception | None], None] | None = None
        # The transport may come paused either way from the protocol that spoke HTTP on it.
        high = self.transport.get_write_buffer_limits()[1]
        self._write_paused = self.transport.get_write_buffer_size() > high
        self.transport.set_protocol(self)
        if not self.transport.is_reading() and not self.transport.is_closing():
            self.transport.resume_reading()
        # Bytes that came with or after the handshake's head are the first frames.
        if buffered:
            self.data_received(buffered)
        if self.transport.is_closing():
            self.connection_lost(None)  # it may have ended before it was ours
        elif ping_interval is not None:
            self._keepalive = self.loop.call_later(ping_interval, self._keepalive_tick)

    # -- asyncio callbacks -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        connection = self.connection
        message = connection.receive_message(data)
        if message is not None:
            # The read was one whole small message: no event to dispatch. ``_deliver`` written
            # out, for speed (a call fewer per message).
            if self._sent_close is not None:
                return
            inbox = self._inbox
            inbox.append(message)
            self._inbox_bytes += len(message)
            waiter = self._inbox_waiter
            if waiter is not None:
                self._inbox_waiter = None
                if not waiter.done():
                    waiter.set_result(None)
            if not self._reading_paused and (len(inbox) >= self.max_queue or self._inbox_bytes >= self.max_queue_bytes):
                self._reading_paused = True
                self.transport.pause_reading()
            return
        while (event := connection.next_event()) is not None:
            kind = type(event)  # an identity test per kind: cheaper than isinstance chains
            if kind is TextMessage or kind is BytesMessage:
                self._deliver(event.data)  # type: ignore[union-attr]
            elif kind is Ping:
                # RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong
                # frame in response, unless it already received a Close frame."
                if connection.state is State.OPEN:
                    self.transport.write(connection.pong(event.data))  # type: ignore[union-attr,arg-type]
            elif kind is Pong:
                self._ponged(event.data)  # type: ignore[union-attr,arg-type]
            elif kind is CloseReceived:
                self._close_received(event)  # type: ignore[arg-type]
            else:
                assert isinstance(event, ProtocolViolation)
                self._fail(event.code, event.reason, event.data)

    def eof_received(self) -> bool:
        return False  # the transport closes; without a close frame first that is a 1006

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self._connection_lost()
        finally:
            on_lost, self.on_lost = self.on_lost, None
            if on_lost is not None:
                on_lost(exc)

    def _connection_lost(self) -> None:
        if self._lost:
            return
        self._lost = True
        if self.close_code is None:
            self.close_code = ABNORMAL_CLOSURE
        for timer in (self._keepalive, self._close_timer):
            if timer is not None:
                timer.cancel()
        self._keepalive = self._close_timer = None
        self._wake(self._inbox_waiter)
        self._wake(self._drain_waiter)
        pings, self._pings = self._pings, []
        for _, future, _ in pings:
            if not future.done():
                future.set_result(None)  # ping() raises WebSocketClosed
        if not self.on_close.done():
            self.on_close.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake(self._drain_waiter)

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- receiving ---------------------------------------------------------------------
    def _deliver(self, message: str | bytes) -> None:
        if self._sent_close is not None:
            return  # we are closing: the program said it reads no more
        inbox = self._inbox
        inbox.append(message)
        self._inbox_bytes += len(message)
        waiter = self._inbox_waiter
        if waiter is not None:
            self._inbox_waiter = None
            if not waiter.done():
                waiter.set_result(None)
        if not self._reading_paused and (len(inbox) >= self.max_queue or self._inbox_bytes >= self.max_queue_bytes):
            self._reading_paused = True
            self.transport.pause_reading()

    def _take(self) -> str | bytes:
        """The oldest unread message (the inbox is not empty); resumes reading below a quarter."""
        message = self._inbox.popleft()
        self._inbox_bytes -= len(message)
        if self._reading_paused:
            self._resume_below_quarter()
        return message

    def _resume_below_quarter(self) -> None:
        if len(self._inbox) <= self.max_queue // 4 and self._inbox_bytes <= self.max_queue_bytes // 4:
            self._resume_reading()

    def _resume_reading(self) -> None:
        if self._reading_paused:
            self._reading_paused = False
            if not self._lost and not self.transport.is_closing():
                self.transport.resume_reading()

    def _closed_error(self) -> WebSocketClosed:
        if self.close_code is not None:
            return WebSocketClosed(self.close_code, self.close_reason)
        code, reason = self._sent_close if self._sent_close is not None else (ABNORMAL_CLOSURE, "")
        return WebSocketClosed(code, reason)

    # -- sending -----------------------------------------------------------------------
    def _can_send(self) -> None:
        state = self.connection.state
        if self._lost or state is _LOCAL_CLOSING or state is _CLOSED or self.transport.is_closing():
            raise self._closed_error()

    async def _drain(self) -> None:
        """Wait while the transport is over its high watermark; raise if the connection ends."""
        while self._write_paused and not self._lost:
            waiter = self._drain_waiter
            if waiter is None or waiter.done():
                waiter = self._drain_waiter = self.loop.create_future()
            await waiter
        if self._lost:
            raise self._closed_error()

    # -- pings -------------------------------------------------------------------------
    def _send_ping(self, data: bytes) -> asyncio.Future[float | None]:
        self._can_send()
        frame = self.connection.ping(data)
        future: asyncio.Future[float | None] = self.loop.create_future()
        self._pings.append((data, future, self.loop.time()))
        self.transport.write(frame)
        return future

    def _ponged(self, data: bytes) -> None:
        pings = self._pings
        # A pong answers the latest ping with its data and every earlier one: RFC 6455 §5.5.3
        # lets a peer "elect to send a Pong frame for only the most recently processed Ping".
        last = next((i for i in range(len(pings) - 1, -1, -1) if pings[i][0] == data), -1)
        if last < 0:
            return  # unsolicited: a heartbeat, nothing to do
        now = self.loop.time()
        for ping_data, future, sent in pings[: last + 1]:
            if not future.done():
                future.set_result(now - sent)
            if ping_data == self._keepalive_data:
                self._keepalive_answered()
        del pings[: last + 1]

    def _keepalive_tick(self) -> None:
        self._keepalive = None
        if self._lost or self.connection.state is not State.OPEN or self.transport.is_closing():
            return
        if self.ping_interval is None:
            return
        if self._reading_paused:
            # The program is not reading: a pong could not be read either. The peer is alive
            # (it filled the inbox); look again later.
            self._keepalive = self.loop.call_later(self.ping_interval, self._keepalive_tick)
            return
        data = self._keepalive_data = os.urandom(4)
        self._send_ping(data)
        if self.ping_timeout is not None:
            self._keepalive = self.loop.call_later(self.ping_timeout, self._keepalive_expired)

    def _keepalive_answered(self) -> None:
        self._keepalive_data = None
        if self._keepalive is not None:
            self._keepalive.cancel()
        self._keepalive = None
        if self.ping_interval is not None and not self._lost:
            self._keepalive = self.loop.call_later(self.ping_interval, self._keepalive_tick)

    def _keepalive_expired(self) -> None:
        self._keepalive = None
        if self._lost:
            return
        if self._reading_paused and self.ping_timeout is not None:
            # The pong may be waiting behind messages the program has not read yet.
            self._keepalive = self.loop.call_later(self.ping_timeout, self._keepalive_expired)
            return
        # A dead peer will not answer a close frame either: send ours and abort.
        reason = "keepalive ping timeout"
        self._fail(INTERNAL_ERROR, reason, self.connection.close(INTERNAL_ERROR, reason))
        self.transport.abort()

    # -- closing -----------------------------------------------------------------------
    def _start_close(self, code: int, reason: str) -> None:
        """Send our close frame (once) and make sure the connection ends within ``close_timeout``."""
        if self._lost:
            return
        frame = self.connection.close(code, reason)  # validates code and reason first
        if frame:
            self._sent_close = (code, reason)
            self.transport.write(frame)
            # The peer's close frame must get through even when the inbox is full.
            self._resume_reading()
        if self.connection.state is not State.CLOSED:
            self._arm_close_timer()

    def _close_received(self, event: CloseReceived) -> None:
        self.close_code = event.code
        self.close_reason = event.reason
        if self.connection.state is State.REMOTE_CLOSING:
            # RFC 6455 §5.5.1: "the endpoint typically echos the status code it received"
            # (and a close without a code is answered without one: close(1005) sends none).
            self._sent_close = (event.code, event.reason)
            self.transport.write(self.connection.close(event.code))
        self._wake(self._inbox_waiter)
        self._end_transport()

    def _fail(self, code: int, reason: str, frame: bytes) -> None:
        """We fail the connection (RFC 6455 §7.1.7): our close frame, then close the transport."""
        if self.close_code is None:
            self.close_code = code
            self.close_reason = reason
        if frame:
            self._sent_close = (code, reason)
            self.transport.write(frame)
        self._wake(self._inbox_waiter)
        self.transport.close()
        self._arm_close_timer()

    def _end_transport(self) -> None:
        # Both close frames crossed. "the server MUST close the underlying TCP connection
        # immediately; the client SHOULD wait for the server to close the connection but MAY
        # close the connection at any time after sending and receiving a Close message"
        # (RFC 6455 §7.1.1, §5.5.1): a client gives the server close_timeout to do so.
        if self.role == "server":
            self.transport.close()
        self._arm_close_timer()

    def _arm_close_timer(self) -> None:
        if self._close_timer is None and not self._lost:
            self._close_timer = self.loop.call_later(self.close_timeout, self._close_timed_out)

    def _close_timed_out(self) -> None:
        self._close_timer = None
        if not self._lost:
            self.transport.abort()  # a peer that neither answers nor reads cannot hold us
