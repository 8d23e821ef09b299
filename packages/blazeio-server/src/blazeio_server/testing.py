"""``LiveServer``: an app served on an ephemeral 127.0.0.1 port inside the running loop, for tests.

    async with LiveServer(web) as base_url:   # "http://127.0.0.1:54321"
        ...                                   # any client; on exit the app shuts down gracefully

No signal handlers, no worker processes, and the ``BLAZEIO_HOST`` / ``BLAZEIO_PORT``
deployment overrides do not apply (the socket is bound here). ``io.TestClient`` builds on it.
"""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType

from blazeio_server.app import App

__all__ = ["LiveServer"]


class LiveServer:
    """Run ``app`` for the ``async with`` block; ``base_url`` is where it listens."""

    def __init__(self, app: App, *, start_timeout: float = 30.0) -> None:
        self.app = app
        self.start_timeout = start_timeout
        self.base_url = ""
        self._task: asyncio.Task[App] | None = None

    async def __aenter__(self) -> str:
        if self._task is not None:
            raise RuntimeError("this LiveServer is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", 0))
        except OSError:
            sock.close()
            raise
        port = sock.getsockname()[1]
        task = self._task = asyncio.create_task(self.app.run(sock=sock))
        started = asyncio.ensure_future(self.app.wait_started())
        # Whichever comes first: listening, or run() failing (a start-up hook, the socket...).
        done, _ = await asyncio.wait({task, started}, timeout=self.start_timeout, return_when=asyncio.FIRST_COMPLETED)
        if started in done and started.exception() is None:
            self.base_url = f"http://127.0.0.1:{port}"
            return self.base_url
        started.cancel()
        if not done:
            await self._stop()
            raise TimeoutError(f"{self.app.name} did not start within {self.start_timeout:g} s")
        self._task = None
        try:
            await task  # raises what stopped the start (StartupError, OSError...)
        finally:
            sock.close()
        raise RuntimeError(f"{self.app.name} stopped while starting")

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        await self.app.exit()
        await task

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stop()
