"""Server-side parsing of request heads and bodies: tables of exact wire bytes.

Every case is fed whole, split at every byte and byte by byte (see wire.py).
"""

from __future__ import annotations

import pytest

from blazeio_common.http import Limits, RequestReceiver

from wire import error_status, outcome

# Every case runs against both builds of the request-head parser (tests/common/conftest.py).
pytestmark = pytest.mark.usefixtures("parser_build")

H = [("Host", "a")]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
            [("request", "GET", "/", "1.1", H, True, 0, False, False), ("end", [])],
            id="minimal-get",
        ),
        pytest.param(
            b"GET /p?q=1 HTTP/1.0\r\n\r\n",
            [("request", "GET", "/p?q=1", "1.0", [], False, 0, False, False), ("end", [])],
            id="http10-no-host-not-keep-alive",
        ),
        pytest.param(
            b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            [("request", "GET", "/", "1.0", [("Connection", "Keep-Alive")], True, 0, False, False), ("end", [])],
            id="http10-keep-alive",
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade, Close\r\n\r\n",
            [
                ("request", "GET", "/", "1.1", [*H, ("Connection", "upgrade, Close")], False, 0, False, False),
                ("end", []),
            ],
            id="connection-close-token",
        ),
        pytest.param(
            b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
            [
                ("request", "POST", "/u", "1.1", [*H, ("Content-Length", "5")], True, 5, False, False),
                ("data", b"hello"),
                ("end", []),
            ],
            id="content-length-body",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
            [
                ("request", "POST", "/", "1.1", [*H, ("Content-Length", "3, 3")], True, 3, False, False),
                ("data", b"abc"),
                ("end", []),
            ],
            id="content-length-identical-list",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0007\r\n\r\n1234567",
            [
                ("request", "POST", "/", "1.1", [*H, ("Content-Length", "0007")], True, 7, False, False),
                ("data", b"1234567"),
                ("end", []),
            ],
            id="content-length-leading-zeros",
        ),
        pytest.param(
            b"PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            b'5;name=value;flag\r\nhello\r\n1 ; q="a;b"\r\n!\r\n0\r\nChecksum: x\r\n\r\n',
            [
                ("request", "PUT", "/", "1.1", [*H, ("Transfer-Encoding", "chunked")], True, None, True, False),
                ("data", b"hello!"),
                ("end", [("Checksum", "x")]),
            ],
            id="chunked-extensions-trailers",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
            [
                ("request", "POST", "/", "1.1", [*H, ("Transfer-Encoding", "Chunked")], True, None, True, False),
                ("data", b"0123456789"),
                ("end", []),
            ],
            id="chunked-case-insensitive-hex-upper",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nbody",
            [
                (
                    "request",
                    "POST",
                    "/",
                    "1.1",
                    [*H, ("Content-Length", "4"), ("Expect", "100-continue")],
                    True,
                    4,
                    False,
                    True,
                ),
                ("data", b"body"),
                ("end", []),
            ],
            id="expect-100-continue",
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: a\r\nX-A:  spaced \t \r\nX-B:\r\nX-Tab:\tv\tw\r\nX-Obs: caf\xe9\r\n\r\n",
            [
                (
                    "request",
                    "GET",
                    "/",
                    "1.1",
                    [*H, ("X-A", "spaced"), ("X-B", ""), ("X-Tab", "v\tw"), ("X-Obs", "caf\xe9")],
                    True,
                    0,
                    False,
                    False,
                ),
                ("end", []),
            ],
            id="ows-trimmed-empty-value-tab-obs-text",
        ),
        pytest.param(
            b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
            [("request", "GET", "/", "1.1", H, True, 0, False, False), ("end", [])],
            id="leading-empty-lines-ignored",
        ),
        pytest.param(
            b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
            [("request", "OPTIONS", "*", "1.1", H, True, 0, False, False), ("end", [])],
            id="asterisk-form",
        ),
        pytest.param(
            b"CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n",
            [
                (
                    "request",
                    "CONNECT",
                    "example.test:443",
                    "1.1",
                    [("Host", "example.test:443")],
                    True,
                    0,
                    False,
                    False,
                ),
                ("end", []),
            ],
            id="authority-form",
        ),
        pytest.param(
            b"GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n",
            [("request", "GET", "http://a/x", "1.1", H, True, 0, False, False), ("end", [])],
            id="absolute-form",
        ),
        pytest.param(
            b"GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
            [("request", "GET", "/", "1.1", [("Host", "[::1]:8080")], True, 0, False, False), ("end", [])],
            id="ipv6-host",
        ),
        pytest.param(
            b"GET / HTTP/1.2\r\nHost: a\r\n\r\n",
            [("request", "GET", "/", "1.1", H, True, 0, False, False), ("end", [])],
            id="higher-minor-version-is-1.1",
        ),
        pytest.param(b"", [("closed",)], id="clean-close-before-request"),
    ],
)
def test_valid_requests_parse_identically_however_split(data: bytes, expected: list[object]) -> None:
    got = outcome(RequestReceiver, data)
    if expected[-1] != ("closed",):
        expected = [*expected, ("closed",)]
    assert got == expected


