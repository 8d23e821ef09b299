"""``ddict``: a dict whose keys read and write as attributes.

Unlike the upstream version a missing attribute raises ``AttributeError`` (not
``KeyError``), so ``hasattr``, ``getattr(d, "x", default)`` and copy/pickle work.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ddict"]


class ddict(dict[str, Any]):
    """``dict`` with attribute access: ``d.room`` is ``d["room"]``. Not recursive."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!s} has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *(k for k in self if isinstance(k, str))]
