"""``io.getSession.websocket(url)``: the client's opening handshake (RFC 6455 §4.1), then ``io.WebSocket``.

::

    async with io.getSession.websocket("wss://example.com/chat", protocols=("chat",)) as ws:
        await ws.send("hi")
        async for message in ws: ...

A WebSocket connection is never pooled: it gets a connection of its own (through the HTTP
proxy's CONNECT tunnel with ``proxy=``), sends the GET upgrade request, reads the response
head with the common HTTP core, checks it with ``ClientHandshake`` and hands the transport
and any bytes read past the head to ``WebSocket``. A refusal raises
``WebSocketHandshakeError`` with the response's status, headers and (the first MiB of) body.
"""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Generator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from blazeio_client.connection import ClientConnection, open_connection, open_tunnel
from blazeio_client.proxy_connect import open_through
from blazeio_client.session import DEFAULT_POOL, USER_AGENT
from blazeio_client.timeouts import Timeout
from blazeio_client.url import URL, parse_proxy
from blazeio_common import ProtocolError, Protocoltimeout, ServerDisconnected
from blazeio_common.http import (
    ConnectionClosed,
    Data,
    Headers,
    InformationalResponse,
    Response,
    serialise_request_head,
)
from blazeio_common.websocket import WebSocket
from blazeio_common.websocket_errors import WebSocketHandshakeError
from blazeio_common.websocket_flow import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_MAX_QUEUE,
    DEFAULT_MAX_QUEUE_BYTES,
    DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT,
)
from blazeio_common.ws import DEFAULT_MAX_MESSAGE_SIZE, ClientHandshake, DeflateOptions, HandshakeError

__all__ = ["WebSocketConnect"]

_SCHEMES = {"ws": "http", "wss": "https", "http": "http", "https": "https"}
_REFUSAL_BODY_MAX = 1 << 20