def test_pipelined_requests_come_out_in_order_and_never_leak_into_bodies() -> None:
    data = (
        b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        b"POST /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
        b"GET /c HTTP/1.1\r\nHost: a\r\n\r\n"
    )
    got = outcome(RequestReceiver, data)
    assert [e[0] for e in got] == ["request", "data", "end", "request", "data", "end", "request", "end", "closed"]
    assert [e[2] for e in got if e[0] == "request"] == ["/a", "/b", "/c"]
    assert [e[1] for e in got if e[0] == "data"] == [b"abc", b"de"]


def test_next_request_waits_untouched_until_start_next_cycle() -> None:
    receiver = RequestReceiver()
    receiver.feed(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    assert receiver.next_event().target == "/1"  # type: ignore[union-attr]
    receiver.next_event()  # EndOfMessage
    from blazeio_common.http import PAUSED

    assert receiver.next_event() is PAUSED
    assert receiver.buffered == len(b"GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
    receiver.start_next_cycle()
    assert receiver.next_event().target == "/2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        # RFC 9112 §2.2 / RFC 9110 §5.5: bare CR, bare LF, NUL and other CTLs
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, id="bare-cr-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400, id="bare-lf-line-end"),
        pytest.param(b"GET / HTTP/1.1\rHost: a\r\n\r\n", 400, id="bare-cr-in-request-line"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, id="nul-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 400, id="ctl-in-value"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400, id="del-in-value"),
        # RFC 9112 §5.1, §5.2
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n", 400, id="space-before-colon"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX\t: y\r\n\r\n", 400, id="tab-before-colon"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n z\r\n\r\n", 400, id="obs-fold-space"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\tz\r\n\r\n", 400, id="obs-fold-tab"),
        pytest.param(b"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, id="leading-whitespace-first-field"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400, id="no-colon"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\n: empty-name\r\n\r\n", 400, id="empty-name"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX(y): z\r\n\r\n", 400, id="separator-in-name"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nCaf\xe9: z\r\n\r\n", 400, id="non-ascii-name"),
        # request line, RFC 9112 §3
        pytest.param(b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="double-space"),
        pytest.param(b"GET /\r\nHost: a\r\n\r\n", 400, id="http09-style"),
        pytest.param(b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, id="trailing-space"),
        pytest.param(b"GET / http/1.1\r\nHost: a\r\n\r\n", 400, id="lowercase-version"),
        pytest.param(b"GET / HTTP/1\r\nHost: a\r\n\r\n", 400, id="version-without-minor"),
        pytest.param(b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="method-not-token"),
        pytest.param(b"GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="non-ascii-target"),
        pytest.param(b"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, id="http2-version"),
        pytest.param(b"GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505, id="http09-version"),
        pytest.param(b"GET x HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="relative-target"),
        pytest.param(b"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="asterisk-not-options"),
        pytest.param(b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="connect-origin-form"),
        # Host, RFC 9112 §3.2
        pytest.param(b"GET / HTTP/1.1\r\n\r\n", 400, id="missing-host"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, id="two-hosts"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, id="two-identical-hosts"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, id="host-with-space"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, id="host-with-slash"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", 400, id="host-bad-port"),
        # Content-Length, RFC 9110 §8.6
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400, id="cl-plus"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, id="cl-negative"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400, id="cl-hex"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n\r\n", 400, id="cl-underscore"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", 400, id="cl-inner-space"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", 400, id="cl-list-disagrees"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400, id="cl-two-lines"
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", 400, id="cl-empty"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, id="cl-absurd"
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xd9\xa3\r\n\r\n", 400, id="cl-unicode-digit"),
        # Transfer-Encoding, RFC 9112 §6
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            id="cl-and-te",
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, id="te-unknown"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, id="te-gzip-chunked"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, id="te-chunked-not-last"
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, id="te-chunked-twice"
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: x y\r\n\r\n", 400, id="te-malformed"),
        pytest.param(b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, id="te-in-http10"),
        # chunked framing, RFC 9112 §7.1
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-size-0x",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-size-plus",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-size-empty",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            400,
            id="chunk-data-no-crlf",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n",
            400,
            id="chunk-data-bare-lf",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-size-bare-lf",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;=x\r\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-ext-no-name",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 17 + b"\r\n",
            400,
            id="chunk-size-overflow",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Name: x\r\n\r\n",
            400,
            id="trailer-bad-name",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: a\rb\r\n\r\n",
            400,
            id="trailer-bare-cr",
        ),
        # truncated input: never reported as a complete message
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\n", 400, id="eof-inside-head"),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel", 400, id="eof-inside-cl-body"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
            400,
            id="eof-before-last-chunk",
        ),
    ],
)
def test_invalid_requests_are_rejected_with_the_status_to_answer(data: bytes, status: int) -> None:
    assert error_status(RequestReceiver, data) == status


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"GET / HTTP/1.1\nHost: a\n\n", id="every-line-bare-lf"),
        pytest.param(b"GET / HTTP/1.0\n\n", id="request-line-alone-bare-lf"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\n\r\n", id="last-field-bare-lf-then-crlf"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\n\n", id="crlf-then-bare-lf-empty-line"),
        pytest.param(b"GET / HTTP/1.1\nHost: a\r\n\n", id="mixed-bare-lf-and-crlf"),
        pytest.param(b"POST / HTTP/1.1\nHost: a\nContent-Length: 4\n\nbody", id="bare-lf-head-with-body"),
        pytest.param(b"\r\nGET / HTTP/1.1\nHost: a\n\n", id="after-an-empty-line"),
    ],
)
def test_a_head_ended_with_bare_lf_is_rejected_without_waiting_for_more_bytes(data: bytes) -> None:
    # RFC 9112 §2.2 lets a recipient accept a bare LF as a line end; we do not, so such a head
    # is refused the moment its end is here -- no EOF, no CRLF CRLF that a lenient peer never sends.
    assert error_status(RequestReceiver, data, eof=False) == 400


def test_a_head_still_arriving_with_crlfs_only_waits_for_more_bytes() -> None:
    # The bare-LF check must not fire on a well-formed head cut short at any byte.
    data = b"GET / HTTP/1.1\r\nHost: a\r\nX: y\r\n\r"
    assert outcome(RequestReceiver, data, eof=False) == []


def test_a_bare_lf_head_too_large_gets_the_size_status_however_it_arrives() -> None:
    # The head a bare LF ended is judged for its size like any other: 414 / 431 before 400,
    # whether its end arrived with the rest or later (bytes after it do not count).
    assert error_status(small, b"GET /" + b"a" * 40 + b" HTTP/1.1\nHost: a\n\n", eof=False) == 414
    assert error_status(small, b"GET / HTTP/1.1\r\nX: " + b"v" * 70 + b"\n\n", eof=False) == 431
    assert error_status(small, b"GET / HTTP/1.1\nHost: a\n\n" + b"b" * 100 + b"\r\n\r\n", eof=False) == 400


def test_truncated_body_raises_incomplete_body() -> None:
    result = outcome(RequestReceiver, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel")
    assert result[-1] == ("error", 400, "IncompleteBody")
    assert ("data", b"hel") in result


SMALL = Limits(
    max_request_line=32,
    max_header_bytes=64,
    max_header_count=3,
    max_chunk_line=16,
    max_trailer_bytes=24,
    max_trailer_count=2,
    max_body_size=10,
    max_empty_lines=2,
)


def small() -> RequestReceiver:
    return RequestReceiver(SMALL)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        pytest.param(b"GET /" + b"a" * 40 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, id="request-line-complete-too-long"),
        pytest.param(b"GET /" + b"a" * 40, 414, id="request-line-unterminated-too-long"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 70 + b"\r\n\r\n", 431, id="header-block-too-large"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 70, 431, id="header-block-unterminated-too-large"),
        pytest.param(b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431, id="too-many-headers"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;"
            + b"x" * 20
            + b"\r\nhello\r\n0\r\n\r\n",
            400,
            id="chunk-line-too-long",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;" + b"x" * 20,
            400,
            id="chunk-line-unterminated-too-long",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + b"t" * 30 + b"\r\n\r\n",
            431,
            id="trailers-too-large",
        ),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n",
            431,
            id="too-many-trailers",
        ),
        pytest.param(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413, id="declared-body-too-large"),
        pytest.param(
            b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n",
            413,
            id="chunked-body-too-large",
        ),
        pytest.param(b"\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400, id="too-many-empty-lines"),
    ],
)
def test_every_limit_fails_with_its_status(data: bytes, status: int) -> None:
    assert error_status(small, data) == status


def test_limits_admit_input_right_at_the_limit() -> None:
    line = b"GET /" + b"a" * (32 - len(b"GET / HTTP/1.1")) + b" HTTP/1.1"
    assert len(line) == 32
    result = outcome(small, line + b"\r\nHost: a\r\n\r\n")
    assert result[0][0] == "request"
    body = outcome(small, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789")
    assert ("data", b"0123456789") in body
