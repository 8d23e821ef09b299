"""``BlazeioProtocol``: one object per connection, reset per request (the ``r`` handlers get).

Life of a connection: ``connection_made`` starts one serve task, which loops: wait for a
complete request head (header timeout once it has begun, idle timeout between requests),
dispatch it, finish the response, then make sure the request body is complete -- read
by someone (possibly another task, after the handler returned), or drained up to a
limit -- before it parses the next request. Pipelined requests already buffered are
answered in order without waiting for the socket.

Backpressure: reading pauses while more than ``read_high_water`` unread bytes are
buffered; writes wait while the transport is over its high watermark. When the peer goes
away the handler task is cancelled at once (unless shielded) and writes raise
``ClientDisconnected``.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from time import monotonic_ns, perf_counter
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from blazeio_common import ClientDisconnected, LocalProtocolError, Protocoltimeout, plog
from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA, ConnectionClosed, Data, EndOfMessage, Headers, Request, RequestReceiver
from blazeio_server.helpers import RequestHelpers, client_address, is_trusted
from blazeio_server.responses import Abort, current_request

if TYPE_CHECKING:
    from blazeio_server.app import App

__all__ = ["ACCESS_LOG", "BlazeioProtocol", "ConnectionTaskShield"]

ACCESS_LOG = logging.getLogger("blazeio.access")

_IDLE, _HEADER = 1, 2


class BlazeioProtocol(asyncio.Protocol, RequestHelpers):
    """A client connection, and the current request on it."""

    __slots__ = (
        "__dict__",  # only used by r.store (see RequestHelpers.store)
        "__weakref__",
        "_attrs",
        "_deadline",
        "_handler_running",
        "_served",
        "_task",
        "_timer_kind",
        "app",
        "cancel_on_disconnect",
        "headers",
        "ip_host",
        "ip_port",
        "loop",
        "path",
        "path_params",
        "peer_host",
        "query",
        "received_ns",
        "request",
        "tail",
    )

    def __init__(self, app: App) -> None:
        self.app = app
        self.settings = app.settings
        self.loop = asyncio.get_running_loop()
        self.receiver = RequestReceiver(self.settings.limits, app.head_cache)
        self._closed = False
        self._reading_paused = False
        self._write_paused = False
        self._data_waiters: list[asyncio.Future[None]] = []
        self._cork = None
        self._cork_size = 0
        self._head_cork = False
        self._flush_soon = self._uncork
        self._head_shapes = app.head_shapes
        self._content_types = app.response_lines.content_types
        self._length_lines = app.response_lines.lengths
        self._sendfile_pool = app.sendfile_pool
        self._drain_waiter: asyncio.Future[None] | None = None
        self._body_waiter: asyncio.Future[None] | None = None
        self._deadline = 0.0
        self._timer_kind = 0
        self._task: asyncio.Task[None] | None = None
        self._handler_running = False
        self._served = 0
        self.cancel_on_disconnect = True
        self._store = None
        # The instance dict, held in a slot: reading a slot is cheaper than r.__dict__ on every
        # request. The dict is never replaced (the store setter fills it in place).
        self._attrs: dict[str, Any] = self.__dict__
        self.ip_host = self.peer_host = ""
        self.ip_port = 0
        # time.monotonic_ns() when bytes last arrived on this connection: every request read
        # so far had arrived by then (StaticServer reuses a stat taken after it).
        self.received_ns = 0
        self._reset(None)

    def _reset(self, request: Request | None) -> None:
        self.request = request
        if request is None:
            self.method = self.tail = self.path = self.query = ""
            self.version = "1.1"
            self.headers = Headers()
            self.keep_alive = True
            self._body_complete = True
            self._expect_continue = False
        else:
            self.method = request.method
            target = request.target
            if target[0] != "/" and "://" in target:
                target = _origin_form(target)
            self.tail = target
            self.path, _, self.query = target.partition("?")
            self.version = request.version
            self.headers = request.headers
            trusted = self.settings.trusted_proxies
            if trusted and is_trusted(self.peer_host, trusted):
                self.ip_host = client_address(self.peer_host, request.headers, trusted)
            self.keep_alive = request.keep_alive and self.settings.keepalive
            self._body_complete = request.content_length == 0
            self._expect_continue = request.expect_continue
        self._body_consumers = 0
        self._body_read = 0
        self._trailers = None
        self._continue_sent = False
        self._raw_mode = False
        self._prepared = False
        self._eof_sent = False
        self._writer = None
        self._sse = False
        self.status = 0
        if self._store is not None:
            self._store = None
        extra = self._attrs  # r.store keys, and attributes a handler set on r itself
        if extra:
            extra.clear()  # none of them belongs to the next request
        self._params = None
        self.path_params: dict[str, Any] = {}  # a route's converted {parameters}; the router fills it
        self._uploads = None
        self._staged = None
        self._encoder = None

    # -- asyncio callbacks ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but have its interface.
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        self._write = self._transport_write = transport.write
        transport.set_write_buffer_limits(self.settings.write_high_water, self.settings.write_low_water)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.ip_host = self.peer_host = str(peer[0])
            self.ip_port = int(peer[1])
        app = self.app
        if len(app.connections) >= self.settings.max_connections:
            self._write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            transport.close()
            self._closed = True
            return
        app.connections.add(self)
        self._task = self.loop.create_task(self._serve())

    def data_received(self, data: bytes) -> None:
        self.received_ns = monotonic_ns()
        buffered = self.receiver.feed(data)
        if self._data_waiters:
            self._wake_readers()
        if buffered > self.settings.read_high_water and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        # Responses held for one write (pipelining) are already answered: hand them to the
        # transport now, which flushes them before it closes.
        self._uncork()
        self.receiver.feed_eof()
        self._wake_readers()
        # The peer sent FIN. While a handler runs, that is a client that went away (as uvicorn
        # treats it): close, which cancels the handler. Requests still buffered and not yet
        # started (``printf ... | nc -N``) keep the socket open so they are answered.
        return not self._handler_running and self.receiver.buffered > 0

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake(self._drain_waiter)
        self._drain_waiter = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._cancel_timer()
        self.app.connections.discard(self)
        self._wake_readers()
        self._wake(self._drain_waiter)
        self._wake(self._body_waiter)
        task = self._task
        if task is not None and self._handler_running and self.cancel_on_disconnect:
            task.cancel()  # no zombie handlers: it learns at its next await

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- timeouts: a deadline per connection, checked by the App's sweep (no timer per request)
    def _arm(self, kind: int) -> None:
        if self._timer_kind != kind:
            delay = self.settings.keepalive_timeout if kind == _IDLE else self.settings.header_timeout
            self._deadline = self.loop.time() + delay
            self._timer_kind = kind

    def _cancel_timer(self) -> None:
        self._timer_kind = 0

    def check_deadline(self, now: float) -> None:
        """Called about twice a second by the App: enforce the idle and header timeouts."""
        kind = self._timer_kind
        if kind and now >= self._deadline and not self._closed:
            self._timer_kind = 0
            if kind == _HEADER:
                # A client dripping its head (slowloris) is answered 408 and cut off.
                self._write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self._close_transport()

    # -- the serve loop ---------------------------------------------------------------
    async def _serve(self) -> None:
        app = self.app
        # This task's own context (a copy made when it was created): every request on the
        # connection is this object, so the variable is set once, not per request.
        current_request.set(self)
        try:
            while not self._closed:
                request = self._poll_request()
                if request is None:
                    break
                if isinstance(request, asyncio.Future):
                    await request  # more bytes (or the connection closed): poll again
                    continue
                self._reset(request)
                if self.receiver.buffered:
                    self._start_cork()  # pipelined: answer all that is buffered, then send once
                started = perf_counter() if self.settings.access_log else 0.0
                self._handler_running = True
                try:
                    await app.dispatch(self)
                except Abort as exc:
                    await self._on_abort(exc)
                except (ClientDisconnected, ConnectionError):
                    break
                except ProtocolError as exc:
                    self._on_protocol_error(exc)
                except Protocoltimeout:
                    self.keep_alive = False
                    if not self._prepared:
                        await self.respond(408, None, b"Request Timeout", "text/plain; charset=utf-8")
                except Exception as exc:
                    await self._on_handler_error(exc)
                finally:
                    self._handler_running = False
                    if self._uploads:
                        self._close_uploads()
                if self.gone:  # (a property: the handler may have closed it, which mypy cannot see)
                    if started:
                        self._log_access(started)
                    break
                if not self._eof_sent:  # a whole response (respond()) is already complete
                    await self._finish_response()
                self._served += 1
                if started:
                    self._log_access(started)
                if not self.keep_alive or self._closed or app.closing:
                    break
                if not self._body_complete and not await self._finish_body():
                    break
                self.receiver.start_next_cycle()
        except (ClientDisconnected, ConnectionError):
            pass
        finally:
            self._cancel_timer()
            self.app.connections.discard(self)
            if not self._closed:
                self._close_transport()

    def _poll_request(self) -> Request | asyncio.Future[None] | None:
        """The next request if it is buffered, else a future to await for more bytes; ``None`` ends.

        Synchronous, so the serve loop awaits the data future itself: no coroutine per request
        between the socket and the handler.
        """
        receiver = self.receiver
        if not receiver.buffered:
            if self._closed:
                return None
            self._arm(_IDLE)
            return self._data_future()
        try:
            event = receiver.next_event()
        except ProtocolError as exc:
            self._reset(None)
            self._on_protocol_error(exc)
            return None
        if type(event) is Request:
            self._timer_kind = 0
            return event
        if event is NEED_DATA:
            # On shutdown a connection that has not had its first request yet still gets it
            # (it was accepted, so the client expects an answer); only idle ones stop here.
            if self._closed or (self.app.closing and self._served):
                return None
            self._arm(_HEADER if receiver.buffered else _IDLE)
            return self._data_future()
        if type(event) is ConnectionClosed:
            return None
        raise AssertionError(f"unexpected event {event!r}")

    async def _finish_response(self) -> None:
        if not self._prepared:
            await plog.b_red(
                "Handler returned without a response",
                f"{self.method} {self.tail}: answered 500 Internal Server Error",
            )
            await self.respond(500, None, b"Internal Server Error", "text/plain; charset=utf-8")
            return
        if not self._eof_sent:
            try:
                await self.eof()
            except LocalProtocolError as exc:
                # e.g. fewer bytes than the declared Content-Length: the client must not wait for more.
                self.keep_alive = False
                await plog.b_red("Incomplete response", f"{self.method} {self.tail}: {exc}; closing the connection")

    async def _finish_body(self) -> bool:
        """Make the request body complete before the next request is parsed; False means close."""
        if self._raw_mode or (self._expect_continue and not self._continue_sent):
            return False  # the client may never send a body it was not asked for
        drained = 0
        receiver = self.receiver
        while True:
            if self._body_consumers:
                # Another task reads this body (also after its handler returned): wait for it
                # to finish. If every reader stops early, drain the rest as below.
                if not await self._wait_for_readers():
                    return False
                if self._body_complete:
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
        while self._body_consumers and not self._body_complete:
            read = self._body_read
            waiter = self._body_waiter = self.loop.create_future()
            timer = self.loop.call_later(self.settings.body_timeout, self._wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._body_waiter = None
            if self.gone:
                return False
            if self._body_read == read and self._body_consumers and not self._body_complete:
                return False
        return not self.gone

    # -- errors -----------------------------------------------------------------------
    async def _on_abort(self, exc: Abort) -> None:
        if self._prepared:
            self.keep_alive = False  # never a second head: close instead
            self._eof_sent = True
            self._close_transport()
            return
        await self.respond(exc.status, exc.headers, exc.message.encode(), "text/plain; charset=utf-8")

    def _on_protocol_error(self, exc: ProtocolError) -> None:
        # The connection closes next, and closing flushes: no need to wait for a drain.
        self.keep_alive = False
        if self._prepared or self._closed:
            self._eof_sent = True
            self._close_transport()
            return
        self._respond(exc.status_code, None, f"{exc}\n".encode(), "text/plain; charset=utf-8")

    async def _on_handler_error(self, exc: Exception) -> None:
        lines = traceback.format_exception(exc)
        await plog.b_red(f"Error in handler for {self.method} {self.tail}", "".join(lines).rstrip())
        if self._prepared:
            self.keep_alive = False
            self._eof_sent = True
            self._close_transport()
        else:
            await self.respond(500, None, b"Internal Server Error", "text/plain; charset=utf-8")

    def _log_access(self, started: float) -> None:
        # Common-log-like: client, request line, status, duration (stdlib logging: route it anywhere).
        ACCESS_LOG.info(
            '%s:%s "%s %s HTTP/%s" %s %.2fms',
            self.ip_host, self.ip_port, self.method, self.tail, self.version,
            self.status or "-", (perf_counter() - started) * 1000,
        )  # fmt: skip

    def close(self) -> None:
        """Close the connection."""
        if not self._closed:
            self._close_transport()

    def abort_connection(self) -> None:
        """Drop the connection at once (no graceful close)."""
        if not self._closed:
            self.transport.abort()

    @property
    def serve_task(self) -> asyncio.Task[None] | None:
        """The task serving this connection (``None`` if it was refused at once)."""
        return self._task

    @property
    def idle_between_requests(self) -> bool:
        """True when the connection has answered a request and waits for the next, none begun."""
        return not self._handler_running and self.receiver.buffered == 0 and self._served > 0

    @property
    def is_alive(self) -> bool:
        return not self._closed

    def __repr__(self) -> str:
        return f"<BlazeioProtocol {self.ip_host}:{self.ip_port} {self.method} {self.tail}>"


def _origin_form(target: str) -> str:
    """``http://host:8080/a?b`` -> ``/a?b``: RFC 9112 §3.2.2, a server MUST accept the absolute-form."""
    rest = target.split("://", 1)[1]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    tail = rest[cut:]
    return tail if tail.startswith("/") else "/" + tail


class ConnectionTaskShield:
    """``async with io.ConnectionTaskShield(r):`` -- finish work even if the client disconnects."""

    __slots__ = ("_previous", "r")

    def __init__(self, r: BlazeioProtocol) -> None:
        self.r = r
        self._previous = r.cancel_on_disconnect

    async def __aenter__(self) -> BlazeioProtocol:
        self._previous = self.r.cancel_on_disconnect
        self.r.cancel_on_disconnect = False
        return self.r

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.r.cancel_on_disconnect = self._previous
