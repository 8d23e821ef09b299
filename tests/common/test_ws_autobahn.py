"""The Autobahn|Testsuite fuzzing-client categories that apply to a codec, recreated as tables.

Each case plays the frames a fuzzing client sends into our server codec acting as an echo
server (messages echoed, pings answered, closes echoed, violations answered with their close)
and compares what the server writes -- decoded from the wire by a small parser written here --
with Autobahn's expectation. Every case runs fed whole, frame by frame, byte by byte and in
chops of 997 bytes; all four must agree. Case numbers follow Autobahn's.

Categories: 1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8,
7 close handling, 9 limits (large and fragmented messages), 10 auto-fragmentation, 12/13
permessage-deflate. (8 and 11 are not used by Autobahn.)
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterable

import pytest

from blazeio_common import Headers
from blazeio_common.ws import (
    BytesMessage,
    ClientHandshake,
    CloseReceived,
    DeflateOptions,
    DeflateParameters,
    Ping,
    ProtocolViolation,
    TextMessage,
    WebSocketConnection,
    mask,
    validate_upgrade,
)

KEY = b"\x9a\x3c\x71\x05"
Outcome = list[tuple[str, object]]
NAMES = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def frame(opcode: int, payload: bytes = b"", fin: bool = True, rsv: int = 0) -> bytes:
    """A masked client frame; ``rsv`` is the 3 reserved bits (RSV1 = 4)."""
    first = (0x80 if fin else 0) | rsv << 4 | opcode
    n = len(payload)
    length = bytes([0x80 | n]) if n < 126 else struct.pack("!BH", 0xFE, n) if n < 65536 else struct.pack("!BQ", 0xFF, n)
    return bytes([first]) + length + KEY + mask(payload, KEY)


def server_frames(data: bytes) -> Outcome:
    """Decode what our server wrote (unmasked, uncompressed) into (kind, payload) pairs."""
    out: Outcome = []
    start = 0
    while start < len(data):
        opcode, length, pos = data[start] & 0x0F, data[start + 1] & 0x7F, start + 2
        assert data[start] & 0x70 == 0 and data[start + 1] & 0x80 == 0, (
            "server frames are not masked or compressed here"
        )
        if length == 126:
            length, pos = struct.unpack_from("!H", data, pos)[0], pos + 2
        elif length == 127:
            length, pos = struct.unpack_from("!Q", data, pos)[0], pos + 8
        payload, start = data[pos : pos + length], pos + length
        if opcode == 8:
            out.append(("close", int.from_bytes(payload[:2], "big") if payload else None))
        else:
            out.append((NAMES[opcode], payload))
    return out


def echo_server(pieces: Iterable[bytes], **options: object) -> Outcome:
    conn = WebSocketConnection("server", **options)  # type: ignore[arg-type]
    written: list[bytes] = []
    for piece in pieces:
        conn.receive_data(piece)
        for event in conn.events():
            if isinstance(event, TextMessage | BytesMessage):
                written.append(conn.send(event.data))
            elif isinstance(event, Ping):
                written.append(conn.pong(event.data))
            elif isinstance(event, CloseReceived):
                written.append(conn.close(event.code))
            elif isinstance(event, ProtocolViolation):
                written.append(event.data)
    return server_frames(b"".join(written))


def play(frames: list[bytes], octetwise: bool = True, **options: object) -> Outcome:
    """The outcome of ``frames``, asserting it is the same however the bytes arrive."""
    data = b"".join(frames)
    expected = echo_server([data], **options)
    ways = [frames, [data[i : i + 997] for i in range(0, len(data), 997)]]
    if octetwise:
        ways.append([data[i : i + 1] for i in range(len(data))])
    for pieces in ways:
        assert echo_server(pieces, **options) == expected
    return expected


FAIL = [("close", 1002)]
CLOSE = frame(8, b"\x03\xe8")
CLOSED = [("close", 1000)]


# -- 1: framing ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 125, 126, 127, 128, 65535, 65536])
@pytest.mark.parametrize("opcode", [1, 2], ids=["1.1-text", "1.2-binary"])
def test_1_framing_echoes_every_length(opcode: int, size: int) -> None:
    payload = b"*" * size
    assert play([frame(opcode, payload), CLOSE], octetwise=size < 1000) == [(NAMES[opcode], payload), *CLOSED]


def test_1_1_8_a_64k_message_in_chops_of_997_bytes() -> None:
    payload = os.urandom(65536)
    assert play([frame(2, payload), CLOSE], octetwise=False) == [("binary", payload), *CLOSED]


# -- 2: pings and pongs -----------------------------------------------------------------------
PING_CASES = {
    "2.1-empty": ([frame(9)], [("pong", b"")]),
    "2.2-text": ([frame(9, b"Hello, world!")], [("pong", b"Hello, world!")]),
    "2.3-binary": ([frame(9, b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff")], [("pong", b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff")]),
    "2.4-125-bytes": ([frame(9, b"\xfe" * 125)], [("pong", b"\xfe" * 125)]),
    "2.5-126-bytes": ([frame(9, b"\xfe" * 126)], FAIL),
    "2.7-unsolicited-pong": ([frame(10)], []),
    "2.8-unsolicited-pong-with-payload": ([frame(10, b"unsolicited")], []),
    "2.9-unsolicited-pong-then-ping": ([frame(10, b"x"), frame(9, b"ping")], [("pong", b"ping")]),
    "2.10-ten-pings": ([frame(9, b"p%d" % i) for i in range(10)], [("pong", b"p%d" % i) for i in range(10)]),
}


@pytest.mark.parametrize(("frames", "expected"), PING_CASES.values(), ids=PING_CASES.keys())
def test_2_pings_are_answered_with_their_payload(frames: list[bytes], expected: Outcome) -> None:
    closing = [] if expected == FAIL else CLOSED
    assert play([*frames, CLOSE]) == expected + closing


# -- 3: reserved bits ---------------------------------------------------------------------------
RSV_CASES = {
    "3.1-rsv1-text": [frame(1, b"Hello", rsv=4)],
    "3.2-rsv2-after-valid": [frame(1, b"Hello"), frame(1, b"Hello", rsv=2), frame(9)],
    "3.3-rsv3-after-valid": [frame(1, b"Hello"), frame(1, b"Hello", rsv=3), frame(9)],
    "3.4-rsv1-rsv2": [frame(1, b"Hello"), frame(1, b"Hello", rsv=6), frame(9)],
    "3.5-binary-rsv1-rsv3": [frame(2, b"\xff" * 8, rsv=5)],
    "3.6-ping-rsv2-rsv3": [frame(9, b"Hello", rsv=3)],
    "3.7-close-all-rsv": [frame(8, b"", rsv=7)],
}


@pytest.mark.parametrize("frames", RSV_CASES.values(), ids=RSV_CASES.keys())
def test_3_reserved_bits_fail_the_connection(frames: list[bytes]) -> None:
    echoed = [("text", b"Hello")] if len(frames) > 1 else []
    assert play([*frames, CLOSE]) == echoed + FAIL


# -- 4: opcodes -------------------------------------------------------------------------------
@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 11, 12, 13, 14, 15])
@pytest.mark.parametrize("with_payload", [False, True])
def test_4_reserved_opcodes_fail_the_connection(opcode: int, with_payload: bool) -> None:
    bad = frame(opcode, b"reserved" if with_payload else b"")
    assert play([frame(1, b"Hello"), bad, frame(9)]) == [("text", b"Hello"), *FAIL]


# -- 5: fragmentation -----------------------------------------------------------------------------
FRAGMENTATION_CASES = {
    "5.1-fragmented-ping": ([frame(9, b"frag", fin=False), frame(0, b"ment")], FAIL),
    "5.2-fragmented-pong": ([frame(10, b"frag", fin=False), frame(0, b"ment")], FAIL),
    "5.3-two-fragments": ([frame(1, b"frag", fin=False), frame(0, b"ment")], [("text", b"fragment"), *CLOSED]),
    "5.6-ping-between-fragments": (
        [frame(1, b"frag", fin=False), frame(9, b"ping"), frame(0, b"ment")],
        [("pong", b"ping"), ("text", b"fragment"), *CLOSED],
    ),
    "5.9-continuation-without-start": ([frame(0, b"non-continuation"), frame(1, b"Hello")], FAIL),
    "5.12-unfinished-continuation-without-start": ([frame(0, b"x", fin=False), frame(1, b"Hello")], FAIL),
    "5.15-continuation-after-end": (
        [frame(1, b"a", fin=False), frame(0, b"b"), frame(0, b"c", fin=False), frame(1, b"d")],
        [("text", b"ab"), *FAIL],
    ),
    "5.16-fragments-then-stray-continuations": (
        [frame(0, b"a", fin=False), frame(1, b"b", fin=False), frame(0, b"c")] * 2,
        FAIL,
    ),
    "5.17-finished-stray-continuations": (
        [frame(0, b"a"), frame(1, b"b", fin=False), frame(0, b"c")] * 2,
        FAIL,
    ),
    "5.18-new-text-inside-a-message": ([frame(1, b"a", fin=False), frame(1, b"b")], FAIL),
    "5.19-pings-between-many-fragments": (
        [
            frame(1, b"fragment1", fin=False),
            frame(0, b"fragment2", fin=False),
            frame(9, b"pongme 1!"),
            frame(0, b"fragment3", fin=False),
            frame(0, b"fragment4", fin=False),
            frame(9, b"pongme 2!"),
            frame(0, b"fragment5"),
        ],
        [
            ("pong", b"pongme 1!"),
            ("pong", b"pongme 2!"),
            ("text", b"fragment1fragment2fragment3fragment4fragment5"),
            *CLOSED,
        ],
    ),
    "close-inside-a-message": ([frame(1, b"a", fin=False), CLOSE], CLOSED),
    "fragmented-close": ([frame(8, b"\x03\xe8", fin=False)], FAIL),
}


@pytest.mark.parametrize(("frames", "expected"), FRAGMENTATION_CASES.values(), ids=FRAGMENTATION_CASES.keys())
def test_5_fragmentation_rules(frames: list[bytes], expected: Outcome) -> None:
    assert play([*frames, CLOSE]) == expected


# -- 6: UTF-8 ------------------------------------------------------------------------------------
VALID_UTF8 = {
    "6.2-kosme": "κόσμε".encode(),
    "6.5-hello-kosme": b"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!",
    "6.7-first-of-each-length": b"\x00\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80",
    "6.8-last-of-each-length": b"\x7f\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf",
    "6.9-boundaries": b"\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd",
    "6.22-noncharacters": "\ufffe\uffff\U0001fffe\U0010ffff".encode(),
    "6.23-bom-and-replacement": "\ufeff\ufffd".encode(),
}
INVALID_UTF8 = {
    "6.3-kosme-with-bad-bytes": b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
    "6.4-above-u10ffff": b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80edited",
    "6.8-five-and-six-bytes": b"\xf8\x88\x80\x80\x80",
    "6.8-six-bytes": b"\xfc\x84\x80\x80\x80\x80",
    "6.12-lone-continuation": b"\x80",
    "6.12-continuations": b"\x80\xbf\x80\xbf",
    "6.13-lonely-start": b"\xc0 \xc1 ",
    "6.14-last-byte-missing": b"\xe0\x80",
    "6.14-missing-at-end": b"\xf0\x90\x80",
    "6.15-concatenated-incomplete": b"\xc0\xe0\x80\xf0\x80\x80",
    "6.16-impossible-bytes": b"\xfe\xff\xfe\xfe\xff\xff",
    "6.17-overlong-slash": b"\xc0\xaf",
    "6.18-max-overlong": b"\xf0\x8f\xbf\xbf",
    "6.19-overlong-nul": b"\xe0\x80\x80",
    "6.20-lone-high-surrogate": b"\xed\xa0\x80",
    "6.20-lone-low-surrogate": b"\xed\xbf\xbf",
    "6.21-paired-surrogates": b"\xed\xa0\x80\xed\xb0\x80",
}


@pytest.mark.parametrize("payload", VALID_UTF8.values(), ids=VALID_UTF8.keys())
def test_6_valid_utf8_is_echoed_whole_and_in_fragments_of_every_size(payload: bytes) -> None:
    for size in range(1, len(payload) + 1):
        pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
        frames = [frame(0 if i else 1, piece, fin=i == len(pieces) - 1) for i, piece in enumerate(pieces)]
        assert play([*frames, CLOSE], octetwise=size == 1) == [("text", payload), *CLOSED]


@pytest.mark.parametrize("payload", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
def test_6_invalid_utf8_fails_with_1007_whole_and_in_fragments(payload: bytes) -> None:
    for size in (len(payload), 1):
        pieces = [payload[i : i + size] for i in range(0, len(payload), size)]
        frames = [frame(0 if i else 1, piece, fin=i == len(pieces) - 1) for i, piece in enumerate(pieces)]
        assert play([*frames, CLOSE]) == [("close", 1007)]


def test_6_1_empty_fragments_make_an_empty_message() -> None:
    frames = [frame(1, b"", fin=False), frame(0, b"", fin=False), frame(0, b"")]
    assert play([*frames, CLOSE]) == [("text", b""), *CLOSED]


def test_6_4_fail_fast_before_the_rest_of_the_frame_arrives() -> None:
    good = "κόσμε".encode()
    bad = frame(1, good + b"\xf4\x90\x80\x80" + b"edited")
    cut = len(bad) - len(b"edited") - 2  # the frame ends after \xf4\x90 for now
    assert echo_server([bad[:cut]]) == [("close", 1007)]


# -- 7: close handling ------------------------------------------------------------------------------
CLOSE_CASES = {
    "7.1.1-echo-then-close": ([frame(1, b"Hello"), CLOSE], [("text", b"Hello"), *CLOSED]),
    "7.1.2-close-twice": ([CLOSE, CLOSE], CLOSED),
    "7.1.3-ping-after-close": ([CLOSE, frame(9)], CLOSED),
    "7.1.4-text-after-close": ([CLOSE, frame(1, b"Hello")], CLOSED),
    "7.1.5-close-inside-a-fragmented-message": ([frame(1, b"fragment1", fin=False), CLOSE], CLOSED),
    "7.3.1-empty-close": ([frame(8)], [("close", None)]),
    "7.3.2-one-byte-close": ([frame(8, b"\x03")], FAIL),
    "7.3.3-code-only": ([frame(8, b"\x03\xe8")], CLOSED),
    "7.3.4-code-and-reason": ([frame(8, b"\x03\xe8Hello World!")], CLOSED),
    "7.3.5-123-byte-reason": ([frame(8, b"\x03\xe8" + b"*" * 123)], CLOSED),
    "7.3.6-124-byte-reason": ([frame(8, b"\x03\xe8" + b"*" * 124)], FAIL),
    "7.5.1-invalid-utf8-reason": (
        [frame(8, b"\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")],
        [("close", 1007)],
    ),
}


@pytest.mark.parametrize(("frames", "expected"), CLOSE_CASES.values(), ids=CLOSE_CASES.keys())
def test_7_close_handling(frames: list[bytes], expected: Outcome) -> None:
    assert play(frames) == expected


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999])
def test_7_7_valid_close_codes_are_echoed(code: int) -> None:
    assert play([frame(8, code.to_bytes(2, "big"))]) == [("close", code)]


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999, 5000, 65535])
def test_7_9_invalid_close_codes_fail_with_1002(code: int) -> None:
    assert play([frame(8, code.to_bytes(2, "big"))]) == FAIL


# -- 9: limits: large messages, many fragments, small chops ---------------------------------------
@pytest.mark.parametrize("size", [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20])
@pytest.mark.parametrize("opcode", [1, 2], ids=["9.1-text", "9.2-binary"])
def test_9_1_and_9_2_large_messages_are_echoed(opcode: int, size: int) -> None:
    payload = b"BAsd7&jh23" * (size // 10) + b"x" * (size % 10)
    wire = frame(opcode, payload)
    outcome = echo_server([wire[i : i + 65536] for i in range(0, len(wire), 65536)], max_message_size=16 << 20)
    assert outcome == [(NAMES[opcode], payload)]


@pytest.mark.parametrize("fragment", [64, 256, 4096, 65536, 1 << 20, 4 << 20])
@pytest.mark.parametrize("opcode", [1, 2], ids=["9.3-text", "9.4-binary"])
def test_9_3_and_9_4_a_4_mib_message_in_fragments(opcode: int, fragment: int) -> None:
    payload = os.urandom(2 << 20).hex().encode()
    pieces = [payload[i : i + fragment] for i in range(0, len(payload), fragment)]
    wire = b"".join(frame(0 if i else opcode, p, fin=i == len(pieces) - 1) for i, p in enumerate(pieces))
    outcome = echo_server([wire[i : i + 65536] for i in range(0, len(wire), 65536)], max_message_size=4 << 20)
    assert outcome == [(NAMES[opcode], payload)]


@pytest.mark.parametrize("chop", [64, 128, 1024, 4096])
@pytest.mark.parametrize("opcode", [1, 2], ids=["9.5-text", "9.6-binary"])
def test_9_5_and_9_6_a_1_mib_message_in_small_chops(opcode: int, chop: int) -> None:
    payload = b"*" * (1 << 20)
    wire = frame(opcode, payload)
    assert echo_server([wire[i : i + chop] for i in range(0, len(wire), chop)]) == [(NAMES[opcode], payload)]


@pytest.mark.parametrize("size", [0, 16, 64, 256, 1024, 4096, 16384])
@pytest.mark.parametrize("opcode", [1, 2], ids=["9.7-text", "9.8-binary"])
def test_9_7_and_9_8_a_thousand_messages_round_trip(opcode: int, size: int) -> None:
    payload = b"*" * size
    wire = frame(opcode, payload) * 1000
    assert echo_server([wire]) == [(NAMES[opcode], payload)] * 1000


def test_9_limit_a_message_over_the_limit_fails_with_1009() -> None:
    assert play([frame(2, b"x" * 2000)], max_message_size=1000) == [("close", 1009)]


# -- 10: auto-fragmentation ------------------------------------------------------------------------
def test_10_1_1_a_64k_message_sent_in_1300_byte_frames() -> None:
    payload = b"*" * 65536
    pieces = [payload[i : i + 1300] for i in range(0, len(payload), 1300)]
    frames = [frame(0 if i else 1, p, fin=i == len(pieces) - 1) for i, p in enumerate(pieces)]
    assert play([*frames, CLOSE], octetwise=False) == [("text", payload), *CLOSED]


# -- 12 and 13: permessage-deflate ---------------------------------------------------------------------
def compressible_text(size: int, seed: int) -> bytes:
    words = [b'{"id": %d, "name": "item-%d", "tags": ["a", "b"]}, ' % (i, i % 7) for i in range(seed, seed + 64)]
    return (b"".join(words) * (size // 1000 + 1))[:size]


PAYLOAD_KINDS = {
    "12.1-json-text": compressible_text,
    "12.3-random-binary": lambda size, seed: os.urandom(size),
    "12.4-mixed": lambda size, seed: (os.urandom(size // 4) + compressible_text(size, seed))[:size],
}
OFFERS = {
    "13.1-defaults": "permessage-deflate; client_max_window_bits",
    "13.2-no-context-takeover": "permessage-deflate; client_no_context_takeover; client_max_window_bits",
    "13.3-client-window-8": "permessage-deflate; client_max_window_bits=8",
    "13.4-client-window-15": "permessage-deflate; client_max_window_bits=15",
    "13.5-no-takeover-window-8": "permessage-deflate; client_no_context_takeover; client_max_window_bits=8",
    "13.6-no-takeover-window-15": "permessage-deflate; client_no_context_takeover; client_max_window_bits=15",
    "13.7-several-offers": "permessage-deflate; client_no_context_takeover; client_max_window_bits=8, "
    "permessage-deflate; client_no_context_takeover, permessage-deflate",
    "server-window-8": "permessage-deflate; server_max_window_bits=8; server_no_context_takeover",
    "server-window-9-both-reset": "permessage-deflate; server_max_window_bits=9; server_no_context_takeover; "
    "client_no_context_takeover; client_max_window_bits=9",
}


def negotiated(offer: str) -> tuple[DeflateParameters, DeflateParameters]:
    """The parameters our server and our client agree on for ``offer``."""
    headers = Headers(
        [
            ("Host", "example.com"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Extensions", offer),
        ]
    )
    accepted = validate_upgrade("GET", "1.1", headers).accept(deflate=DeflateOptions())
    assert accepted.deflate is not None
    handshake = ClientHandshake(deflate=DeflateOptions())
    handshake.key = "dGhlIHNhbXBsZSBub25jZQ=="  # the server answered this key
    client = handshake.validate(101, Headers(accepted.headers)).deflate
    assert client is not None
    return accepted.deflate, client


@pytest.mark.parametrize("offer", OFFERS.values(), ids=OFFERS.keys())
@pytest.mark.parametrize("kind", PAYLOAD_KINDS.values(), ids=PAYLOAD_KINDS.keys())
def test_12_and_13_compressed_messages_echo_under_every_negotiated_configuration(offer: str, kind: object) -> None:
    server_params, client_params = negotiated(offer)
    client = WebSocketConnection("client", deflate=client_params, max_message_size=None)
    server = WebSocketConnection("server", deflate=server_params, max_message_size=None)
    sent, received = [], []
    for seed, size in enumerate([16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072, 262144] * 3):
        payload: bytes = kind(size, seed)  # type: ignore[operator]
        sent.append(payload)
        wire = (
            client.send_bytes(payload)
            if seed % 2
            else client.send(payload[: size // 2], final=False) + client.send(payload[size // 2 :])
        )
        assert wire[0] & 0x40, "a data message is compressed"
        server.receive_data(wire)
        echoed = b"".join(server.send_bytes(event.data) for event in server.events())  # type: ignore[union-attr]
        client.receive_data(echoed)
        received += [event.data for event in client.events()]  # type: ignore[union-attr]
    assert received == sent


def test_13_a_window_of_8_bits_is_honoured_for_a_peer_that_inflates_with_8() -> None:
    server_params, _ = negotiated("permessage-deflate; server_max_window_bits=8")
    assert server_params.server_max_window_bits == 8
    server = WebSocketConnection("server", deflate=server_params, max_message_size=None)
    inflater = zlib.decompressobj(-8)  # the peer's own decompressor, as RFC 7692 allows it
    for seed in range(20):
        payload = compressible_text(20000, seed) + os.urandom(300) + compressible_text(20000, seed + 1)
        wire = server.send_bytes(payload)
        header = 2 if wire[1] < 126 else 4 if wire[1] == 126 else 10
        assert inflater.decompress(wire[header:] + b"\x00\x00\xff\xff") == payload


def test_12_compressed_messages_arrive_the_same_in_chops() -> None:
    server_params, client_params = negotiated(OFFERS["13.1-defaults"])
    client = WebSocketConnection("client", deflate=client_params)
    payloads = [compressible_text(5000, seed) for seed in range(10)]
    wire = b"".join(client.send_bytes(p) for p in payloads)
    for chop in (1, 7, 997, len(wire)):
        server = WebSocketConnection("server", deflate=server_params)
        events = []
        for i in range(0, len(wire), chop):
            server.receive_data(wire[i : i + chop])
            events += list(server.events())
        assert events == [BytesMessage(p) for p in payloads]
