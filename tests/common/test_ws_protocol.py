"""The WebSocket state machine's rules: every protocol violation with its close code, the close
handshake, UTF-8 checked as it arrives, size limits, the compression-bomb cap, streaming."""

from __future__ import annotations

import ast
import struct
import tracemalloc
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from blazeio_common import LocalProtocolError
from blazeio_common.ws import (
    BytesMessage,
    CloseReceived,
    DeflateParameters,
    Event,
    Ping,
    ProtocolViolation,
    State,
    TextMessage,
    WebSocketConnection,
)
from blazeio_common.ws.receive import STREAM_PIECE

KEY = b"\x01\x02\x03\x04"
WS_PACKAGE = Path(__file__).resolve().parents[2] / "packages/blazeio-common/src/blazeio_common/ws"


def frame(first: int, payload: bytes = b"", *, masked: bool = True, length: bytes | None = None) -> bytes:
    """One frame written out by hand: ``first`` is byte 0 (FIN, RSV, opcode)."""
    n = len(payload)
    if length is None:
        length = (
            bytes([n]) if n < 126 else b"\x7e" + struct.pack("!H", n) if n < 65536 else b"\x7f" + struct.pack("!Q", n)
        )
    if not masked:
        return bytes([first, length[0]]) + length[1:] + payload
    body = bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))
    return bytes([first, length[0] | 0x80]) + length[1:] + KEY + body


def feed(conn: WebSocketConnection, pieces: Iterable[bytes]) -> list[Event]:
    out: list[Event] = []
    for piece in pieces:
        conn.receive_data(piece)
        out.extend(conn.events())
    return out


def violation(data: bytes, **options: object) -> ProtocolViolation:
    """The violation a server reports for ``data``, the same fed whole and byte by byte."""
    results = []
    for pieces in ([data], [data[i : i + 1] for i in range(len(data))]):
        conn = WebSocketConnection("server", **options)  # type: ignore[arg-type]
        events = feed(conn, pieces)
        assert events and isinstance(events[-1], ProtocolViolation), events
        assert conn.state is State.CLOSED
        results.append(events[-1])
    assert results[0] == results[1]
    return results[0]


def close_code_of(frame_bytes: bytes) -> int:
    assert frame_bytes[0] == 0x88
    return int.from_bytes(frame_bytes[2:4], "big")


# -- violations -> 1002 / 1007 / 1009 ----------------------------------------------------------
PROTOCOL_ERRORS = {
    "an unmasked client frame": frame(0x81, b"Hello", masked=False),
    "a continuation with nothing to continue": frame(0x80, b"x"),
    "a new text frame inside a fragmented message": frame(0x01, b"a") + frame(0x81, b"b"),
    "a new binary frame inside a fragmented message": frame(0x02, b"a") + frame(0x82, b"b"),
    "a continuation after the final frame": frame(0x81, b"a") + frame(0x80, b"b"),
    "a ping of 126 bytes": frame(0x89, b"x" * 126),
    "a close of 126 bytes": frame(0x88, b"\x03\xe8" + b"x" * 124),
    "a fragmented ping": frame(0x09, b"x"),
    "a fragmented close": frame(0x08, b"\x03\xe8"),
    "a one-byte close payload": frame(0x88, b"\x03"),
    "RSV1 without permessage-deflate": frame(0xC1, b"x"),
    "RSV2": frame(0xA1, b"x"),
    "RSV3": frame(0x91, b"x"),
    "RSV on a ping": frame(0xC9, b"x"),
    "a 64-bit length with its top bit set": frame(0x82, length=b"\x7f\x80\x00\x00\x00\x00\x00\x00\x01"),
    **{f"opcode {op}": frame(0x80 | op, b"x") for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15)},
    **{
        f"close code {code}": frame(0x88, code.to_bytes(2, "big"))
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535)
    },
}


@pytest.mark.parametrize("data", PROTOCOL_ERRORS.values(), ids=PROTOCOL_ERRORS.keys())
def test_protocol_violations_fail_the_connection_with_1002(data: bytes) -> None:
    event = violation(data)
    assert event.code == 1002
    assert close_code_of(event.data) == 1002


@pytest.mark.parametrize("size", [0, 1, 2, 5, 125, 126, 65536])
@pytest.mark.parametrize("first", [0x81, 0x82, 0x01, 0x89])
def test_a_client_fails_on_a_masked_frame_from_the_server(first: int, size: int) -> None:
    conn = WebSocketConnection("client", mask_key=lambda: KEY, max_message_size=None)
    conn.receive_data(frame(first, b"x" * min(size, 125 if first == 0x89 else size)))
    (event,) = conn.events()
    assert isinstance(event, ProtocolViolation) and event.code == 1002
    assert event.data[1] & 0x80, "the client's close frame is masked too"


