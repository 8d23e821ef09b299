"""``Connection``: the asyncio protocol of one client connection, serving a request object per request.

Life of a connection: ``connection_made`` starts one serve task, which loops: wait for a
complete request head (header timeout once it has begun, idle timeout between requests),
make a ``ServerRequest`` for it and dispatch it, finish the response, then make sure the
request body is complete -- read by someone (possibly another task, after the handler
returned), or drained up to a limit -- before it parses the next request. Pipelined requests
already buffered are answered in order without waiting for the socket, their responses held
to leave in one write.

Backpressure (``blazeio_common.flow.FlowControl``): reading pauses while more than
``read_high_water`` unread bytes are buffered; writes wait while the transport is over its high
watermark. When the peer goes away the handler task is cancelled at once (unless shielded) and
writes raise ``ClientDisconnected``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from time import monotonic_ns, perf_counter
from typing import TYPE_CHECKING, Any, cast

from blazeio_common import ClientDisconnected, Protocoltimeout, plog
from blazeio_common.errors import ProtocolError
from blazeio_common.flow import FlowControl
from blazeio_common.http import NEED_DATA, ConnectionClosed, Request, RequestReceiver
from blazeio_server.abort import Abort, current_request
from blazeio_server.request import BLANK, ServerRequest
from blazeio_server.types import AppSide

if TYPE_CHECKING:
    from blazeio_server.upgrade import Handover

__all__ = ["ACCESS_LOG", "Connection"]

ACCESS_LOG = logging.getLogger("blazeio.access")

_IDLE, _HEADER = 1, 2
# References to the last request when only the serve loop has it: the loop's two variables,
# ``Connection.current``, the task's context (``current_request``) and getrefcount's argument.
_UNSHARED = 5


def _no_refcounts(obj: object) -> int:
    return -1  # never _UNSHARED: a new request object every time


# Interpreters without reference counts (PyPy) always make a new object per request.
getrefcount = getattr(sys, "getrefcount", _no_refcounts)


class Connection(FlowControl, asyncio.Protocol):
    """A client connection: reads request heads, serves a ``ServerRequest`` for each."""

    __slots__ = (
        "_deadline",
        "_handler_running",
        "_served",
        "_task",
        "_timer_kind",
        "app",
        "cancel_on_disconnect",
        "content_types",
        "current",
        "head_shapes",
        "ip_host",
        "ip_port",
        "length_lines",
        "received_ns",
        "receiver",
        "sendfile_pool",
        "settings",
        "upgraded",
    )

    disconnected = ClientDisconnected
    read_timeout = Protocoltimeout

    def __init__(self, app: AppSide) -> None:
        settings = app.settings
        FlowControl.__init__(self, asyncio.get_running_loop(), settings.write_high_water)
        self.app = app
        self.settings = settings
        self.receiver = RequestReceiver(settings.limits, app.head_cache)
        self.head_shapes = app.head_shapes
        self.content_types = app.response_lines.content_types
        self.length_lines = app.response_lines.lengths
        self.sendfile_pool = app.sendfile_pool
        self._deadline = 0.0
        self._timer_kind = 0
        self._task: asyncio.Task[None] | None = None
        self._handler_running = False
        self._served = 0
        self.cancel_on_disconnect = True
        self.ip_host = ""
        self.ip_port = 0
        # time.monotonic_ns() when bytes last arrived on this connection: every request read
        # so far had arrived by then (StaticServer reuses a stat taken after it).
        self.received_ns = 0
        # The request being served (or the last one): the one whose body gates the next head.
        self.current: ServerRequest | None = None
        # The upgrade seam's relay once a handler took the connection over (see upgrade.py).
        self.upgraded: Handover[Any] | None = None

    # -- asyncio callbacks ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, but have its interface.
        transport = cast(asyncio.Transport, transport)
        self.attach(transport)
        transport.set_write_buffer_limits(self.settings.write_high_water, self.settings.write_low_water)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple):
            self.ip_host = str(peer[0])
            self.ip_port = int(peer[1])
        app = self.app
        if len(app.connections) >= self.settings.max_connections:
            self.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            transport.close()
            self.closed = True
            return
        app.connections.add(self)
        self._task = self.loop.create_task(self._serve())

    def data_received(self, data: bytes) -> None:
        self.received_ns = monotonic_ns()
        buffered = self.receiver.feed(data)
        if self.data_waiters:
            self.wake_readers()
        if buffered > self.settings.read_high_water and not self.reading_paused:
            self.reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        # Responses held for one write (pipelining) are already answered: hand them to the
        # transport now, which flushes them before it closes.
        self.flush()
        self.receiver.feed_eof()
        self.wake_readers()
        # The peer sent FIN. While a handler runs, that is a client that went away (as uvicorn
        # treats it): close, which cancels the handler. Requests still buffered and not yet
        # started (``printf ... | nc -N``) keep the socket open so they are answered.
        return not self._handler_running and self.receiver.buffered > 0

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost()
        self._timer_kind = 0
        self.app.connections.discard(self)
        current = self.current
        if current is not None:
            current.wake_body_waiter()
        task = self._task
        if task is not None and self._handler_running and self.cancel_on_disconnect:
            task.cancel()  # no zombie handlers: it learns at its next await

    # -- timeouts: a deadline per connection, checked by the App's sweep (no timer per request)
    def _arm(self, kind: int) -> None:
        if self._timer_kind != kind:
            delay = self.settings.keepalive_timeout if kind == _IDLE else self.settings.header_timeout
            self._deadline = self.loop.time() + delay
            self._timer_kind = kind

    def check_deadline(self, now: float) -> None:
        """Called about twice a second by the App: enforce the idle and header timeouts."""
        kind = self._timer_kind
        if kind and now >= self._deadline and not self.closed:
            self._timer_kind = 0
            if kind == _HEADER:
                # A client dripping its head (slowloris) is answered 408 and cut off.
                self.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            self.close_transport()

    # -- the serve loop ---------------------------------------------------------------
    async def _serve(self) -> None:
        app = self.app
        r: ServerRequest
        last: ServerRequest | None = None  # the request served before (also still in ``r``)
        try:
            while not self.closed:
                request = self._poll_request()
                if request is None:
                    break
                if isinstance(request, asyncio.Future):
                    await request  # more bytes (or the connection closed): poll again
                    continue
                # A new object per request: one a task kept from the last request never changes.
                # Unless nothing but this loop (its two variables, ``current`` and this task's
                # context) holds the last request -- no task, no generator, no list kept it: then
                # that object serves this one, renewed (a new object's allocation, collection
                # and deallocation cost about 1,100 instructions of a small response's 67,000).
                # A request that anything else holds is never renewed.
                if last is None or getrefcount(last) != _UNSHARED or current_request.get(None) is not last:
                    r = self.current = ServerRequest(self, request)
                    current_request.set(r)
                else:
                    r = last  # type: ignore[assignment]  # not None: tested above
                    r.renew(request)
                if self.receiver.buffered:
                    self.hold()  # pipelined: answer all that is buffered, then send once
                started = perf_counter() if self.settings.access_log else 0.0
                self._handler_running = True
                try:
                    await app.dispatch(r)
                except Abort as exc:
                    await self._on_abort(r, exc)
                except (ClientDisconnected, ConnectionError):
                    break
                except ProtocolError as exc:
                    self._on_protocol_error(r, exc)
                except Protocoltimeout:
                    r.keep_alive = False
                    if not r.prepared:
                        await r.respond(408, None, b"Request Timeout", "text/plain; charset=utf-8")
                except Exception as exc:
                    await self._on_handler_error(r, exc)
                finally:
                    self._handler_running = False
                    if r.uploads:
                        r.close_uploads()
                if self.upgraded is not None:  # the upgrade seam: the connection is no longer HTTP
                    await self.upgraded.handler_exited(None)
                    if started:
                        self._log_access(r, started)  # 101, and how long the handler kept it
                    break
                if self.gone:  # (a property: the handler may have closed it, which mypy cannot see)
                    if started:
                        self._log_access(r, started)
                    break
                if not r.complete:  # a whole response (respond()) is already complete
                    await r.finish_response()
                self._served += 1
                if started:
                    self._log_access(r, started)
                if not r.keep_alive or self.closed or app.closing:
                    break
                if not r.body_complete and not await r.finish_body():
                    break
                self.receiver.start_next_cycle()
                last = r
        except (ClientDisconnected, ConnectionError):
            pass
        finally:
            self._timer_kind = 0
            if self.upgraded is None:  # an upgraded one leaves app.connections when it is lost
                self.app.connections.discard(self)
                if not self.closed:
                    self.close_transport()

    def _poll_request(self) -> Request | asyncio.Future[None] | None:
        """The next request if it is buffered, else a future to await for more bytes; ``None`` ends.

        Synchronous, so the serve loop awaits the data future itself: no coroutine per request
        between the socket and the handler.
        """
        receiver = self.receiver
        if not receiver.buffered:
            if self.closed:
                return None
            self._arm(_IDLE)
            return self.data_future()
        try:
            event = receiver.next_event()
        except ProtocolError as exc:
            self._on_protocol_error(ServerRequest(self, BLANK), exc)
            return None
        if type(event) is Request:
            self._timer_kind = 0
            return event
        if event is NEED_DATA:
            # On shutdown a connection that has not had its first request yet still gets it
            # (it was accepted, so the client expects an answer); only idle ones stop here.
            if self.closed or (self.app.closing and self._served):
                return None
            self._arm(_HEADER if receiver.buffered else _IDLE)
            return self.data_future()
        if type(event) is ConnectionClosed:
            return None
        raise AssertionError(f"unexpected event {event!r}")

    # -- errors -----------------------------------------------------------------------
    async def _on_abort(self, r: ServerRequest, exc: Abort) -> None:
        if r.prepared:
            r.give_up()  # never a second head: close instead
            return
        await r.respond(exc.status, exc.headers, exc.message.encode(), "text/plain; charset=utf-8")

    def _on_protocol_error(self, r: ServerRequest, exc: ProtocolError) -> None:
        # The connection closes next, and closing flushes: no need to wait for a drain.
        r.keep_alive = False
        if r.prepared or self.closed:
            r.give_up()
            return
        r.respond_now(exc.status_code, None, f"{exc}\n".encode(), "text/plain; charset=utf-8")

    async def _on_handler_error(self, r: ServerRequest, exc: Exception) -> None:
        if self.upgraded is not None:
            await self.upgraded.handler_exited(exc)  # no HTTP answer on an upgraded connection
            return
        lines = traceback.format_exception(exc)
        await plog.b_red(f"Error in handler for {r.method} {r.tail}", "".join(lines).rstrip())
        if r.prepared:
            r.give_up()
        else:
            await r.respond(500, None, b"Internal Server Error", "text/plain; charset=utf-8")

    @staticmethod
    def _log_access(r: ServerRequest, started: float) -> None:
        # Common-log-like: client, request line, status, duration (stdlib logging: route it anywhere).
        ACCESS_LOG.info(
            '%s:%s "%s %s HTTP/%s" %s %.2fms',
            r.ip_host, r.ip_port, r.method, r.tail, r.version,
            r.status or "-", (perf_counter() - started) * 1000,
        )  # fmt: skip

    def hand_over(self, head: bytes) -> tuple[asyncio.Transport, bytes]:
        """For the upgrade seam: write the 101 ``head`` after what is held, stop the HTTP timers and
        return the transport with every byte read after the request head."""
        if self.closed:
            raise ClientDisconnected("the client went away")
        self.flush()  # responses to requests before this one go first
        self.transport.write(head)
        self._timer_kind = 0
        return self.transport, self.receiver.take_buffered()

    def close(self) -> None:
        """Close the connection."""
        if not self.closed:
            self.close_transport()

    def abort_connection(self) -> None:
        """Drop the connection at once (no graceful close)."""
        if not self.closed:
            self.transport.abort()

    @property
    def serve_task(self) -> asyncio.Task[None] | None:
        """The task serving this connection (``None`` if it was refused at once)."""
        return self._task

    @property
    def idle_between_requests(self) -> bool:
        """True when the connection has answered a request and waits for the next, none begun."""
        return not self._handler_running and self.receiver.buffered == 0 and self._served > 0

    def close_after_current(self) -> None:
        """Serve no request after the current one (its response says ``Connection: close``)."""
        current = self.current
        if current is not None:
            current.keep_alive = False

    @property
    def is_alive(self) -> bool:
        return not self.closed

    @property
    def gone(self) -> bool:
        """True once the connection is closed (the peer left, or we closed it)."""
        return self.closed

    def __repr__(self) -> str:
        return f"<Connection {self.ip_host}:{self.ip_port} served={self._served}>"
