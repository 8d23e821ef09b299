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
expression checks and string building of the generic header loop. A streamed text body whose
coding the server negotiates (no Content-Length, no Content-Encoding) needs the lines with
``Vary`` (and ``Content-Encoding``) added: those are kept on the shape per coding
(``server-chunked``, ``server-sse``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from blazeio_common import LocalProtocolError
from blazeio_common.http import send_framing, serialise_fields
from blazeio_server.compression import compressible, vary_on_accept_encoding
from blazeio_server.settings import ServerSettings

__all__ = ["HeadShape", "HeadShapes", "classify", "negotiated_fields", "negotiated_lines"]


class HeadShape(NamedTuple):
    """The framing facts of one header mapping, and its field lines (validated, framing kept).

    A tuple: ``prepare()`` unpacks it in one step.
    """

    content_length: int | None
    chunked: bool
    sse: bool
    coding: str | None
    # A streamed text body (no Content-Length, no Content-Encoding): the server may compress it.
    negotiable: bool
    lines: bytes
    fields: dict[str, Any]
    # send_framing() for the common response: 200 to an HTTP/1.1 request other than HEAD, with
    # no Transfer-Encoding added by the server (None: these headers cannot be sent as they are).
    framing: str | None
    # negotiated coding (None: identity) -> field lines with Vary (see negotiated_lines)
    variants: dict[str | None, bytes]


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
        # An event stream without a length goes chunked (prepare() adds the line on HTTP/1.1).
        streamed = chunked or (sse and content_length is None)
        framing: str | None = send_framing(content_length, streamed, "1.1", "GET", 200)
    except LocalProtocolError:
        framing = None  # Content-Length and chunked together: refused unless nothing is sent
    negotiable = coding is None and content_length is None and compressible(media)
    lines = serialise_fields(fields)
    return HeadShape(content_length, chunked, sse, coding, negotiable, lines, fields, framing, {})


def negotiated_fields(fields: Mapping[str, Any], coding: str | None) -> dict[str, Any]:
    """``fields`` of a negotiable shape for a response sent with ``coding`` (None: identity)."""
    negotiated = dict(fields)
    if coding is not None:
        negotiated["Content-Encoding"] = coding
    # Negotiated, whichever coding this request got: every answer varies on Accept-Encoding.
    vary_on_accept_encoding(negotiated)
    return negotiated


def negotiated_lines(shape: HeadShape, coding: str | None) -> bytes:
    """The field lines of ``negotiated_fields``, kept on the shape (one entry per coding)."""
    lines = shape.variants.get(coding)
    if lines is None:
        lines = shape.variants[coding] = serialise_fields(negotiated_fields(shape.fields, coding))
    return lines


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
