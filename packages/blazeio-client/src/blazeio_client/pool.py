"""The connection pool: per origin, with limits, idle expiry and a pool timeout.

A connection goes back to the pool only after its previous response was read to the end
(and both sides keep it alive); anything else is closed. Connections belong to the event
loop that made them; a pool used from another loop never hands them out there.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque

from blazeio_client.connection import ClientConnection, open_connection
from blazeio_client.env_proxies import EnvProxies, FirstRead
from blazeio_client.proxy_connect import open_through
from blazeio_client.timeouts import PoolTimeout
from blazeio_client.url import Proxy
from blazeio_common.http import HeadCache, Headers

__all__ = ["PLAIN_HEADS_MAX", "Pool"]

Key = tuple[int, str, str, int, int, str]
PLAIN_HEADS_MAX = 1024  # request heads a pool remembers (Pool.plain_heads)


class Pool:
    """``max_per_origin`` connections to one origin, ``max_total`` overall; idle ones expire.

    ``head_cache_size``: response heads remembered per pool (0: none), see ``head_cache``.
    """

    def __init__(
        self, max_per_origin: int = 100, max_total: int = 1000, idle_timeout: float = 30.0, head_cache_size: int = 256
    ) -> None:
        self.max_per_origin = max_per_origin
        self.max_total = max_total
        self.idle_timeout = idle_timeout
        self._idle: dict[Key, list[ClientConnection]] = {}
        self._open: dict[Key, int] = {}
        self._total = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._last_loop: asyncio.AbstractEventLoop | None = None
        self._default_tls: ssl.SSLContext | None = None
        # The proxies of the environment (trust_env=True): read at the first request that asks
        # (see env_proxies.py), then None when no proxy variable is set -- a plain attribute,
        # so a request without a proxy pays one check.
        self.env_proxies: EnvProxies | None = FirstRead(self)
        # Response heads already parsed, shared by this pool's connections (never another
        # pool's): a server repeating its head (nginx within a second) is then one comparison
        # or one lookup instead of a parse.
        self.head_cache = HeadCache(head_cache_size)
        # Heads of requests without a body or headers of their own, by (method, scheme, host,
        # port, target, decode): a program asks the same few URLs again and again, and the head
        # (with the Host, User-Agent and Accept-Encoding lines it adds) is then a lookup. It pays:
        # `bench:instructions client` counts 133,740 instructions per request without it, 92,019 with.
        # Bounded (PLAIN_HEADS_MAX), emptied when full.
        self.plain_heads: dict[tuple[str, str, str, int, str, bool], tuple[Headers, bytes]] = {}

    def reload_proxy_env(self) -> None:
        """Read ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` again at the next request."""
        self.env_proxies = FirstRead(self)

    @property
    def default_tls(self) -> ssl.SSLContext:
        """The verified TLS context of ``https://`` requests without ``ssl=``: one per pool.

        Connections are keyed by their context, so one context shared by every such request is
        what lets them reuse connections (and it loads the trust store once, not per request).
        """
        context = self._default_tls
        if context is None:
            context = self._default_tls = ssl.create_default_context()
        return context

    def key(self, scheme: str, host: str, port: int, tls: ssl.SSLContext | None, proxy: str = "") -> Key:
        loop = asyncio.get_running_loop()
        if loop is not self._last_loop:
            # Connections of an ended loop can only be left over when another loop runs now.
            self._last_loop = loop
            self._purge_closed_loops()
        # A context's id is stable while the key has connections: each holds its context.
        return (id(loop), scheme, host, port, id(tls) if tls is not None else 0, proxy)

    def take_idle(self, key: Key) -> ClientConnection | None:
        """An idle connection for ``key`` that is still usable, or ``None`` (synchronous)."""
        idle = self._idle.get(key)
        while idle:
            connection = idle.pop()
            if connection.idle_ok and connection.loop.time() - connection.last_used < self.idle_timeout:
                return connection
            self._discard(key, connection)
        return None

    async def acquire(
        self,
        key: Key,
        host: str,
        port: int,
        tls: ssl.SSLContext | None,
        connect: float | None,
        pool: float | None,
        proxy: Proxy | None = None,
    ) -> tuple[ClientConnection, bool]:
        """A connection for ``key``: an idle one (reused=True) or a new one within the limits."""
        loop = asyncio.get_running_loop()
        deadline = None if pool is None else loop.time() + pool
        while True:
            idle_connection = self.take_idle(key)
            if idle_connection is not None:
                return idle_connection, True
            if self._open.get(key, 0) < self.max_per_origin and self._total < self.max_total:
                self._open[key] = self._open.get(key, 0) + 1
                self._total += 1
                try:
                    if proxy is None:
                        connection = await open_connection(host, port, tls, connect, self.head_cache)
                    else:
                        connection = await open_through(proxy, host, port, tls, connect, self.head_cache)
                except BaseException:
                    self._forget(key)
                    raise
                return connection, False
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                remaining = None if deadline is None else max(0.0, deadline - loop.time())
                async with asyncio.timeout(remaining):
                    await waiter
            except TimeoutError:
                raise PoolTimeout(f"no connection to {host}:{port} became free within {pool} s") from None
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def release(self, key: Key, connection: ClientConnection, reusable: bool) -> None:
        if reusable and connection.idle_ok:
            connection.last_used = connection.loop.time()
            idle = self._idle.get(key)
            if idle is None:
                self._idle[key] = [connection]
            else:
                idle.append(connection)
        else:
            self._discard(key, connection)
        if self._waiters:
            self._wake_one()

    def _discard(self, key: Key, connection: ClientConnection) -> None:
        connection.close()
        self._forget(key)

    def _forget(self, key: Key) -> None:
        count = self._open.get(key, 0) - 1
        if count > 0:
            self._open[key] = count
        else:
            self._open.pop(key, None)
        self._total -= 1
        self._wake_one()

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _purge_closed_loops(self) -> None:
        # Connections of an event loop that has ended can never be used again.
        for key, connections in list(self._idle.items()):
            if connections and connections[0].loop.is_closed():
                del self._idle[key]
                self._open.pop(key, None)
                self._total -= len(connections)

    def close(self) -> None:
        """Close every idle connection (those in use close when their exchange ends)."""
        for key, connections in list(self._idle.items()):
            for connection in connections:
                self._discard(key, connection)
        self._idle.clear()

    @property
    def idle_connections(self) -> int:
        return sum(len(v) for v in self._idle.values())
