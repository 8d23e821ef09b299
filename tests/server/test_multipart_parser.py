"""The multipart/form-data framing without I/O: exact bytes in, parts out -- fed whole, split at
every byte, and one byte at a time; limits and malformed framing as typed errors."""

from __future__ import annotations

import os

import pytest

from blazeio_common.errors import ProtocolError
from blazeio_common.http import NEED_DATA
from blazeio_server.multipart_parser import FORM_END, PART_END, MultipartParser, PartHead, multipart_boundary

LIMITS = {"max_size": 1 << 20, "max_parts": 10, "max_part_header": 1024}
Part = tuple[str, "str | None", str, bytes]


def parse(pieces: list[bytes], boundary: str = "b0und", **limits: int) -> list[Part]:
    """Feed ``pieces`` in order; the parts as (name, filename, content type, content)."""
    parser = MultipartParser(boundary, **{**LIMITS, **limits})
    parts: list[Part] = []
    content = bytearray()
    head: PartHead | None = None
    feed = iter(pieces)
    while True:
        event = parser.next_event()
        if event is NEED_DATA:
            piece = next(feed, None)
            if piece is None:
                parser.feed_eof()
            else:
                parser.feed(piece)
        elif isinstance(event, PartHead):
            head, content = event, bytearray()
        elif isinstance(event, bytes):
            assert event, "never an empty piece"
            content += event
        elif event is PART_END:
            assert head is not None
            parts.append((head.name, head.filename, head.content_type, bytes(content)))
        elif event is FORM_END:
            assert parser.next_event() is FORM_END  # and it stays at the end
            return parts


def splits(body: bytes) -> list[list[bytes]]:
    """The body whole, split in two at every byte, and one byte at a time."""
    return [[body], *([body[:i], body[i:]] for i in range(1, len(body))), [bytes([b]) for b in body]]


TRICKY = b"line\r\n--b0un\r\n--b0unx\r\r\n-\r\n--"  # near-misses of the delimiter, and CRs
BODY = (
    b"preamble, ignored\r\n--b0und\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\nh\xc3\xa9llo\r\n'
    b"--b0und  \t\r\n"  # transport padding after a delimiter
    b'Content-Disposition: form-data; name="doc"; filename="a \\"q\\".txt"\r\n'
    b"Content-Type: text/csv\r\n\r\n" + TRICKY + b"\r\n"
    b'--b0und\r\nContent-Disposition: form-data; name="empty"; filename=""\r\n\r\n\r\n'
    b"--b0und--\r\nepilogue, ignored --b0und\r\n"
)
EXPECTED = [
    ("title", None, "text/plain", "héllo".encode()),
    ("doc", 'a "q".txt', "text/csv", TRICKY),
    ("empty", "", "application/octet-stream", b""),
]


def test_parts_are_the_same_however_the_body_is_split() -> None:
    for pieces in splits(BODY):
        assert parse(pieces) == EXPECTED, [len(piece) for piece in pieces]


def test_a_body_may_open_with_its_first_delimiter_and_have_no_parts() -> None:
    assert parse([b"--b0und--"]) == []
    assert parse([b'--b0und\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b0und--']) == [
        ("x", None, "text/plain", b"1")
    ]


def test_content_is_handed_out_as_it_arrives_keeping_back_less_than_a_delimiter() -> None:
    # A part of any size goes through in bounded memory: after each piece is fed, all but the
    # few bytes that could begin the delimiter have been handed out.
    parser = MultipartParser("b0und", **LIMITS | {"max_size": 1 << 30})
    parser.feed(b'--b0und\r\nContent-Disposition: form-data; name="f"; filename="big"\r\n\r\n')
    assert isinstance(parser.next_event(), PartHead)
    fed = out = 0
    delimiter = len(b"\r\n--b0und")
    for _ in range(200):
        piece = b"x" + os.urandom(64 * 1024).replace(b"\r", b"\n") + b"\r\n--b0un"  # ends like a delimiter
        parser.feed(piece)
        fed += len(piece)
        while isinstance(event := parser.next_event(), bytes):
            out += len(event)
        assert event is NEED_DATA
        assert fed - delimiter < out <= fed
    parser.feed(b"\r\n--b0und--")
    while isinstance(event := parser.next_event(), bytes):
        out += len(event)
    assert (event, out) == (PART_END, fed)


@pytest.mark.parametrize(
    ("body", "limits", "status", "message"),
    [
        (b'--b0und\r\nContent-Disposition: form-data; name="x"\r\n\r\nno close', {}, 400, "ended before"),
        (b"--b0und\r\nNo-Colon-Here\r\n\r\nx\r\n--b0und--", {}, 400, "malformed multipart part header"),
        (b"--b0und\r\n: no name\r\n\r\nx\r\n--b0und--", {}, 400, "malformed multipart part header"),
        (b"--b0und\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b0und--", {}, 400, "without a name"),
        (b"--b0und\r\n\r\nno headers at all\r\n--b0und--", {}, 400, "without a name"),
        (b"--b0undX\r\n", {}, 400, "malformed multipart delimiter line"),
        (b"--b0und" + b" " * 2000, {}, 400, "malformed multipart delimiter line"),
        (b"--b0und\r\nX-Long: " + b"v" * 2000, {}, 400, "headers too large"),
        (b'--b0und\r\nContent-Disposition: form-data; name="x"\r\n\r\n' + b"v" * 500, {"max_size": 300}, 413,
         "larger than 300 bytes"),
        (b'--b0und\r\nContent-Disposition: form-data; name="x"\r\n\r\n\r\n' * 3 + b"--b0und--", {"max_parts": 2},
         413, "more than 2 form parts"),
        (b"", {}, 400, "ended before"),
    ],
    ids=["unterminated", "no-colon", "empty-field-name", "no-name", "no-headers", "bad-delimiter-line",
         "endless-padding", "huge-part-header", "too-large", "too-many-parts", "empty-body"],
)  # fmt: skip
def test_malformed_or_oversized_bodies_are_typed_errors(
    body: bytes, limits: dict[str, int], status: int, message: str
) -> None:
    for pieces in ([body], [bytes([b]) for b in body]):
        with pytest.raises(ProtocolError, match=message) as caught:
            parse(pieces, **limits)
        assert caught.value.status_code == status


@pytest.mark.parametrize("boundary", ["", "x" * 71, "ends in space ", "new\r\nline", "é"])
def test_a_missing_or_malformed_boundary_is_a_400(boundary: str) -> None:
    with pytest.raises(ProtocolError, match="boundary") as caught:
        MultipartParser(boundary, **LIMITS)
    assert caught.value.status_code == 400


def test_the_boundary_comes_from_the_content_type_quoted_or_not() -> None:
    assert multipart_boundary('multipart/form-data; charset=x; Boundary="a b=c"') == "a b=c"
    assert multipart_boundary("multipart/form-data;boundary=----WebKit123") == "----WebKit123"
    assert multipart_boundary("multipart/form-data") == ""
    assert parse([b"--a b=c\r\nContent-Disposition: form-data; name=n\r\n\r\nv\r\n--a b=c--"], "a b=c") == [
        ("n", None, "text/plain", b"v")
    ]
