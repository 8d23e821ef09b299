"""``Ehandler``: a sync/async context manager that logs an exception and suppresses it.

- ``ignore=``: exception types (matched with ``isinstance``) suppressed *without* a log;
- ``_raise=``: types re-raised after logging;
- ``onerr=``: a callback (sync or async) given the exception;
- ``exit_on_err=True``: log, then re-raise;
- cancellation (and any non-``Exception`` such as ``KeyboardInterrupt``) passes straight
  through unless it is named in ``ignore`` -- only then is it swallowed (and the task
  un-cancelled, so ``asyncio.timeout`` and ``TaskGroup`` stay correct).
"""

from __future__ import annotations

import asyncio
import inspect
import traceback
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from blazeio_common.plog import plog

__all__ = ["Ehandler"]

_Types = type[BaseException] | Iterable[type[BaseException]] | None


def _as_tuple(types: _Types) -> tuple[type[BaseException], ...]:
    if types is None:
        return ()
    if isinstance(types, type):
        return (types,)
    return tuple(types)


class Ehandler:
    """Log and suppress what the block raises; see the module docstring for the rules."""

    __slots__ = ("_raise", "err", "exit_on_err", "ignore", "on_exit", "onerr")

    def __init__(
        self,
        onerr: Callable[[BaseException], Any] | None = None,
        ignore: _Types = None,
        _raise: _Types = None,
        exit_on_err: bool = False,
        on_exit: Iterable[Callable[[], Any]] = (),
    ) -> None:
        self.onerr = onerr
        self.ignore = _as_tuple(ignore)
        self._raise = _as_tuple(_raise)
        self.exit_on_err = exit_on_err
        self.on_exit = tuple(on_exit)
        self.err: BaseException | None = None

    def _decide(self, exc: BaseException) -> tuple[bool, bool]:
        """Return (log it, suppress it)."""
        if isinstance(exc, self.ignore):
            return False, True
        if not isinstance(exc, Exception):
            return False, False
        reraise = self.exit_on_err or isinstance(exc, self._raise)
        return True, not reraise

    @staticmethod
    def _report(exc: BaseException) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        where = frames[-1] if frames else None
        items = [f"{type(exc).__name__}: {exc}"]
        if where is not None:
            items.append(f"at {where.filename}:{where.lineno} in {where.name}")
            if where.line:
                items.append(where.line)
        plog.emit("b_red", "Exception caught", *items)

    def _uncancel(self, exc: BaseException) -> None:
        if isinstance(exc, asyncio.CancelledError):
            try:
                task = asyncio.current_task()
            except RuntimeError:
                return
            if task is not None and task.cancelling():
                task.uncancel()

    def __enter__(self) -> Ehandler:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        try:
            if exc is None:
                return False
            self.err = exc
            log, suppress = self._decide(exc)
            if log:
                self._report(exc)
                if self.onerr is not None:
                    result = self.onerr(exc)
                    if inspect.iscoroutine(result):
                        result.close()
                        raise TypeError("Ehandler: use 'async with' for an async onerr callback")
            if suppress:
                self._uncancel(exc)
            return suppress
        finally:
            for callback in self.on_exit:
                callback()

    async def __aenter__(self) -> Ehandler:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        try:
            if exc is None:
                return False
            self.err = exc
            log, suppress = self._decide(exc)
            if log:
                self._report(exc)
                if self.onerr is not None:
                    result = self.onerr(exc)
                    if inspect.isawaitable(result):
                        await result
            if suppress:
                self._uncancel(exc)
            return suppress
        finally:
            for callback in self.on_exit:
                result = callback()
                if inspect.isawaitable(result):
                    await result
