"""The WebSocket codec against an independent implementation: the ``websockets`` library's
sans-IO protocol, as client against our server codec and as server against our client codec,
handshake and HTTP head included, with and without permessage-deflate; and our client codec
through our server codec and back. No sockets: the bytes are handed over directly."""

from __future__ import annotations

import os
from typing import Any

import pytest

websockets = pytest.importorskip("websockets")  # a test dependency, absent from install slices

from websockets.client import ClientProtocol  # noqa: E402
from websockets.extensions.permessage_deflate import (  # noqa: E402
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Frame, Opcode  # noqa: E402
from websockets.http11 import Request as TheirRequest  # noqa: E402
from websockets.http11 import Response as TheirResponse  # noqa: E402
from websockets.server import ServerProtocol  # noqa: E402
from websockets.uri import parse_uri  # noqa: E402

from blazeio_common import Headers  # noqa: E402
from blazeio_common.http import (  # noqa: E402
    Request,
    RequestReceiver,
    Response,
    ResponseReceiver,
    serialise_request_head,
    serialise_response_head,
)
from blazeio_common.ws import (  # noqa: E402
    BytesMessage,
    ClientHandshake,
    CloseReceived,
    DeflateOptions,
    Event,
    Ping,
    Pong,
    State,
    TextMessage,
    WebSocketConnection,
    validate_upgrade,
)

SIZES = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20]
DEFLATE_CONFIGS = [
    pytest.param(None, id="uncompressed"),
    pytest.param({}, id="deflate"),
    pytest.param({"server_no_context_takeover": True, "client_no_context_takeover": True}, id="no-context-takeover"),
    pytest.param({"server_max_window_bits": 10, "client_max_window_bits": 9}, id="small-windows"),
    pytest.param({"client_max_window_bits": None}, id="no-client-window-support"),
]


def payloads() -> list[bytes]:
    text = b"the same words again and again, " * 40000
    return [os.urandom(size) if i % 2 else text[:size] for i, size in enumerate(SIZES)]


class Link:
    """Our codec on one side, a ``websockets`` Protocol on the other, bytes passed by hand."""

    def __init__(self, ours: WebSocketConnection, theirs: Any) -> None:
        self.ours, self.theirs = ours, theirs

    def to_theirs(self, data: bytes) -> list[Frame]:
        self.theirs.receive_data(data)
        return list(self.theirs.events_received())

    def to_ours(self) -> list[Event]:
        self.ours.receive_data(b"".join(self.theirs.data_to_send()))
        return list(self.ours.events())


def their_messages(frames: list[Frame]) -> list[tuple[Opcode, bytes]]:
    messages, parts, opcode = [], [], Opcode.CONT
    for frame in frames:
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
            opcode = frame.opcode
        if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
            parts.append(frame.data)
            if frame.fin:
                messages.append((opcode, b"".join(parts)))
                parts = []
        else:
            messages.append((frame.opcode, frame.data))
    return messages


def our_server_with_their_client(deflate: dict[str, Any] | None, protocols: tuple[str, ...] = ()) -> Link:
    extensions = None if deflate is None else [ClientPerMessageDeflateFactory(**deflate)]
    theirs = ClientProtocol(
        parse_uri("ws://127.0.0.1/chat"), extensions=extensions, subprotocols=protocols or None, max_size=None
    )
    theirs.send_request(theirs.connect())
    receiver = RequestReceiver()
    receiver.feed(b"".join(theirs.data_to_send()))
    request = receiver.next_event()
    assert isinstance(request, Request)
    upgrade = validate_upgrade(request.method, request.version, request.headers)
    accepted = upgrade.accept(protocols=("v2", "v1"), deflate=DeflateOptions())
    theirs.receive_data(serialise_response_head(101, list(accepted.headers)))
    (response,) = theirs.events_received()
    assert isinstance(response, TheirResponse) and response.status_code == 101
    assert theirs.handshake_exc is None
    assert (accepted.deflate is None) is (deflate is None)
    assert theirs.subprotocol == accepted.subprotocol
    if deflate and "server_max_window_bits" in deflate:
        assert accepted.deflate is not None
        assert accepted.deflate.server_max_window_bits == deflate["server_max_window_bits"]
    return Link(WebSocketConnection("server", deflate=accepted.deflate, max_message_size=None), theirs)


def our_client_with_their_server(deflate: dict[str, Any] | None) -> Link:
    handshake = ClientHandshake(protocols=("v1", "v2"), deflate=None if deflate is None else DeflateOptions())
    extensions = None if deflate is None else [ServerPerMessageDeflateFactory(**_server_side(deflate))]
    theirs = ServerProtocol(extensions=extensions, subprotocols=["v2"], max_size=None)
    theirs.receive_data(serialise_request_head("GET", "/chat", [("Host", "127.0.0.1"), *handshake.headers]))
    (request,) = theirs.events_received()
    assert isinstance(request, TheirRequest)
    theirs.send_response(theirs.accept(request))
    receiver = ResponseReceiver()
    receiver.feed(b"".join(theirs.data_to_send()))
    response = receiver.next_event()
    assert isinstance(response, Response) and response.status_code == 101
    accepted = handshake.validate(response.status_code, response.headers)
    assert accepted.subprotocol == "v2"
    assert (accepted.deflate is None) is (deflate is None)
    return Link(WebSocketConnection("client", deflate=accepted.deflate, max_message_size=None), theirs)


def _server_side(config: dict[str, Any]) -> dict[str, Any]:
    """The client-factory settings as a server factory imposes them."""
    options = dict(config)
    if options.get("client_max_window_bits", True) in (True, None):
        options.pop("client_max_window_bits", None)
    return options


