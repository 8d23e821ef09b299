"""The compiled head parser against the pure-Python reference (``heads.py``).

Seeded mutated requests and responses, browser-like heads and heads generated from the
grammar, each fed whole and in random pieces, go through the receivers once with each build:
the events, and the errors (type, status and message), must be identical. The head cache is
off here, so every head is really parsed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import pytest
from test_mutated_messages import REQUESTS, RESPONSES, TIGHT

from blazeio_common.http import (
    NEED_DATA,
    PAUSED,
    Data,
    Limits,
    ProtocolError,
    RequestReceiver,
    ResponseReceiver,
    native,
    receive,
)

from wire import Receiver, _normalise, mutate

Outcome = list[tuple[Any, ...]]

BROWSER = (
    b"GET /articles/%d?page=%d&q=caf%%C3%%A9 HTTP/1.1\r\n"
    b"Host: www.example.test\r\n"
    b"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
    b"Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: en-GB,en;q=0.7\r\n"
    b"Accept-Encoding: gzip, deflate, br\r\n"
    b"Cookie: session=%x; theme=dark\r\n"
    b"Cache-Control: max-age=0\r\n"
    b"Referer: https://www.example.test/articles/%d\r\n"
    b"\r\n"
)


def _run(build: str, limits: Limits, pieces: Iterable[bytes], eof: bool, method: str | None = None) -> Outcome:
    """What a receiver makes of ``pieces``: a RequestReceiver, or a ResponseReceiver for a
    request with ``method``."""
    compiled = build == "compiled"
    receive.native_parse_request_head = native.parse_request_head if compiled else None
    receive.native_parse_response_head = native.parse_response_head if compiled else None
    receiver: Receiver = RequestReceiver(limits) if method is None else ResponseReceiver(method, limits)
    out: Outcome = []
    try:
        for piece in [*pieces, None]:
            if piece is None:
                if not eof:
                    break
                receiver.feed_eof()
            else:
                receiver.feed(piece)
            while (event := receiver.next_event()) is not NEED_DATA:
                if event is PAUSED:
                    if out and out[-1][0] == "end":
                        receiver.start_next_cycle()
                        continue
                    break
                out.append(("data", event.data) if type(event) is Data else _normalise(event))
                if out[-1][0] == "closed":
                    break
    except ProtocolError as error:
        out.append(("error", type(error).__name__, error.status_code, str(error)))
    return out


NAMES = ["Host", "host", "HOST", "User-Agent", "Accept", "Cookie", "X-Id", "x-a_b.c~d!", "Content-Length", "Expect"]
VALUE_BYTES = bytes(range(0x21, 0x7F)) + bytes(range(0x80, 0x100)) + b" \t"
OWS = [b"", b" ", b"\t", b" \t ", b"  "]


def _valid_head(rng: random.Random) -> bytes:
    """A head built at random from what the grammar allows: any token method, visible-ASCII
    targets, names in any case (repeated ones joined), values with obs-text, inner spaces and
    tabs, and optional whitespace on both sides."""
    method = rng.choice([b"GET", b"POST", b"HEAD", b"PUT", b"OPTIONS", b"M-SEARCH", b"get", b"X!#$%&'*+"])
    target = b"/" + bytes(rng.choice(range(0x21, 0x7F)) for _ in range(rng.randint(0, 40)))
    lines = [method + b" " + target + b" " + rng.choice([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/1.2"])]
    for _ in range(rng.randint(0, 12)):
        name = rng.choice(NAMES).encode()
        if name.lower() in (b"host", b"content-length", b"expect"):
            value = rng.choice([b"a", b"a:1", b"0", b"5", b"100-continue"])
        else:
            value = bytes(rng.choice(VALUE_BYTES) for _ in range(rng.randint(0, 30)))
        lines.append(name + b":" + rng.choice(OWS) + value + rng.choice(OWS))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _pieces(rng: random.Random, data: bytes) -> list[bytes]:
    cuts = sorted(rng.randrange(len(data) + 1) for _ in range(rng.randint(0, 4)))
    return [data[i:j] for i, j in zip([0, *cuts], [*cuts, len(data)], strict=True)]


@pytest.fixture
def both_builds(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Both builds available, no head cache; counts the heads the compiled parser took."""
    if not native.COMPILED:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    taken = {"parse_request_head": 0, "parse_response_head": 0}
    for name in taken:
        compiled = getattr(native, name)

        def counting(*args: Any, compiled: Any = compiled, name: str = name) -> Any:
            result = compiled(*args)
            taken[name] += result is not None
            return result

        monkeypatch.setattr(native, name, counting)
    monkeypatch.setattr(receive, "native_parse_request_head", None)
    monkeypatch.setattr(receive, "native_parse_response_head", None)
    return taken


