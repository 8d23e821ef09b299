"""The sans-IO WebSocket codec (RFC 6455, RFC 7692 permessage-deflate): bytes in, events or bytes out.

No asyncio and no sockets anywhere below this package (a test asserts it). The layers:

- ``handshake``: ``validate_upgrade`` / ``UpgradeRequest.accept`` (server) and
  ``ClientHandshake`` (client), with ``keys`` (key and accept values) and ``negotiation``
  (subprotocols, permessage-deflate parameters);
- ``connection``: ``WebSocketConnection``, one endpoint's state machine, built on
  ``receive`` (frames in, events out), ``frames``/``mask``/``close`` (the wire format) and
  ``deflate`` (per-message compression).
"""

from __future__ import annotations

from blazeio_common.ws.close import (
    ABNORMAL_CLOSURE,
    GOING_AWAY,
    INTERNAL_ERROR,
    INVALID_DATA,
    MESSAGE_TOO_BIG,
    NORMAL_CLOSURE,
    NO_STATUS_RECEIVED,
    POLICY_VIOLATION,
    PROTOCOL_ERROR,
    is_sendable_close_code,
)
from blazeio_common.ws.connection import DEFAULT_MAX_MESSAGE_SIZE, State, WebSocketConnection
from blazeio_common.ws.errors import HandshakeError
from blazeio_common.ws.events import BytesMessage, CloseReceived, Event, Ping, Pong, ProtocolViolation, TextMessage
from blazeio_common.ws.handshake import Accepted, ClientHandshake, UpgradeRequest, validate_upgrade
from blazeio_common.ws.keys import accept_value, is_valid_key, make_key
from blazeio_common.ws.mask import mask
from blazeio_common.ws.negotiation import DeflateOptions, DeflateParameters

__all__ = [
    # handshake
    "validate_upgrade",
    "UpgradeRequest",
    "ClientHandshake",
    "Accepted",
    "HandshakeError",
    "DeflateOptions",
    "DeflateParameters",
    "make_key",
    "is_valid_key",
    "accept_value",
    # the connection and its events
    "WebSocketConnection",
    "State",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "Event",
    "TextMessage",
    "BytesMessage",
    "Ping",
    "Pong",
    "CloseReceived",
    "ProtocolViolation",
    # close codes
    "NORMAL_CLOSURE",
    "GOING_AWAY",
    "PROTOCOL_ERROR",
    "INVALID_DATA",
    "POLICY_VIOLATION",
    "MESSAGE_TOO_BIG",
    "INTERNAL_ERROR",
    "NO_STATUS_RECEIVED",
    "ABNORMAL_CLOSURE",
    "is_sendable_close_code",
    "mask",
]
