"""The SOCKS5 handshake codec against exact RFC 1928/1929 bytes, fed whole and split at every byte."""

from __future__ import annotations

import pytest

from blazeio_client.connection import ProxyError
from blazeio_client.socks5 import (
    REPLY_ERRORS,
    Socks5Handshake,
    SocksAddressTypeNotSupported,
    SocksAuthError,
    SocksConnectionRefused,
    SocksHostUnreachable,
    SocksProtocolError,
    SocksReplyError,
)
from blazeio_common.errors import LocalProtocolError

SUCCESS_V4 = b"\x05\x00\x00\x01\x0a\x00\x00\x01\x1f\x90"  # bound to 10.0.0.1:8080


def run(handshake: Socks5Handshake, replies: list[bytes], split: int | None = None) -> list[bytes]:
    """Drive a handshake over scripted proxy replies; return every message it sent."""
    sent = [handshake.greeting()]
    data = b"".join(replies)
    pieces = [data[i : i + 1] for i in range(len(data))] if split == 1 else replies
    for piece in pieces:
        out = handshake.receive(piece)
        if out:
            sent.append(out)
    return sent


@pytest.mark.parametrize("split", [None, 1])
def test_a_domain_name_is_sent_for_the_proxy_to_resolve(split: int | None) -> None:
    handshake = Socks5Handshake("example.com", 443)
    sent = run(handshake, [b"\x05\x00", SUCCESS_V4], split)
    assert sent == [b"\x05\x01\x00", b"\x05\x01\x00\x03\x0bexample.com\x01\xbb"]
    assert handshake.done
    assert handshake.bound == ("10.0.0.1", 8080)
    assert handshake.leftover == b""


def test_ip_addresses_are_sent_as_addresses() -> None:
    v4 = run(Socks5Handshake("127.0.0.1", 80), [b"\x05\x00", SUCCESS_V4])
    assert v4[1] == b"\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50"
    v6 = run(Socks5Handshake("::1", 8080), [b"\x05\x00", SUCCESS_V4])
    assert v6[1] == b"\x05\x01\x00\x04" + b"\x00" * 15 + b"\x01\x1f\x90"
    bracketed = run(Socks5Handshake("[2001:db8::1]", 1), [b"\x05\x00", SUCCESS_V4])
    assert bracketed[1] == b"\x05\x01\x00\x04\x20\x01\x0d\xb8" + b"\x00" * 11 + b"\x01" + b"\x00\x01"


def test_an_internationalised_name_is_sent_in_its_ascii_form() -> None:
    sent = run(Socks5Handshake("b\u00fccher.example", 80), [b"\x05\x00", SUCCESS_V4])
    assert sent[1] == b"\x05\x01\x00\x03\x15xn--bcher-kva.example\x00\x50"


@pytest.mark.parametrize("split", [None, 1])
def test_username_and_password_are_offered_and_sent_when_chosen(split: int | None) -> None:
    handshake = Socks5Handshake("h.test", 80, username="user", password="p\u00e4ss")
    sent = run(handshake, [b"\x05\x02", b"\x01\x00", b"\x05\x00\x00\x04" + b"\x00" * 16 + b"\x00\x50"], split)
    assert sent == [
        b"\x05\x02\x00\x02",
        b"\x01\x04user\x05p\xc3\xa4ss",
        b"\x05\x01\x00\x03\x06h.test\x00\x50",
    ]
    assert handshake.bound == ("::", 80)


def test_a_proxy_may_skip_authentication_even_when_credentials_are_offered() -> None:
    handshake = Socks5Handshake("h.test", 80, username="u", password="p")
    assert run(handshake, [b"\x05\x00", SUCCESS_V4])[1] == b"\x05\x01\x00\x03\x06h.test\x00\x50"
    assert handshake.done


def test_a_domain_bound_address_and_tunnel_bytes_after_the_reply_are_kept() -> None:
    handshake = Socks5Handshake("h.test", 80)
    run(handshake, [b"\x05\x00", b"\x05\x00\x00\x03\x07proxy.x\x04\x38HTTP/1.1 200"])
    assert handshake.bound == ("proxy.x", 1080)
    assert handshake.leftover == b"HTTP/1.1 200"


