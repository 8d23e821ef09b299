"""``io.Client``: a client with its own pool, defaults, cookie jar, auth, retries and hooks.

async with io.Client(base_url="https://api.example.com/v1/", headers={"Accept": "application/json"}) as client:
    resp = await client.get("users", params={"page": 2})       # https://api.example.com/v1/users?page=2
    async with client.post("upload", {"Transfer-Encoding": "chunked"}) as resp:   # full duplex, as getSession
        await resp.write(b"...")

Each verb returns the same ``Session`` as ``io.getSession``'s, with the client's settings as
defaults: what a request gives itself wins (its headers over the client's, ``None`` removing one).
The client's cookie jar (``client.cookies``) takes the ``Set-Cookie`` of every response,
redirect hops included, and gives each request the cookies that belong to it.
"""

from __future__ import annotations

import os
import re
import ssl as ssl_module
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from blazeio_client.auth import Auth
from blazeio_client.cookies import CookieJar
from blazeio_client.download import download
from blazeio_client.mock_transport import MockTransport
from blazeio_client.policy import Hook, Policy, as_auth
from blazeio_client.pool import Pool
from blazeio_client.retry import Retry
from blazeio_client.session import Session
from blazeio_client.timeouts import Timeout
from blazeio_common import ClientGotInTrouble, LocalProtocolError

__all__ = ["Client", "ClientClosed"]

_HOOK_EVENTS = ("request", "response")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a scheme (RFC 3986 §3.1) and an authority


class ClientClosed(ClientGotInTrouble, RuntimeError):
    """A request on an ``io.Client`` after ``aclose()`` (or its ``async with`` block ended)."""


class Client:
    """A client of its own: pool, ``base_url``, default ``headers``, ``timeout``, redirects,
    ``auth``, ``proxy`` (and ``trust_env``), a cookie jar, ``retries`` and ``event_hooks``;
    ``transport=`` a ``MockTransport`` to answer requests without a network (for tests)."""

    def __init__(
        self,
        base_url: str = "",
        *,
        headers: Mapping[str, Any] | None = None,
        cookies: CookieJar | Mapping[str, str] | None = None,
        auth: Auth | tuple[str, str] | None = None,
        timeout: Timeout | float | None = None,
        follow_redirects: bool = False,
        max_redirects: int = 10,
        proxy: str | None = None,
        trust_env: bool = True,
        retries: Retry | None = None,
        event_hooks: Mapping[str, Sequence[Hook]] | None = None,
        transport: MockTransport | None = None,
        pool: Pool | None = None,
        ssl: ssl_module.SSLContext | None = None,
    ) -> None:
        if base_url and urlsplit(base_url).scheme not in ("http", "https"):
            raise LocalProtocolError(f"base_url must be an http:// or https:// URL, not {base_url!r}")
        # httpx's rule: a base URL ends with "/", and a relative URL (even "/x") goes under it.
        self.base_url = base_url if not base_url or base_url.endswith("/") else base_url + "/"
        self.headers: dict[str, Any] = dict(headers or {})
        self.cookies = cookies  # the setter makes a jar of a mapping
        self.auth: Auth | None = None if auth is None else as_auth(auth)
        self.timeout = None if timeout is None else Timeout.of(timeout)
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self.proxy = proxy
        self.trust_env = trust_env
        self.retries = retries
        self.event_hooks = event_hooks  # the setter checks and copies
        self.transport = transport
        self.pool = pool or (transport.pool() if transport is not None else Pool())
        self.ssl = ssl
        self.closed = False

    # -- settings ----------------------------------------------------------------------
    @property
    def cookies(self) -> CookieJar:
        """The cookie jar: read it, set cookies in it, or assign a jar (or a ``{name: value}``)."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieJar | Mapping[str, str] | None) -> None:
        if isinstance(cookies, CookieJar):
            self._cookies = cookies
            return
        jar = CookieJar()
        for name, value in (cookies or {}).items():
            jar.set(name, value)  # no domain: sent to every host, as httpx does with a dict
        self._cookies = jar

    @property
    def event_hooks(self) -> Mapping[str, Sequence[Hook]]:
        """``{"request": [fn, ...], "response": [fn, ...]}``; each hook may be sync or async."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, hooks: Mapping[str, Sequence[Callable[[Any], Any]]] | None) -> None:
        hooks = hooks or {}
        unknown = set(hooks) - set(_HOOK_EVENTS)
        if unknown:
            raise LocalProtocolError(f"event_hooks takes 'request' and 'response', not {sorted(unknown)}")
        self._event_hooks = {event: tuple(hooks.get(event, ())) for event in _HOOK_EVENTS}

    # -- requests ----------------------------------------------------------------------
    def request(self, method: str, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        """A request with this client's settings; ``options`` are ``io.getSession``'s and win."""
        if self.closed:
            raise ClientClosed("this io.Client is closed")
        if self.base_url and not _ABSOLUTE.match(url):
            url = self.base_url + url.lstrip("/")
        if self.headers:
            headers = _merge_headers(self.headers, headers)
        options.setdefault("follow_redirects", self.follow_redirects)
        options.setdefault("max_redirects", self.max_redirects)
        if self.timeout is not None:
            options.setdefault("timeout", self.timeout)
        if self.proxy is not None:
            options.setdefault("proxy", self.proxy)
        if self.ssl is not None:
            options.setdefault("ssl", self.ssl)
        # trust_env (HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY) is decided where the request's
        # connection is made; an explicit proxy= always goes with the request.
        options.setdefault("trust_env", self.trust_env)
        policy: Policy = self  # what the Session reads: cookies, auth, retries, event_hooks
        options["pool"] = self.pool
        options["policy"] = policy
        return Session(url, method, headers, **options)

    def __call__(
        self, url: str, method: str = "GET", headers: Mapping[str, Any] | None = None, **options: Any
    ) -> Session:
        return self.request(method, url, headers, **options)

    def get(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("GET", url, headers, **options)

    def head(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("HEAD", url, headers, **options)

    def post(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("POST", url, headers, **options)

    def put(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("PUT", url, headers, **options)

    def patch(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("PATCH", url, headers, **options)

    def delete(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("DELETE", url, headers, **options)

    def options(self, url: str, headers: Mapping[str, Any] | None = None, **options: Any) -> Session:
        return self.request("OPTIONS", url, headers, **options)

    async def download(
        self,
        url: str,
        path: str | os.PathLike[str],
        *,
        resume: bool = True,
        progress: Callable[[int, int | None], Any] | None = None,
        **options: Any,
    ) -> str:
        """``io.getSession.download`` through this client (its base_url, headers, cookies, auth, proxy)."""
        return await download(self, url, path, resume=resume, progress=progress, **options)

    # -- lifecycle ---------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close the pool's idle connections; later requests raise ``ClientClosed``."""
        self.closed = True
        self.pool.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<Client {self.base_url or '(no base_url)'}{' closed' if self.closed else ''}>"


def _merge_headers(defaults: Mapping[str, Any], own: Mapping[str, Any] | None) -> dict[str, Any]:
    """The client's headers under the request's own (names compared case-insensitively)."""
    if not own:
        return dict(defaults)
    overridden = {name.lower() for name in own}
    merged = {name: value for name, value in defaults.items() if name.lower() not in overridden}
    merged.update(own)
    return merged
