"""``Headers``: one case-insensitive, multi-valued header type for both sides.

- ``h["Content-Type"]``, ``h.get("content-type")`` and ``h.content_type`` are the same
  value; several field lines with one name read as one value joined by ``", "`` (RFC 9110
  §5.3), while ``h.getlist(name)`` keeps them apart (needed for ``Set-Cookie``).
- ``dict(h)`` has lower-case keys; ``h.raw_items()`` keeps names as sent, in order.
- Names and values are validated when set: a CR, LF or NUL can never reach the wire.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

from blazeio_common.errors import LocalProtocolError
from blazeio_common.http import _abnf

__all__ = ["HeaderInput", "Headers"]

HeaderInput = Mapping[str, Any] | Iterable[tuple[str, Any]]


# Field lines already validated: programs set the same few again and again (Host, Accept,
# Content-Type), and a set lookup is cheaper than two regular expressions. Bounded.
_VALID: set[tuple[str, str]] = set()
_VALID_MAX = 4096
_VALID_CACHEABLE = 256


def _check(name: str, value: str) -> None:
    if (name, value) in _VALID:
        return
    if not _abnf.token.fullmatch(name):
        raise LocalProtocolError(f"invalid header name {name!r}")
    if not _abnf.field_value.fullmatch(value):
        raise LocalProtocolError(f"invalid value for header {name!r}: {value!r}")
    if len(value) <= _VALID_CACHEABLE:
        if len(_VALID) >= _VALID_MAX:
            _VALID.clear()
        _VALID.add((name, value))


class Headers(MutableMapping[str, str]):
    """Case-insensitive, multi-valued HTTP headers with attribute access."""

    # ``_items`` is a tuple while it may be shared (``copy()``, a parser's head cache): copy on
    # write, so a head seen before gives its headers without copying them, and the first
    # in-place change copies. Only ``add`` and ``prepend`` change ``_items`` or ``_index`` in
    # place; the other changes assign new ones.
    __slots__ = ("_index", "_items")

    def __init__(self, headers: HeaderInput | None = None, **kwargs: Any) -> None:
        self._items: list[tuple[str, str]] | tuple[tuple[str, str], ...] = []
        self._index: dict[str, str] | None = {}
        if headers is not None:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            for name, value in pairs:
                self._extend(name, value)
        for name, value in kwargs.items():
            self._extend(name.replace("_", "-"), value)

    @classmethod
    def _trusted(
        cls, items: list[tuple[str, str]] | tuple[tuple[str, str], ...], index: dict[str, str] | None
    ) -> Headers:
        """Build from parser output that is already validated (the hot path: no checks).

        A tuple of items (and the index with it) is shared, not owned: copied on first change.
        """
        self = cls.__new__(cls)
        self._items = items
        self._index = index
        return self

    def _own(self) -> list[tuple[str, str]]:
        """The items as a list of this object's own, ready to change in place."""
        items = self._items
        if type(items) is tuple:
            items = self._items = list(items)
            if self._index is not None:
                self._index = self._index.copy()
        assert type(items) is list
        return items

    def _extend(self, name: str, value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                self.add(name, item)
        else:
            self.add(name, value)

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._items:
                key = name.lower()
                index[key] = f"{index[key]}, {value}" if key in index else value
            self._index = index
        return index

    # -- mapping -----------------------------------------------------------------------
    # The three reads programs make most take the index without a call when it is built.
    def __getitem__(self, name: str) -> str:
        index = self._index
        return (self._lookup() if index is None else index)[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        index = self._index
        return (self._lookup() if index is None else index).get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        index = self._index
        return isinstance(name, str) and name.lower() in (self._lookup() if index is None else index)

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def __setitem__(self, name: str, value: Any) -> None:
        key = name.lower()
        if key in self._lookup():
            self._items = [item for item in self._items if item[0].lower() != key]
            self._index = None
        self._extend(name, value)  # a new name keeps the index (add() extends it)

    def __delitem__(self, name: str) -> None:
        key = name.lower()
        if key not in self._lookup():
            raise KeyError(name)
        self._items = [item for item in self._items if item[0].lower() != key]
        self._index = None

    def add(self, name: str, value: Any) -> None:
        """Append one field line, keeping any earlier ones with the same name."""
        text = value if isinstance(value, str) else str(value)
        _check(name, text)
        self._own().append((name, text))
        index = self._index
        if index is not None:
            key = name.lower()
            index[key] = f"{index[key]}, {text}" if key in index else text

    def prepend(self, name: str, value: Any) -> None:
        """Insert one field line before all others (RFC 9110 §7.2: Host SHOULD come first)."""
        text = value if isinstance(value, str) else str(value)
        _check(name, text)
        self._own().insert(0, (name, text))
        index = self._index
        if index is not None:
            key = name.lower()
            if key in index:
                self._index = None  # the joined value's order changed: rebuild on demand
            else:
                index[key] = text

    def has_any(self, names: frozenset[str]) -> bool:
        """Whether any of ``names`` (lower-case) is present: one pass instead of a get per name."""
        index = self._index  # built already on most heads: no call, as in get()
        return not names.isdisjoint(self._lookup() if index is None else index)

    def getlist(self, name: str) -> list[str]:
        """Every value of ``name``, one per field line, in order."""
        key = name.lower()
        return [value for item_name, value in self._items if item_name.lower() == key]

    def raw_items(self) -> list[tuple[str, str]]:
        """The field lines as received or added: original names, in order."""
        return list(self._items)

    def copy(self) -> Headers:
        """An independent copy; the two share their storage until either changes (copy on write)."""
        items = self._items
        if type(items) is list:
            items = self._items = tuple(items)
        return Headers._trusted(items, self._index)

    # -- attribute access: h.content_type is h["content-type"] --------------------------
    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._lookup()[name.replace("_", "-").lower()]
        except KeyError:
            raise AttributeError(f"no header {name.replace('_', '-')!r}") from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted((n.lower(), v) for n, v in self._items) == sorted((n.lower(), v) for n, v in other._items)
        if isinstance(other, Mapping):
            return dict(self) == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({list(self._items)!r})"
