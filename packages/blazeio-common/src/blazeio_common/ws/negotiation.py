"""permessage-deflate negotiation (RFC 7692 §5, §7.1): our options in, agreed parameters out.

``DeflateOptions`` is what one side wants; ``DeflateParameters`` what both agreed, from
which each side's compressor and decompressor are configured (``deflate``).

The server takes the first acceptable ``permessage-deflate`` offer. An offer is declined
(RFC 7692 §7: the server "MUST decline") when it "contains an extension parameter not
defined for use in an offer", "an extension parameter with an invalid value", or "multiple
extension parameters with the same name". The client fails the handshake on a response it
could not have asked for (RFC 7692 §7: the client "MUST _Fail the WebSocket Connection_").

Window bits: zlib refuses a raw deflate window of 8 bits, so a compressor told to use 8
uses 9. That stays within the peer's 256-byte window: zlib's deflate never emits a distance
over its window size minus 262 (MIN_LOOKAHEAD), i.e. 250 bytes with 9 bits. websockets and
wsproto do the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from blazeio_common.ws.errors import HandshakeError
from blazeio_common.ws.extensions import format_extension, parse_extensions

__all__ = ["EXTENSION_NAME", "DeflateOptions", "DeflateParameters", "accept_deflate_response", "negotiate_deflate"]

EXTENSION_NAME = "permessage-deflate"
_BITS = {str(bits): bits for bits in range(8, 16)}  # "a decimal integer value without leading zeroes between 8 to 15"
_FLAGS = ("server_no_context_takeover", "client_no_context_takeover")
_WINDOWS = ("server_max_window_bits", "client_max_window_bits")


@dataclass(frozen=True, slots=True)
class DeflateOptions:
    """What this side asks for or accepts. The defaults accept any offer with RFC defaults.

    - ``server_no_context_takeover`` / ``client_no_context_takeover``: that side compresses
      every message afresh (less memory, worse ratio). A server always applies its own; it
      asks the client for ``client_no_context_takeover``, and vice versa.
    - ``server_max_window_bits`` / ``client_max_window_bits`` (8-15, ``None`` = 15): a cap on
      that side's LZ77 window, i.e. on the peer's and our own per-connection memory. A cap
      for the other side only applies when it supports the parameter.
    - ``level`` and ``mem_level``: zlib settings of our compressor (not negotiated). A
      compressor holds about ``2 ** (window_bits + 2) + 2 ** (mem_level + 9)`` bytes
      (256 KiB with the defaults), a decompressor ``2 ** window_bits``.
    """

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int | None = None
    client_max_window_bits: int | None = None
    level: int = 6
    mem_level: int = 8

    def __post_init__(self) -> None:
        for name in _WINDOWS:
            bits = getattr(self, name)
            if bits is not None and not 8 <= bits <= 15:
                raise ValueError(f"{name} must be 8-15 or None, got {bits!r}")
        if not -1 <= self.level <= 9 or not 1 <= self.mem_level <= 9:
            raise ValueError("level must be -1..9 and mem_level 1..9")

    def offer(self) -> str:
        """The client's Sec-WebSocket-Extensions offer.

        It always carries ``client_max_window_bits`` (with our cap, if any): "By including
        this parameter in an extension negotiation offer, a client informs the server that
        the client supports the "client_max_window_bits" extension parameter in an extension
        negotiation response" (RFC 7692 §7.1.2.2).
        """
        params: list[tuple[str, str | None]] = [(flag, None) for flag in _FLAGS if getattr(self, flag)]
        if self.server_max_window_bits is not None:
            params.append(("server_max_window_bits", str(self.server_max_window_bits)))
        cap = self.client_max_window_bits
        params.append(("client_max_window_bits", None if cap is None else str(cap)))
        return format_extension(EXTENSION_NAME, params)


@dataclass(frozen=True, slots=True)
class DeflateParameters:
    """The agreed permessage-deflate parameters of one connection (both directions)."""

    server_no_context_takeover: bool = False
    client_no_context_takeover: bool = False
    server_max_window_bits: int = 15
    client_max_window_bits: int = 15
    level: int = 6
    mem_level: int = 8


def _read_params(params: list[tuple[str, str | None]]) -> dict[str, str | None] | None:
    """The parameters by name, or ``None`` for unknown, duplicate or malformed ones."""
    seen: dict[str, str | None] = {}
    for name, value in params:
        if name in seen or name not in _FLAGS + _WINDOWS:
            return None
        if name in _FLAGS and value is not None:
            return None
        if value is not None and value not in _BITS:
            return None
        # §7.1.2.1: server_max_window_bits "has a decimal integer value"; only the client's
        # may come without one, in an offer.
        if name == "server_max_window_bits" and value is None:
            return None
        seen[name] = value
    return seen


def negotiate_deflate(header_value: str, options: DeflateOptions) -> tuple[DeflateParameters, str] | None:
    """Server side: the agreed parameters and the response header value, or ``None`` to decline.

    ``header_value`` is the request's Sec-WebSocket-Extensions (all field lines joined by
    ", "). A malformed header declines compression rather than failing the handshake.
    """
    try:
        offers = parse_extensions(header_value)
    except ValueError:
        return None
    for name, raw in offers:
        params = _read_params(raw) if name.lower() == EXTENSION_NAME else None
        if params is not None:
            return _accept(params, options)
    return None


def _lowest(first: int | None, second: int | None) -> int | None:
    return min([bits for bits in (first, second) if bits is not None], default=None)


def _accept(offer: dict[str, str | None], options: DeflateOptions) -> tuple[DeflateParameters, str]:
    response: list[tuple[str, str | None]] = []
    # "A server MUST NOT accept a PMCE extension negotiation offer together with
    # "server_no_context_takeover" without including it in the response"; including
    # client_no_context_takeover is always allowed and lets us free the window per message.
    server_nct = "server_no_context_takeover" in offer or options.server_no_context_takeover
    client_nct = "client_no_context_takeover" in offer or options.client_no_context_takeover
    response += [(flag, None) for flag, on in zip(_FLAGS, (server_nct, client_nct), strict=True) if on]
    # The server may always lower its own window; it must stay within the client's request.
    server_bits = _lowest(_BITS.get(offer.get("server_max_window_bits") or ""), options.server_max_window_bits)
    if server_bits is not None:
        response.append(("server_max_window_bits", str(server_bits)))
    # "A server MUST NOT include the "client_max_window_bits" extension parameter in an
    # extension negotiation response if the corresponding offer didn't have it".
    client_bits = None
    if "client_max_window_bits" in offer:
        client_bits = _lowest(_BITS.get(offer["client_max_window_bits"] or ""), options.client_max_window_bits)
        if client_bits is not None:
            response.append(("client_max_window_bits", str(client_bits)))
    agreed = DeflateParameters(
        server_nct, client_nct, server_bits or 15, client_bits or 15, options.level, options.mem_level
    )
    return agreed, format_extension(EXTENSION_NAME, response)


def accept_deflate_response(header_value: str, options: DeflateOptions) -> DeflateParameters | None:
    """Client side: the parameters the server's response agreed to, or ``None`` if it declined.

    Raises ``HandshakeError`` for a response we did not offer or cannot honour.
    """
    try:
        extensions = parse_extensions(header_value)
    except ValueError as exc:
        raise HandshakeError(f"malformed Sec-WebSocket-Extensions in the response: {exc}") from None
    if not extensions:
        return None
    if len(extensions) > 1 or extensions[0][0].lower() != EXTENSION_NAME:
        raise HandshakeError(f"the server accepted extensions we did not offer: {header_value!r}")
    params = _read_params(extensions[0][1])
    if params is None:
        raise HandshakeError(f"invalid permessage-deflate response: {header_value!r}")
    if options.server_no_context_takeover and "server_no_context_takeover" not in params:
        # RFC 7692 §7.1.1.1: a server accepts an offer with it "by including the
        # "server_no_context_takeover" extension parameter in the negotiation response".
        raise HandshakeError("the server did not accept our server_no_context_takeover")
    server_bits = _BITS.get(params.get("server_max_window_bits") or "")
    if options.server_max_window_bits is not None and (server_bits or 15) > options.server_max_window_bits:
        # RFC 7692 §7.1.2.1: the server answers a requested cap "with a value equal to or smaller".
        raise HandshakeError("the server did not accept our server_max_window_bits")
    client_bits = None
    if "client_max_window_bits" in params:
        client_bits = _BITS.get(params["client_max_window_bits"] or "")
        # RFC 7692 §7.1.2.2: a response carries it with a value ("client_max_window_bits=N").
        if client_bits is None:
            raise HandshakeError("client_max_window_bits in a response needs a value")
        if options.client_max_window_bits is not None and client_bits > options.client_max_window_bits:
            raise HandshakeError("the server raised client_max_window_bits above our offer")
    return DeflateParameters(
        "server_no_context_takeover" in params,
        # Resetting our own compressor is always allowed; our option applies either way.
        "client_no_context_takeover" in params or options.client_no_context_takeover,
        server_bits or 15,
        client_bits or options.client_max_window_bits or 15,
        options.level,
        options.mem_level,
    )
