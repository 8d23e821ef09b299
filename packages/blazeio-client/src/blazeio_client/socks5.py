"""The client side of a SOCKS5 handshake (RFC 1928, with RFC 1929 username/password), sans-IO.

The caller owns the socket::

    handshake = Socks5Handshake("example.com", 443, username="u", password="p")
    send(handshake.greeting())
    while not handshake.done:
        data = receive()
        if not data:
            handshake.eof()            # raises: the proxy hung up mid-handshake
        send(handshake.receive(data))  # b"" while a reply is incomplete
    tunnel_bytes = handshake.leftover  # anything the proxy sent after its reply

With ``socks5h://`` the target's name goes to the proxy to resolve (ATYP 3); with
``socks5://`` the caller resolves it and passes the IPv4/IPv6 address (ATYP 1/4).
Each failure is a typed ``SocksError`` (a ``ProxyError``, so a ``ConnectionError``).
"""

from __future__ import annotations

import ipaddress

from blazeio_client.connection import ProxyError
from blazeio_common.errors import LocalProtocolError

__all__ = [
    "REPLY_ERRORS",
    "Socks5Handshake",
    "SocksAddressTypeNotSupported",
    "SocksAuthError",
    "SocksCommandNotSupported",
    "SocksConnectionNotAllowed",
    "SocksConnectionRefused",
    "SocksError",
    "SocksGeneralFailure",
    "SocksHostUnreachable",
    "SocksNetworkUnreachable",
    "SocksProtocolError",
    "SocksReplyError",
    "SocksTTLExpired",
]

_VERSION = 5
_NO_AUTH, _USER_PASS, _NO_ACCEPTABLE = 0x00, 0x02, 0xFF
_CONNECT = 0x01
_IPV4, _DOMAIN, _IPV6 = 0x01, 0x03, 0x04


class SocksError(ProxyError):
    """The SOCKS5 proxy did not open the tunnel."""


class SocksProtocolError(SocksError):
    """The proxy's bytes do not follow RFC 1928, or it hung up mid-handshake."""


class SocksAuthError(SocksError):
    """The proxy accepts none of our methods, or refused the username/password."""


class SocksReplyError(SocksError):
    """The proxy answered CONNECT with a failure; ``code`` is the REP field (RFC 1928 §6)."""

    code = 0

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class SocksGeneralFailure(SocksReplyError):
    code = 0x01


class SocksConnectionNotAllowed(SocksReplyError):
    code = 0x02


class SocksNetworkUnreachable(SocksReplyError):
    code = 0x03


class SocksHostUnreachable(SocksReplyError):
    code = 0x04


class SocksConnectionRefused(SocksReplyError):
    code = 0x05


class SocksTTLExpired(SocksReplyError):
    code = 0x06


class SocksCommandNotSupported(SocksReplyError):
    code = 0x07


class SocksAddressTypeNotSupported(SocksReplyError):
    code = 0x08


REPLY_ERRORS: dict[int, tuple[type[SocksReplyError], str]] = {
    0x01: (SocksGeneralFailure, "general SOCKS server failure"),
    0x02: (SocksConnectionNotAllowed, "connection not allowed by ruleset"),
    0x03: (SocksNetworkUnreachable, "network unreachable"),
    0x04: (SocksHostUnreachable, "host unreachable"),
    0x05: (SocksConnectionRefused, "connection refused"),
    0x06: (SocksTTLExpired, "TTL expired"),
    0x07: (SocksCommandNotSupported, "command not supported"),
    0x08: (SocksAddressTypeNotSupported, "address type not supported"),
}


