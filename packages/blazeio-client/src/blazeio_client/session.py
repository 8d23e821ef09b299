"""``Session``: one request/response exchange, full duplex.

On entry the request head is sent. A body given up front (``body=``, ``json=``, ``form=``) is
sent with it and the response head is read at once; a body *declared* by the headers
(``Transfer-Encoding: chunked`` or ``Content-Length``) is streamed with ``write()`` /
``eof()`` while the response can already be read (``prepare_http()``, ``async for chunk in
resp``). A request with neither has an empty body. On exit the connection returns to the
pool only if both bodies are complete and both sides keep it alive.
"""

from __future__ import annotations

import os
import ssl as ssl_module
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Mapping
from typing import Any

from blazeio_client.__about__ import __version__
from blazeio_client.auth import Auth
from blazeio_client.awaiting import Awaiting
from blazeio_client.connection import ClientConnection, ConnectError, ProxyError
from blazeio_client.download import save_response
from blazeio_client.policy import Policy, PolicyFlow
from blazeio_client.pool import PLAIN_HEADS_MAX, Key, Pool
from blazeio_client.reading import ResponseReading
from blazeio_client.retry import Retry
from blazeio_client.timeouts import DEFAULT_TIMEOUT, Timeout
from blazeio_client.uploading import BODY_PIECE, Uploading
from blazeio_client.url import URL, Proxy, parse_proxy
from blazeio_common import (
    ClientGotInTrouble,
    IncompleteBody,
    LocalProtocolError,
    ProtocolError,
    ServerDisconnected,
)
from blazeio_common.http import (
    FRAMINGS,
    NEED_DATA,
    ConnectionClosed,
    Data,
    EndOfMessage,
    Headers,
    InformationalResponse,
    Response,
    get_decoder,
    send_framing,
    serialise_request_head,
)
from blazeio_common.http.bounded import remember
from blazeio_common.http.codecs import DECODABLE_ENCODINGS, DEFAULT_MAX_DECODED_SIZE, Decoder
from blazeio_common.http.framing import CONTENT_LENGTH, NO_BODY, parse_content_length

__all__ = ["ACCEPT_ENCODING", "DEFAULT_POOL", "USER_AGENT", "Session", "TooManyRedirects"]

DEFAULT_POOL = Pool()
_REDIRECTS = (301, 302, 303, 307, 308)
# Sent unless the program sets its own User-Agent, or removes it with {"User-Agent": None}.
USER_AGENT = f"Blazeio/{__version__}"
# What this installation can decode: zstd only with the zstandard package or Python 3.14.
ACCEPT_ENCODING = ", ".join(DECODABLE_ENCODINGS)
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


def _declared_length(value: str) -> int:
    """A Content-Length the program declared for a body it streams; a bad one is its error."""
    try:
        return parse_content_length(value)
    except ProtocolError:
        raise LocalProtocolError(f"invalid Content-Length: {value[:60]!r}") from None


class TooManyRedirects(ClientGotInTrouble):
    """More redirects than ``max_redirects``."""


