"""Mutated messages through the sans-IO receivers: the outcome never depends on how bytes arrive.

Valid requests and responses (bodies of every framing, interim responses, pipelined pairs,
tunnels) are mutated at random (seeded). Each is fed whole, split at every byte and one byte
at a time (``wire.outcome``): the events and the verdict -- including which 4xx a bad head
gets -- must be the same every time, and nothing but ``ProtocolError`` may escape.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from blazeio_common.http import Limits, RequestReceiver, ResponseReceiver

from wire import Receiver, mutate, outcome

# Every case runs against both builds of the request-head parser (tests/common/conftest.py).
pytestmark = pytest.mark.usefixtures("parser_build")

REQUESTS = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"GET /echo?x=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    b"\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
]
RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\n\r\nten bytes.",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw",
]
# Tight limits, so mutated heads also cross them (414 / 431 / 400 must not depend on arrival).
TIGHT = Limits(max_request_line=60, max_header_bytes=200, max_header_count=6)


def test_mutated_messages_have_one_outcome_however_their_bytes_arrive() -> None:
    rng = random.Random(20261124)
    verdicts: dict[str, int] = {}
    for _ in range(1500):
        make: Callable[[], Receiver]
        if rng.random() < 0.5:
            data = mutate(rng, rng.choice(REQUESTS))
            limits = TIGHT if rng.random() < 0.3 else Limits()
            make = lambda limits=limits: RequestReceiver(limits)  # noqa: E731 - bound per message
        else:
            data = mutate(rng, rng.choice(RESPONSES))
            method = rng.choice(["GET", "HEAD", "POST"])
            make = lambda method=method: ResponseReceiver(method)  # noqa: E731 - bound per message
        if rng.random() < 0.4:
            data += mutate(rng, rng.choice(REQUESTS if isinstance(make(), RequestReceiver) else RESPONSES))
        events = outcome(make, data, eof=rng.random() < 0.7)  # asserts every split agrees
        verdict = "rejected" if events and events[-1][0] == "error" else "read"
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    # The mutations reach both sides: messages still read without a fault, and rejections.
    assert verdicts["rejected"] > 1000, verdicts
    assert verdicts["read"] > 120, verdicts