@pytest.mark.parametrize("size", [0, 1, 2, 5, 125, 126, 65536])
@pytest.mark.parametrize("first", [0x81, 0x82, 0x01, 0x89])
def test_a_server_fails_on_an_unmasked_frame_of_any_kind_and_length(first: int, size: int) -> None:
    conn = WebSocketConnection("server", max_message_size=None)
    conn.receive_data(frame(first, b"x" * min(size, 125 if first == 0x89 else size), masked=False))
    (event,) = conn.events()
    assert isinstance(event, ProtocolViolation) and event.code == 1002


def test_rsv1_on_a_continuation_or_control_frame_fails_even_with_deflate() -> None:
    params = DeflateParameters()
    assert violation(frame(0x41, b"\xf2\x48") + frame(0xC0, b"\xcd"), deflate=params).code == 1002
    assert violation(frame(0xC9, b""), deflate=params).code == 1002
    assert violation(frame(0xE1, b"x"), deflate=params).code == 1002  # RSV2 is never defined


@pytest.mark.parametrize("length", [b"\x7e\x00\x05", b"\x7f\x00\x00\x00\x00\x00\x00\x00\x05"], ids=["16-bit", "64-bit"])
def test_a_non_minimal_length_encoding_is_accepted(length: bytes) -> None:
    # RFC 6455 §5.2 says "the minimal number of bytes MUST be used"; like Autobahn's peers
    # we are lenient here: the length is unambiguous either way.
    conn = WebSocketConnection("server")
    wire = frame(0x81, b"Hello", length=length)
    assert feed(conn, [wire[i : i + 1] for i in range(len(wire))]) == [TextMessage("Hello")]


def test_memoryview_and_bytearray_input_is_accepted() -> None:
    conn = WebSocketConnection("server")
    wire = frame(0x82, b"abc") + frame(0x82, b"def")
    assert feed(conn, [memoryview(wire)[:7], bytearray(wire[7:])]) == [BytesMessage(b"abc"), BytesMessage(b"def")]


@pytest.mark.parametrize("code", [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])
def test_valid_close_codes_are_received(code: int) -> None:
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x88, code.to_bytes(2, "big") + b"bye")]) == [CloseReceived(code, "bye")]


def test_a_one_byte_close_payload_is_named_in_the_close_reason() -> None:
    event = violation(frame(0x88, b"\xe8"))
    assert (event.code, event.reason) == (1002, "a close payload of one byte")
    assert event.data == b"\x88\x1d\x03\xea" + b"a close payload of one byte"


def test_a_close_reason_that_is_not_utf8_fails_with_1007() -> None:
    assert violation(frame(0x88, b"\x03\xe8\xff")).code == 1007


@pytest.mark.parametrize(
    "payload",
    [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"abc\xce", b"\xe0\x80\x80", b"\xf8\x88\x80\x80\x80"],
)
def test_invalid_utf8_in_a_text_message_fails_with_1007(payload: bytes) -> None:
    assert violation(frame(0x81, payload)).code == 1007


@pytest.mark.parametrize("bad", [b"\xf4\x90", b"\xed\xa0", b"\xc0", b"\xe0\x80"])
def test_invalid_utf8_fails_as_soon_as_the_bad_byte_arrives_not_at_the_end(bad: bytes) -> None:
    conn = WebSocketConnection("server")
    # The first fragment is fine; the second ends with an impossible sequence; no final
    # fragment ever comes, and the frame's own payload is not complete either.
    first = frame(0x01, "κόσμε".encode())
    second = frame(0x00, b"ok" + bad + b"more to come")
    cut = len(second) - len(b"more to come")
    events = feed(conn, [first, second[:cut]])
    assert [type(e) for e in events] == [ProtocolViolation]
    assert events[0].code == 1007  # type: ignore[union-attr]


def test_a_multibyte_character_split_across_fragments_is_valid() -> None:
    data = "€uro".encode()
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x01, data[:1]), frame(0x00, data[1:2]), frame(0x80, data[2:])]) == [TextMessage("€uro")]


def test_a_truncated_character_at_the_end_of_a_message_fails_with_1007() -> None:
    assert violation(frame(0x01, b"ok") + frame(0x80, "€".encode()[:2])).code == 1007


def test_a_message_over_the_limit_fails_with_1009_before_its_payload_arrives() -> None:
    conn = WebSocketConnection("server", max_message_size=100)
    header = frame(0x82, b"x" * 101)[:8]  # the header and mask key only
    (event,) = feed(conn, [header])
    assert isinstance(event, ProtocolViolation) and event.code == 1009
    assert close_code_of(event.data) == 1009


def test_the_message_limit_counts_every_fragment() -> None:
    data = frame(0x02, b"x" * 60) + frame(0x80, b"x" * 41)
    assert violation(data, max_message_size=100).code == 1009
    conn = WebSocketConnection("server", max_message_size=100)
    assert feed(conn, [frame(0x02, b"x" * 60) + frame(0x80, b"x" * 40)]) == [BytesMessage(b"x" * 100)]


