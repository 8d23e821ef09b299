"""The upgrade seam: a handler hands its connection to another protocol after HTTP.

::

    class Echo(asyncio.Protocol):
        def __init__(self, transport, buffered):
            self.transport = transport
            if buffered:
                self.data_received(buffered)   # bytes the client sent right after its head

        def data_received(self, data):
            self.transport.write(data)

        async def shutdown(self):             # optional goodbye (see on_shutdown)
            self.transport.write(b"bye\\n")

    @app.route("/echo")
    async def echo(r):
        await r.upgrade(Echo, {"Upgrade": "echo", "Connection": "Upgrade"}, on_shutdown=Echo.shutdown)

``protocol = await r.upgrade(factory, headers=None, *, on_shutdown=None)`` sends the
``101 Switching Protocols`` head (with ``headers``, e.g. ``Upgrade`` and ``Connection``), then calls
``factory(transport, buffered)`` -- ``buffered`` is every byte already read after the request
head, pipelined bytes included -- and makes the protocol it returns the receiver of
``data_received`` / ``eof_received`` / ``connection_lost`` / ``pause_writing`` /
``resume_writing`` from then on. It is an ``asyncio.Protocol`` (not a ``BufferedProtocol``); the
factory stands in for ``connection_made``; it may call ``transport.set_protocol`` itself, as
``io.WebSocket`` does (the seam installs its relay after the factory returns). Returns that
protocol. A protocol with an ``on_lost`` attribute (``None``) gets no relay: it becomes the
transport's protocol, and the seam sets ``on_lost`` to a callable that the protocol's
``connection_lost(exc)`` must call with ``exc`` once it has handled the loss (``io.WebSocket``
does; it saves a Python call per read).

From then on:

- the HTTP limits and timeouts no longer apply (no header/idle/body timers, no request parsing);
  the handler may return at once and the protocol lives on, or keep using it;
- the connection still counts toward ``max_connections`` until it is lost;
- the handler task is still cancelled when the connection is lost (unless shielded);
- a graceful shutdown calls ``await on_shutdown(protocol)`` (its goodbye), then closes the
  transport; whatever is still open ``shutdown_timeout`` seconds later is aborted.

A request with a body (``Content-Length`` > 0 or chunked) is answered 400: its body and the
new protocol's bytes could not be told apart. During a shutdown the answer is 503.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, runtime_checkable

from blazeio_common.http import serialise_fields
from blazeio_server.abort import Abort
from blazeio_server.clock import head_prefix

if TYPE_CHECKING:
    from blazeio_server.types import ConnectionSide, UpgradingRequest

__all__ = ["Handover", "ReportsLoss", "upgrade"]

LOG = logging.getLogger("blazeio.upgrade")

P = TypeVar("P", bound=asyncio.BaseProtocol)


@runtime_checkable
class ReportsLoss(Protocol):
    """A protocol that calls ``on_lost(exc)`` at the end of its ``connection_lost`` (see above)."""

    on_lost: Callable[[Exception | None], None] | None


class Handover(asyncio.Protocol, Generic[P]):
    """The transport's protocol after an upgrade: relays every callback to the new protocol,
    and tells the HTTP connection when the transport is lost (so it leaves the App's set)."""

    def __init__(
        self,
        connection: ConnectionSide,
        transport: asyncio.Transport,
        protocol: P,
        on_shutdown: Callable[[P], object] | None,
    ) -> None:
        self.connection = connection
        self.transport = transport
        self.protocol = protocol
        self.on_shutdown = on_shutdown
        # Called once when the handler that upgraded returns (``None``) or raises: a library
        # on top of the seam (the server WebSocket) ends its protocol there.
        self.on_handler_exit: Callable[[BaseException | None], Awaitable[None]] | None = None
        # Asked when the transport is lost: True spares the running handler its cancellation
        # (the server WebSocket: a connection that ended with a close handshake is no disconnect).
        self.ended_cleanly: Callable[[], bool] | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._handler_exited = False

    # -- relayed callbacks (asyncio.Protocol's, except connection_made: see the factory) --
    def data_received(self, data: bytes) -> None:
        self.protocol.data_received(data)  # type: ignore[attr-defined]

    def eof_received(self) -> bool | None:
        return self.protocol.eof_received()  # type: ignore[attr-defined,no-any-return]

    def pause_writing(self) -> None:
        self.protocol.pause_writing()

    def resume_writing(self) -> None:
        self.protocol.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        try:
            self.protocol.connection_lost(exc)
        finally:
            self.protocol_lost(exc)

    def protocol_lost(self, exc: Exception | None) -> None:
        """The HTTP connection's own bookkeeping once the protocol has heard of the loss: leave
        app.connections, cancel its handler. (A protocol that is the transport's protocol
        itself calls it as its ``on_lost``.)"""
        if self.ended_cleanly is not None and self.ended_cleanly():
            self.connection.cancel_on_disconnect = False
        self.connection.connection_lost(exc)
        if not self.lost.done():
            self.lost.set_result(None)

    # -- hooks the server calls -----------------------------------------------------------
    async def handler_exited(self, exc: BaseException | None) -> None:
        """The upgrading handler returned (``exc`` is ``None``) or raised; runs once."""
        if self._handler_exited:
            return
        self._handler_exited = True
        if self.on_handler_exit is not None:
            await self.on_handler_exit(exc)
        elif exc is not None:
            LOG.error("Error in handler after an upgrade", exc_info=exc)

    async def goodbye(self, grace: float) -> None:
        """Graceful shutdown: the protocol's goodbye, then close; abort what is open after ``grace`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        if self.on_shutdown is not None and not self.lost.done():
            try:
                result = self.on_shutdown(self.protocol)
                if inspect.isawaitable(result):
                    said = asyncio.ensure_future(result)
                    await asyncio.wait([said, self.lost], timeout=grace, return_when=asyncio.FIRST_COMPLETED)
                    if not said.done() and said is not result:
                        said.cancel()  # our task running its coroutine (never the protocol's own future)
            except Exception as exc:  # a faulty goodbye must not stop the shutdown
                LOG.error("Error in an upgraded protocol's on_shutdown", exc_info=exc)
        if not self.lost.done():
            self.transport.close()  # flushes what the goodbye wrote, then closes
            await asyncio.wait([self.lost], timeout=max(deadline - loop.time(), 0.0))
        if not self.lost.done():
            self.transport.abort()


async def upgrade(
    r: UpgradingRequest,
    factory: Callable[[asyncio.Transport, bytes], P],
    headers: Mapping[str, Any] | None = None,
    *,
    on_shutdown: Callable[[P], object] | None = None,
) -> P:
    """``r.upgrade``: see the module docstring."""
    request = r.request
    if request is None or request.content_length != 0:
        raise Abort("A request with a body cannot be upgraded", 400)
    if r.app.closing:
        raise Abort("Shutting down", 503, {"Connection": "close"})
    if r.prepared:
        raise RuntimeError("the response head was already sent")
    # The head as given (prepare() would drop the Connection field, which the server manages
    # for HTTP and which must say Upgrade here): status line, Date, Server, the fields.
    head = head_prefix(101, r.settings) + serialise_fields(headers) + b"\r\n"
    transport, buffered = r.hand_over(head)  # no await from here on: no byte can slip past
    protocol = factory(transport, buffered)
    handover = Handover(r.conn, transport, protocol, on_shutdown)
    reporting: object = protocol  # (mypy cannot intersect a TypeVar with a Protocol)
    if isinstance(reporting, ReportsLoss):
        # For speed: no relay between the transport and a protocol that reports its own loss.
        reporting.on_lost = handover.protocol_lost
        transport.set_protocol(protocol)
    else:
        transport.set_protocol(handover)
    if not transport.is_reading() and not transport.is_closing():
        transport.resume_reading()  # HTTP may have paused it at its read watermark
    r.conn.upgraded = handover
    return protocol
