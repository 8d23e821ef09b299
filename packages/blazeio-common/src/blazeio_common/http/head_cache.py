"""``HeadCache``: whole heads already parsed, owned by one App or one client pool.

A peer repeats its head byte for byte: a client on every request to the same URL (pollers,
health checks, service clients, load generators), a server on every response for the same
resource within a second. A receiver given a ``HeadCache`` answers such a head with one
dict lookup instead of the split and the parse (``bench:instructions server`` against
``server-ids``, whose heads all differ, shows what it saves). The verdict on a head depends
on the receiver's kind and ``Limits``, so there is one table per (kind, limits); each table
is bounded in entries (emptied when full) and only heads up to ``HeadCache.CACHEABLE`` bytes
go in. ``HeadCache(0)`` caches nothing. Nothing here is shared between two owners.
"""

from __future__ import annotations

from typing import Any

from blazeio_common.http.limits import Limits

__all__ = ["HeadCache"]


class HeadCache:
    """Tables of parsed heads, per receiver kind and ``Limits``; ``size`` entries each (0: off)."""

    __slots__ = ("size", "tables")

    CACHEABLE = 1024  # longer heads are parsed every time
    TABLES = 16  # (kind, limits) pairs: an App or a pool has one or two

    def __init__(self, size: int = 256) -> None:
        if size < 0:
            raise ValueError("a head cache size is 0 (off) or more")
        self.size = size
        self.tables: dict[tuple[str, Limits], dict[bytes, Any]] = {}

    def table(self, kind: str, limits: Limits) -> dict[bytes, Any]:
        """The table for heads read by a ``kind`` receiver under ``limits``."""
        table = self.tables.get((kind, limits))
        if table is None:
            if len(self.tables) >= self.TABLES:
                self.tables.clear()
            table = self.tables[kind, limits] = {}
        return table

    def clear(self) -> None:
        """Forget every head."""
        self.tables.clear()