class Session(Uploading, PolicyFlow, ResponseReading, Awaiting, Coroutine[Any, Any, "Session"]):
    """A request and its response (``async with io.getSession.get(url) as resp``).

    ``await io.getSession.get(url)`` makes the whole exchange and reads the body. A Session is
    a coroutine too (``send``/``throw``/``close`` drive that same exchange), so that
    ``asyncio.create_task``, ``TaskGroup.create_task``, ``gather``, ``wait_for`` and
    ``asyncio.run`` take it as they take ``fetch()`` of an ``async def``.
    """

    # Per-exchange state starts from these class-level defaults (immutable values only), so
    # a request does not pay an attribute store for each in __init__ (Uploading has more) --
    # except those the plain request path reads before it writes them (see __init__).
    _connection: ClientConnection | None = None
    _key: Key | None = None
    _response: Response | None = None
    _response_done = False
    _decoder: Decoder | None = None
    _content: bytes | None = None
    _request_headers: Headers | None = None
    _headers: Headers | None = None
    _redirects: tuple[URL, ...] = ()
    _proxy_from_env = False  # the proxy follows the environment's choice for each hop's origin
    _user_agent = True  # False once the program removed it ({"User-Agent": None})
    _ssl: ssl_module.SSLContext | None = None  # the program's own context, for every https:// hop
    _tls: ssl_module.SSLContext | None = None  # the context of the current hop's connection
    status_code = 0
    reason_phrase = ""
    received_len = 0

    def __init__(
        self,
        url: str,
        method: str = "GET",
        headers: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        body: Any = None,
        content: Any = None,
        form: Mapping[str, Any] | None = None,
        multipart: Mapping[str, Any] | None = None,
        cookies: Mapping[str, str] | None = None,
        follow_redirects: bool = False,
        max_redirects: int = 10,
        timeout: Timeout | float | None = None,
        ssl: ssl_module.SSLContext | None = None,
        decode: bool = True,
        max_decoded_size: int = DEFAULT_MAX_DECODED_SIZE,
        progress: Callable[[int, int | None], Any] | None = None,
        pool: Pool | None = None,
        proxy: str | None = None,
        auth: Auth | tuple[str, str] | None = None,
        retries: Retry | None = None,
        policy: Policy | None = None,
        trust_env: bool = True,
    ) -> None:
        self.method = method.upper()
        self.url = parsed = URL.parse(url, params)
        # Every attribute a plain request sets is set here first, whatever the request. CPython
        # 3.11 specialises reading an instance's own attribute (a few instructions) but not one
        # that falls through to a class-level default (some 200). And a class's instances share
        # one table of attribute names, which holds 30: an instance that sets a name not in it
        # gets a dict of its own (some 7,000 instructions more per request). Set here, the plain
        # request's names are always the first in the table, even when the process's first
        # request was one with auth= or retries= (whose own names come after them).
        self._request_headers = self._body = self._stream = self._content = self._early = self._decoder = None
        self._connection = self._key = self._response = self._headers = None
        self._user_agent = True
        self._managed = self._response_done = self._request_done = False
        self.received_len = self.status_code = 0
        self.reason_phrase = ""
        if headers:
            if None in headers.values():
                # A header given as None is not sent -- the way to leave out the User-Agent the
                # client adds (as requests does for None in its merged headers).
                removed = {name.lower() for name, value in headers.items() if value is None}
                headers = {name: value for name, value in headers.items() if value is not None}
                self._user_agent = "user-agent" not in removed
            self._request_headers = Headers(headers)
        if parsed.authorization is not None and "authorization" not in self.request_headers:
            # Credentials in the URL; _follow drops them, as any Authorization, on another origin.
            self.request_headers["Authorization"] = parsed.authorization
        if cookies:
            self.request_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is None:
            body = content
        if json is not None or body is not None or form is not None or multipart is not None:
            self._body = self._prepare_body(json, body, form, multipart)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.timeout = DEFAULT_TIMEOUT if timeout is None else Timeout.of(timeout)  # the usual case: no call
        self.decode = decode
        self.max_decoded_size = max_decoded_size
        self.progress = progress
        self.pool = pool = pool or DEFAULT_POOL
        self.proxy: Proxy | None
        if proxy:
            self.proxy = parse_proxy(proxy)
        elif trust_env and pool.env_proxies is not None:  # None: no proxy variables (the usual case)
            self._proxy_from_env = True
            self.proxy = pool.env_proxies.proxy_for(parsed)
        else:
            self.proxy = None
        if ssl is not None:
            self._ssl = ssl
        self._tls = self._context_for(parsed) if parsed.scheme == "https" else None  # http://: none, even with ssl=
        if policy is not None or auth is not None or retries is not None:
            self._manage(policy, auth, retries)  # auth, cookies, hooks, retries (see policy.py)

    def _context_for(self, url: URL) -> ssl_module.SSLContext | None:
        """The TLS context for ``url``: none for http:// (even with ``ssl=``), else the program's
        own or the pool's shared default (so connections are reused)."""
        if not url.tls:
            return None
        return self._ssl if self._ssl is not None else self.pool.default_tls

    # Made when first needed: a request without headers of its own has none until it is sent.
    @property
    def request_headers(self) -> Headers:
        headers = self._request_headers
        if headers is None:
            headers = self._request_headers = Headers()
        return headers

    @request_headers.setter
    def request_headers(self, headers: Headers) -> None:
        self._request_headers = headers

    @property
    def headers(self) -> Headers:
        """The response's headers (empty until its head is read)."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers()
        return headers

    @property
    def redirects(self) -> list[URL]:
        """The URLs redirected from, in order (a new list on each access)."""
        return list(self._redirects)

    # -- request -------------------------------------------------------------------------
    def _head(self) -> bytes:
        own = self._request_headers
        key = None
        if not own and self._stream is None and self._body is None and self.proxy is None and self._user_agent:
            url = self.url
            key = (self.method, url.scheme, url.host, url.port, url.target, self.decode)
            hit = self.pool.plain_heads.get(key)  # the pool's (see Pool.plain_heads)
            if hit is not None:
                self._request_headers = hit[0].copy()  # copy on write: shares the entry's lines
                self._request_done = True
                return hit[1]
        headers = self.request_headers
        head = self._build_head(headers)
        if key is not None:
            remember(self.pool.plain_heads, key, (headers.copy(), head), PLAIN_HEADS_MAX)
        return head

    def _build_head(self, headers: Headers) -> bytes:
        if "host" not in headers:
            headers.prepend("Host", self.url.authority)  # absent: add, first (RFC 9110 §7.2)
        if self._user_agent and "user-agent" not in headers:
            headers.add("User-Agent", USER_AGENT)  # in the cached head of a plain request too
        if self.decode and "accept-encoding" not in headers:
            headers.add("Accept-Encoding", ACCEPT_ENCODING)
        stream = self._stream
        body = self._body
        content_length: int | None
        if stream is not None or body is not None:
            # A body given up front is framed by the client: the program's framing headers give way.
            headers.pop("transfer-encoding", None)
            headers.pop("content-length", None)
            content_length = len(body) if body is not None else stream.length if stream is not None else None
            if content_length is not None:
                headers["Content-Length"] = str(content_length)
            else:
                headers["Transfer-Encoding"] = "chunked"
            chunked = content_length is None
        else:
            # A body declared in the headers, streamed with write() / eof().
            te = headers.get("transfer-encoding")
            if te is not None and te.strip().lower() != "chunked":
                raise LocalProtocolError("only Transfer-Encoding: chunked can be streamed")
            chunked = te is not None
            cl = headers.get("content-length")
            content_length = None if cl is None else _declared_length(cl)
        # The framing rules of any message we send, from the core (status None: a request).
        framing = send_framing(content_length, chunked, "1.1", self.method)
        if framing == NO_BODY:
            if self.method in ("POST", "PUT", "PATCH"):
                # RFC 9110 §8.6: "A user agent SHOULD send Content-Length in a request when the
                # method defines a meaning for enclosed content and it is not sending Transfer-Encoding."
                headers["Content-Length"] = "0"
            # No writer (FRAMINGS' NoBodyWriter would drop what write() is given): a request
            # without content refuses write() with a LocalProtocolError instead. (_writer is
            # None already: the class default, reset by _send_again and _prepare_retry.)
            self._request_done = True
        elif body is not None:
            self._request_done = True  # sent whole, with the head (_begin): no writer
        else:
            new_writer = FRAMINGS[framing][1]
            self._writer = new_writer(content_length) if framing == CONTENT_LENGTH else new_writer()
            # A stream given up front is sent by _send_stream; a declared length of 0 is complete.
            self._request_done = stream is None and content_length == 0
        target = self.url.target
        proxy = self.proxy
        if proxy is not None and proxy.forwards and not self.url.tls:
            # RFC 9112 §3.2.2: a request to a proxy carries the absolute URI.
            target = str(self.url)
            if proxy.authorization and "proxy-authorization" not in headers:
                headers["Proxy-Authorization"] = proxy.authorization
        return serialise_request_head(self.method, target, headers)

    def _connect_idle(self) -> tuple[ClientConnection, bool] | None:
        """A pooled idle connection, taken without waiting (the common case), or ``None``."""
        url = self.url
        proxy = self.proxy
        self._key = self.pool.key(url.scheme, url.host, url.port, self._tls, proxy.key if proxy else "")
        connection = self.pool.take_idle(self._key)
        if connection is None:
            return None
        self._connection = connection
        return connection, True

    async def _connect(self) -> tuple[ClientConnection, bool]:
        """A connection within the pool's limits: opened, or waited for (after ``_connect_idle``)."""
        url = self.url
        assert self._key is not None
        connection, reused = await self.pool.acquire(
            self._key, url.host, url.port, self._tls, self.timeout.connect, self.timeout.pool, self.proxy
        )
        self._connection = connection
        return connection, reused

    async def write(self, data: bytes | bytearray | memoryview | str) -> None:
        """Stream request-body bytes (framed as the headers declared); waits for the server to take them."""
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        writer = self._writer
        if writer is None or self._request_done:
            raise LocalProtocolError("this request has no streamed body (declare chunked or Content-Length)")
        connection = self._live()
        writer.send(data, connection.send)
        self._sent += len(data)
        await connection.drain_within(self.timeout.write)

    async def eof(self, data: bytes | bytearray | str | None = None) -> None:
        """End the streamed request body (optionally with last data). Idempotent."""
        if self._request_done:
            return
        if data:
            await self.write(data)
        writer = self._writer
        assert writer is not None
        connection = self._live()
        writer.finish(connection.send)
        self._request_done = True
        await connection.drain_within(self.timeout.write)

    def _live(self) -> ClientConnection:
        if self._connection is None:
            raise LocalProtocolError("the request was not started: use 'async with'")
        return self._connection

    # -- response ------------------------------------------------------------------------
    async def prepare_http(self) -> Session:
        """Read the response head (once); follows redirects when asked. Returns ``self``."""
        if self._response is None:
            await self._read_head()
        return self

    async def _read_head(self) -> None:
        while True:
            connection = self._live()
            while True:
                event = self._early
                if event is None:
                    event = connection.poll()
                    while event is NEED_DATA:
                        await connection.more_data(self.timeout.read)
                        event = connection.poll()
                else:
                    self._early = None  # seen while the body was sent (_answered)
                if type(event) is Response:
                    break
                if isinstance(event, InformationalResponse):
                    if event.status_code == 101:
                        # RFC 9110 §15.2.2: a server MUST NOT switch to a protocol the client did
                        # not ask for in Upgrade -- and this client never asks.
                        raise ProtocolError("101 Switching Protocols without an Upgrade request", 400)
                    continue
                if isinstance(event, ConnectionClosed):
                    raise ServerDisconnected("the server closed the connection before responding")
                if not isinstance(event, Response):
                    raise ProtocolError(f"unexpected {type(event).__name__} before the response head", 400)
                break
            self._response = event
            self.status_code = event.status_code
            self.reason_phrase = event.reason
            self._headers = event.headers
            if self._managed and await self._after_response():
                continue  # a challenge answered: the request went out again
            if not (self.follow_redirects and event.status_code in _REDIRECTS):
                break
            location = event.headers.get("location")
            if not location:
                break
            await self._follow(location)
        if self.decode:
            coding = event.headers.get("content-encoding")
            if coding and coding.strip().lower() != "identity":
                self._decoder = get_decoder(coding, self.max_decoded_size)

    async def _follow(self, location: str) -> None:
        if len(self._redirects) >= self.max_redirects:
            raise TooManyRedirects(f"more than {self.max_redirects} redirects (last: {location})")
        status = self.status_code
        await self._discard_body()
        previous = self.url
        self._redirects += (previous,)
        self.url = previous.join(location)
        if status == 303 or (status in (301, 302) and self.method not in ("GET", "HEAD")):
            self.method = "GET" if self.method != "HEAD" else "HEAD"
            self._body = None
            self._stream = None
            for name in ("content-length", "content-type", "transfer-encoding"):
                self.request_headers.pop(name, None)
        elif self._stream is not None:
            # RFC 9110 §15.4.8: "the user agent MUST NOT change the request method if it performs
            # an automatic redirection" -- the body goes again, from its start, when it can.
            if self._stream.rewind is None:
                raise LocalProtocolError("cannot repeat this streamed request body for a 307/308 redirect")
            self._stream = self._stream.rewind()
        elif self._writer is not None:
            raise LocalProtocolError("cannot repeat a request body streamed with write() for a 307/308 redirect")
        if self.url.origin != previous.origin:
            # Credentials never follow a redirect to another origin.
            for name in ("authorization", "cookie", "proxy-authorization"):
                self.request_headers.pop(name, None)
        self.request_headers.pop("host", None)
        self._tls = self._context_for(self.url)  # https -> http goes out in cleartext
        if self._proxy_from_env and self.pool.env_proxies is not None:
            self.proxy = self.pool.env_proxies.proxy_for(self.url)  # no_proxy may name the new origin
        self._response = None
        self._response_done = False
        self._content = None  # a response hook may have read the hop's body
        self.received_len = 0
        await self._send_again()

    async def _send_again(self) -> None:
        self._request_done = False
        self._writer = None
        if self._managed:
            await self._before_send()
        head = self._head()
        connection, _ = self._connect_idle() or await self._connect()
        self._begin(connection, head)
        body = self._body
        if connection.must_drain or self._stream is not None or (body is not None and len(body) > BODY_PIECE):
            await self._send_body(connection)

    def _begin(self, connection: ClientConnection, head: bytes) -> None:
        """Start an exchange on ``connection``: reset its receiver, send the head (and body bytes)."""
        if connection.exchanges:
            connection.receiver.start_next_cycle(self.method)
        connection.receiver.request_method = self.method
        connection.exchanges += 1
        body = self._body
        if body and len(body) < 1 << 16:
            connection.send(head + body)  # one send for a small request
        else:
            connection.send(head)
            if body:
                # A large body is not copied to join it to the head; past one piece, _send_body sends the rest.
                connection.send(body if len(body) <= BODY_PIECE else memoryview(body)[:BODY_PIECE])

    async def _discard_body(self) -> None:
        async for _ in self._raw_body():
            pass
        self._release(reusable=self._reusable())

    async def _raw_body(self) -> AsyncIterator[bytes]:
        if self._response_done:
            return
        connection = self._live()
        while True:
            event = connection.poll()
            while event is NEED_DATA:
                await connection.more_data(self.timeout.read)
                event = connection.poll()
            if (piece := self._body_event(event)) is None:
                return
            yield piece

    def _body_event(self, event: object) -> bytes | None:
        """A response-body event as the bytes it carries; ``None`` at the body's end."""
        if type(event) is Data:
            self.received_len += len(event.data)
            return event.data
        if isinstance(event, EndOfMessage):
            self._response_done = True
            return None
        raise IncompleteBody("the response body ended early")

    async def pull(self) -> AsyncIterator[bytes]:
        """The response body, decoded, piece by piece; a body cut short raises ``IncompleteBody``."""
        await self.prepare_http()
        total = self.content_length or None
        decoder = self._decoder
        async for chunk in self._raw_body():
            if self.progress is not None:
                self.progress(self.received_len, total)
            out = decoder.decode(chunk) if decoder is not None else chunk
            if out:
                yield out
        if decoder is not None:
            tail = decoder.flush()
            if tail:
                yield tail

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.pull()

    async def read(self) -> bytes:
        if self._content is None:
            if self._response is None:
                await self._read_head()
            whole = None
            if self._decoder is None and self.progress is None and not self._response_done:
                # The common case: a small body all here with its head, taken in one piece.
                whole = self._live().take_body()
            if whole is not None:
                self.received_len += len(whole)
                self._response_done = True
                self._content = whole
            else:
                self._content = b"".join([chunk async for chunk in self.pull()])
        return self._content

    aread = read

    async def save(self, path: str | os.PathLike[str], progress: Callable[[int, int | None], Any] | None = None) -> str:
        """Write the body (as ``read()`` gives it) to ``path``, via ``path + ".part"`` renamed when
        complete; the file is written in a thread, never blocking the loop. Returns the path."""
        await self.prepare_http()
        return await save_response(self, path, progress, self._content)

    @property
    def path(self) -> str:
        """The request target (path and query) of the final request, after redirects."""
        return self.url.target

    @property
    def host(self) -> str:
        return self.url.host

    @property
    def port(self) -> int:
        return self.url.port

    # -- lifecycle -------------------------------------------------------------------------
    def _reusable(self) -> bool:
        response = self._response
        return bool(response and response.keep_alive and self._response_done and self._request_done)

    def _release(self, reusable: bool) -> None:
        connection, key = self._connection, self._key
        self._connection = None
        if connection is not None and key is not None:
            self.pool.release(key, connection, reusable)

    def __aenter__(self) -> Coroutine[Any, Any, Session]:
        """Send the head (and a body given up front); for a request whose body is complete,
        read the response head too. A stale pooled connection is retried once."""
        # The coroutine itself is returned (async with awaits it): no frame of its own.
        if self._managed:
            return self._managed_enter()
        return self._exchange()

    async def _exchange(self) -> Session:
        try:
            head = self._head()
            for attempt in (1, 2):
                connection, reused = self._connect_idle() or await self._connect()
                try:
                    self._begin(connection, head)
                    body = self._body
                    if (
                        connection.must_drain
                        or self._stream is not None
                        or (body is not None and len(body) > BODY_PIECE)
                    ):
                        await self._send_body(connection)
                    if self._request_done:
                        await self._read_head()
                    return self
                except (ConnectError, ProxyError):
                    raise  # a redirect's new connection could not be made: not a lost one
                except (ServerDisconnected, ConnectionError, IncompleteBody) as exc:
                    # A pooled connection the server had already closed: retry once on a new one,
                    # when the request can be repeated safely (RFC 9110 §9.2.2).
                    self._release(reusable=False)
                    retry = (
                        reused
                        and attempt == 1
                        and self.method in _IDEMPOTENT
                        and self._writer is None
                        and self._stream is None
                    )
                    if not retry or self.status_code:
                        raise ServerDisconnected(f"connection to {self.url.host}:{self.url.port} lost: {exc}") from exc
        except BaseException:
            # __aexit__ does not run when __aenter__ fails: never leak the connection.
            self._release(reusable=False)
            raise
        raise AssertionError("unreachable: every attempt returns or raises")

    async def __aexit__(self, *exc: object) -> None:
        if self._response is not None and not self._response_done and self.method == "HEAD":
            self._response_done = True
        self._release(self._reusable())

    def __await__(self) -> Generator[Any, None, Session]:
        return self._whole().__await__()

    async def _whole(self) -> Session:
        if self._retries is not None:
            return await self._retrying_whole()
        async with self:
            await self.eof()
            await self.read()
        return self

    def __repr__(self) -> str:
        return f"<Session {self.method} {self.url} {self.status_code or '...'}>"
