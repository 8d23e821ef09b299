"""The compiled head parser on hostile sizes and random bytes: never a crash.

The product document's predecessor shipped a C parser that segfaulted on a long query string.
Every case here also runs through the pure-Python parser, and both must agree.
"""

from __future__ import annotations

import random

import pytest
from test_native_differential import _run

from blazeio_common.http import (
    Limits,
    ProtocolError,
    Request,
    RequestReceiver,
    Response,
    ResponseReceiver,
    native,
    receive,
)
from blazeio_common.http.limits import DEFAULT_LIMITS

HUGE = Limits(max_request_line=4 << 20, max_header_bytes=16 << 20, max_header_count=50_000)


@pytest.fixture(autouse=True)
def compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    if native.parse_request_head is None:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    monkeypatch.setattr(receive, "native_parse_request_head", native.parse_request_head)
    monkeypatch.setattr(receive, "native_parse_response_head", native.parse_response_head)


def _request(data: bytes, limits: Limits) -> Request:
    receiver = RequestReceiver(limits)
    receiver.feed(data)
    event = receiver.next_event()
    assert type(event) is Request
    return event


def test_a_long_query_string_is_read_whole_or_refused_with_414() -> None:
    target = "/search?q=" + "a%20b" * 200_000  # 1 MB
    data = f"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n".encode()
    assert _request(data, HUGE).target == target
    with pytest.raises(ProtocolError) as refused:
        _request(data, DEFAULT_LIMITS)
    assert refused.value.status_code == 414
    assert _run("compiled", HUGE, [data], True) == _run("pure", HUGE, [data], True)


def test_a_huge_header_value_and_a_long_name_are_read_exactly() -> None:
    value = "v" * (4 << 20)
    name = "X-" + "N" * 300  # longer than the compiled parser's stack buffer for lower-casing
    data = f"GET / HTTP/1.1\r\nHost: a\r\n{name}: {value}\r\n\r\n".encode()
    request = _request(data, HUGE)
    assert request.headers[name] == value
    assert dict(request.headers)[name.lower()] == value
    with pytest.raises(ProtocolError) as refused:
        _request(data, DEFAULT_LIMITS)
    assert refused.value.status_code == 431


def test_many_header_fields_are_read_in_order_up_to_the_limit() -> None:
    fields = "".join(f"X-F{i}: {i}\r\n" for i in range(40_000))
    data = f"GET / HTTP/1.1\r\nHost: a\r\n{fields}\r\n".encode()
    request = _request(data, HUGE)
    assert len(request.headers.raw_items()) == 40_001
    assert request.headers.raw_items()[-1] == ("X-F39999", "39999")
    limits = Limits(max_request_line=HUGE.max_request_line, max_header_bytes=HUGE.max_header_bytes)
    with pytest.raises(ProtocolError) as refused:
        _request(data, limits)
    assert refused.value.status_code == 431


def test_names_at_the_edge_of_the_stack_buffer_are_lower_cased_exactly() -> None:
    for size in (1, 63, 64, 65, 128):
        name = "Ab" * (size // 2) + "C" * (size % 2)
        request = _request(f"GET / HTTP/1.1\r\nHost: a\r\n{name}: v\r\n\r\n".encode(), DEFAULT_LIMITS)
        assert dict(request.headers) == {"host": "a", name.lower(): "v"}


def test_random_bytes_and_any_scan_position_never_crash_the_compiled_parser() -> None:
    rng = random.Random(42)
    alphabet = b"GET /HTTP1.0\r\n:\t \x00\x7f\x80\xffHost:aA-200OK"
    parsers = [native.parse_request_head, native.parse_response_head]
    for _ in range(20_000):
        size = rng.choice((0, 1, 3, 4, 5, 12, 16, 20, 200, 3000))
        data = bytes(rng.choice(alphabet) for _ in range(size))
        if rng.random() < 0.3:
            data = rng.choice((b"GET / HTTP/1.1\r\n", b"HTTP/1.1 200 ")) + data
        if rng.random() < 0.5:
            data += b"\r\n\r\n"
        scan = rng.choice((-(2**62), -1, 0, 1, 2, 3, size, size + 10, 2**62, 2**63 - 1))
        buf = bytearray(data)
        parse = rng.choice(parsers)
        assert parse is not None
        if parse is native.parse_request_head:  # with Host values known valid: plain requests finished
            result = native.parse_request_head(buf, scan, DEFAULT_LIMITS, {"a", "aA", "Host"})
        else:
            result = parse(buf, scan, DEFAULT_LIMITS)
        if result is None:
            assert buf == data  # left for the pure-Python path, untouched
        else:
            assert data.endswith(bytes(buf)) and len(buf) < len(data)
    # Whatever it took, the pure-Python build reads the same way.
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) + b"\r\n\r\n"
        assert _run("compiled", DEFAULT_LIMITS, [data], True) == _run("pure", DEFAULT_LIMITS, [data], True)
        data = b"HTTP/1.1 2" + data
        assert _run("compiled", DEFAULT_LIMITS, [data], True, "GET") == _run(
            "pure", DEFAULT_LIMITS, [data], True, "GET"
        )


def test_a_response_with_a_huge_reason_and_many_fields_is_read_exactly() -> None:
    reason = "R \t" * 300_000
    fields = "".join(f"X-F{i}: {i}\r\n" for i in range(20_000))
    data = f"HTTP/1.1 200 {reason}\r\n{fields}Content-Length: 0\r\n\r\n".encode()
    receiver = ResponseReceiver("GET", HUGE)
    receiver.feed(data)
    response = receiver.next_event()
    assert type(response) is Response
    assert response.reason == reason
    assert len(response.headers.raw_items()) == 20_001
    assert _run("compiled", HUGE, [data], True, "GET") == _run("pure", HUGE, [data], True, "GET")