class WebSocketConnect:
    """What ``io.getSession.websocket(...)`` returns: ``async with`` it (closes on exit) or
    ``await`` it (then close the WebSocket yourself).

    - ``headers``: extra request headers (``Origin``, ``Authorization``, ...); a ``None`` value
      removes the ``User-Agent`` the client adds. Credentials in the URL become Basic auth.
    - ``protocols``: subprotocols to offer, most preferred first (``ws.subprotocol`` is the chosen one).
    - ``compress``: offer permessage-deflate (RFC 7692); a ``DeflateOptions`` tunes it, ``False`` turns it off.
    - ``max_message_size``, ``max_queue``, ``max_queue_bytes``, ``ping_interval``,
      ``ping_timeout``, ``close_timeout``: as for ``io.WebSocket``.
    - ``timeout``: connect and read budgets of the handshake (``io.Timeout`` or seconds).
    - ``ssl``: a TLS context for ``wss://`` (default: verified against the system store).
    - ``proxy``: ``http://[user:password@]host:port`` (reached with CONNECT), or ``socks5://`` /
      ``socks5h://`` as for HTTP requests.
    """

    def __init__(
        self,
        url: str,
        headers: Mapping[str, Any] | None = None,
        *,
        protocols: Sequence[str] = (),
        compress: bool | DeflateOptions = True,
        max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_queue_bytes: int = DEFAULT_MAX_QUEUE_BYTES,
        ping_interval: float | None = DEFAULT_PING_INTERVAL,
        ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
        timeout: Timeout | float | None = None,
        ssl: ssl_module.SSLContext | None = None,
        proxy: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        scheme = _SCHEMES.get(parts.scheme.lower())
        if scheme is None:
            raise ValueError(f"a WebSocket URL is ws:// or wss://, not {url!r}")
        self.url = URL.parse(urlunsplit((scheme, *parts[1:])))
        self.headers = dict(headers or {})
        # permessage-deflate with the RFC defaults, or the program's own DeflateOptions.
        deflate = DeflateOptions() if compress is True else compress or None
        self.handshake = ClientHandshake(protocols, deflate)
        self.options: dict[str, Any] = {
            "max_message_size": max_message_size,
            "max_queue": max_queue,
            "max_queue_bytes": max_queue_bytes,
            "ping_interval": ping_interval,
            "ping_timeout": ping_timeout,
            "close_timeout": close_timeout,
        }
        self.timeout = Timeout.of(timeout)
        # The verified default context of https:// requests (the trust store is loaded once).
        self.tls = (ssl or DEFAULT_POOL.default_tls) if self.url.tls else None
        self.proxy = parse_proxy(proxy) if proxy else None
        self._websocket: WebSocket | None = None

    def _head(self) -> bytes:
        url = self.url
        headers = Headers()
        headers["Host"] = url.authority
        own = Headers({name: value for name, value in self.headers.items() if value is not None})
        # As for HTTP requests: a User-Agent unless the program sets one or removes it with None.
        if not any(name.lower() == "user-agent" for name in self.headers):
            headers["User-Agent"] = USER_AGENT
        if url.authorization is not None and "authorization" not in own:
            headers["Authorization"] = url.authorization
        for name, value in own.items():
            if name.lower() != "host":
                headers.add(name, value)
        for name, value in self.handshake.headers:
            headers[name] = value  # ours: a program's Sec-WebSocket-Key would break the handshake
        return serialise_request_head("GET", url.target, headers)

    async def connect(self) -> WebSocket:
        """Open the connection, make the handshake, and return the open ``WebSocket``."""
        url = self.url
        within = self.timeout.connect
        if self.proxy is not None:
            # RFC 6455 §4.1: through a proxy the client asks it for "a TCP connection to the host
            # given by /host/ and the port given by /port/" -- CONNECT, for ws:// and wss:// alike.
            proxy = self.proxy
            if proxy.scheme == "http":
                connection = await open_tunnel(
                    proxy.host, proxy.port, url.host, url.port, self.tls, proxy.authorization, within
                )
            else:  # socks5:// and socks5h:// tunnel every connection already
                connection = await open_through(proxy, url.host, url.port, self.tls, within)
        else:
            connection = await open_connection(url.host, url.port, self.tls, within)
        try:
            connection.write(self._head())
            connection.flush()
            event = await self._response_head(connection)
            if event.status_code != 101:
                body = await self._refusal_body(connection)
                raise WebSocketHandshakeError(
                    f"the server refused the WebSocket handshake with {event.status_code}",
                    event.status_code,
                    event.headers,
                    body,
                )
            try:
                accepted = self.handshake.validate(101, event.headers)
            except HandshakeError as exc:
                raise WebSocketHandshakeError(exc.message, 101, event.headers) from None
        except BaseException:
            connection.close()
            raise
        assert connection.transport is not None
        websocket = WebSocket(
            connection.transport,
            "client",
            deflate=accepted.deflate,
            subprotocol=accepted.subprotocol,
            buffered=connection.receiver.take_buffered(),
            **self.options,
        )
        return websocket

    async def _response_head(self, connection: ClientConnection) -> Response:
        while True:
            event = await connection.next_event(self.timeout.read)
            if isinstance(event, InformationalResponse):
                if event.status_code == 101:
                    return event
                continue  # 100, 103: the answer is still to come
            if isinstance(event, Response):
                return event
            if isinstance(event, ConnectionClosed):
                raise ServerDisconnected("the server closed the connection during the WebSocket handshake")
            raise ProtocolError(f"unexpected {type(event).__name__} in the WebSocket handshake", 400)

    async def _refusal_body(self, connection: ClientConnection) -> bytes:
        """The refusal's body, at most ``_REFUSAL_BODY_MAX`` bytes; what could be read of it."""
        body = bytearray()
        try:
            while len(body) < _REFUSAL_BODY_MAX:
                event = await connection.next_event(self.timeout.read)
                if not isinstance(event, Data):
                    break
                body += event.data
        except (ProtocolError, Protocoltimeout, ConnectionError):
            pass  # the status and headers are the answer; the body is a courtesy
        return bytes(body[:_REFUSAL_BODY_MAX])

    def __await__(self) -> Generator[Any, None, WebSocket]:
        return self.connect().__await__()

    async def __aenter__(self) -> WebSocket:
        self._websocket = await self.connect()
        return self._websocket

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        websocket, self._websocket = self._websocket, None
        if websocket is not None:
            await websocket.__aexit__(exc_type, exc, tb)
