"""The request-head cache: a repeated head must parse exactly as the first time did.

Receivers that share a ``HeadCache`` (as an App's connections do) share what it learned; each
test makes its own, so its first head is a cache miss and the repeats are hits.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

import pytest

from blazeio_common.http import (
    PAUSED,
    Data,
    EndOfMessage,
    HeadCache,
    InformationalResponse,
    Limits,
    Request,
    RequestReceiver,
    Response,
    ResponseReceiver,
    receive,
)
from blazeio_common.http import heads as heads_module

from wire import Event, _normalise, error_status, outcome, run


def _requests(receiver: RequestReceiver, data: bytes) -> list[tuple[Request, bytes]]:
    """Every request in ``data`` (pipelined) with its body."""
    receiver.feed(data)
    out: list[tuple[Request, bytes]] = []
    while receiver.buffered:
        request = receiver.next_event()
        assert isinstance(request, Request)
        body = b""
        while True:
            event = receiver.next_event()
            if isinstance(event, Data):
                body += event.data
            else:
                assert isinstance(event, EndOfMessage)
                break
        out.append((request, body))
        receiver.start_next_cycle()
    return out


def test_repeated_heads_frame_their_bodies_like_the_first() -> None:
    receiver = RequestReceiver(Limits(max_header_count=91))
    length = b"POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
    chunked = b"POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    data = length + b"abc" + chunked + b"2\r\nde\r\n0\r\n\r\n" + length + b"fgh" + chunked + b"1\r\ni\r\n0\r\n\r\n"
    got = [(r.target, r.content_length, r.chunked, body) for r, body in _requests(receiver, data)]
    assert got == [
        ("/u", 3, False, b"abc"),
        ("/c", None, True, b"de"),
        ("/u", 3, False, b"fgh"),
        ("/c", None, True, b"i"),
    ]


def test_copying_an_event_keeps_its_class_and_fields_and_is_its_own_object() -> None:
    # The cache keeps a copy of each head it stores; copy.copy() is also what programs use.
    requests = RequestReceiver()
    requests.feed(b"PUT /x HTTP/1.0\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
    receiver = ResponseReceiver("GET")
    receiver.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Nope\r\nTransfer-Encoding: chunked\r\n\r\n")
    interim, final = receiver.next_event(), receiver.next_event()
    slots = {
        Request: Request.__slots__,
        Response: Response.__slots__,
        InformationalResponse: Response.__slots__,
    }
    for event in (requests.next_event(), interim, final):
        twin = copy.copy(event)
        assert type(twin) is type(event) and twin is not event
        assert all(getattr(twin, name) == getattr(event, name) for name in slots[type(event)])
        assert twin.headers is event.headers  # shallow, as copy.copy() promises
    assert isinstance(interim, InformationalResponse) and type(final) is Response


def test_a_cached_head_gives_the_same_request_split_or_whole() -> None:
    head = b"GET /p?q=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
    limits, cache = Limits(max_header_count=92), HeadCache()
    first = outcome(lambda: RequestReceiver(limits, cache), head)  # populates the cache
    assert first[0] == ("request", "GET", "/p?q=1", "1.1",
                        [("Host", "a"), ("Accept", "*/*"), ("Accept", "text/html"), ("Connection", "close")],
                        False, 0, False, False)  # fmt: skip
    assert outcome(lambda: RequestReceiver(limits, cache), head) == first
    assert len(cache.table("request", limits)) == 1  # the second was a hit


def test_changing_a_request_s_headers_does_not_change_the_next_one() -> None:
    receiver = RequestReceiver(Limits(max_header_count=93))
    head = b"GET / HTTP/1.1\r\nHost: a\r\nX-Token: t\r\n\r\n"
    (first, _), (second, _), (third, _) = _requests(receiver, head * 3)
    first.headers["X-Token"] = "changed"
    del first.headers["host"]
    second.headers.add("X-Extra", "1")
    assert third.headers.raw_items() == [("Host", "a"), ("X-Token", "t")]
    assert third.headers["x-token"] == "t"


def test_a_repeated_head_arriving_in_pieces_is_recognised_only_when_whole() -> None:
    # The connection's last head is matched by comparison: a beginning of it is not a match,
    # and what follows it in the buffer belongs to the body or the next request.
    limits, cache = Limits(max_header_count=90), HeadCache()
    head = b"POST /r HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n"
    for cut in range(1, len(head) + 3):
        receiver = RequestReceiver(limits, cache)
        _requests(receiver, head + b"one" + head + b"two")  # the second is served from the cache
        data = head + b"abc" + b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n"
        receiver.feed(data[:cut])
        first = receiver.next_event()
        if cut < len(head):
            assert first is receive.NEED_DATA
            receiver.feed(data[cut:])
            first = receiver.next_event()
        else:
            receiver.feed(data[cut:])
        assert isinstance(first, Request)
        assert (first.target, first.content_length, first.headers.raw_items()) == (
            "/r",
            3,
            [("Host", "a"), ("Content-Length", "3")],
        )
        body = receiver.next_event()
        assert isinstance(body, Data)
        assert body.data == b"abc"
        assert isinstance(receiver.next_event(), EndOfMessage)
        receiver.start_next_cycle()
        after = receiver.next_event()
        assert isinstance(after, Request)
        assert after.target == "/next"


def test_a_head_ended_with_bare_lf_after_cached_heads_is_refused_at_once() -> None:
    # A connection whose heads come from the cache: the same head with bare LFs is no hit, and
    # is refused as soon as it ends, however it arrives -- no EOF, no CRLF CRLF needed.
    limits, cache = Limits(max_header_count=89), HeadCache()
    head = b"GET /r HTTP/1.1\r\nHost: a\r\n\r\n"

    def warm() -> RequestReceiver:
        receiver = RequestReceiver(limits, cache)
        _requests(receiver, head + head)  # the second is served from the cache
        return receiver

    assert error_status(warm, head.replace(b"\r\n", b"\n"), eof=False) == 400
    assert error_status(warm, head[:-2] + b"\n", eof=False) == 400
    assert error_status(warm, head[:-4] + b"\n\r\n", eof=False) == 400


def test_a_head_accepted_under_loose_limits_is_still_rejected_under_strict_ones() -> None:
    head = b"GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    cache = HeadCache()  # one owner's cache, two limits: a verdict never crosses limits
    assert outcome(lambda: RequestReceiver(Limits(max_header_count=94), cache), head)[0][0] == "request"
    assert error_status(lambda: RequestReceiver(Limits(max_header_count=3), cache), head) == 431


def test_a_request_line_seen_before_is_still_judged_by_each_receiver_s_line_limit() -> None:
    # Request lines are remembered once valid; the length limit is each receiver's own.
    for i in range(3):
        head = b"GET /a-long-target-%d HTTP/1.1\r\nHost: a\r\nX-Id: %d\r\n\r\n" % (len(b"/a-long-target"), i)
        assert outcome(lambda: RequestReceiver(Limits(max_header_count=88)), head)[0][2] == "/a-long-target-14"
        assert error_status(lambda: RequestReceiver(Limits(max_request_line=20)), head) == 414


def test_the_cache_stays_bounded_under_ever_new_heads() -> None:
    # Many connections, each with a head never seen before (one miss each, so all are stored).
    limits, cache = Limits(max_header_count=95), HeadCache(64)
    sizes = []
    for i in range(64 * 2 + 5):
        ((request, _),) = _requests(RequestReceiver(limits, cache), b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % i)
        assert request.target == f"/{i}"
        sizes.append(len(cache.table("request", limits)))
    assert max(sizes) == 64


def test_a_head_cache_of_size_zero_keeps_nothing_and_parses_every_head(
    monkeypatch: pytest.MonkeyPatch, pure_parser: None
) -> None:
    parsed: list[int] = []
    parse_fields = receive.parse_fields

    def counting(*args: Any) -> Any:
        parsed.append(1)
        return parse_fields(*args)

    monkeypatch.setattr(receive, "parse_fields", counting)
    limits, cache = Limits(), HeadCache(0)
    receiver = RequestReceiver(limits, cache)
    got = [r.target for r, _ in _requests(receiver, b"GET /r HTTP/1.1\r\nHost: a\r\n\r\n" * 5)]
    assert got == ["/r"] * 5
    assert len(parsed) == 5
    assert not cache.table("request", limits)


def test_receivers_of_two_owners_share_nothing() -> None:
    limits, mine, theirs = Limits(), HeadCache(), HeadCache()
    head = b"GET /r HTTP/1.1\r\nHost: a\r\n\r\n"
    _requests(RequestReceiver(limits, mine), head)
    _requests(RequestReceiver(limits), head)  # no owner: a cache of its own
    assert len(mine.table("request", limits)) == 1
    assert not theirs.table("request", limits)


def test_a_connection_whose_heads_always_differ_still_parses_every_one() -> None:
    # After a run of misses the connection stops using the cache; parsing must not change.
    receiver = RequestReceiver(Limits(max_header_count=96))
    unique = b"".join(b"POST /%d HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n%02d" % (i, i) for i in range(20))
    repeated = b"POST /r HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok" * 5
    got = [(r.target, body) for r, body in _requests(receiver, unique + repeated)]
    assert got == [(f"/{i}", b"%02d" % i) for i in range(20)] + [("/r", b"ok")] * 5


@pytest.mark.usefixtures("pure_parser")  # counts calls of the pure-Python parser
def test_a_connection_that_stopped_using_the_cache_takes_it_up_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy's connection: a run of different heads, then one head again and again. The
    # cache comes back within a couple of retries instead of never (every head parsed).
    parsed: list[int] = []
    parse_fields = receive.parse_fields

    def counting(*args: Any) -> Any:
        parsed.append(1)
        return parse_fields(*args)

    monkeypatch.setattr(receive, "parse_fields", counting)
    receiver = RequestReceiver(Limits(max_header_count=94))
    unique = b"".join(b"GET /%d HTTP/1.1\r\nHost: a\r\n\r\n" % i for i in range(20))
    repeats = 10 * receive._HEAD_RETRY
    got = [r.target for r, _ in _requests(receiver, unique + b"GET /r HTTP/1.1\r\nHost: a\r\n\r\n" * repeats)]
    assert got == [f"/{i}" for i in range(20)] + ["/r"] * repeats  # every request exactly once
    assert len(parsed) <= 20 + 2 * receive._HEAD_RETRY + 1


@pytest.mark.usefixtures("pure_parser")  # the pure-Python parser's line cache
def test_field_lines_that_never_repeat_are_parsed_but_not_kept() -> None:
    # Request ids: every head has one new line. Each must parse exactly; only the repeated
    # lines may be kept (parsed once), so the new ones cannot grow or flush the line cache.
    receiver = RequestReceiver(Limits(max_header_count=97))
    heads = b"".join(b"GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id:  %d \t\r\n\r\n" % i for i in range(3000))
    for i, (request, _) in enumerate(_requests(receiver, heads)):
        assert request.headers.raw_items() == [("Host", "a"), ("X-Request-Id", str(i))]
    assert "Host: a" in heads_module._LINES
    assert not any(line.startswith("X-Request-Id") for line in heads_module._LINES)
    # A line seen twice is kept (in heads that differ elsewhere), and a cached parse is the parse.
    for i in range(3):
        head = b"GET /%d HTTP/1.1\r\nHost: a\r\nX-Twice:  v \r\n\r\n" % i
        ((request, _),) = _requests(RequestReceiver(Limits(max_header_count=98)), head)
        assert request.headers.raw_items() == [("Host", "a"), ("X-Twice", "v")]
    assert "X-Twice:  v " in heads_module._LINES


def test_a_known_field_name_alone_on_a_line_is_still_no_field_line() -> None:
    # Names are remembered once valid; a line holding only such a name has no colon (400).
    limits = Limits(max_header_count=89)
    for i in range(3):
        ((request, _),) = _requests(
            RequestReceiver(limits), b"GET /%d HTTP/1.1\r\nHost: a\r\nX-Id: %d\r\n\r\n" % (i, i)
        )
        assert request.headers["x-id"] == str(i)
    for line in (b"X-Id", b"Host", b"X-Id :1", b"X-Id\t"):
        head = b"GET / HTTP/1.1\r\nHost: a\r\n" + line + b"\r\n\r\n"
        assert error_status(lambda: RequestReceiver(limits), head) == 400


def _response(receiver: ResponseReceiver, method: str, data: bytes) -> tuple[Response, bytes, bytes]:
    """One response to ``method``: the head event, its body, and what stays buffered after it."""
    receiver.start_next_cycle(method)
    receiver.feed(data)
    head = receiver.next_event()
    while isinstance(head, InformationalResponse):
        head = receiver.next_event()
    assert isinstance(head, Response)
    body = b""
    while not isinstance(event := receiver.next_event(), EndOfMessage):
        assert isinstance(event, Data)
        body += event.data
    assert receiver.next_event() is PAUSED
    return head, body, receiver.take_buffered()


def test_a_cached_response_head_is_framed_for_the_method_it_answers() -> None:
    # RFC 9110 §9.3.2: the response to HEAD has no body, whatever its Content-Length says.
    receiver = ResponseReceiver("GET", Limits(max_header_count=97))
    head = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: "x"\r\n\r\n'
    receiver.feed(head + b"hello")
    receiver.next_event()
    receiver.next_event()
    receiver.next_event()  # the first GET: parsed, then cached
    got = [
        _response(receiver, "GET", head + b"hello")[1:],
        _response(receiver, "HEAD", head + b"next")[1:],
        _response(receiver, "GET", head + b"world")[1:],
        _response(receiver, "HEAD", head)[1:],
    ]
    assert got == [(b"hello", b""), (b"", b"next"), (b"world", b""), (b"", b"")]


def test_changing_a_response_s_headers_does_not_change_the_next_one() -> None:
    receiver = ResponseReceiver("GET", Limits(max_header_count=98))
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
    receiver.feed(data)
    first = receiver.next_event()
    assert isinstance(first, Response)
    first.headers["Content-Type"] = "changed"
    receiver.next_event()
    receiver.next_event()
    second, body, _ = _response(receiver, "GET", data)
    third, _, _ = _response(receiver, "GET", data)
    second.headers.add("X", "1")
    assert (third.headers["content-type"], third.headers.get("x"), body) == ("text/plain", None, b"ok")


def test_interim_responses_before_a_cached_final_one_still_come_first() -> None:
    receiver = ResponseReceiver("POST", Limits(max_header_count=99))
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n!"
    for i in range(3):
        if i:
            receiver.start_next_cycle("POST")
        receiver.feed(data)
        interim, final = receiver.next_event(), receiver.next_event()
        assert isinstance(interim, InformationalResponse) and interim.status_code == 100
        assert isinstance(final, Response) and final.status_code == 201
        data_event = receiver.next_event()
        assert isinstance(data_event, Data) and data_event.data == b"!"
        assert isinstance(receiver.next_event(), EndOfMessage)


def _cold_events(make: Callable[[], RequestReceiver | ResponseReceiver], data: bytes) -> list[Event]:
    return run(make, [data], eof=False)


REQUEST_VARIANTS = [
    b"GET /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Id: 1\r\n\r\n",
    b"GET /q HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Id: 1\r\n\r\n",
    b"GET /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Id: 11\r\n\r\n",
    b"GET /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Id: 1\r\nX-Id: 1\r\n\r\n",
    b"HEAD /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Id: 1\r\n\r\n",
    b"POST /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nContent-Length: 3\r\n\r\nabc",
    b"POST /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nContent-Length: 3\r\n\r\nxyz",
    b"POST /p HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    b"GET /p HTTP/1.0\r\nAccept: */*\r\nX-Id: 1\r\n\r\n",
]
# (head and body for GET, the same head answering HEAD has no body on the wire)
RESPONSE_VARIANTS = [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: x\r\n\r\n", b"hello"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nETag: x\r\n\r\n", b"ok"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: y\r\n\r\n", b"world"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nETag: x\r\n\r\n", b"2\r\nok\r\n0\r\n\r\n"),
    (b"HTTP/1.1 204 No Content\r\nETag: x\r\n\r\n", b""),
    (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: x\r\n\r\n", b""),
]


def test_a_warm_receiver_reads_a_stream_of_like_messages_as_cold_ones_read_each() -> None:
    # One connection sends heads that repeat and heads that differ from the last one by a
    # byte, in pieces cut anywhere: the head cache and the last-head comparison must give
    # exactly what a receiver that never saw a head before gives for each message alone.
    rng = random.Random(1124)
    for case in range(300):
        if case % 2:
            picks = [rng.choice(REQUEST_VARIANTS) for _ in range(rng.randint(2, 30))]
            warm_limits = Limits(max_header_count=60 + case % 16)
            expected: list[Event] = []
            for i, message in enumerate(picks):
                cold = Limits(max_header_count=1000 + case * 40 + i)  # a cache of its own: cold
                expected += _cold_events(lambda cold=cold: RequestReceiver(cold), message)
            stream = b"".join(picks)
            cuts = sorted(rng.sample(range(1, len(stream)), min(len(stream) - 1, rng.randint(0, 12))))
            pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
            assert run(lambda w=warm_limits: RequestReceiver(w), pieces, eof=False) == expected, picks
        else:
            answers = [(rng.choice(RESPONSE_VARIANTS), rng.choice(["GET", "GET", "HEAD"])) for _ in range(30)]
            receiver = ResponseReceiver(answers[0][1], Limits(max_header_count=60 + case % 16))
            for i, ((head, body), method) in enumerate(answers):
                wire_bytes = head + (body if method == "GET" else b"")
                cold = Limits(max_header_count=1000 + case * 40 + i)
                expected = _cold_events(lambda cold=cold, m=method: ResponseReceiver(m, cold), wire_bytes)
                if i:
                    receiver.start_next_cycle(method)
                got: list[Event] = []
                cut = rng.randrange(len(wire_bytes) + 1)
                for piece in (wire_bytes[:cut], wire_bytes[cut:]):
                    receiver.feed(piece)
                    while (event := receiver.next_event()) is not receive.NEED_DATA and event is not PAUSED:
                        got.append(("data", event.data) if isinstance(event, Data) else _normalise(event))
                assert _merged(got) == expected, (i, method, head)


def _merged(events: list[Event]) -> list[Event]:
    """Consecutive data events as one (how a body is cut into events depends on arrival)."""
    out: list[Event] = []
    for event in events:
        if event[0] == "data" and out and out[-1][0] == "data":
            out[-1] = ("data", out[-1][1] + event[1])
        else:
            out.append(event)
    return out
