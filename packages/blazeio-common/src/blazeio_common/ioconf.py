"""``ioConf``: the process event loop and the chunk-size settings.

The loop exists before it runs: ``io.create_task(coro)`` at import time schedules on the
loop that ``web.runner()`` / ``ioConf.run(coro)`` will later run. uvloop is used when it
is installed, unless ``ioConf.use_uvloop = False`` (or ``BLAZEIO_UVLOOP=0``) is set
before the loop is first made.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Generator
from typing import Any, TypeVar

__all__ = ["create_task", "ioConf"]

T = TypeVar("T")

_DEFAULT_CHUNK = 100 * 1024


class _IoConf:
    """Process-wide settings; one instance, ``ioConf``."""

    def __init__(self) -> None:
        # Read size for sockets, and the piece size for streaming writes (files, bodies).
        self.INBOUND_CHUNK_SIZE: int = _DEFAULT_CHUNK
        self.OUTBOUND_CHUNK_SIZE: int = _DEFAULT_CHUNK
        self.use_uvloop: bool = os.environ.get("BLAZEIO_UVLOOP", "1") != "0"
        self._loop: asyncio.AbstractEventLoop | None = None

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        if self.use_uvloop:
            try:
                import uvloop  # noqa: PLC0415 - optional, only when a loop is made
            except ImportError:
                pass
            else:
                loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
                return loop
        return asyncio.new_event_loop()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop if there is one, else the process loop (made on first use)."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            pass
        if self._loop is None or self._loop.is_closed():
            self._loop = self.new_event_loop()
            asyncio.set_event_loop(self._loop)
        return self._loop

    @loop.setter
    def loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def run(self, coro: Coroutine[Any, Any, T] | Generator[Any, None, T]) -> T:
        """Run ``coro`` to completion on the process loop (the seed's ``io.ioConf.run``)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("ioConf.run() cannot be called from a running event loop; await the coroutine")
        return self.loop.run_until_complete(coro)

    def create_task(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        return self.loop.create_task(coro, name=name)


ioConf = _IoConf()


def create_task(coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
    """Schedule ``coro`` on the running loop, or on the process loop if none runs yet."""
    return ioConf.create_task(coro, name=name)
