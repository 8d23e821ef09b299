"""``ServerRequest``: one object per request -- the ``r`` handlers get (``io.BlazeioProtocol``).

Made by the connection when a request head is complete; its layers read the body
(``reading``), write the response (``writing``) and offer the product document's helpers
(``helpers``). It holds the state of *its* request only, so a task that keeps ``r`` after the
handler returned (a relay) still sees its own method, path, headers, body and response state
while the connection serves the next request with another object.

Per-request cost: ``__slots__``, and ``__init__`` assigns each slot once (no dict, no reset).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from blazeio_common import LocalProtocolError, plog
from blazeio_common.http import Headers, Request
from blazeio_server.helpers import RequestHelpers, client_address, is_trusted
from blazeio_server.types import AppSide, ConnectionSide
from blazeio_server.upgrade import P, upgrade
from blazeio_server.websocket import websocket

if TYPE_CHECKING:
    from blazeio_common.websocket import WebSocket
    from blazeio_common.ws import DeflateOptions

__all__ = ["BLANK", "ServerRequest"]

# The request a connection answers when the head itself was bad (a 400 before any request).
BLANK = Request("", "/", "1.1", Headers(), True, 0, False, False)


class ServerRequest(RequestHelpers):
    """One request on a connection, and its response."""

    __slots__ = ("__dict__", "headers", "ip_host", "path", "path_params", "query", "request", "tail")

    def __init__(self, conn: ConnectionSide, request: Request) -> None:
        self.conn = conn
        self.settings = settings = conn.settings
        self.request = request
        self.method = request.method
        target = request.target
        if target[0] != "/" and "://" in target:
            target = _origin_form(target)
        self.tail = target
        self.path, _, self.query = target.partition("?")
        self.version = request.version
        self.headers = request.headers
        self.ip_host = conn.ip_host
        trusted = settings.trusted_proxies
        if trusted and is_trusted(conn.ip_host, trusted):
            self.ip_host = client_address(conn.ip_host, request.headers, trusted)
        self.keep_alive = request.keep_alive and settings.keepalive
        self.body_complete = request.content_length == 0
        self._expect_continue = request.expect_continue
        self.status = 0
        self._progress = self._writer = self._store = self._params = self.uploads = self._staged = self._encoder = None
        self._continue_sent = self._prepared = self.complete = self._sse = False
        self.path_params: dict[str, Any] = {}  # a route's converted {parameters}; the router fills it

    def renew(self, request: Request) -> None:
        """Serve ``request`` with this object: only when nothing else holds it (see ``Connection``)."""
        attributes = vars(self)
        if attributes:
            attributes.clear()  # r.store keys and attributes the last handler set
        self.__init__(self.conn, request)  # type: ignore[misc]

    # -- what the request shows of its connection ---------------------------------------
    @property
    def app(self) -> AppSide:
        return self.conn.app

    @property
    def ip_port(self) -> int:
        return self.conn.ip_port

    @property
    def peer_host(self) -> str:
        """The direct peer's address (``ip_host`` is the client behind trusted proxies)."""
        return self.conn.ip_host

    @property
    def received_ns(self) -> int:
        """``time.monotonic_ns()`` when bytes last arrived on the connection (StaticServer's stat reuse)."""
        return self.conn.received_ns

    @property
    def cancel_on_disconnect(self) -> bool:
        """Whether the handler is cancelled when the client goes away (see ``ConnectionTaskShield``)."""
        return self.conn.cancel_on_disconnect

    @cancel_on_disconnect.setter
    def cancel_on_disconnect(self, value: bool) -> None:
        self.conn.cancel_on_disconnect = value

    @property
    def is_alive(self) -> bool:
        return not self.conn.closed

    def close(self) -> None:
        """Close the connection."""
        if not self.conn.closed:
            self.conn.close_transport()

    def abort_connection(self) -> None:
        """Drop the connection at once (no graceful close)."""
        if not self.conn.closed:
            self.conn.transport.abort()

    # -- the connection's side: finishing the response ----------------------------------
    def give_up(self) -> None:
        """The response cannot be finished (an error after its head): close instead of a second head."""
        self.keep_alive = False
        self.complete = True
        self.conn.close_transport()

    async def finish_response(self) -> None:
        """After the handler: a 500 if it answered nothing, else the end of a prepared body."""
        if not self._prepared:
            await plog.b_red(
                "Handler returned without a response",
                f"{self.method} {self.tail}: answered 500 Internal Server Error",
            )
            await self.respond(500, None, b"Internal Server Error", "text/plain; charset=utf-8")
            return
        if not self.complete:
            try:
                await self.eof()
            except LocalProtocolError as exc:
                # e.g. fewer bytes than the declared Content-Length: the client must not wait for more.
                self.keep_alive = False
                await plog.b_red("Incomplete response", f"{self.method} {self.tail}: {exc}; closing the connection")

    # -- the upgrade seam (blazeio_server.upgrade, blazeio_server.websocket) -------------------
    async def upgrade(
        self,
        factory: Callable[[asyncio.Transport, bytes], P],
        headers: Mapping[str, Any] | None = None,
        *,
        on_shutdown: Callable[[P], object] | None = None,
    ) -> P:
        """Send a 101 head and hand the connection to ``factory(transport, buffered)``'s protocol."""
        return await upgrade(self, factory, headers, on_shutdown=on_shutdown)

    async def websocket(
        self, protocols: tuple[str, ...] = (), compress: bool | DeflateOptions = True, **options: Any
    ) -> WebSocket:
        """Answer a WebSocket handshake; returns the open ``io.WebSocket`` (see websocket.py)."""
        return await websocket(self, protocols, compress, **options)

    def hand_over(self, head: bytes) -> tuple[asyncio.Transport, bytes]:
        """For the upgrade seam: the 101 ``head`` completes this response; the connection hands
        over its transport and every byte read after the request head."""
        handed = self.conn.hand_over(head)
        self.status = 101
        self._prepared = self.complete = True
        self.keep_alive = False
        return handed

    def __repr__(self) -> str:
        return f"<BlazeioProtocol {self.ip_host}:{self.ip_port} {self.method} {self.tail}>"


def _origin_form(target: str) -> str:
    """``http://host:8080/a?b`` -> ``/a?b``: RFC 9112 §3.2.2, a server MUST accept the absolute-form."""
    rest = target.split("://", 1)[1]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    tail = rest[cut:]
    return tail if tail.startswith("/") else "/" + tail
