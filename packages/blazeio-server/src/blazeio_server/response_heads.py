"""What a ``prepare()`` header mapping says about framing, worked out once per header shape.

A handler answers with the same literal mapping again and again
(``{"Content-Type": "text/plain", "Content-Length": "13"}``, a chunked or event-stream head):
the classification (length, chunked, SSE, coding, media type) and the validated field lines
depend only on the mapping's items, so an ``App`` keeps them in a ``HeadShapes`` memo keyed by
``tuple(headers.items())``. Only mappings whose names and values are all ``str`` are kept: a
hit is then exactly the strings that ``serialise_fields`` validated (no ``13 == 13.0`` alias).
A mapping with its own ``Server`` field is never kept: whether it is sent follows the live
``server_header`` setting.
Measured with ``bench:instructions server-prepare``: the memo saves the per-request regular
expression checks and string building of the generic header loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from blazeio_common import LocalProtocolError
from blazeio_common.http import send_framing, serialise_fields
from blazeio_server.settings import ServerSettings

__all__ = ["HeadShape", "HeadShapes", "classify"]


class HeadShape(NamedTuple):
    """The framing facts of one header mapping, and its field lines (validated, framing kept).

    A tuple: ``prepare()`` unpacks it in one step.
    """

    content_length: int | None
    chunked: bool
    sse: bool
    coding: str | None
    media: str | None
    lines: bytes
    fields: dict[str, Any]
    # send_framing() for the common response: 200 to an HTTP/1.1 request other than HEAD, with
    # no Transfer-Encoding added by the server (None: these headers cannot be sent as they are).
    framing: str | None


def classify(headers: Mapping[str, Any], drop_server: bool) -> HeadShape:
    """Read the framing headers of a response; drop the ones the server writes itself."""
    fields = dict(headers)
    content_length: int | None = None
    chunked = sse = False
    coding: str | None = None
    media: str | None = None
    for name in list(fields):
        key = name.lower()
        if key == "content-encoding":
            coding = str(fields[name]).strip().lower()
        elif key == "content-length":
            content_length = int(fields[name])
        elif key == "transfer-encoding":
            chunked = str(fields[name]).strip().lower() == "chunked"
            if not chunked:
                raise LocalProtocolError("only Transfer-Encoding: chunked can be sent")
        elif key == "content-type":
            media = str(fields[name])
            sse = media.split(";", 1)[0].strip().lower() == "text/event-stream"
        elif key in ("connection", "date") or (key == "server" and drop_server):
            del fields[name]  # framing-related and automatic headers are ours to write
    # serialise_fields validates every name and value (LocalProtocolError): nothing invalid is kept.
    try:
        framing: str | None = send_framing(content_length, chunked, "1.1", "GET", 200)
    except LocalProtocolError:
        framing = None  # Content-Length and chunked together: refused unless nothing is sent
    return HeadShape(content_length, chunked, sse, coding, media, serialise_fields(fields), fields, framing)


EMPTY = classify({}, False)


class HeadShapes:
    """A bounded memo of ``HeadShape`` by header items, owned by one ``App`` (``size=0``: off)."""

    __slots__ = ("get", "limit", "settings", "table")

    def __init__(self, settings: ServerSettings, size: int = 256) -> None:
        self.table: dict[tuple[tuple[str, Any], ...], HeadShape] = {}
        self.get = self.table.get  # bound once: the hit path is one C call
        self.limit = size
        self.settings = settings

    def learn(self, key: tuple[tuple[str, Any], ...] | None, headers: Mapping[str, Any]) -> HeadShape:
        """Classify ``headers`` (a miss) and remember it when its items are all strings."""
        shape = classify(headers, self.settings.server_header is not None)
        if (
            key is not None
            and self.limit
            and all(type(n) is str and type(v) is str and n.lower() != "server" for n, v in key)
        ):
            table = self.table
            if len(table) >= self.limit:
                table.clear()  # a flood of distinct heads cannot pin it full; hits cost nothing extra
            table[key] = shape
        return shape
