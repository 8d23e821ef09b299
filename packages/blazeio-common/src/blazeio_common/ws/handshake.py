"""The opening handshake (RFC 6455 §4), both sides, without I/O.

Server::

    upgrade = validate_upgrade(method, version, headers)   # or HandshakeError(status_code, headers)
    accepted = upgrade.accept(protocols=("chat",), deflate=DeflateOptions())
    # answer "101 Switching Protocols" with accepted.headers, then
    # WebSocketConnection("server", deflate=accepted.deflate)

Client::

    handshake = ClientHandshake(protocols=("chat",), deflate=DeflateOptions())
    # send GET with handshake.headers (and Host), read the response head, then
    accepted = handshake.validate(status_code, response_headers)   # or HandshakeError
    # WebSocketConnection("client", deflate=accepted.deflate)

Header lists are matched as comma-separated, case-insensitive tokens across every field
line, so ``Connection: keep-alive, Upgrade`` and ``Upgrade: WebSocket`` are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from blazeio_common.errors import LocalProtocolError
from blazeio_common.http.headers import Headers
from blazeio_common.ws.errors import HandshakeError
from blazeio_common.ws.keys import accept_value, is_valid_key, make_key
from blazeio_common.ws.negotiation import (
    DeflateOptions,
    DeflateParameters,
    accept_deflate_response,
    negotiate_deflate,
)

__all__ = ["Accepted", "ClientHandshake", "UpgradeRequest", "validate_upgrade"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9110 §15.5.22: "The server MUST send an Upgrade header field in a 426 response".
_UPGRADE_REQUIRED = (("Upgrade", "websocket"), ("Connection", "Upgrade"))


def _tokens(headers: Headers, name: str) -> list[str]:
    """Every comma-separated element of every ``name`` field line, stripped, lower-case."""
    return [item.strip().lower() for line in headers.getlist(name) for item in line.split(",") if item.strip()]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A completed negotiation: the 101's headers, the subprotocol and the deflate parameters."""

    headers: tuple[tuple[str, str], ...]
    subprotocol: str | None
    deflate: DeflateParameters | None


@dataclass(frozen=True, slots=True)
class UpgradeRequest:
    """A valid client handshake: its key, offered subprotocols and extension offers."""

    key: str
    protocols: tuple[str, ...]
    extensions: str

    def accept(self, protocols: Sequence[str] = (), deflate: DeflateOptions | None = None) -> Accepted:
        """The 101 response headers, picking a subprotocol and accepting permessage-deflate.

        The subprotocol is the client's most preferred one that is in ``protocols`` (RFC 6455
        §4.1: the client lists them "ordered by preference"); none in common means none is
        chosen and the header is left out. ``deflate=None`` declines compression.
        """
        headers = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", accept_value(self.key)),
        ]
        subprotocol = next((offered for offered in self.protocols if offered in protocols), None)
        if subprotocol is not None:
            headers.append(("Sec-WebSocket-Protocol", subprotocol))
        agreed = None
        if deflate is not None and self.extensions:
            negotiated = negotiate_deflate(self.extensions, deflate)
            if negotiated is not None:
                agreed, value = negotiated
                headers.append(("Sec-WebSocket-Extensions", value))
        return Accepted(tuple(headers), subprotocol, agreed)


