"""Serialising heads and framing bodies; a serialise-then-parse round trip on both sides."""

from __future__ import annotations

import pytest

from blazeio_common.http import (
    ChunkedWriter,
    ContentLengthWriter,
    Headers,
    LocalProtocolError,
    RequestReceiver,
    ResponseReceiver,
    UntilCloseWriter,
    serialise_request_head,
    serialise_response_head,
    status_line,
)

from wire import outcome


def collect() -> tuple[list[bytes], object]:
    out: list[bytes] = []
    return out, out.append


def test_response_head_is_exact_bytes_with_names_as_given_and_repeated_lines() -> None:
    head = serialise_response_head(200, {"Content-type": "text/plain", "Set-Cookie": ["a=1", "b=2"], "X-N": 5})
    assert head == (
        b"HTTP/1.1 200 OK\r\nContent-type: text/plain\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-N: 5\r\n\r\n"
    )


def test_status_line_uses_the_standard_reason_or_none_for_unknown_codes() -> None:
    assert status_line(404) == b"HTTP/1.1 404 Not Found\r\n"
    assert status_line(299) == b"HTTP/1.1 299 \r\n"
    assert status_line(200, "Fine") == b"HTTP/1.1 200 Fine\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        {"X": "a\r\nInjected: yes"},
        {"X": "a\nb"},
        {"X": "a\x00b"},
        {"Bad Name": "v"},
        {"X:Y": "v"},
        {"": "v"},
    ],
)
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(LocalProtocolError):
        serialise_response_head(200, headers)
    with pytest.raises(LocalProtocolError):
        serialise_request_head("GET", "/", headers)


@pytest.mark.parametrize("target", ["", "/a b", "/a\r\n", "/\x00"])
def test_invalid_request_targets_are_refused(target: str) -> None:
    with pytest.raises(LocalProtocolError):
        serialise_request_head("GET", target, {"Host": "a"})


def test_reason_phrase_with_crlf_is_refused() -> None:
    with pytest.raises(LocalProtocolError):
        serialise_response_head(200, None, reason="OK\r\nX: y")


def test_content_length_writer_refuses_too_many_and_too_few_bytes() -> None:
    out, write = collect()
    writer = ContentLengthWriter(5)
    writer.send(b"abc", write)  # type: ignore[arg-type]
    writer.send(b"", write)  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match="exceeds"):
        writer.send(b"def", write)  # type: ignore[arg-type]
    with pytest.raises(LocalProtocolError, match="short"):
        writer.finish(write)  # type: ignore[arg-type]
    writer.send(b"de", write)  # type: ignore[arg-type]
    writer.finish(write)  # type: ignore[arg-type]
    assert b"".join(out) == b"abcde"


def test_chunked_writer_frames_skips_empty_writes_and_finishes_once() -> None:
    out, write = collect()
    writer = ChunkedWriter()
    writer.send(b"hello", write)  # type: ignore[arg-type]
    writer.send(b"", write)  # type: ignore[arg-type]  # never a premature last-chunk
    writer.send(memoryview(b"x" * 5000), write)  # type: ignore[arg-type]
    writer.finish(write, {"X-Checksum": "abc"})  # type: ignore[arg-type]
    writer.finish(write)  # type: ignore[arg-type]  # idempotent
    assert b"".join(out) == b"5\r\nhello\r\n1388\r\n" + b"x" * 5000 + b"\r\n0\r\nX-Checksum: abc\r\n\r\n"
    with pytest.raises(LocalProtocolError):
        writer.send(b"late", write)  # type: ignore[arg-type]


def test_until_close_writer_passes_bytes_through() -> None:
    out, write = collect()
    writer = UntilCloseWriter()
    writer.send(b"ab", write)  # type: ignore[arg-type]
    writer.send(b"", write)  # type: ignore[arg-type]
    writer.finish(write)  # type: ignore[arg-type]
    assert out == [b"ab"]


def test_request_round_trip_client_writes_server_parses() -> None:
    out, write = collect()
    headers = Headers([("Host", "example.test:8080"), ("X-Multi", "1"), ("X-Multi", "2")])
    headers.add("Transfer-Encoding", "chunked")
    out.append(serialise_request_head("POST", "/up?x=1", headers))
    writer = ChunkedWriter()
    for piece in (b"alpha", b"", b"beta" * 2000):
        writer.send(piece, write)  # type: ignore[arg-type]
    writer.finish(write)  # type: ignore[arg-type]
    got = outcome(RequestReceiver, b"".join(out))
    assert got[0][:4] == ("request", "POST", "/up?x=1", "1.1")
    assert got[0][4] == headers.raw_items()
    assert got[1] == ("data", b"alpha" + b"beta" * 2000)
    assert got[2:] == [("end", []), ("closed",)]


def test_response_round_trip_server_writes_client_parses() -> None:
    out, write = collect()
    body = "héllo wörld".encode()
    out.append(serialise_response_head(201, {"Content-Type": "text/plain; charset=utf-8", "Content-Length": len(body)}))
    writer = ContentLengthWriter(len(body))
    writer.send(body[:3], write)  # type: ignore[arg-type]
    writer.send(body[3:], write)  # type: ignore[arg-type]
    writer.finish(write)  # type: ignore[arg-type]
    got = outcome(lambda: ResponseReceiver("POST"), b"".join(out))
    assert got[0][1:3] == (201, "Created")
    assert got[1] == ("data", body)