class Socks5Handshake:
    """One CONNECT handshake; feed it the proxy's bytes, send what it returns."""

    __slots__ = ("_buffer", "_credentials", "_request", "_state", "bound", "leftover", "target")

    def __init__(self, host: str, port: int, *, username: str | None = None, password: str | None = None) -> None:
        if not 0 < port < 65536:
            raise LocalProtocolError(f"invalid SOCKS5 target port {port}")
        self.target = (host, port)
        self._request = bytes([_VERSION, _CONNECT, 0x00]) + _address(host) + port.to_bytes(2, "big")
        self._credentials: bytes | None = None
        if username is not None or password is not None:
            user, secret = (username or "").encode(), (password or "").encode()
            # RFC 1929: "The ULEN field contains the length of the UNAME field that follows" --
            # one octet each, and at least one octet of name.
            if not 0 < len(user) < 256 or len(secret) > 255:
                raise LocalProtocolError("a SOCKS5 username must be 1-255 bytes and a password 0-255 bytes")
            self._credentials = bytes([0x01, len(user)]) + user + bytes([len(secret)]) + secret
        self._state = "greeting"
        self._buffer = b""
        self.bound: tuple[str, int] | None = None  # BND.ADDR, BND.PORT of the reply
        self.leftover = b""

    @property
    def done(self) -> bool:
        return self._state == "done"

    def greeting(self) -> bytes:
        """The version identifier/method selection message (RFC 1928 §3)."""
        if self._state != "greeting":
            raise LocalProtocolError("the SOCKS5 greeting was already sent")
        self._state = "method"
        methods = [_NO_AUTH, _USER_PASS] if self._credentials is not None else [_NO_AUTH]
        return bytes([_VERSION, len(methods), *methods])

    def receive(self, data: bytes) -> bytes:
        """Take the proxy's bytes; return the bytes to send next (b"" when there are none yet)."""
        if self._state in ("greeting", "done"):
            raise LocalProtocolError(f"no SOCKS5 reply is expected now ({self._state})")
        self._buffer += data
        out = b""
        while self._state != "done":
            step = self._step()
            if step is None:
                break
            out += step
        return out

    def eof(self) -> None:
        """The proxy closed the connection before the handshake finished: raise why."""
        if self._state == "auth":
            # What servers do on bad credentials (RFC 1929: "the connection MUST be closed").
            raise SocksAuthError("the SOCKS5 proxy closed the connection after the username/password")
        if self._state != "done":
            raise SocksProtocolError(f"the SOCKS5 proxy closed the connection during the handshake ({self._state})")

    def _step(self) -> bytes | None:
        buffer = self._buffer
        if self._state == "method":
            if len(buffer) < 2:
                return None
            version, method = buffer[0], buffer[1]
            self._buffer = buffer[2:]
            if version != _VERSION:
                raise SocksProtocolError(f"not a SOCKS5 proxy (version byte {version:#04x})")
            if method == _NO_ACCEPTABLE:
                raise SocksAuthError("the SOCKS5 proxy accepts none of our authentication methods")
            if method == _USER_PASS and self._credentials is not None:
                self._state = "auth"
                return self._credentials
            if method != _NO_AUTH:
                raise SocksProtocolError(f"the SOCKS5 proxy chose a method we did not offer ({method:#04x})")
            self._state = "reply"
            return self._request
        if self._state == "auth":
            if len(buffer) < 2:
                return None
            status = buffer[1]  # the version byte is 1, though some servers echo 5: not checked (as curl)
            self._buffer = buffer[2:]
            if status != 0x00:
                raise SocksAuthError("the SOCKS5 proxy refused the username/password")
            self._state = "reply"
            return self._request
        return self._reply()

    def _reply(self) -> bytes | None:
        buffer = self._buffer
        if len(buffer) >= 1 and buffer[0] != _VERSION:
            raise SocksProtocolError(f"malformed SOCKS5 reply (version byte {buffer[0]:#04x})")
        if len(buffer) >= 2 and buffer[1] != 0x00:
            error, reason = REPLY_ERRORS.get(buffer[1], (SocksReplyError, f"unassigned reply code {buffer[1]:#04x}"))
            host, port = self.target
            raise error(f"the SOCKS5 proxy could not connect to {host}:{port}: {reason}", buffer[1])
        if len(buffer) < 5:
            return None
        atyp = buffer[3]
        if atyp == _IPV4:
            end = 4 + 4
        elif atyp == _IPV6:
            end = 4 + 16
        elif atyp == _DOMAIN:
            end = 5 + buffer[4]
        else:
            raise SocksProtocolError(f"malformed SOCKS5 reply (address type {atyp:#04x})")
        if len(buffer) < end + 2:
            return None
        raw = buffer[4:end]
        address = raw[1:].decode("ascii", "replace") if atyp == _DOMAIN else str(ipaddress.ip_address(raw))
        self.bound = (address, int.from_bytes(buffer[end : end + 2], "big"))
        self.leftover = buffer[end + 2 :]
        self._buffer = b""
        self._state = "done"
        return b""


def _address(host: str) -> bytes:
    """ATYP and DST.ADDR: an IP literal as its bytes, anything else as a name for the proxy."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:
        return bytes([_IPV4 if ip.version == 4 else _IPV6]) + ip.packed
    try:
        name = host.encode("idna") if not host.isascii() else host.encode("ascii")
    except UnicodeError:
        raise LocalProtocolError(f"invalid host name {host!r}") from None
    # RFC 1928 §5: "the first octet of the address field contains the number of octets of
    # name that follow".
    if not 0 < len(name) < 256:
        raise LocalProtocolError(f"a SOCKS5 host name must be 1-255 bytes: {host!r}")
    return bytes([_DOMAIN, len(name)]) + name