def validate_upgrade(method: str, version: str, headers: Headers) -> UpgradeRequest:
    """Check a request against RFC 6455 §4.2.1; raise ``HandshakeError`` with the answer if not valid.

    A request without ``Upgrade: websocket`` gets 426 with ``Upgrade: websocket``; one that
    speaks another version 426 with ``Sec-WebSocket-Version: 13`` (§4.4); anything else 400.
    """
    if "websocket" not in _tokens(headers, "upgrade"):
        raise HandshakeError("this resource needs a WebSocket upgrade", 426, _UPGRADE_REQUIRED)
    # "The method of the request MUST be GET, and the HTTP version MUST be at least 1.1."
    if method != "GET":
        raise HandshakeError(f"a WebSocket handshake is a GET request, not {method}")
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor.isdigit() and (int(major), int(minor)) >= (1, 1)):
        raise HandshakeError(f"a WebSocket handshake needs HTTP/1.1, not HTTP/{version}")
    if "host" not in headers:
        raise HandshakeError("a WebSocket handshake needs a Host header")
    if "upgrade" not in _tokens(headers, "connection"):
        raise HandshakeError("a WebSocket handshake needs 'Connection: Upgrade'")
    # §4.2.2: "If this version does not match a version understood by the server, the
    # server MUST abort the WebSocket handshake ... and instead send an appropriate HTTP
    # error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field
    # indicating the version(s) the server is capable of understanding."
    if headers.getlist("sec-websocket-version") != ["13"]:
        raise HandshakeError(
            "unsupported Sec-WebSocket-Version", 426, (*_UPGRADE_REQUIRED, ("Sec-WebSocket-Version", "13"))
        )
    keys = headers.getlist("sec-websocket-key")
    if len(keys) != 1 or not is_valid_key(keys[0]):
        raise HandshakeError("Sec-WebSocket-Key must be one base64-encoded 16-byte value")
    protocols = [item.strip() for line in headers.getlist("sec-websocket-protocol") for item in line.split(",")]
    return UpgradeRequest(keys[0], tuple(p for p in protocols if p), headers.get("sec-websocket-extensions", ""))


class ClientHandshake:
    """The client's half: the request headers to send, and the check of the server's answer."""

    __slots__ = ("deflate", "headers", "key", "protocols")

    def __init__(self, protocols: Sequence[str] = (), deflate: DeflateOptions | None = None) -> None:
        for protocol in protocols:
            if not _TOKEN.fullmatch(protocol):
                raise LocalProtocolError(f"a subprotocol name must be an HTTP token, got {protocol!r}")
        if len(set(protocols)) != len(protocols):
            raise LocalProtocolError("subprotocol names must be unique")
        self.key = make_key()
        self.protocols = tuple(protocols)
        self.deflate = deflate
        headers = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", self.key),
            ("Sec-WebSocket-Version", "13"),
        ]
        if self.protocols:
            headers.append(("Sec-WebSocket-Protocol", ", ".join(self.protocols)))
        if deflate is not None:
            headers.append(("Sec-WebSocket-Extensions", deflate.offer()))
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)

    def validate(self, status_code: int, headers: Headers) -> Accepted:
        """Check the response head (RFC 6455 §4.1, the client's duties); ``HandshakeError`` if refused."""
        if status_code != 101:
            raise HandshakeError(f"the server refused the WebSocket handshake with {status_code}", status_code)
        if "websocket" not in _tokens(headers, "upgrade"):
            raise HandshakeError("the 101 response lacks 'Upgrade: websocket'", status_code)
        if "upgrade" not in _tokens(headers, "connection"):
            raise HandshakeError("the 101 response lacks 'Connection: Upgrade'", status_code)
        # "If the |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1
        # of the concatenation of the |Sec-WebSocket-Key| ... the client MUST _Fail the
        # WebSocket Connection_."
        if headers.getlist("sec-websocket-accept") != [accept_value(self.key)]:
            raise HandshakeError("wrong Sec-WebSocket-Accept in the 101 response", status_code)
        # "If the response includes a |Sec-WebSocket-Protocol| header field and this header
        # field indicates the use of a subprotocol that was not present in the client's
        # handshake ... the client MUST _Fail the WebSocket Connection_."
        chosen = headers.getlist("sec-websocket-protocol")
        if len(chosen) > 1 or (chosen and chosen[0] not in self.protocols):
            raise HandshakeError(f"the server chose a subprotocol we did not offer: {chosen}", status_code)
        extensions = headers.get("sec-websocket-extensions", "")
        agreed = None
        if extensions:
            if self.deflate is None:
                raise HandshakeError(f"the server accepted extensions we did not offer: {extensions!r}", status_code)
            try:
                agreed = accept_deflate_response(extensions, self.deflate)
            except HandshakeError as exc:
                raise HandshakeError(exc.message, status_code) from None
        return Accepted(tuple(headers.raw_items()), chosen[0] if chosen else None, agreed)