@pytest.mark.parametrize(("code", "error"), [(code, error) for code, (error, _) in REPLY_ERRORS.items()])
def test_each_failure_reply_is_its_own_typed_error(code: int, error: type[SocksReplyError]) -> None:
    handshake = Socks5Handshake("h.test", 80)
    handshake.greeting()
    handshake.receive(b"\x05\x00")
    with pytest.raises(error) as caught:
        handshake.receive(bytes([5, code]))  # raised as soon as the code is known
    assert caught.value.code == code
    assert isinstance(caught.value, ProxyError)
    assert isinstance(caught.value, ConnectionError)
    assert "h.test:80" in str(caught.value)


def test_the_reply_codes_are_those_of_rfc_1928() -> None:
    assert SocksHostUnreachable.code == 4
    assert SocksConnectionRefused.code == 5
    assert SocksAddressTypeNotSupported.code == 8
    assert sorted(REPLY_ERRORS) == list(range(1, 9))


def test_an_unassigned_reply_code_is_a_reply_error_with_its_code() -> None:
    handshake = Socks5Handshake("h.test", 80)
    handshake.greeting()
    handshake.receive(b"\x05\x00")
    with pytest.raises(SocksReplyError, match="unassigned reply code 0x42") as caught:
        handshake.receive(b"\x05\x42\x00\x01\x00\x00\x00\x00\x00\x00")
    assert caught.value.code == 0x42


@pytest.mark.parametrize(
    ("replies", "error", "message"),
    [
        ([b"\x05\xff"], SocksAuthError, "none of our authentication methods"),
        ([b"\x05\x02", b"\x01\x01"], SocksAuthError, "refused the username/password"),
        ([b"\x04\x5a"], SocksProtocolError, "not a SOCKS5 proxy"),
        ([b"HTTP/1.1 400 Bad Request\r\n"], SocksProtocolError, "not a SOCKS5 proxy"),
        ([b"\x05\x01"], SocksProtocolError, "a method we did not offer"),
        ([b"\x05\x00", b"\x04\x00\x00\x01"], SocksProtocolError, "version byte 0x04"),
        ([b"\x05\x00", b"\x05\x00\x00\x09\x00\x00"], SocksProtocolError, "address type 0x09"),
    ],
)
def test_broken_or_refusing_proxies_are_typed_errors(
    replies: list[bytes], error: type[Exception], message: str
) -> None:
    handshake = Socks5Handshake("h.test", 80, username="u", password="p")
    if replies[0] == b"\x05\x01":  # a method we did not offer: GSSAPI
        handshake = Socks5Handshake("h.test", 80)
    with pytest.raises(error, match=message):
        run(handshake, replies)


def test_the_proxy_hanging_up_mid_handshake_says_where() -> None:
    handshake = Socks5Handshake("h.test", 80, username="u", password="bad")
    run(handshake, [b"\x05\x02"])
    with pytest.raises(SocksAuthError, match="after the username/password"):
        handshake.eof()  # what servers do on bad credentials
    fresh = Socks5Handshake("h.test", 80)
    run(fresh, [b"\x05\x00", b"\x05\x00\x00"])
    with pytest.raises(SocksProtocolError, match="during the handshake"):
        fresh.eof()
    done = Socks5Handshake("h.test", 80)
    run(done, [b"\x05\x00", SUCCESS_V4])
    done.eof()  # after the reply an EOF is the tunnel's business


@pytest.mark.parametrize(
    ("host", "port", "credentials"),
    [
        ("h.test", 0, {}),
        ("h.test", 65536, {}),
        ("x" * 256, 80, {}),
        ("", 80, {}),
        ("h.test", 80, {"username": "", "password": "p"}),
        ("h.test", 80, {"username": "u" * 256, "password": "p"}),
        ("h.test", 80, {"username": "u", "password": "p" * 256}),
    ],
)
def test_what_socks5_cannot_carry_is_refused_before_sending(host: str, port: int, credentials: dict[str, str]) -> None:
    with pytest.raises(LocalProtocolError):
        Socks5Handshake(host, port, **credentials)


def test_the_codec_is_used_in_order() -> None:
    handshake = Socks5Handshake("h.test", 80)
    with pytest.raises(LocalProtocolError):
        handshake.receive(b"\x05\x00")  # before the greeting
    handshake.greeting()
    with pytest.raises(LocalProtocolError):
        handshake.greeting()
    assert handshake.receive(b"\x05") == b""  # half a reply: nothing to send yet
    assert not handshake.done
