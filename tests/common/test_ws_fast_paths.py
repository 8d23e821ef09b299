"""The codec's fast paths give what its general path gives, byte for byte.

``receive_message(read)`` (a read that is exactly one small message), the whole-frame fast path
of ``next_event`` and ``message_frame`` (a whole message's header from a table) exist for speed
only. Here every frame shape at their edges -- each length encoding (minimal or not) around
125/126 and 65535/65536, masked or not, text and binary, fragmented, compressed, control
frames, invalid UTF-8, limits, several frames in one read -- is received through them and,
as the reference, one byte at a time (where no fast path applies); events and close frames
must be the same.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterable

import pytest

from blazeio_common.ws import (
    BytesMessage,
    DeflateParameters,
    Event,
    TextMessage,
    WebSocketConnection,
)
from blazeio_common.ws.frames import OP_BINARY, OP_TEXT, build_frame, message_frame
from blazeio_common.ws.keys import MaskKeys

KEY = bytes.fromhex("37fa213d")


def wire(first: int, payload: bytes, *, masked: bool, encoding: int | None = None) -> bytes:
    """A frame written by hand: ``encoding`` 7, 16 or 64 bits of length (default: minimal)."""
    n = len(payload)
    if encoding is None:
        encoding = 7 if n < 126 else 16 if n < 0x10000 else 64
    bit = 0x80 if masked else 0
    if encoding == 7:
        head = bytes((first, bit | n))
    elif encoding == 16:
        head = bytes((first, bit | 126)) + struct.pack("!H", n)
    else:
        head = bytes((first, bit | 127)) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    return head + KEY + bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))


def connection(role: str, **options: object) -> WebSocketConnection:
    return WebSocketConnection(role, mask_key=lambda: KEY, **options)  # type: ignore[arg-type]


def as_event(message: str | bytes) -> Event:
    return TextMessage(message) if isinstance(message, str) else BytesMessage(message)


def fast(role: str, reads: Iterable[bytes], **options: object) -> tuple[list[Event], list[bool]]:
    """Events when every read goes through ``receive_message``; and which reads it answered."""
    conn = connection(role, **options)
    events: list[Event] = []
    answered = []
    for read in reads:
        message = conn.receive_message(read)
        answered.append(message is not None)
        if message is not None:
            events.append(as_event(message))
        events.extend(conn.events())
    return events, answered


def byte_by_byte(role: str, reads: Iterable[bytes], **options: object) -> list[Event]:
    """The general path: a byte at a time, so no frame is ever whole in the buffer before its
    header is read. (Past the first 16 bytes of a long read, 4093-byte pieces: the header was
    read by then, and a byte at a time would take minutes.)"""
    conn = connection(role, **options)
    events: list[Event] = []
    for read in reads:
        cuts = [*range(len(read) + 1)] if len(read) <= 2000 else [*range(17), *range(4109, len(read), 4093), len(read)]
        for start, end in itertools.pairwise(cuts):
            conn.receive_data(read[start:end])
            events.extend(conn.events())
    return events


def same(role: str, reads: list[bytes], **options: object) -> list[bool]:
    got, answered = fast(role, reads, **options)
    assert got == byte_by_byte(role, reads, **options)
    return answered


SIZES = [0, 1, 5, 32, 119, 123, 125, 126, 127, 1000, 65535, 65536]
TEXT = "héllo wörld ✓ "


def payloads(size: int) -> list[tuple[int, bytes]]:
    text = (TEXT * (size // len(TEXT.encode()) + 1)).encode()[:size].decode(errors="ignore").encode()
    text += b"." * (size - len(text))  # a character cut at the end: ASCII instead
    return [(0x82, bytes(range(256)) * (size // 256) + bytes(range(size % 256))), (0x81, text)]


@pytest.mark.parametrize("role", ["server", "client"])
@pytest.mark.parametrize("size", SIZES)
def test_one_message_per_read_is_received_alike_in_every_length_encoding(role: str, size: int) -> None:
    masked = role == "server"
    for first, payload in payloads(size):
        for encoding in (7, 16, 64):
            if (encoding == 7 and size > 125) or (encoding == 16 and size > 0xFFFF):
                continue
            read = wire(first, payload, masked=masked, encoding=encoding)
            answered = same(role, [read], max_message_size=None)
            # The reads the fast path is for take it: whole frames of up to 64 KiB, 7 or 16-bit lengths.
            assert answered == [encoding != 64 and size <= 0xFFFF]
            assert same(role, [read, read], max_message_size=None) == [answered[0]] * 2


@pytest.mark.parametrize("role", ["server", "client"])
def test_a_frame_masked_the_wrong_way_fails_alike(role: str) -> None:
    for size in (0, 5, 119, 125, 200):
        for encoding in (7, 16, 64):
            if encoding == 7 and size > 125:
                continue
            read = wire(0x82, b"z" * size, masked=role == "client", encoding=encoding)
            more = wire(0x82, b"next", masked=role == "server") * 3  # whole frames buffered behind it
            for reads in ([read], [read + more], [read[:1], read[1:] + more]):
                same(role, reads)
                events, _ = fast(role, reads)
                assert [type(event).__name__ for event in events] == ["ProtocolViolation"]


@pytest.mark.parametrize("role", ["server", "client"])
@pytest.mark.parametrize(
    "first",
    [
        0x02,  # the first fragment of a binary message
        0x01,  # ... of a text message
        0xC2,  # RSV1 without permessage-deflate
        0xA2,  # RSV2
        0x92,  # RSV3
        0x80,  # a continuation with nothing to continue
        0x83,  # a reserved data opcode
        0x89,  # a ping
        0x8A,  # a pong
        0x88,  # a close
    ],
)
def test_frames_the_fast_path_leaves_alone_are_received_alike(role: str, first: int) -> None:
    masked = role == "server"
    payload = b"\x03\xe8bye" if first == 0x88 else b"abc"
    read = wire(first, payload, masked=masked)
    tail = wire(0x80, b"def", masked=masked)  # a final continuation, for the fragments
    assert same(role, [read]) == [False]
    same(role, [read, tail])
    same(role, [read + tail])


@pytest.mark.parametrize("role", ["server", "client"])
def test_invalid_utf_8_fails_alike(role: str) -> None:
    masked = role == "server"
    for bad in (b"\xff", b"ok\xc3", b"\xed\xa0\x80", "é".encode()[:1] + b"x", b"a" * 200 + b"\xc0\xaf"):
        read = wire(0x81, bad, masked=masked)
        assert same(role, [read]) == [False]
        events, _ = fast(role, [read, wire(0x81, b"after", masked=masked)])
        assert [getattr(event, "code", None) for event in events] == [1007]  # and nothing after it


@pytest.mark.parametrize("role", ["server", "client"])
def test_limits_apply_alike(role: str) -> None:
    masked = role == "server"
    for limit in ("max_message_size", "max_frame_size"):
        for size, allowed in ((99, True), (100, True), (101, False), (300, False)):
            read = wire(0x82, b"q" * size, masked=masked)
            assert same(role, [read], **{limit: 100}) == [allowed]
            if not allowed:
                events, _ = fast(role, [read], **{limit: 100})
                assert [getattr(event, "code", None) for event in events] == [1009]


@pytest.mark.parametrize("role", ["server", "client"])
def test_several_frames_or_part_of_one_in_a_read_are_received_alike(role: str) -> None:
    masked = role == "server"
    a, b = wire(0x81, b"first", masked=masked), wire(0x82, b"x" * 300, masked=masked)
    ping = wire(0x89, b"p", masked=masked)
    for reads in (
        [a + b],
        [a + ping + b],
        [a[:1], a[1:]],
        [a[:-1], a[-1:] + b],
        [a + b[:3], b[3:]],
        [b""],
        [b"", a],
        [a[:1]],
    ):
        same(role, reads)


def test_a_compressed_message_is_received_alike() -> None:
    sender = WebSocketConnection("client", deflate=DeflateParameters(), mask_key=lambda: KEY)
    reads = [sender.send_text("compressed " * 20), sender.send_bytes(b"again" * 9)]
    assert same("server", reads, deflate=DeflateParameters()) == [False, False]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
def test_a_whole_message_frame_matches_the_general_builder(size: int) -> None:
    for opcode, payload in ((OP_BINARY, bytes(size)), (OP_TEXT, b"t" * size)):
        for key in (None, KEY):
            built = message_frame(opcode, payload, key)
            assert built == build_frame(opcode, payload, mask_key=key)
            assert built == wire(0x80 | opcode, payload, masked=key is not None)


def test_mask_keys_are_fresh_for_every_frame_across_refills() -> None:
    keys = MaskKeys()
    drawn = [keys() for _ in range(130)]  # two refills of 64
    assert all(len(key) == 4 for key in drawn)
    assert len(set(drawn)) == 130


def pieces_at(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    edges = [0, *sorted(c for c in cuts if 0 < c < len(data)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


@pytest.mark.parametrize("role", ["server", "client"])
def test_a_large_frame_read_in_pieces_is_received_alike(role: str) -> None:
    masked = role == "server"
    text = ("größe ✓ " * 30_000).encode()
    binary = bytes(range(256)) * 800
    small = wire(0x81, b"after", masked=masked)
    fragmented = wire(0x02, binary[:70_000], masked=masked) + wire(0x80, binary[70_000:], masked=masked)
    for frames in (wire(0x82, binary, masked=masked), wire(0x81, text, masked=masked), fragmented):
        stream = frames + small + small
        for cuts in (
            [1, 7, 20, 1000, 65_536, 100_001],
            [14, 15, 16, 17, 18, len(frames) - 1, len(frames) + 3],
            range(3, len(stream), 4093),
            [len(frames)],
            [20, len(frames)],
            [20, len(frames), len(frames) + len(small)],
        ):
            reads = pieces_at(stream, cuts)
            same(role, reads, max_message_size=None)
            # The same reads, the events asked for after the first one only, then at the end: a
            # message is returned only when no event is waiting before it.
            conn = connection(role, max_message_size=None)
            events = []
            for i, read in enumerate(reads):
                message = conn.receive_message(read)
                if message is not None:
                    events.append(as_event(message))
                if i == 0:
                    events.extend(conn.events())
            events.extend(conn.events())
            assert events == byte_by_byte(role, reads, max_message_size=None)


@pytest.mark.parametrize("role", ["server", "client"])
def test_invalid_utf_8_in_a_large_frame_read_in_pieces_fails_alike(role: str) -> None:
    masked = role == "server"
    bad = ("ok " * 40_000).encode() + b"\xc3\x28" + b"more" * 1000
    stream = wire(0x81, bad, masked=masked) + wire(0x81, b"never", masked=masked)
    for cuts in ([10, 50_000, 120_001, 120_003], range(5, len(stream), 8191)):
        reads = pieces_at(stream, cuts)
        same(role, reads, max_message_size=None)
        events, _ = fast(role, reads, max_message_size=None)
        assert [getattr(event, "code", None) for event in events] == [1007]


def test_a_compressed_large_message_read_in_pieces_is_received_alike_and_limited() -> None:
    sender = WebSocketConnection("client", deflate=DeflateParameters(), mask_key=lambda: KEY)
    stream = sender.send_bytes(bytes(range(256)) * 4000) + sender.send_text("tail")
    for limit in (None, 500_000):
        reads = pieces_at(stream, range(9, len(stream), 1000))
        same("server", reads, deflate=DeflateParameters(), max_message_size=limit)
    events, _ = fast("server", reads, deflate=DeflateParameters(), max_message_size=500_000)
    assert [getattr(event, "code", None) for event in events] == [1009]
