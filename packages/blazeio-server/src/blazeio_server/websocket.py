"""``ws = await r.websocket()``: the server side of a WebSocket, on the upgrade seam.

::

    @app.route("/chat")
    async def chat(r):
        ws = await r.websocket(protocols=("chat",))
        async for message in ws:           # str or bytes, until the client closes
            await ws.send(message)

``r.websocket(protocols=(), compress=True, *, max_message_size=1 MiB, max_queue=16,
max_queue_bytes=4 MiB, ping_interval=20.0, ping_timeout=20.0, close_timeout=10.0)``
answers the handshake (RFC 6455 §4.2) and returns the open ``io.WebSocket``. A request that
is no valid upgrade is answered by ``validate_upgrade``'s status and headers: 426 with
``Upgrade: websocket`` when it asked for no WebSocket (or ``Sec-WebSocket-Version: 13`` for
another version), else 400. ``protocols``: the subprotocols this route speaks (the client's
most preferred one among them is chosen, ``ws.subprotocol``; none in common: ``None``); ``compress``: offer
permessage-deflate (RFC 7692) when the client asks (``True``, ``False``, or a
``blazeio_common.ws.DeflateOptions``).

The handler owns the WebSocket: when it returns the connection is closed with 1000 (if still
open); when it raises it is closed with 1011 and the error logged; when the connection is lost
without a close frame (the client vanished: 1006) the handler is cancelled, as for HTTP
(``io.ConnectionTaskShield`` keeps it running, and its ``receive()`` then raises
``WebSocketClosed`` with 1006). A connection that ended by a close (either side's, or a
failed keepalive or protocol violation) does not cancel it: ``receive()`` raises
``WebSocketClosed`` and ``async for`` ends. A graceful shutdown closes it with
1001 (``ws.going_away()``).
"""

from __future__ import annotations

import asyncio
import traceback
from typing import TYPE_CHECKING

from blazeio_common import plog
from blazeio_common.websocket import WebSocket
from blazeio_common.websocket_errors import WebSocketClosed
from blazeio_common.websocket_flow import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_MAX_QUEUE,
    DEFAULT_MAX_QUEUE_BYTES,
    DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT,
)
from blazeio_common.ws import (
    ABNORMAL_CLOSURE,
    DEFAULT_MAX_MESSAGE_SIZE,
    INTERNAL_ERROR,
    DeflateOptions,
    HandshakeError,
    validate_upgrade,
)
from blazeio_server.abort import Abort

if TYPE_CHECKING:
    from blazeio_server.types import UpgradingRequest

__all__ = ["websocket"]


async def websocket(
    r: UpgradingRequest,
    protocols: tuple[str, ...] = (),
    compress: bool | DeflateOptions = True,
    *,
    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
    max_queue: int = DEFAULT_MAX_QUEUE,
    max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
) -> WebSocket:
    """``r.websocket``: see the module docstring."""
    if r.prepared:
        raise RuntimeError("the response (or an upgrade) was already sent")
    try:
        request = validate_upgrade(r.method, r.version, r.headers)
    except HandshakeError as exc:
        raise Abort(str(exc), exc.status_code, dict(exc.headers)) from None
    if isinstance(compress, DeflateOptions):
        options: DeflateOptions | None = compress
    else:
        options = DeflateOptions() if compress else None
    accepted = request.accept(protocols, options)

    def factory(transport: asyncio.Transport, buffered: bytes) -> WebSocket:
        return WebSocket(
            transport,
            "server",
            deflate=accepted.deflate,
            subprotocol=accepted.subprotocol,
            buffered=buffered,
            max_message_size=max_message_size,
            max_queue=max_queue,
            max_queue_bytes=max_queue_bytes,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
        )

    ws: WebSocket = await r.upgrade(factory, dict(accepted.headers), on_shutdown=WebSocket.going_away)
    handover = r.conn.upgraded
    assert handover is not None  # set by r.upgrade

    async def handler_exited(exc: BaseException | None) -> None:
        if exc is None or isinstance(exc, WebSocketClosed):
            await ws.close()  # a no-op when it is already closed
            return
        lines = "".join(traceback.format_exception(exc)).rstrip()
        await plog.b_red(f"Error in WebSocket handler for {r.method} {r.tail}", lines)
        await ws.close(INTERNAL_ERROR)

    handover.on_handler_exit = handler_exited
    handover.ended_cleanly = lambda: ws.close_code != ABNORMAL_CLOSURE
    return ws
