"""The proxies of the environment (``trust_env=True``), read once per pool and remembered per origin.

A request must not pay for environment lookups: the variables are read at the pool's first
request (``Pool.reload_proxy_env()`` reads them again, e.g. after the program changed them),
and a pool whose environment names no proxy answers with a ``None`` attribute check. With
proxies set, each origin's choice (``no_proxy`` included) is worked out once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Protocol

from blazeio_client.proxy_env import proxy_for
from blazeio_client.url import URL, Proxy, parse_proxy
from blazeio_common.http.bounded import remember

__all__ = ["PROXY_VARIABLES", "EnvProxies", "FirstRead"]

# REQUEST_METHOD: proxy_env's httpoxy rule (HTTP_PROXY is not trusted under CGI).
PROXY_VARIABLES = (
    *(name for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") for name in (base, base.upper())),
    "REQUEST_METHOD",
)
_ORIGINS_MAX = 1024


class EnvProxies:
    """The proxy for each origin, from a snapshot of the proxy variables."""

    __slots__ = ("_chosen", "_env")

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env
        self._chosen: dict[tuple[str, str, int], Proxy | None] = {}

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> EnvProxies | None:
        """The proxy variables of the environment now; ``None`` when none names a proxy."""
        source = os.environ if environ is None else environ
        env = {name: source[name] for name in PROXY_VARIABLES if name in source}
        if not any(
            value.strip() for name, value in env.items() if "proxy" in name.lower() and "no_" not in name.lower()
        ):
            return None
        return cls(env)

    def proxy_for(self, url: URL) -> Proxy | None:
        origin = url.origin
        try:
            return self._chosen[origin]
        except KeyError:
            pass
        setting = proxy_for(f"{url.scheme}://{url.authority}/", self._env)
        return remember(self._chosen, origin, parse_proxy(setting) if setting else None, _ORIGINS_MAX)


class _Holder(Protocol):
    env_proxies: EnvProxies | None


class FirstRead(EnvProxies):
    """A pool's environment before it is read: the first lookup reads it and puts what it
    found (or ``None``) in the pool's ``env_proxies``."""

    __slots__ = ("_holder",)

    def __init__(self, holder: _Holder) -> None:
        super().__init__({})
        self._holder = holder

    def proxy_for(self, url: URL) -> Proxy | None:
        found = self._holder.env_proxies = EnvProxies.read()
        return None if found is None else found.proxy_for(url)