def test_both_builds_give_identical_events_and_errors_for_mutated_requests(both_builds: dict[str, int]) -> None:
    rng = random.Random(20261202)
    verdicts = {"read": 0, "rejected": 0}
    for n in range(3000):
        if rng.random() < 0.3:
            data = _valid_head(rng)
        elif rng.random() < 0.25:
            template = BROWSER % (n, n % 5, rng.getrandbits(64), n)
            data = template if rng.random() < 0.5 else mutate(rng, template)
        else:
            data = mutate(rng, rng.choice(REQUESTS))
        if rng.random() < 0.4:
            data += rng.choice(REQUESTS) if rng.random() < 0.5 else mutate(rng, rng.choice(REQUESTS))
        limits = TIGHT if rng.random() < 0.3 else Limits()
        eof = rng.random() < 0.7
        for pieces in ([data], _pieces(rng, data), _pieces(rng, data)):
            pure = _run("pure", limits, pieces, eof)
            compiled = _run("compiled", limits, pieces, eof)
            assert compiled == pure, f"{data!r} in pieces {[len(p) for p in pieces]}"
        verdicts["rejected" if pure and pure[-1][0] == "error" else "read"] += 1
    # Both sides are reached: heads read (most by the compiled parser) and heads refused.
    assert verdicts["read"] > 400 and verdicts["rejected"] > 2000, verdicts
    assert both_builds["parse_request_head"] > 1500, both_builds


def _valid_response_head(rng: random.Random) -> bytes:
    reason = bytes(rng.choice(VALUE_BYTES) for _ in range(rng.randint(0, 20)))
    line = b"HTTP/1.%d %03d" % (rng.choice([0, 1, 1, 2]), rng.choice([100, 101, 200, 204, 304, 404, 999]))
    line += rng.choice([b"", b" ", b" " + reason, b" " + reason])
    lines = [line]
    for _ in range(rng.randint(0, 12)):
        name = rng.choice([*NAMES, "Transfer-Encoding", "Connection"]).encode()
        if name.lower() in (b"content-length", b"transfer-encoding", b"connection"):
            value = rng.choice([b"0", b"5", b"chunked", b"close", b"keep-alive"])
        else:
            value = bytes(rng.choice(VALUE_BYTES) for _ in range(rng.randint(0, 30)))
        lines.append(name + b":" + rng.choice(OWS) + value + rng.choice(OWS))
    return b"\r\n".join(lines) + b"\r\n\r\n" + rng.choice([b"", b"hello", b"5\r\nhello\r\n0\r\n\r\n"])


def test_both_builds_give_identical_events_and_errors_for_mutated_responses(both_builds: dict[str, int]) -> None:
    rng = random.Random(20261203)
    verdicts = {"read": 0, "rejected": 0}
    for _ in range(3000):
        data = _valid_response_head(rng) if rng.random() < 0.3 else mutate(rng, rng.choice(RESPONSES))
        if rng.random() < 0.3:
            data += mutate(rng, rng.choice(RESPONSES))
        limits = TIGHT if rng.random() < 0.3 else Limits()
        method = rng.choice(["GET", "GET", "HEAD", "POST", "CONNECT"])
        eof = rng.random() < 0.7
        for pieces in ([data], _pieces(rng, data), _pieces(rng, data)):
            pure = _run("pure", limits, pieces, eof, method)
            compiled = _run("compiled", limits, pieces, eof, method)
            assert compiled == pure, f"{data!r} in pieces {[len(p) for p in pieces]} after {method}"
        verdicts["rejected" if pure and pure[-1][0] == "error" else "read"] += 1
    assert verdicts["read"] > 400 and verdicts["rejected"] > 1000, verdicts
    assert both_builds["parse_response_head"] > 1500, both_builds


