"""The WebSocket codec on exact wire bytes: the RFC 6455 §5.7 and RFC 7692 §7.2.3 examples,
received whole, split at every byte and one byte at a time, and produced byte for byte."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

import pytest

from blazeio_common.ws import (
    BytesMessage,
    DeflateParameters,
    Event,
    Ping,
    Pong,
    TextMessage,
    WebSocketConnection,
    mask,
)

KEY = bytes.fromhex("37fa213d")  # the masking key of the RFC 6455 §5.7 examples
Make = Callable[[], WebSocketConnection]


def server(**options: object) -> WebSocketConnection:
    return WebSocketConnection("server", **options)  # type: ignore[arg-type]


def client(**options: object) -> WebSocketConnection:
    return WebSocketConnection("client", mask_key=lambda: KEY, **options)  # type: ignore[arg-type]


def run(make: Make, pieces: Iterable[bytes]) -> list[Event]:
    conn = make()
    out: list[Event] = []
    for piece in pieces:
        conn.receive_data(piece)
        out.extend(conn.events())
    return out


def splits(data: bytes, every_byte: bool = True) -> Iterable[list[bytes]]:
    yield [data]
    cuts = range(1, len(data)) if every_byte else sorted({*range(1, 16), *range(16, len(data), 4099), len(data) - 1})
    for i in cuts:
        yield [data[:i], data[i:]]
    if every_byte:
        yield [data[i : i + 1] for i in range(len(data))]
    else:
        yield [data[i : i + 1000] for i in range(0, len(data), 1000)]


def outcome(make: Make, data: bytes, every_byte: bool = True) -> list[Event]:
    """The one list of events that every way of feeding ``data`` gives."""
    expected = run(make, [data])
    for pieces in splits(data, every_byte):
        got = run(make, pieces)
        assert got == expected, f"split {[len(p) for p in pieces][:5]} gave {got} instead of {expected}"
    return expected


# -- RFC 6455 §5.7 ---------------------------------------------------------------------
HELLO = bytes.fromhex("810548656c6c6f")
HELLO_MASKED = bytes.fromhex("818537fa213d7f9f4d5158")
HELLO_FRAGMENTED = bytes.fromhex("010348656c") + bytes.fromhex("80026c6f")
PING_HELLO = bytes.fromhex("890548656c6c6f")
PONG_HELLO_MASKED = bytes.fromhex("8a8537fa213d7f9f4d5158")
BINARY_256 = bytes.fromhex("827e0100")
BINARY_64K = bytes.fromhex("827f0000000000010000")


def test_a_client_receives_an_unmasked_text_frame() -> None:
    assert outcome(client, HELLO) == [TextMessage("Hello")]


def test_a_server_receives_a_masked_text_frame() -> None:
    assert outcome(server, HELLO_MASKED) == [TextMessage("Hello")]


def test_a_fragmented_text_message_arrives_as_one_message() -> None:
    assert outcome(client, HELLO_FRAGMENTED) == [TextMessage("Hello")]


def test_a_ping_and_its_masked_pong_are_control_events() -> None:
    assert outcome(client, PING_HELLO) == [Ping(b"Hello")]
    assert outcome(server, PONG_HELLO_MASKED) == [Pong(b"Hello")]


def test_binary_frames_with_16_and_64_bit_lengths_are_received() -> None:
    payload = os.urandom(256)
    assert outcome(client, BINARY_256 + payload) == [BytesMessage(payload)]
    payload = os.urandom(65536)
    assert outcome(client, BINARY_64K + payload, every_byte=False) == [BytesMessage(payload)]


def test_the_rfc_6455_examples_are_produced_byte_for_byte() -> None:
    assert server().send_text("Hello") == HELLO
    assert client().send_text("Hello") == HELLO_MASKED
    conn = server()
    assert conn.send("Hel", final=False) + conn.send("lo") == HELLO_FRAGMENTED
    assert server().ping(b"Hello") == PING_HELLO
    assert client().pong(b"Hello") == PONG_HELLO_MASKED
    payload = os.urandom(256)
    assert server().send_bytes(payload) == BINARY_256 + payload
    payload = os.urandom(65536)
    assert server().send_bytes(payload) == BINARY_64K + payload


@pytest.mark.parametrize(("size", "header"), [(0, "8200"), (125, "827d"), (126, "827e007e"), (65535, "827effff")])
def test_lengths_use_the_minimal_encoding(size: int, header: str) -> None:
    payload = b"x" * size
    assert server().send_bytes(payload) == bytes.fromhex(header) + payload


def test_a_client_masks_every_frame_with_a_fresh_key() -> None:
    conn = WebSocketConnection("client")
    first, second = conn.send_bytes(b"\0" * 8), conn.send_bytes(b"\0" * 8)
    assert first[1] == second[1] == 0x88  # MASK bit and length 8
    # Masking zeros reveals the key: "MUST pick a fresh masking key for each frame".
    assert first[2:6] == first[6:10] == first[10:14]
    assert first[2:6] != second[2:6]


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 4096, 65535, 65536, 65537, 200_003])
@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_masking_matches_the_rfc_definition_at_every_length_and_offset(size: int, offset: int) -> None:
    data = os.urandom(size)
    expected = bytes(byte ^ KEY[(i + offset) % 4] for i, byte in enumerate(data))
    assert mask(data, KEY, offset) == expected
    assert mask(expected, KEY, offset) == data


def test_a_16_mib_masked_message_is_received_intact() -> None:
    payload = os.urandom(16 << 20)
    conn = WebSocketConnection("client", mask_key=lambda: KEY)
    receiver = server(max_message_size=None)
    wire = conn.send_bytes(payload)
    for i in range(0, len(wire), 1 << 20):
        receiver.receive_data(wire[i : i + (1 << 20)])
    assert list(receiver.events()) == [BytesMessage(payload)]


# -- RFC 7692 §7.2.3 ---------------------------------------------------------------------
def deflate_client(**options: object) -> WebSocketConnection:
    return client(deflate=DeflateParameters(), **options)


def deflate_server(**options: object) -> WebSocketConnection:
    return server(deflate=DeflateParameters(), **options)


COMPRESSED_HELLO = bytes.fromhex("c107f248cdc9c90700")
COMPRESSED_HELLO_AGAIN = bytes.fromhex("c105f200110000")  # §7.2.3.2: sharing the LZ77 window


@pytest.mark.parametrize(
    "wire",
    [
        pytest.param(COMPRESSED_HELLO, id="7.2.3.1-one-frame"),
        pytest.param(bytes.fromhex("4103f248cd") + bytes.fromhex("8004c9c90700"), id="7.2.3.1-fragmented"),
        pytest.param(bytes.fromhex("c10b000500faff48656c6c6f00"), id="7.2.3.3-stored-block"),
        pytest.param(bytes.fromhex("c108f348cdc9c9070000"), id="7.2.3.4-bfinal"),
        pytest.param(bytes.fromhex("c10df24805000000ffffcac9c90700"), id="7.2.3.5-two-blocks"),
    ],
)
def test_the_rfc_7692_examples_inflate_to_hello(wire: bytes) -> None:
    assert outcome(deflate_client, wire) == [TextMessage("Hello")]


def test_a_second_message_may_refer_to_the_first_with_context_takeover() -> None:
    assert outcome(deflate_client, COMPRESSED_HELLO + COMPRESSED_HELLO_AGAIN) == [TextMessage("Hello")] * 2


def test_a_message_after_a_bfinal_block_starts_a_fresh_stream() -> None:
    wire = bytes.fromhex("c108f348cdc9c9070000") + COMPRESSED_HELLO
    assert outcome(deflate_client, wire) == [TextMessage("Hello")] * 2


def test_an_empty_compressed_message_is_received() -> None:
    assert outcome(deflate_client, bytes.fromhex("c10100")) == [TextMessage("")]
    assert outcome(deflate_client, bytes.fromhex("c100")) == [TextMessage("")]


def test_the_rfc_7692_examples_are_produced_byte_for_byte() -> None:
    conn = deflate_server()
    assert conn.send_text("Hello") == COMPRESSED_HELLO
    assert conn.send_text("Hello") == COMPRESSED_HELLO_AGAIN


def test_without_context_takeover_every_message_is_compressed_afresh() -> None:
    conn = server(deflate=DeflateParameters(server_no_context_takeover=True))
    assert conn.send_text("Hello") == COMPRESSED_HELLO
    assert conn.send_text("Hello") == COMPRESSED_HELLO
    # and the peer's decompressor forgets the window: a back-reference is corrupt data
    receiver = client(deflate=DeflateParameters(server_no_context_takeover=True))
    receiver.receive_data(COMPRESSED_HELLO + COMPRESSED_HELLO_AGAIN)
    events = list(receiver.events())
    assert events[0] == TextMessage("Hello")
    assert events[1].code == 1007  # type: ignore[union-attr]


def test_control_frames_are_never_compressed() -> None:
    conn = deflate_server()
    assert conn.ping(b"Hello") == PING_HELLO
    assert conn.close(1000) == bytes.fromhex("880203e8")


def test_a_compressed_fragmented_send_sets_rsv1_on_the_first_frame_only() -> None:
    conn = deflate_server()
    first, second = conn.send("Hel", final=False), conn.send("lo")
    assert first[0] == 0x41 and second[0] == 0x80
    assert outcome(deflate_client, first + second) == [TextMessage("Hello")]
