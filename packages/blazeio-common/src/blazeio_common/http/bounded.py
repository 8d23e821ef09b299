"""Bounded memo tables: values worth keeping (validated lines, prebuilt heads) that no input can
grow without limit."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["remember"]

K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Store ``value`` under ``key`` and return it; a full table is emptied first.

    Emptying beats evicting one entry here: it runs only on a miss, costs nothing per hit,
    and a flood of junk keys cannot pin the table full.
    """
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