@pytest.mark.parametrize(
    "byte", [b"\x00", b"\x08", b"\x1f", b"\x7f", b"\r", b"\n", b"\t", b" ", b"\x80", b"\xff", b"~"]
)
def test_every_byte_at_every_place_of_a_long_value_is_judged_alike(byte: bytes) -> None:
    # The compiled parser checks field values eight bytes per step: a byte that may not be in
    # a value must be found at any offset within those steps, and one that may, let through.
    if not native.COMPILED:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    for place in range(26):
        value = b"a" * place + byte + b"b" * (25 - place)
        data = b"GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + value + b"\r\nAccept: */*\r\n\r\n"
        pure = _run("pure", Limits(), [data], True)
        assert _run("compiled", Limits(), [data], True) == pure, (byte, place)
        read = pure[0][0] != "error"
        # What RFC 9110 §5.5 allows in a value: VCHAR, obs-text, SP and HTAB inside it.
        assert read is (byte in (b"\t", b" ", b"\x80", b"\xff", b"~")), (byte, place, pure)


@pytest.mark.parametrize(
    "head",
    [
        b"GET /a HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /a HTTP/1.1\r\nhost: a\r\nConnection: close\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: a\r\nConnection: upgrade, close\r\n\r\n",
        b"GET /a HTTP/1.0\r\n\r\n",
        b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        b"GET /a HTTP/1.1\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        b"GET /a HTTP/1.1\r\nHost: a b\r\n\r\n",
        b"GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
        b"CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n",
        b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
        b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        b"PUT /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
        b"GET /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
    ],
)
def test_plain_requests_finished_by_the_compiled_parser_match_the_reference(head: bytes) -> None:
    # The compiled parser builds a plain request (origin-form, a Host it has seen valid, no
    # body, no Expect, Connection absent or exactly keep-alive/close) itself; every other head
    # goes through the receiver's checks. Twice each: the second time the Host is known valid.
    if not native.COMPILED:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    for _ in range(2):
        assert _run("compiled", Limits(), [head, head], True) == _run("pure", Limits(), [head, head], True)


def test_the_compiled_parser_finishes_a_plain_request_only_for_a_host_it_was_given() -> None:
    if not native.COMPILED:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    head = b"GET /a?b HTTP/1.1\r\nHost: h.test\r\nConnection: close\r\nAccept: */*\r\n\r\n"
    parsed = native.parse_request_head(bytearray(head), 0, Limits(), set())
    assert type(parsed) is tuple and parsed[:3] == ("GET", "/a?b", "1.1")
    finished = native.parse_request_head(bytearray(head), 0, Limits(), {"h.test"})
    assert type(finished) is receive.Request
    assert (finished.method, finished.target, finished.version, finished.keep_alive) == ("GET", "/a?b", "1.1", False)
    assert (finished.content_length, finished.chunked, finished.expect_continue) == (0, False, False)
    assert finished.headers.raw_items() == [("Host", "h.test"), ("Connection", "close"), ("Accept", "*/*")]
    assert finished.headers["accept"] == "*/*"


@pytest.mark.parametrize(
    ("fields", "name", "joined"),
    [
        (b"Accept: a\r\nAccept: b\r\n", "accept", "a, b"),
        (b"ACCEPT: a\r\nAccept: b\r\n", "Accept", "a, b"),
        (b"Accept: a\r\naccept: b\r\n", "ACCEPT", "a, b"),
        (b"X-A: 1\r\nAccept: a\r\nACCEPT: b\r\nAccept: c\r\n", "accept", "a, b, c"),
        (b"Cookie: a=1\r\nX-B: 2\r\ncookie: b=2\r\n", "Cookie", "a=1, b=2"),
    ],
)
def test_repeated_names_in_any_case_are_joined_alike(fields: bytes, name: str, joined: str) -> None:
    # RFC 9110 §5.3: field lines with one name (compared without case) read as one value
    # joined by ", ". The compiled parser skips the lookup for a known name seen once.
    if not native.COMPILED:
        pytest.skip("the compiled parser is not built here (or BLAZEIO_NO_EXTENSIONS is set)")
    data = b"GET / HTTP/1.1\r\nHost: a\r\n" + fields + b"\r\n"
    assert _run("compiled", Limits(), [data], True) == _run("pure", Limits(), [data], True)
    receive.native_parse_request_head = native.parse_request_head
    receiver = RequestReceiver()
    receiver.feed(data)
    request = receiver.next_event()
    assert request.headers[name] == joined  # type: ignore[union-attr]