# websockets decompresses with an 8-bit window but will not compress with one (nor can zlib):
# our server compresses with 9 bits for a client that asks for 8, and its inflater copes.
EIGHT_BIT_SERVER_WINDOW = pytest.param({"server_max_window_bits": 8}, id="8-bit-server-window")


@pytest.mark.parametrize("deflate", [*DEFLATE_CONFIGS, EIGHT_BIT_SERVER_WINDOW])
def test_their_client_and_our_server_exchange_messages(deflate: dict[str, Any] | None) -> None:
    link = our_server_with_their_client(deflate)
    for payload in payloads():
        # ours -> theirs
        frames = link.to_theirs(link.ours.send_bytes(payload) + link.ours.send_text(payload.hex()[:200]))
        assert their_messages(frames) == [(Opcode.BINARY, payload), (Opcode.TEXT, payload.hex()[:200].encode())]
        # theirs -> ours
        link.theirs.send_binary(payload)
        link.theirs.send_text(payload.hex()[:200].encode())
        assert link.to_ours() == [BytesMessage(payload), TextMessage(payload.hex()[:200])]


@pytest.mark.parametrize("deflate", DEFLATE_CONFIGS)
def test_our_client_and_their_server_exchange_messages(deflate: dict[str, Any] | None) -> None:
    link = our_client_with_their_server(deflate)
    for payload in payloads():
        frames = link.to_theirs(link.ours.send_bytes(payload))
        assert their_messages(frames) == [(Opcode.BINARY, payload)]
        link.theirs.send_binary(payload)
        assert link.to_ours() == [BytesMessage(payload)]


@pytest.mark.parametrize("deflate", [None, {}])
def test_fragments_and_interleaved_pings_cross_both_ways(deflate: dict[str, Any] | None) -> None:
    link = our_server_with_their_client(deflate)
    ours = link.ours
    wire = ours.send("Hel", final=False) + ours.ping(b"p1") + ours.send("l", final=False) + ours.send("o")
    frames = link.to_theirs(wire)
    assert their_messages(frames) == [(Opcode.PING, b"p1"), (Opcode.TEXT, b"Hello")]
    # websockets answered the ping by itself
    link.theirs.send_text(b"wor", fin=False)
    link.theirs.send_ping(b"p2")
    link.theirs.send_continuation(b"ld", fin=True)
    assert link.to_ours() == [Pong(b"p1"), Ping(b"p2"), TextMessage("world")]


@pytest.mark.parametrize("we_close_first", [True, False])
def test_the_close_handshake_completes_with_their_implementation(we_close_first: bool) -> None:
    link = our_server_with_their_client({})
    if we_close_first:
        frames = link.to_theirs(link.ours.close(4001, "bye"))
        assert their_messages(frames) == [(Opcode.CLOSE, b"\x0f\xa1bye")]
        assert link.to_ours() == [CloseReceived(4001, "bye")]  # websockets echoed it
    else:
        link.theirs.send_close(1001, "leaving")
        assert link.to_ours() == [CloseReceived(1001, "leaving")]
        assert link.ours.state is State.REMOTE_CLOSING
        frames = link.to_theirs(link.ours.close(1001))
        assert their_messages(frames) == [(Opcode.CLOSE, b"\x03\xe9")]
    assert link.ours.state is State.CLOSED


def test_a_peer_that_fails_the_connection_is_reported_with_its_close_code() -> None:
    link = our_client_with_their_server(None)
    # websockets' server fails an unmasked client frame with 1002; our client reports its close.
    link.to_theirs(b"\x81\x02hi")
    (event,) = link.to_ours()
    assert isinstance(event, CloseReceived) and event.code == 1002
    assert link.ours.state is State.REMOTE_CLOSING


@pytest.mark.parametrize("deflate", [None, {}])
def test_our_client_through_our_server_and_back(deflate: dict[str, Any] | None) -> None:
    options = None if deflate is None else DeflateOptions()
    handshake = ClientHandshake(deflate=options)
    receiver = RequestReceiver()
    receiver.feed(serialise_request_head("GET", "/", [("Host", "example.com"), *handshake.headers]))
    request = receiver.next_event()
    assert isinstance(request, Request)
    accepted = validate_upgrade(request.method, request.version, request.headers).accept(deflate=DeflateOptions())
    client = WebSocketConnection("client", deflate=handshake.validate(101, Headers(accepted.headers)).deflate)
    server = WebSocketConnection("server", deflate=accepted.deflate)
    for payload in payloads()[:-1]:
        server.receive_data(client.send_bytes(payload) + client.send_text("é" * len(payload)))
        echoed = b"".join(server.send(event.data) for event in server.events())  # type: ignore[union-attr]
        client.receive_data(echoed)
        assert list(client.events()) == [BytesMessage(payload), TextMessage("é" * len(payload))]
    server.receive_data(client.close(1000))
    (closing,) = server.events()
    assert isinstance(closing, CloseReceived)
    client.receive_data(server.close(closing.code))
    assert list(client.events()) == [CloseReceived(1000)]
    assert client.state is server.state is State.CLOSED


def test_random_frames_parse_the_same_in_both_implementations() -> None:
    from websockets.frames import Frame as TheirFrame

    server = WebSocketConnection("server", max_message_size=None)
    expected: list[Event] = []
    wire = b""
    for size in (0, 5, 125, 126, 1000, 65535, 65536, 100_000):
        data = os.urandom(size)
        wire += TheirFrame(Opcode.BINARY, data).serialize(mask=True)
        expected.append(BytesMessage(data))
        wire += TheirFrame(Opcode.PING, data[:125]).serialize(mask=True)
        expected.append(Ping(data[:125]))
    for i in range(0, len(wire), 7777):
        server.receive_data(wire[i : i + 7777])
    assert list(server.events()) == expected
