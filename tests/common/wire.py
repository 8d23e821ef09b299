"""Feed exact wire bytes to a receiver whole, split at every byte, and one byte at a time.

``outcomes(make, data)`` returns the normalised event list for every way of feeding
``data``; a correct sans-IO parser gives the same list for all of them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from blazeio_common.http import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    ProtocolError,
    Request,
    RequestReceiver,
    Response,
    ResponseReceiver,
)

Receiver = RequestReceiver | ResponseReceiver
Event = tuple[Any, ...]


def _normalise(event: object) -> Event:
    if isinstance(event, InformationalResponse):
        return ("informational", event.status_code, event.reason, event.headers.raw_items())
    if isinstance(event, Response):
        return (
            "response",
            event.status_code,
            event.reason,
            event.version,
            event.headers.raw_items(),
            event.keep_alive,
            event.framing,
            event.content_length,
        )
    if isinstance(event, Request):
        return (
            "request",
            event.method,
            event.target,
            event.version,
            event.headers.raw_items(),
            event.keep_alive,
            event.content_length,
            event.chunked,
            event.expect_continue,
        )
    if isinstance(event, EndOfMessage):
        return ("end", event.trailers.raw_items())
    if isinstance(event, ConnectionClosed):
        return ("closed",)
    raise AssertionError(f"unexpected event {event!r}")


def _drain(receiver: Receiver, out: list[Event]) -> None:
    while True:
        event = receiver.next_event()
        if event is NEED_DATA:
            return
        if event is PAUSED:
            if isinstance(out[-1], tuple) and out[-1][0] in ("end",):
                receiver.start_next_cycle()
                continue
            return  # after 101 / CONNECT the rest is not HTTP
        if isinstance(event, Data):
            assert event.data, "a receiver must never yield an empty Data"
            if out and out[-1][0] == "data":
                out[-1] = ("data", out[-1][1] + event.data)
            else:
                out.append(("data", event.data))
            continue
        out.append(_normalise(event))
        if isinstance(event, ConnectionClosed):
            return


def run(make: Callable[[], Receiver], pieces: Iterable[bytes], eof: bool = True) -> list[Event]:
    receiver = make()
    out: list[Event] = []
    try:
        for piece in pieces:
            receiver.feed(piece)
            _drain(receiver, out)
        if eof:
            receiver.feed_eof()
            _drain(receiver, out)
    except ProtocolError as exc:
        out.append(("error", exc.status_code, type(exc).__name__))
    return out


def splits(data: bytes) -> Iterable[list[bytes]]:
    yield [data]
    for i in range(1, len(data)):
        yield [data[:i], data[i:]]
    yield [data[i : i + 1] for i in range(len(data))]


def outcome(make: Callable[[], Receiver], data: bytes, eof: bool = True) -> list[Event]:
    """The one outcome of feeding ``data`` in every way; asserts they all agree."""
    expected = run(make, [data], eof)
    for pieces in splits(data):
        got = run(make, pieces, eof)
        if expected and expected[-1][0] == "error":
            # A body streams: how much of it was passed on before the fault depends on how
            # the bytes arrived. Everything else (events and the verdict) must agree.
            assert _without_data(got) == _without_data(expected), f"split {[len(p) for p in pieces]} gave {got}"
        else:
            assert got == expected, f"split {[len(p) for p in pieces]} gave {got} instead of {expected}"
    return expected


def _without_data(events: list[Event]) -> list[Event]:
    return [event for event in events if event[0] != "data"]


def error_status(make: Callable[[], Receiver], data: bytes, eof: bool = True) -> int:
    """The status of the ProtocolError that every way of feeding ``data`` ends in."""
    result = outcome(make, data, eof)
    assert result and result[-1][0] == "error", f"expected a rejection, got {result}"
    status: int = result[-1][1]
    return status


# Bytes that matter to an HTTP parser: separators, CTLs, obs-text, digits, framing words.
MUTATION_BYTES = b'\r\n :;,\t\x00\x7f\x80\xff-0123456789aAzZ/?%"=chunkedContent-LengthTransfer-Encodingclose'


def mutate(rng: random.Random, data: bytes) -> bytes:
    """``data`` with 1-6 random edits: a byte replaced, bytes inserted, deleted or duplicated."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op, i = rng.random(), rng.randrange(len(out) + 1)
        if op < 0.35 and out:
            out[min(i, len(out) - 1)] = rng.choice(MUTATION_BYTES)
        elif op < 0.6:
            out[i:i] = bytes([rng.choice(MUTATION_BYTES)]) * rng.randint(1, 3)
        elif op < 0.8 and out:
            del out[i : i + rng.randint(1, 4)]
        else:
            j = rng.randrange(len(out) + 1)
            out[i:i] = out[j : j + rng.randint(1, 20)]
    return bytes(out)
