"""Timeouts with four budgets (as httpx): connect, read, write, pool."""

from __future__ import annotations

from dataclasses import dataclass

from blazeio_common import Protocoltimeout

__all__ = ["DEFAULT_TIMEOUT", "ConnectTimeout", "PoolTimeout", "ReadTimeout", "Timeout", "WriteTimeout"]


class ConnectTimeout(Protocoltimeout):
    """No connection within the connect budget."""


class ReadTimeout(Protocoltimeout):
    """No response bytes within the read budget."""


class WriteTimeout(Protocoltimeout):
    """The peer did not take our bytes within the write budget."""


class PoolTimeout(Protocoltimeout):
    """No pooled connection became free within the pool budget."""


@dataclass(frozen=True, slots=True)
class Timeout:
    """Seconds for each phase; ``None`` waits forever. ``Timeout(5)`` sets all four."""

    connect: float | None = 10.0
    read: float | None = 60.0
    write: float | None = 60.0
    pool: float | None = 30.0

    @classmethod
    def of(cls, value: Timeout | float | None) -> Timeout:
        if isinstance(value, Timeout):
            return value
        if value is None:
            return DEFAULT_TIMEOUT  # immutable: every request without a timeout shares it
        return cls(value, value, value, value)


DEFAULT_TIMEOUT = Timeout()
