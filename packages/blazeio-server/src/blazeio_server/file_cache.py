"""A bounded LRU of small file bodies and their encoded forms, checked against (size, mtime) on every use."""

from __future__ import annotations

from collections import OrderedDict

__all__ = ["FileCache"]


class _Entry:
    __slots__ = ("data", "encoded", "head", "mtime_ns", "size")

    def __init__(self, size: int, mtime_ns: int, data: bytes, head: bytes | None) -> None:
        self.size = size
        self.mtime_ns = mtime_ns
        self.data = data
        self.head = head  # the serialised head fields of a plain 200, if known
        self.encoded: dict[str, bytes] = {}  # content coding -> the body encoded with it

    def weight(self) -> int:
        return self.size + sum(len(data) for data in self.encoded.values())


class FileCache:
    """Small file bodies by path, with their encoded forms.

    A hit needs the file's current size and mtime: a file changed on disk is never served from
    memory. Bounded in total bytes (bodies and encoded forms) and per file.
    """

    def __init__(self, max_bytes: int, entry_max: int) -> None:
        self.max_bytes = max_bytes
        self.entry_max = entry_max if max_bytes else 0
        self.entries: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0

    def _current(self, path: str, size: int, mtime_ns: int) -> _Entry | None:
        entry = self.entries.get(path)
        if entry is None:
            return None
        if entry.size != size or entry.mtime_ns != mtime_ns:
            self._drop(path)  # the file changed on disk
            return None
        self.entries.move_to_end(path)
        return entry

    def get(self, path: str, size: int, mtime_ns: int) -> bytes | None:
        entry = self._current(path, size, mtime_ns)
        return None if entry is None else entry.data

    def get_encoded(self, path: str, size: int, mtime_ns: int, coding: str) -> bytes | None:
        entry = self._current(path, size, mtime_ns)
        return None if entry is None else entry.encoded.get(coding)

    def get_with_head(self, path: str, size: int, mtime_ns: int) -> tuple[bytes, bytes] | None:
        """Body and serialised head fields of a plain 200, when both are cached and current."""
        entry = self.entries.get(path)
        if entry is None or entry.head is None or entry.size != size or entry.mtime_ns != mtime_ns:
            return None
        return entry.data, entry.head

    def lacks_head(self, path: str) -> bool:
        entry = self.entries.get(path)
        return entry is not None and entry.head is None

    def set_head(self, path: str, head: bytes) -> None:
        """Remember the plain 200's head for a body already kept (read first for another answer)."""
        entry = self.entries.get(path)
        if entry is not None:
            entry.head = head

    def put(self, path: str, size: int, mtime_ns: int, data: bytes, head: bytes | None = None) -> None:
        if size > self.entry_max:
            return
        self._drop(path)
        self.entries[path] = _Entry(size, mtime_ns, data, head)
        self.bytes += size
        self._evict()

    def put_encoded(self, path: str, size: int, mtime_ns: int, coding: str, data: bytes) -> None:
        """Keep ``data`` (the file encoded with ``coding``) beside its current body."""
        entry = self._current(path, size, mtime_ns)
        if entry is None:
            return
        self.bytes += len(data) - len(entry.encoded.get(coding, b""))
        entry.encoded[coding] = data
        self._evict()

    def _evict(self) -> None:
        while self.bytes > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, path: str) -> None:
        entry = self.entries.pop(path, None)
        if entry is not None:
            self.bytes -= entry.weight()