def test_a_frame_over_the_frame_limit_fails_with_1009() -> None:
    assert violation(frame(0x02, b"x" * 11) + frame(0x80, b""), max_frame_size=10).code == 1009


def test_nothing_is_parsed_after_a_violation() -> None:
    conn = WebSocketConnection("server")
    events = feed(conn, [frame(0x83, b"x") + frame(0x81, b"later")])
    assert [type(e) for e in events] == [ProtocolViolation]
    assert feed(conn, [frame(0x81, b"more")]) == []
    with pytest.raises(LocalProtocolError):
        conn.send_text("no")
    assert conn.close() == b""


def test_a_violation_after_our_close_sends_no_second_close() -> None:
    conn = WebSocketConnection("server")
    conn.close(1001)
    (event,) = feed(conn, [frame(0x83, b"x")])
    assert isinstance(event, ProtocolViolation) and event.data == b""


# -- control frames and fragmentation -----------------------------------------------------
def test_control_frames_may_arrive_between_fragments() -> None:
    conn = WebSocketConnection("server")
    wire = frame(0x01, b"Hel") + frame(0x89, b"ping") + frame(0x00, b"l") + frame(0x8A, b"") + frame(0x80, b"o")
    events = feed(conn, [wire])
    assert [type(e).__name__ for e in events] == ["Ping", "Pong", "TextMessage"]
    assert events[-1] == TextMessage("Hello")


def test_a_close_between_fragments_ends_the_connection() -> None:
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x01, b"Hel") + frame(0x88, b"\x03\xe8")]) == [CloseReceived(1000)]


# -- the close handshake ---------------------------------------------------------------------
def test_the_peer_closes_and_we_echo_its_code() -> None:
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x88, b"\x03\xe9gone") + frame(0x81, b"ignored")]) == [CloseReceived(1001, "gone")]
    assert conn.state is State.REMOTE_CLOSING
    assert conn.send_text("last words") == b"\x81\x0alast words"  # a message may still be finished
    assert conn.close(1001) == b"\x88\x02\x03\xe9"
    assert conn.state is State.CLOSED
    assert conn.close() == b""


def test_a_close_without_a_code_is_reported_as_1005_and_echoed_empty() -> None:
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x88)]) == [CloseReceived(1005, "")]
    assert conn.close(1005) == b"\x88\x00"


def test_we_close_first_and_still_receive_until_the_peers_close() -> None:
    conn = WebSocketConnection("server")
    assert conn.close(1000, "done") == b"\x88\x06\x03\xe8done"
    assert conn.state is State.LOCAL_CLOSING
    with pytest.raises(LocalProtocolError):
        conn.send_bytes(b"x")
    with pytest.raises(LocalProtocolError):
        conn.ping()
    assert conn.close() == b""
    events = feed(conn, [frame(0x82, b"in flight") + frame(0x88, b"\x03\xe8")])
    assert events == [BytesMessage(b"in flight"), CloseReceived(1000)]
    assert conn.state is State.CLOSED


@pytest.mark.parametrize("code", [0, 999, 1004, 1006, 1015, 2999, 5000])
def test_we_refuse_to_send_a_close_code_that_may_not_be_sent(code: int) -> None:
    with pytest.raises(LocalProtocolError):
        WebSocketConnection("server").close(code)


def test_a_close_reason_is_at_most_123_bytes() -> None:
    conn = WebSocketConnection("server")
    with pytest.raises(LocalProtocolError):
        conn.close(1000, "é" * 62)
    assert len(conn.close(1000, "x" * 123)) == 2 + 125


def test_a_ping_payload_is_at_most_125_bytes() -> None:
    conn = WebSocketConnection("server")
    with pytest.raises(LocalProtocolError):
        conn.ping(b"x" * 126)
    assert len(conn.ping(b"x" * 125)) == 127


def test_a_fragmented_send_keeps_its_type() -> None:
    conn = WebSocketConnection("server")
    conn.send("text", final=False)
    with pytest.raises(LocalProtocolError):
        conn.send(b"bytes")


# -- compression: the bomb cap and corrupt data -----------------------------------------------
def compressed_frame(data: bytes, first: int = 0xC2) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]
    return frame(first, payload)


