"""``SharpEvent``: an event whose ``set(item)`` hands ``item`` to every waiter.

It binds to no loop when built (so it can be a class attribute or a module global
created before any loop runs); each ``wait()`` makes its future on the running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from typing import Any

__all__ = ["SharpEvent"]


class SharpEvent:
    """A resettable event that carries a value.

    - ``set(item=True)`` marks it set and wakes every current waiter with ``item``;
    - ``await wait()`` returns at once with the last item while set, else waits;
    - ``clear()`` unsets it (pending waiters keep waiting for the next ``set``);
    - ``await wait_clear()`` is ``wait()`` then ``clear()``;
    - ``auto_clear=True`` clears it right after each ``set`` has woken its waiters.
    """

    __slots__ = ("_auto_clear", "_item", "_set", "_waiters")

    def __init__(self, auto_clear: bool = False) -> None:
        self._auto_clear = auto_clear
        self._set = False
        self._item: Any = True
        self._waiters: list[asyncio.Future[Any]] = []

    def is_set(self) -> bool:
        return self._set

    def set(self, item: Any = True) -> None:
        self._item = item
        self._set = not self._auto_clear
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(item)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> Any:
        if self._set:
            return self._item
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        finally:
            # A cancelled waiter must not stay in the list (it would leak on long-lived events).
            if not waiter.done() or waiter.cancelled():
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    async def wait_clear(self) -> Any:
        item = await self.wait()
        self.clear()
        return item

    def __await__(self) -> Generator[Any, None, Any]:
        return self.wait().__await__()

    def __repr__(self) -> str:
        state = "set" if self._set else "unset"
        return f"<SharpEvent {state} waiters={len(self._waiters)}>"
