"""How a message we send is framed: one table for the server's responses and the client's requests."""

from __future__ import annotations

import pytest

from blazeio_common import LocalProtocolError
from blazeio_common.http import (
    FRAMINGS,
    ChunkedWriter,
    ContentLengthWriter,
    Data,
    EndOfMessage,
    Request,
    RequestReceiver,
    UntilCloseWriter,
    send_framing,
)
from blazeio_common.http.framing import CHUNKED, CONTENT_LENGTH, NO_BODY, UNTIL_CLOSE
from blazeio_common.http.writers import NoBodyWriter


@pytest.mark.parametrize(
    ("content_length", "chunked", "version", "method", "status", "framing"),
    [
        # responses
        (13, False, "1.1", "GET", 200, CONTENT_LENGTH),
        (None, True, "1.1", "GET", 200, CHUNKED),
        (None, True, "1.0", "GET", 200, UNTIL_CLOSE),  # RFC 9112 §6.1: no chunked to a 1.0 peer
        (None, False, "1.1", "GET", 200, UNTIL_CLOSE),
        (13, False, "1.1", "HEAD", 200, NO_BODY),
        (None, True, "1.1", "GET", 204, NO_BODY),
        (5, False, "1.1", "GET", 304, NO_BODY),
        (None, False, "1.1", "GET", 101, NO_BODY),
        (13, True, "1.1", "HEAD", 200, NO_BODY),  # nothing is sent, so nothing conflicts
        # requests
        (3, False, "1.1", "POST", None, CONTENT_LENGTH),
        (None, True, "1.1", "POST", None, CHUNKED),
        (None, False, "1.1", "GET", None, NO_BODY),  # RFC 9112 §6.3: no framing, no content
    ],
)
def test_the_framing_of_a_message_we_send(
    content_length: int | None, chunked: bool, version: str, method: str, status: int | None, framing: str
) -> None:
    assert send_framing(content_length, chunked, version, method, status) == framing


def test_content_length_and_chunked_together_are_refused() -> None:
    with pytest.raises(LocalProtocolError):
        send_framing(3, True, "1.1", "GET", 200)
    with pytest.raises(LocalProtocolError):
        send_framing(3, True, "1.1", "POST")


@pytest.mark.parametrize("framing", [CONTENT_LENGTH, CHUNKED])
def test_what_a_framing_s_writer_writes_its_reader_reads(framing: str) -> None:
    _, writer_class = FRAMINGS[framing]
    writer = ContentLengthWriter(5) if writer_class is ContentLengthWriter else writer_class()
    assert type(writer) in (ContentLengthWriter, ChunkedWriter)
    out: list[bytes] = []
    writer.send(b"hel", out.append)
    writer.send(b"lo", out.append)
    writer.finish(out.append)
    field = "Content-Length: 5" if framing == CONTENT_LENGTH else "Transfer-Encoding: chunked"
    receiver = RequestReceiver()
    receiver.feed(f"POST / HTTP/1.1\r\nHost: a\r\n{field}\r\n\r\n".encode() + b"".join(out))
    assert isinstance(receiver.next_event(), Request)
    body = b""
    while not isinstance(event := receiver.next_event(), EndOfMessage):
        assert isinstance(event, Data)
        body += event.data
    assert body == b"hello"


def test_no_body_and_until_close_writers() -> None:
    assert FRAMINGS[NO_BODY][1] is NoBodyWriter
    assert FRAMINGS[UNTIL_CLOSE][1] is UntilCloseWriter
    out: list[bytes] = []
    NoBodyWriter().send(b"x", out.append)
    UntilCloseWriter().send(b"y", out.append)
    assert out == [b"y"]