def test_a_compression_bomb_costs_at_most_the_message_limit() -> None:
    bomb = compressed_frame(b"\0" * (200 << 20))  # 200 MiB of zeros in about 200 KiB
    assert len(bomb) < 300_000
    conn = WebSocketConnection("server", deflate=DeflateParameters(), max_message_size=1 << 20)
    tracemalloc.start()
    try:
        events = feed(conn, [bomb[i : i + 65536] for i in range(0, len(bomb), 65536)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(e) for e in events] == [ProtocolViolation]
    assert events[0].code == 1009  # type: ignore[union-attr]
    assert peak < 4 << 20, f"inflating the bomb held {peak} bytes"


def test_a_message_that_inflates_to_exactly_the_limit_is_accepted() -> None:
    conn = WebSocketConnection("server", deflate=DeflateParameters(), max_message_size=1000)
    assert feed(conn, [compressed_frame(b"a" * 1000)]) == [BytesMessage(b"a" * 1000)]
    assert violation(compressed_frame(b"a" * 1001), deflate=DeflateParameters(), max_message_size=1000).code == 1009


def test_corrupt_compressed_data_fails_with_1007() -> None:
    assert violation(frame(0xC2, b"\xff\xff\xff\xff"), deflate=DeflateParameters()).code == 1007


# -- streaming ------------------------------------------------------------------------------
def test_streaming_delivers_pieces_as_they_arrive_and_marks_the_last() -> None:
    conn = WebSocketConnection("server", stream=True)
    wire = frame(0x02, b"abc") + frame(0x80, b"def")
    events = feed(conn, [wire[:12], wire[12:]])
    assert events[0] == BytesMessage(b"abc"[: len(events[0].data)], final=False)  # type: ignore[union-attr]
    assert b"".join(e.data for e in events) == b"abcdef"  # type: ignore[union-attr]
    assert [e.final for e in events][-1] is True  # type: ignore[union-attr]
    assert all(not e.final for e in events[:-1])  # type: ignore[union-attr]


def test_streaming_text_never_splits_a_character() -> None:
    conn = WebSocketConnection("server", stream=True)
    data = "€€€".encode()
    wire = frame(0x81, data)
    events = feed(conn, [wire[i : i + 1] for i in range(len(wire))])
    assert "".join(e.data for e in events) == "€€€"  # type: ignore[union-attr]
    assert all(isinstance(e, TextMessage) for e in events) and events[-1].final  # type: ignore[union-attr]


def test_streaming_a_compressed_bomb_without_a_limit_yields_bounded_pieces() -> None:
    conn = WebSocketConnection("server", deflate=DeflateParameters(), stream=True, max_message_size=None)
    conn.receive_data(compressed_frame(b"\0" * (50 << 20)))
    total, pieces, final = 0, 0, False
    for event in conn.events():
        assert isinstance(event, BytesMessage) and len(event.data) <= STREAM_PIECE
        total, pieces, final = total + len(event.data), pieces + 1, event.final
    assert (total, final) == (50 << 20, True)
    assert pieces >= (50 << 20) // STREAM_PIECE


def test_streaming_still_applies_the_message_limit() -> None:
    assert violation(frame(0x82, b"x" * 101), stream=True, max_message_size=100).code == 1009


def test_streaming_an_empty_final_fragment_ends_the_message() -> None:
    conn = WebSocketConnection("server", stream=True)
    assert feed(conn, [frame(0x01, b"ab"), frame(0x80)]) == [
        TextMessage("ab", final=False),
        TextMessage("", final=True),
    ]


def test_pings_are_events_with_their_payload() -> None:
    conn = WebSocketConnection("server")
    assert feed(conn, [frame(0x89, bytes(range(125)))]) == [Ping(bytes(range(125)))]
    assert conn.pong(bytes(range(125)))[:2] == b"\x8a\x7d"


def test_the_role_is_checked() -> None:
    with pytest.raises(ValueError, match="role"):
        WebSocketConnection("peer")  # type: ignore[arg-type]


def test_the_websocket_codec_is_sans_io() -> None:
    offenders = []
    for path in WS_PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"asyncio", "socket", "ssl"}]
    assert WS_PACKAGE.is_dir() and offenders == []


def test_the_websocket_package_exports_its_api() -> None:
    from blazeio_common import ws

    assert sorted(ws.__all__) == sorted(
        [
            *("validate_upgrade", "UpgradeRequest", "ClientHandshake", "Accepted", "HandshakeError"),
            *("DeflateOptions", "DeflateParameters", "make_key", "is_valid_key", "accept_value"),
            *("WebSocketConnection", "State", "DEFAULT_MAX_MESSAGE_SIZE", "Event", "TextMessage", "BytesMessage"),
            *("Ping", "Pong", "CloseReceived", "ProtocolViolation", "NORMAL_CLOSURE", "GOING_AWAY"),
            *("PROTOCOL_ERROR", "INVALID_DATA", "POLICY_VIOLATION", "MESSAGE_TOO_BIG", "INTERNAL_ERROR"),
            *("NO_STATUS_RECEIVED", "ABNORMAL_CLOSURE", "is_sendable_close_code", "mask"),
        ]
    )
    assert all(getattr(ws, name) is not None for name in ws.__all__)
