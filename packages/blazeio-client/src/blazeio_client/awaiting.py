"""A Session is a coroutine: ``send``/``throw``/``close`` drive one run of its ``_whole()``.

So ``asyncio.create_task``, ``TaskGroup.create_task``, ``gather``, ``wait_for`` and ``asyncio.run``
take ``io.getSession.get(url)`` as they take ``fetch()`` of an ``async def``.
"""

from __future__ import annotations

from collections.abc import Coroutine
from types import TracebackType
from typing import Any

__all__ = ["Awaiting"]


class Awaiting:
    """The coroutine protocol of a Session (``__await__`` is the Session's own)."""

    def _whole(self) -> Coroutine[Any, Any, Any]:
        raise NotImplementedError

    # One run of _whole(), made on the first send or throw.
    _coroutine: Coroutine[Any, Any, Any] | None = None

    def _run(self) -> Coroutine[Any, Any, Any]:
        coroutine = self._coroutine
        if coroutine is None:
            coroutine = self._coroutine = self._whole()
        return coroutine

    def send(self, value: Any) -> Any:
        return self._run().send(value)

    def throw(self, typ: Any, val: Any = None, tb: TracebackType | None = None, /) -> Any:
        if val is None and tb is None:
            return self._run().throw(typ)  # the one-argument form (the others are deprecated)
        return self._run().throw(typ, val, tb)

    def close(self) -> None:
        """Close the coroutine (as ``coroutine.close()``): a run in progress ends, and its
        connection is released as ``async with`` releases it; a Session never run has nothing to close."""
        if self._coroutine is not None:
            self._coroutine.close()
