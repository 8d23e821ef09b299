"""``App``: the server's lifecycle, exactly as the product document uses it.

    web = io.App("127.0.0.1", 8000, with_keepalive=1, **settings)
    with web:
        web.runner()          # blocks; SIGINT/SIGTERM shut down gracefully, a second signal forces

From any task: ``await web`` (returns once listening), ``web.server_address``,
``await web.exit()`` (stops the server and lets ``runner()`` return).

Start-up: the ``@web.on_startup`` hooks run in order before the socket is opened; one that
raises stops the start with a ``StartupError`` naming it (and ``await web`` raises it too).

Shutdown order (uvicorn's): stop accepting, close idle connections, let in-flight requests
finish for up to ``shutdown_timeout`` seconds, cancel the rest, run the exit hooks.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import ssl as ssl_module
import traceback
from collections.abc import Callable, Generator
from typing import Any

from blazeio_common import BlazeioException, SharpEvent, ioConf, plog
from blazeio_common.http import HeadCache
from blazeio_server.__about__ import __version__
from blazeio_server.connection import Connection
from blazeio_server.response_heads import HeadShapes
from blazeio_server.response_lines import ResponseLines
from blazeio_server.routing import Router, check_method
from blazeio_server.settings import ServerSettings
from blazeio_server.workers import announce_ready, worker_socket
from blazeio_server.zerocopy import SendfilePool

__all__ = ["App", "StartupError"]

SslOption = ssl_module.SSLContext | dict[str, str] | None
_SWEEP_INTERVAL = 0.5  # seconds: timeouts are enforced to within this


def _ssl_context(option: SslOption) -> ssl_module.SSLContext | None:
    if option is None or isinstance(option, ssl_module.SSLContext):
        return option
    context = ssl_module.create_default_context(ssl_module.Purpose.CLIENT_AUTH)
    context.load_cert_chain(option["certfile"], option.get("keyfile"))
    return context


class StartupError(BlazeioException, RuntimeError):
    """An ``on_startup`` hook failed, so the app did not start (the hook's exception is the cause)."""


class App(Router):
    """An HTTP/1.1 server: routes, middleware, and its listening socket."""

    def __init__(
        self,
        host: str = "0.0.0.0",
        port: int = 8000,
        *,
        with_keepalive: Any = 1,
        name: str = "Blazeio_App",
        **settings: Any,
    ) -> None:
        super().__init__()
        self.settings, unknown = ServerSettings.from_kwargs(settings)
        if unknown:
            raise TypeError(f"unknown App settings: {', '.join(sorted(unknown))}")
        self.host = host
        self.port = port
        self.name = name
        self.settings.keepalive = bool(with_keepalive)
        extra = self.settings.extra_methods
        if isinstance(extra, str):
            raise TypeError("extra_methods takes a collection of method names, not one string")
        self.methods.update(check_method(method) for method in extra)
        self.connections: set[Connection] = set()
        self.sendfile_pool = SendfilePool(self.settings.sendfile_threads)
        # This App's memos (no other App sees them): parsed request heads (see
        # blazeio_common.http.head_cache) and prepare()'s header shapes (see response_heads).
        self.head_cache = HeadCache(self.settings.head_cache_size)
        self.head_shapes = HeadShapes(self.settings, self.settings.header_shape_cache_size)
        self.response_lines = ResponseLines()  # Content-Type / Content-Length lines (see response_lines)
        self.closing = False
        self.tls = False
        self.exit_hooks: list[Callable[[], Any]] = []
        self.startup_hooks: list[Callable[[], Any]] = []
        self._start_error: StartupError | None = None
        self._server: asyncio.base_events.Server | None = None
        self._started = SharpEvent()
        self._exit_requested = SharpEvent()
        self._stopped = SharpEvent()
        self._signals = 0
        self._sweep_handle: asyncio.TimerHandle | None = None

    # -- addresses ---------------------------------------------------------------------
    @property
    def server_address(self) -> str:
        """A URL a client on this machine can use: ``0.0.0.0`` becomes ``127.0.0.1``, ``::`` ``[::1]``."""
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def _scope(self) -> tuple[Router, ...]:
        return ()  # the app's own middleware runs in dispatch(), around everything

    def __await__(self) -> Generator[Any, None, App]:
        """``await web``: wait until the server listens (``StartupError`` if a start-up hook failed)."""
        yield from self._started.wait().__await__()
        if self._start_error is not None:
            raise self._start_error
        return self

    async def wait_started(self) -> App:
        return await self

    # -- running -----------------------------------------------------------------------
    async def run(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        ssl: SslOption = None,
        handle_signals: bool = False,
        sock: Any = None,
    ) -> App:
        """Serve until ``exit()`` (or a signal, with ``handle_signals``); returns after shutdown."""
        loop = asyncio.get_running_loop()
        self.host = host if host is not None else self.host
        self.port = port if port is not None else self.port
        # Deployment overrides (also how tests run the product document's examples unchanged).
        self.host = os.environ.get("BLAZEIO_HOST", self.host)
        self.port = int(os.environ.get("BLAZEIO_PORT", self.port))
        context = _ssl_context(ssl)
        self.tls = context is not None
        self.closing = False
        self._exit_requested.clear()
        self._stopped.clear()
        self._started.clear()
        await self._run_startup_hooks()
        if sock is not None:
            server = await loop.create_server(self._protocol, sock=sock, ssl=context, backlog=self.settings.backlog)
        else:
            server = await loop.create_server(
                self._protocol, self.host, self.port, ssl=context,
                backlog=self.settings.backlog, reuse_address=True,
            )  # fmt: skip
        self._server = server
        sockname = server.sockets[0].getsockname()
        self.port = int(sockname[1])
        if handle_signals:
            self._install_signals(loop)
        sweep = loop.call_later(_SWEEP_INTERVAL, self._sweep)
        try:
            await plog.cyan(f"Blazeio {__version__}", f"{self.name} listening on {self.server_address}")
            self._started.set()
            announce_ready()
            await self._exit_requested.wait()
            await self._shutdown()
        finally:
            sweep.cancel()
            if self._sweep_handle is not None:
                self._sweep_handle.cancel()
            if handle_signals:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)
            self._started.clear()
            self._stopped.set()
        return self

    def _protocol(self) -> Connection:
        try:
            return Connection(self)
        except Exception:
            # uvloop drops a failing protocol factory silently (the client just sees a close).
            plog.emit("b_red", "Cannot accept a connection", traceback.format_exc())
            raise

    def runner(
        self, host: str | None = None, port: int | None = None, *, workers: int | None = None, **kwargs: Any
    ) -> App:
        """Blocking: run the process loop (see ``io.ioConf``) until the server has shut down.

        ``workers=N`` (or ``BLAZEIO_WORKERS``) runs N supervised worker processes on one port.
        """
        count = workers if workers is not None else int(os.environ.get("BLAZEIO_WORKERS", "1"))
        reload = bool(kwargs.pop("reload", False))
        inherited = worker_socket()  # in a worker: the supervisor's listening socket
        if (count > 1 or reload) and inherited is None:
            from blazeio_server.workers import serve_with_workers  # noqa: PLC0415

            serve_with_workers(
                os.environ.get("BLAZEIO_HOST", host or self.host),
                int(os.environ.get("BLAZEIO_PORT", port if port is not None else self.port)),
                max(1, count),
                self.settings.backlog,
                reload=reload,
                shutdown_timeout=self.settings.shutdown_timeout,
            )
            return self
        if inherited is not None:
            kwargs["sock"] = inherited
        loop = ioConf.loop
        try:
            loop.run_until_complete(self.run(host, port, handle_signals=True, **kwargs))
        finally:
            _cancel_remaining_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            plog.flush_sync()
        return self

    async def exit(self, *_: Any, **__: Any) -> None:
        """Stop the server gracefully; returns once it has stopped. Safe from any task, twice too."""
        if self._server is None:
            return
        self._exit_requested.set()
        await self._stopped.wait()

    def on_startup(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        """Register a (sync or async) callable run, in registration order, before the server accepts."""
        self.startup_hooks.append(hook)
        return hook

    async def _run_startup_hooks(self) -> None:
        self._start_error = None
        for hook in self.startup_hooks:
            try:
                result = hook()
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                name = getattr(hook, "__qualname__", repr(hook))
                error = StartupError(f"{self.name} did not start: on_startup hook {name} raised {exc!r}")
                error.__cause__ = exc
                await plog.b_red("Start-up failed", error.message)
                self._start_error = error
                self._started.set()  # ``await web`` raises it instead of waiting for ever
                raise error from exc

    def on_exit(self, hook: Callable[[], Any]) -> Callable[[], Any]:
        """Register a (sync or async) callable run at the end of shutdown."""
        self.exit_hooks.append(hook)
        return hook

    on_exit_middleware = on_exit

    def _sweep(self) -> None:
        """Enforce idle/header timeouts of every connection (one timer per app, not per request)."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        for connection in list(self.connections):
            connection.check_deadline(now)
        self._sweep_handle = loop.call_later(_SWEEP_INTERVAL, self._sweep)

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal)

    def _on_signal(self) -> None:
        self._signals += 1
        if self._signals == 1:
            self._exit_requested.set()
        else:
            self._force_close()  # a second signal: no more waiting

    def _force_close(self) -> None:
        for connection in list(self.connections):
            connection.abort_connection()
            task = connection.serve_task
            if task is not None:
                task.cancel()

    async def _shutdown(self) -> None:
        self.closing = True
        server = self._server
        assert server is not None
        server.close()  # stop accepting
        in_flight = []
        goodbyes = []
        for connection in list(self.connections):
            if connection.upgraded is not None:  # the upgrade seam: its protocol says goodbye, then closes
                goodbye = connection.upgraded.goodbye(self.settings.shutdown_timeout)
                goodbyes.append(asyncio.ensure_future(goodbye))
                in_flight.append(connection)  # its handler may still be running
            elif connection.idle_between_requests:
                connection.close()  # idle keep-alive connections go at once
            else:
                connection.close_after_current()  # in flight: the response says Connection: close
                in_flight.append(connection)
        closing = [t for c in self.connections if (t := c.serve_task) is not None and c not in in_flight]
        tasks = [t for c in in_flight if (t := c.serve_task) is not None and not t.done()] + goodbyes
        if tasks:
            await plog.yellow(
                "Shutdown",
                f"waiting up to {self.settings.shutdown_timeout:g} s for {len(tasks)} connection(s) in flight"
                + ("; signal again to force" if self._signals else ""),
            )
            _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_timeout)
            if pending:
                await plog.yellow("Shutdown", f"cancelling {len(pending)} request(s) still running")
                self._force_close()
                await asyncio.wait(pending, timeout=1.0)
        if closing:
            await asyncio.wait(closing, timeout=1.0)  # idle ones: only their close is left
        await server.wait_closed()
        self._server = None
        self.sendfile_pool.shutdown()
        for hook in self.exit_hooks:
            result = hook()
            if inspect.isawaitable(result):
                await result
        await plog.cyan(f"Blazeio {__version__}", f"{self.name} stopped")

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    async def __aenter__(self) -> App:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.exit()


def _cancel_remaining_tasks(loop: asyncio.AbstractEventLoop) -> None:
    """Like ``asyncio.run``: cancel what is still pending so nothing is destroyed while pending."""
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
