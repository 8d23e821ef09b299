"""Client-side parsing of responses: framing by status, method and headers (RFC 9112 §6.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from blazeio_common.http import ResponseReceiver

from wire import error_status, outcome

# Every case runs against both builds of the head parser (tests/common/conftest.py).
pytestmark = pytest.mark.usefixtures("parser_build")


def receiver(method: str = "GET") -> Callable[[], ResponseReceiver]:
    return lambda: ResponseReceiver(method)


@pytest.mark.parametrize(
    ("method", "data", "expected"),
    [
        pytest.param(
            "GET",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            [
                ("response", 200, "OK", "1.1", [("Content-Length", "5")], True, "content-length", 5),
                ("data", b"hello"),
                ("end", []),
            ],
            id="content-length",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
            [("response", 200, "", "1.1", [("Content-Length", "0")], True, "content-length", 0), ("end", [])],
            id="no-reason-phrase-no-space",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
            [("response", 404, "", "1.1", [("Content-Length", "0")], True, "content-length", 0), ("end", [])],
            id="empty-reason-phrase",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 299 Fine\tand dandy\r\nContent-Length: 0\r\n\r\n",
            [
                ("response", 299, "Fine\tand dandy", "1.1", [("Content-Length", "0")], True, "content-length", 0),
                ("end", []),
            ],
            id="unknown-status-tab-in-reason",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n",
            [
                ("response", 200, "OK", "1.1", [("Transfer-Encoding", "chunked")], True, "chunked", None),
                ("data", b"abc"),
                ("end", [("X-Sum", "1")]),
            ],
            id="chunked-with-trailer",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            [
                (
                    "response",
                    200,
                    "OK",
                    "1.1",
                    [("Content-Length", "99"), ("Transfer-Encoding", "chunked")],
                    False,
                    "chunked",
                    None,
                ),
                ("data", b"abc"),
                ("end", []),
            ],
            id="te-overrides-cl-and-closes",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw-until-close",
            [
                ("response", 200, "OK", "1.1", [("Transfer-Encoding", "gzip")], False, "until-close", None),
                ("data", b"raw-until-close"),
                ("end", []),
            ],
            id="te-not-chunked-reads-until-close",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.0 200 OK\r\n\r\nuntil close",
            [("response", 200, "OK", "1.0", [], False, "until-close", None), ("data", b"until close"), ("end", [])],
            id="until-close",
        ),
        pytest.param(
            "HEAD",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
            [("response", 200, "OK", "1.1", [("Content-Length", "1000")], True, "no-body", None), ("end", [])],
            id="head-has-no-body",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n",
            [
                ("response", 304, "Not Modified", "1.1", [("Content-Length", "1000")], True, "no-body", None),
                ("end", []),
            ],
            id="304-has-no-body",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 204 No Content\r\n\r\n",
            [("response", 204, "No Content", "1.1", [], True, "no-body", None), ("end", [])],
            id="204-has-no-body",
        ),
        pytest.param(
            "POST",
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
            b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
            [
                ("informational", 100, "Continue", []),
                ("informational", 103, "Early Hints", [("Link", "</a.css>")]),
                ("response", 201, "Created", "1.1", [("Content-Length", "2")], True, "content-length", 2),
                ("data", b"ok"),
                ("end", []),
            ],
            id="informational-then-final",
        ),
        pytest.param(
            "GET",
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
            [
                (
                    "response",
                    200,
                    "OK",
                    "1.1",
                    [("Connection", "close"), ("Content-Length", "1")],
                    False,
                    "content-length",
                    1,
                ),
                ("data", b"x"),
                ("end", []),
            ],
            id="connection-close",
        ),
    ],
)
def test_responses_parse_identically_however_split(method: str, data: bytes, expected: list[object]) -> None:
    assert outcome(receiver(method), data) == [*expected, ("closed",)]


def test_a_body_longer_than_content_length_never_leaks_into_the_next_response() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz"
    got = outcome(receiver(), data)
    assert [e for e in got if e[0] == "data"] == [("data", b"abc"), ("data", b"z")]


def test_switching_protocols_leaves_the_tunnel_bytes_untouched() -> None:
    r = ResponseReceiver("GET")
    r.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello")
    event = r.next_event()
    assert event.status_code == 101  # type: ignore[union-attr]
    from blazeio_common.http import PAUSED

    assert r.next_event() is PAUSED
    assert r.trailing_data == b"\x81\x05hello"


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(b"HTTP/1.1 2000 OK\r\n\r\n", 400, id="four-digit-status"),
        pytest.param(b"HTTP/1.1 20 OK\r\n\r\n", 400, id="two-digit-status"),
        pytest.param(b"HTTP/1.1 20\r\n\r\n", 400, id="two-digit-status-alone"),
        pytest.param(b"HTTP/1.1 2\r\n\r\n", 400, id="one-digit-status-alone"),
        pytest.param(b"HTTP/1.1 \r\n\r\n", 400, id="no-status"),
        pytest.param(b"HTTP/1.1 abc OK\r\n\r\n", 400, id="non-numeric-status"),
        pytest.param(b"HTTP/2 200 OK\r\n\r\n", 400, id="malformed-version"),
        pytest.param(b"HTTP/2.0 200 OK\r\n\r\n", 505, id="http2"),
        pytest.param(b"ICY 200 OK\r\n\r\n", 400, id="not-http"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", 400, id="bare-cr"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX : y\r\n\r\n", 400, id="space-before-colon"),
        pytest.param(b"HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n", 400, id="obs-fold"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello", 400, id="conflicting-cl"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", 400, id="plus-cl"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, id="te-gzip-chunked"),
        pytest.param(b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, id="te-in-http10"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 400, id="truncated-cl-body"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 400, id="truncated-chunked"
        ),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-", 400, id="truncated-head"),
    ],
)
def test_broken_responses_raise(data: bytes, status: int) -> None:
    assert error_status(receiver(), data) == status


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", id="every-line-bare-lf"),
        pytest.param(b"HTTP/1.1 204 No Content\r\nX: y\n\r\n", id="last-field-bare-lf-then-crlf"),
        pytest.param(b"HTTP/1.1 204 No Content\r\n\n", id="crlf-then-bare-lf-empty-line"),
        pytest.param(b"HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\n\r\n", id="interim-bare-lf"),
    ],
)
def test_a_response_head_ended_with_bare_lf_is_rejected_without_waiting_for_more_bytes(data: bytes) -> None:
    # RFC 9112 §2.2: we do not accept a bare LF as a line end, and say so as soon as the head
    # a lenient reader would see is here, instead of waiting for a CRLF CRLF (or EOF).
    assert error_status(receiver(), data, eof=False) == 400


def test_truncated_response_body_is_an_incomplete_body_error_never_a_short_success() -> None:
    got = outcome(receiver(), b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
    assert got[-1] == ("error", 400, "IncompleteBody")
    assert ("end", []) not in got
