"""``DONE``: an awaitable that is already complete (no coroutine object per response)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

__all__ = ["DONE"]


class _Done:
    """Handlers (and ``send_whole``) that answer synchronously return ``DONE`` (or the request's
    drain when the transport is paused) from a plain ``def``; the server awaits whatever they return.
    """

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        # An empty iterator: no frame. (Not typing.cast: that is a call per response.)
        return iter(())  # type: ignore[return-value]


DONE = _Done()
