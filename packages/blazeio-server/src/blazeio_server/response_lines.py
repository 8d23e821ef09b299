"""``ResponseLines``: an App's serialised Content-Type and Content-Length lines."""

from __future__ import annotations

from blazeio_common.http import serialise_fields
from blazeio_common.http.bounded import remember

__all__ = ["ResponseLines", "content_type_line", "length_line"]


def content_type_line(table: dict[str, bytes], content_type: str) -> bytes:
    """The Content-Type line missing from ``table`` (a ``ResponseLines`` table), built and kept."""
    return remember(table, content_type, serialise_fields({"Content-Type": content_type}), 64)


def length_line(table: dict[int, bytes], length: int) -> bytes:
    """The Content-Length line missing from ``table``, built (and kept when small)."""
    line = b"Content-Length: %d\r\n" % length
    if length < 1 << 16:
        remember(table, length, line, 4096)
    return line


class ResponseLines:
    """Serialised Content-Type and Content-Length lines, owned by one ``App``.

    An app answers a few types and, for an API, a few small sizes again and again: a dict
    lookup replaces the validation and formatting (``bench:instructions server``). Callers
    look a line up themselves (no call per response) and call the builders above on a miss.
    """

    __slots__ = ("content_types", "lengths")

    def __init__(self) -> None:
        self.content_types: dict[str, bytes] = {}
        self.lengths: dict[int, bytes] = {}
