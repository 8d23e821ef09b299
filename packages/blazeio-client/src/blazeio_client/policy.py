"""What a request does beyond the bytes: auth, a cookie jar, event hooks and retries.

A plain ``io.getSession.get(url)`` pays none of this: a Session is "managed" only when it was
given ``auth=``, ``retries=`` or belongs to an ``io.Client`` (its ``policy``), and the request
path checks that one flag. A managed request, on every hop (the first request, each redirect,
an answer to an auth challenge, a retry):

- before sending: the auth scheme's headers (only on the origin the request was made for), the
  ``Cookie`` header from the jar plus the request's own ``cookies=`` (those only on its origin),
  then the ``request`` hooks, which may change the headers;
- after each response head: its ``Set-Cookie`` go into the jar for that hop's URL, the
  ``response`` hooks run, and a 401/407 challenge is answered once when the body can be sent again.

Retries (``Retry``) wrap the whole entry into ``async with`` (and ``await``): a connect error,
or a status of ``Retry.statuses`` for the methods it allows, is tried again after its delay.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol, Self

from blazeio_client.auth import Auth, BasicAuth
from blazeio_client.bodies import Stream
from blazeio_client.client_request import ClientRequest
from blazeio_client.cookies import CookieJar
from blazeio_client.retry import Retry
from blazeio_client.url import URL
from blazeio_common.http import ChunkedWriter, ContentLengthWriter, Headers, Response

__all__ = ["Hook", "Policy", "PolicyFlow", "as_auth"]

Hook = Callable[[Any], Any]
# A response given up for another attempt is read off (to keep its connection) up to this size.
_DRAIN_MAX = 64 * 1024  # a request hook gets a ClientRequest, a response hook the response


class Policy(Protocol):
    """What an ``io.Client`` gives each of its requests (read when the request is made)."""

    @property
    def cookies(self) -> CookieJar: ...
    @property
    def auth(self) -> Auth | None: ...
    @property
    def retries(self) -> Retry | None: ...
    @property
    def event_hooks(self) -> Mapping[str, Sequence[Hook]]: ...


def as_auth(auth: Auth | tuple[str, str]) -> Auth:
    """``auth=("user", "password")`` is Basic; anything else is an auth scheme as it is."""
    if isinstance(auth, tuple):
        return BasicAuth(*auth)
    return auth


async def _run_hooks(hooks: Sequence[Hook], subject: object) -> None:
    for hook in hooks:
        result = hook(subject)
        if inspect.isawaitable(result):
            await result


class PolicyFlow:
    """The managed half of a Session (see the module docstring)."""

    # From Session.
    url: URL
    method: str
    status_code: int
    reason_phrase: str
    received_len: int
    _body: bytes | None
    _stream: Stream | None
    _writer: ChunkedWriter | ContentLengthWriter | None
    _request_done: bool
    _response: Response | None
    _response_done: bool
    _headers: Headers | None
    _content: bytes | None
    _early: Any
    _decoder: Any
    _sent: int

    @property
    def request_headers(self) -> Headers:
        raise NotImplementedError

    @property
    def headers(self) -> Headers:
        raise NotImplementedError

    def _exchange(self) -> Coroutine[Any, Any, Any]:
        raise NotImplementedError

    async def _discard_body(self) -> None:
        raise NotImplementedError

    def _release(self, reusable: bool) -> None:
        raise NotImplementedError

    async def __aexit__(self, *exc: object) -> None:
        raise NotImplementedError

    def __aenter__(self) -> Coroutine[Any, Any, Any]:
        raise NotImplementedError

    async def eof(self, data: bytes | bytearray | str | None = None) -> None:
        raise NotImplementedError

    async def read(self) -> bytes:
        raise NotImplementedError

    async def _send_again(self) -> None:
        raise NotImplementedError

    # Per-request state, from class-level defaults (only a managed request sets them).
    _managed = False
    _auth: Auth | None = None
    _auth_override: dict[str, str] | None = None  # the answer to a challenge, for the next hop
    _auth_sent: dict[str, str] | None = None
    _challenged = False
    _jar: CookieJar | None = None
    _own_cookies: str | None = None
    _origin: tuple[str, str, int] = ("", "", 0)
    _retries: Retry | None = None
    _attempt = 0  # attempts made so far (retries count them across entry and body reading)
    _request_hooks: Sequence[Hook] = ()
    _response_hooks: Sequence[Hook] = ()

    def _manage(self, policy: Policy | None, auth: Auth | tuple[str, str] | None, retries: Retry | None) -> None:
        self._managed = True
        self._origin = self.url.origin
        if policy is not None:
            self._jar = policy.cookies
            hooks = policy.event_hooks
            self._request_hooks = hooks.get("request", ())
            self._response_hooks = hooks.get("response", ())
            if auth is None:
                auth = policy.auth
            if retries is None:
                retries = policy.retries
        if auth is not None:
            self._auth = as_auth(auth)
        self._retries = retries
        if self._jar is not None:
            # The request's own cookies (cookies= or a Cookie header) join the jar's, on its origin only.
            self._own_cookies = self.request_headers.pop("cookie", None)

    async def _before_send(self) -> None:
        """Auth and cookie headers for this hop, then the request hooks."""
        headers = self.request_headers
        url = self.url
        same_origin = url.origin == self._origin
        auth = self._auth
        if auth is not None and same_origin:
            sent = self._auth_override
            if sent is None:
                sent = auth.headers_for(self.method, str(url))
            self._auth_override = None
            for name, value in sent.items():
                headers[name] = value
            self._auth_sent = sent
        jar = self._jar
        if jar is not None:
            values = [jar.header_for(str(url)) if jar else None]  # an empty jar: no URL to format
            if same_origin:
                values.append(self._own_cookies)
            cookie = "; ".join(value for value in values if value)
            if cookie:
                headers["Cookie"] = cookie
            else:
                headers.pop("cookie", None)
        if self._request_hooks:
            await _run_hooks(self._request_hooks, ClientRequest(self.method, str(url), headers, self._body or b""))

    async def _after_response(self) -> bool:
        """Cookies, response hooks, and a challenge answered; True when the request went out again."""
        jar = self._jar
        if jar is not None:
            set_cookies = self.headers.getlist("set-cookie")
            if set_cookies:
                jar.extract(str(self.url), set_cookies)
        if self._response_hooks:
            await _run_hooks(self._response_hooks, self)
        auth = self._auth
        status = self.status_code
        if auth is None or status not in (401, 407) or self._challenged or self.url.origin != self._origin:
            return False
        self._challenged = True  # at most one answer per request
        name = "www-authenticate" if status == 401 else "proxy-authenticate"
        retry = auth.retry_headers(self.method, str(self.url), status, self.headers.getlist(name), self._auth_sent)
        if retry is None or not self._can_repeat():
            return False
        await self._drop_response()
        self._rewind()
        self._reset_exchange()
        self._auth_override = retry
        await self._send_again()
        return True

    async def _drop_response(self) -> None:
        """Done with a response that is not the answer: a small body is read off so that its
        connection can be reused; a large one (or of unknown length) closes the connection."""
        length = self.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) <= _DRAIN_MAX:
            await self._discard_body()
        else:
            self._release(reusable=False)

    def _can_repeat(self) -> bool:
        """Whether the request body can be sent again: none, bytes, or a stream that can rewind
        (a seekable file, ``multipart=`` of such); never once the caller has sent some with ``write()``."""
        if self._stream is not None:
            return self._stream.rewind is not None
        return self._body is not None or self._sent == 0

    def _rewind(self) -> None:
        stream = self._stream
        if stream is not None and stream.rewind is not None:
            self._stream = stream.rewind()

    def _reset_exchange(self) -> None:
        """Forget the response, so that the same request can go out again."""
        self._response = None
        self._response_done = False
        self._headers = None
        self._content = None
        self._early = None
        self._decoder = None
        self.status_code = 0
        self.reason_phrase = ""
        self.received_len = 0

    async def _managed_enter(self) -> Self:
        """``__aenter__`` of a managed request: hops as usual, tried again as ``retries`` allows."""
        retries = self._retries
        while True:
            self._attempt = attempt = self._attempt + 1
            await self._before_send()
            try:
                await self._exchange()
            except Exception as exc:
                if retries is None or not retries.should_retry(
                    self.method, error=exc, attempt=attempt, body_rewindable=self._can_repeat()
                ):
                    raise
                await asyncio.sleep(retries.delay(attempt))
            else:
                if (
                    retries is None
                    or self._response is None  # a body streamed by the caller: not read yet
                    or not retries.should_retry(
                        self.method, self.status_code, attempt=attempt, body_rewindable=self._can_repeat()
                    )
                ):
                    return self
                wait = retries.delay(attempt, self.headers.get("retry-after"))
                await self._drop_response()
                await asyncio.sleep(wait)
            self._prepare_retry()

    def _prepare_retry(self) -> None:
        self._rewind()
        self._reset_exchange()
        self._request_done = False
        self._writer = None

    async def _retrying_whole(self) -> Self:
        """``await`` of a request with ``retries``: a body cut short (or a read timeout) is tried
        again as the policy allows, as a failed entry is."""
        retries = self._retries
        assert retries is not None
        while True:
            async with self:
                await self.eof()
                try:
                    await self.read()
                except Exception as exc:
                    if not retries.should_retry(
                        self.method, error=exc, attempt=self._attempt, body_rewindable=self._can_repeat()
                    ):
                        raise
                else:
                    return self
            await asyncio.sleep(retries.delay(self._attempt))
            self._prepare_retry()
