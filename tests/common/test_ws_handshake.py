"""The WebSocket opening handshake: keys, the server's checks and answers, the client's checks,
subprotocols, and permessage-deflate negotiation tables (RFC 6455 §4, RFC 7692 §5/§7)."""

from __future__ import annotations

import pytest

from blazeio_common import Headers, LocalProtocolError
from blazeio_common.ws import (
    ClientHandshake,
    DeflateOptions,
    DeflateParameters,
    HandshakeError,
    accept_value,
    is_valid_key,
    make_key,
    validate_upgrade,
)
from blazeio_common.ws.extensions import parse_extensions
from blazeio_common.ws.negotiation import accept_deflate_response, negotiate_deflate

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3
SAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_the_accept_value_of_the_rfc_example() -> None:
    assert accept_value(SAMPLE_KEY) == SAMPLE_ACCEPT


def test_generated_keys_are_valid_and_fresh() -> None:
    keys = {make_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(is_valid_key(key) for key in keys)


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        (SAMPLE_KEY, True),
        ("AAAAAAAAAAAAAAAAAAAAAA==", True),
        ("dGhlIHNhbXBsZSBub25jZQ", False),  # no padding
        ("dGhlIHNhbXBsZSBub25jZQ==dGhl", False),
        ("dGhlIHNhbXBsZSBub25jZSE=", False),  # 17 bytes
        ("dGhlIHNhbXBsZSBub25j", False),  # 15 bytes
        ("dGhlIHNhbXBsZSBub25jZQ!=", False),
        ("dGhlIHNhbXBsZSBub25jZé==", False),
        ("", False),
    ],
)
def test_key_validation(key: str, valid: bool) -> None:
    assert is_valid_key(key) is valid


def request_headers(**changes: str | None) -> Headers:
    fields = {
        "Host": "example.com",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": SAMPLE_KEY,
        "Sec-WebSocket-Version": "13",
        "Origin": "http://example.com",
    }
    for key, value in changes.items():
        name = key.replace("_", "-")
        if value is None:
            fields.pop(name)
        else:
            fields[name] = value
    return Headers(fields)


def test_a_valid_upgrade_is_accepted_with_the_rfc_answer() -> None:
    upgrade = validate_upgrade("GET", "1.1", request_headers())
    accepted = upgrade.accept()
    assert accepted.headers == (
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", SAMPLE_ACCEPT),
    )
    assert (accepted.subprotocol, accepted.deflate) == (None, None)


@pytest.mark.parametrize(
    "changes",
    [
        {"Upgrade": "WebSocket"},
        {"Upgrade": "h2c, websocket"},
        {"Connection": "keep-alive, Upgrade"},
        {"Connection": "upgrade"},
    ],
)
def test_header_tokens_are_matched_case_insensitively_in_lists(changes: dict[str, str]) -> None:
    assert validate_upgrade("GET", "1.1", request_headers(**changes)).key == SAMPLE_KEY


@pytest.mark.parametrize(
    ("method", "version", "changes", "status"),
    [
        ("GET", "1.1", {"Upgrade": None}, 426),
        ("GET", "1.1", {"Upgrade": "h2c"}, 426),
        ("POST", "1.1", {}, 400),
        ("GET", "1.0", {}, 400),
        ("GET", "1.1", {"Host": None}, 400),
        ("GET", "1.1", {"Connection": None}, 400),
        ("GET", "1.1", {"Connection": "keep-alive"}, 400),
        ("GET", "1.1", {"Sec-WebSocket-Version": None}, 426),
        ("GET", "1.1", {"Sec-WebSocket-Version": "8"}, 426),
        ("GET", "1.1", {"Sec-WebSocket-Version": "13, 8"}, 426),
        ("GET", "1.1", {"Sec-WebSocket-Key": None}, 400),
        ("GET", "1.1", {"Sec-WebSocket-Key": "c2hvcnQ="}, 400),
    ],
)
def test_an_invalid_upgrade_gets_the_status_to_answer(
    method: str, version: str, changes: dict[str, str | None], status: int
) -> None:
    with pytest.raises(HandshakeError) as caught:
        validate_upgrade(method, version, request_headers(**changes))
    assert caught.value.status_code == status
    answer = dict(caught.value.headers)
    if status == 426:
        assert answer["Upgrade"] == "websocket"  # RFC 9110 §15.5.22
    if changes.get("Sec-WebSocket-Version", "13") != "13":
        assert answer["Sec-WebSocket-Version"] == "13"  # RFC 6455 §4.4


def test_two_keys_are_refused() -> None:
    headers = request_headers()
    headers.add("Sec-WebSocket-Key", SAMPLE_KEY)
    with pytest.raises(HandshakeError) as caught:
        validate_upgrade("GET", "1.1", headers)
    assert caught.value.status_code == 400


@pytest.mark.parametrize(
    ("offered", "supported", "chosen"),
    [
        ("chat, superchat", ("superchat", "chat"), "chat"),  # the client's preference wins
        ("superchat, chat", ("chat", "superchat"), "superchat"),
        ("a, b", ("c",), None),
        ("", ("chat",), None),
        ("chat", (), None),
    ],
)
def test_the_subprotocol_is_the_clients_most_preferred_supported_one(
    offered: str, supported: tuple[str, ...], chosen: str | None
) -> None:
    headers = request_headers(Sec_WebSocket_Protocol=offered) if offered else request_headers()
    accepted = validate_upgrade("GET", "1.1", headers).accept(protocols=supported)
    assert accepted.subprotocol == chosen
    assert dict(accepted.headers).get("Sec-WebSocket-Protocol") == chosen


def test_subprotocols_over_several_field_lines_are_all_offered() -> None:
    headers = request_headers()
    headers.add("Sec-WebSocket-Protocol", "one")
    headers.add("Sec-WebSocket-Protocol", "two, three")
    assert validate_upgrade("GET", "1.1", headers).protocols == ("one", "two", "three")


# -- permessage-deflate: the server's side ---------------------------------------------------
@pytest.mark.parametrize(
    ("offer", "options", "response", "params"),
    [
        ("permessage-deflate", DeflateOptions(), "permessage-deflate", DeflateParameters()),
        (
            "permessage-deflate; client_max_window_bits",
            DeflateOptions(),
            "permessage-deflate",
            DeflateParameters(),
        ),
        (
            "permessage-deflate; client_max_window_bits=10",
            DeflateOptions(),
            "permessage-deflate; client_max_window_bits=10",
            DeflateParameters(client_max_window_bits=10),
        ),
        (
            "permessage-deflate; client_max_window_bits",
            DeflateOptions(client_max_window_bits=12),
            "permessage-deflate; client_max_window_bits=12",
            DeflateParameters(client_max_window_bits=12),
        ),
        (  # a cap for the client applies only if the client supports the parameter
            "permessage-deflate",
            DeflateOptions(client_max_window_bits=12),
            "permessage-deflate",
            DeflateParameters(),
        ),
        (
            "permessage-deflate; server_max_window_bits=10",
            DeflateOptions(),
            "permessage-deflate; server_max_window_bits=10",
            DeflateParameters(server_max_window_bits=10),
        ),
        (
            "permessage-deflate; server_max_window_bits=12",
            DeflateOptions(server_max_window_bits=9),
            "permessage-deflate; server_max_window_bits=9",
            DeflateParameters(server_max_window_bits=9),
        ),
        (  # a server may lower its own window unasked
            "permessage-deflate",
            DeflateOptions(server_max_window_bits=11),
            "permessage-deflate; server_max_window_bits=11",
            DeflateParameters(server_max_window_bits=11),
        ),
        (
            'permessage-deflate; server_max_window_bits="8"',
            DeflateOptions(),
            "permessage-deflate; server_max_window_bits=8",
            DeflateParameters(server_max_window_bits=8),
        ),
        (
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            DeflateOptions(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            DeflateParameters(server_no_context_takeover=True, client_no_context_takeover=True),
        ),
        (
            "permessage-deflate",
            DeflateOptions(server_no_context_takeover=True, client_no_context_takeover=True),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            DeflateParameters(server_no_context_takeover=True, client_no_context_takeover=True),
        ),
        (  # the first acceptable offer wins; an invalid one is skipped
            "permessage-deflate; server_max_window_bits=7, permessage-deflate; server_no_context_takeover",
            DeflateOptions(),
            "permessage-deflate; server_no_context_takeover",
            DeflateParameters(server_no_context_takeover=True),
        ),
        ("x-webkit-deflate-frame, permessage-deflate", DeflateOptions(), "permessage-deflate", DeflateParameters()),
    ],
)
def test_the_server_accepts_deflate_offers(
    offer: str, options: DeflateOptions, response: str, params: DeflateParameters
) -> None:
    assert negotiate_deflate(offer, options) == (params, response)
    accepted = validate_upgrade("GET", "1.1", request_headers(Sec_WebSocket_Extensions=offer)).accept(deflate=options)
    assert dict(accepted.headers)["Sec-WebSocket-Extensions"] == response
    assert accepted.deflate == params


@pytest.mark.parametrize(
    "offer",
    [
        "x-webkit-deflate-frame",
        "permessage-deflate; unknown_param",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=true",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; server_max_window_bits=1 0",
        "permessage-deflate; client_max_window_bits=0",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate;",
        "permessage-deflate; =10",
        'permessage-deflate; server_max_window_bits="10',
    ],
)
def test_the_server_declines_invalid_or_duplicate_deflate_parameters(offer: str) -> None:
    assert negotiate_deflate(offer, DeflateOptions()) is None
    accepted = validate_upgrade("GET", "1.1", request_headers(Sec_WebSocket_Extensions=offer)).accept(
        deflate=DeflateOptions()
    )
    assert "Sec-WebSocket-Extensions" not in dict(accepted.headers)
    assert accepted.deflate is None


def test_compression_is_declined_when_the_server_does_not_want_it() -> None:
    upgrade = validate_upgrade("GET", "1.1", request_headers(Sec_WebSocket_Extensions="permessage-deflate"))
    assert upgrade.accept(deflate=None).deflate is None


@pytest.mark.parametrize("bits", [7, 16, 0])
def test_deflate_options_check_window_bits(bits: int) -> None:
    with pytest.raises(ValueError, match="8-15"):
        DeflateOptions(server_max_window_bits=bits)


# -- permessage-deflate: the client's side -----------------------------------------------------
@pytest.mark.parametrize(
    ("options", "offer"),
    [
        (DeflateOptions(), "permessage-deflate; client_max_window_bits"),
        (
            DeflateOptions(client_no_context_takeover=True, client_max_window_bits=10),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=10",
        ),
        (
            DeflateOptions(server_no_context_takeover=True, server_max_window_bits=12),
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits",
        ),
    ],
)
def test_the_client_offer(options: DeflateOptions, offer: str) -> None:
    assert options.offer() == offer


@pytest.mark.parametrize(
    ("options", "response", "params"),
    [
        (DeflateOptions(), "permessage-deflate", DeflateParameters()),
        (
            DeflateOptions(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
            DeflateParameters(server_no_context_takeover=True, client_no_context_takeover=True),
        ),
        (
            DeflateOptions(),
            "permessage-deflate; client_max_window_bits=9; server_max_window_bits=10",
            DeflateParameters(server_max_window_bits=10, client_max_window_bits=9),
        ),
        (
            DeflateOptions(client_max_window_bits=11),
            "permessage-deflate",
            DeflateParameters(client_max_window_bits=11),
        ),
        (  # we may always reset our own compressor
            DeflateOptions(client_no_context_takeover=True),
            "permessage-deflate",
            DeflateParameters(client_no_context_takeover=True),
        ),
        (
            DeflateOptions(server_max_window_bits=12),
            "permessage-deflate; server_max_window_bits=10",
            DeflateParameters(server_max_window_bits=10),
        ),
    ],
)
def test_the_client_accepts_valid_responses(options: DeflateOptions, response: str, params: DeflateParameters) -> None:
    assert accept_deflate_response(response, options) == params


@pytest.mark.parametrize(
    ("options", "response"),
    [
        (DeflateOptions(), "x-webkit-deflate-frame"),
        (DeflateOptions(), "permessage-deflate, permessage-deflate"),
        (DeflateOptions(), "permessage-deflate; unknown"),
        (DeflateOptions(), "permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
        (DeflateOptions(), "permessage-deflate; client_max_window_bits"),  # a response needs a value
        (DeflateOptions(), "permessage-deflate; server_max_window_bits=16"),
        (DeflateOptions(), "permessage-deflate; server_max_window_bits"),
        (DeflateOptions(client_max_window_bits=10), "permessage-deflate; client_max_window_bits=11"),
        (DeflateOptions(server_max_window_bits=10), "permessage-deflate"),
        (DeflateOptions(server_max_window_bits=10), "permessage-deflate; server_max_window_bits=11"),
        (DeflateOptions(server_no_context_takeover=True), "permessage-deflate"),
        (DeflateOptions(), "permessage-deflate; "),
    ],
)
def test_the_client_fails_on_responses_it_did_not_ask_for(options: DeflateOptions, response: str) -> None:
    with pytest.raises(HandshakeError):
        accept_deflate_response(response, options)


# -- the client's handshake ------------------------------------------------------------------
def server_answer(handshake: ClientHandshake, **changes: str | None) -> Headers:
    fields: dict[str, str | None] = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept_value(handshake.key),
    }
    fields.update({name.replace("_", "-"): value for name, value in changes.items()})
    return Headers({name: value for name, value in fields.items() if value is not None})


def test_the_client_request_headers() -> None:
    handshake = ClientHandshake(protocols=("chat", "superchat"), deflate=DeflateOptions())
    assert is_valid_key(handshake.key)
    assert handshake.headers == (
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", handshake.key),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Protocol", "chat, superchat"),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
    )
    assert ClientHandshake().key != handshake.key


def test_the_client_accepts_a_valid_101() -> None:
    handshake = ClientHandshake(protocols=("chat", "superchat"), deflate=DeflateOptions())
    answer = server_answer(handshake, Sec_WebSocket_Protocol="superchat", Sec_WebSocket_Extensions="permessage-deflate")
    accepted = handshake.validate(101, answer)
    assert (accepted.subprotocol, accepted.deflate) == ("superchat", DeflateParameters())


@pytest.mark.parametrize(
    ("status", "changes"),
    [
        (200, {}),
        (400, {}),
        (101, {"Upgrade": None}),
        (101, {"Upgrade": "h2c"}),
        (101, {"Connection": None}),
        (101, {"Sec-WebSocket-Accept": None}),
        (101, {"Sec-WebSocket-Accept": SAMPLE_ACCEPT}),
        (101, {"Sec-WebSocket-Protocol": "unoffered"}),
        (101, {"Sec-WebSocket-Protocol": "chat, superchat"}),
        (101, {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits"}),
        (101, {"Sec-WebSocket-Extensions": "x-unknown"}),
    ],
)
def test_the_client_refuses_an_invalid_answer(status: int, changes: dict[str, str | None]) -> None:
    handshake = ClientHandshake(protocols=("chat", "superchat"), deflate=DeflateOptions())
    with pytest.raises(HandshakeError) as caught:
        handshake.validate(status, server_answer(handshake, **changes))
    assert caught.value.status_code == status


def test_the_client_refuses_a_subprotocol_or_extension_when_it_offered_none() -> None:
    handshake = ClientHandshake()
    with pytest.raises(HandshakeError):
        handshake.validate(101, server_answer(handshake, Sec_WebSocket_Protocol="chat"))
    with pytest.raises(HandshakeError):
        handshake.validate(101, server_answer(handshake, Sec_WebSocket_Extensions="permessage-deflate"))


@pytest.mark.parametrize("protocols", [("a b",), ("",), ("chat", "chat"), ("x,y",)])
def test_invalid_subprotocol_names_are_refused_before_sending(protocols: tuple[str, ...]) -> None:
    with pytest.raises(LocalProtocolError):
        ClientHandshake(protocols=protocols)


def test_the_server_and_client_handshakes_agree() -> None:
    options = DeflateOptions(client_max_window_bits=11, server_no_context_takeover=True)
    handshake = ClientHandshake(protocols=("v2", "v1"), deflate=options)
    request = Headers([("Host", "example.com"), *handshake.headers])
    accepted = validate_upgrade("GET", "1.1", request).accept(protocols=("v1", "v2"), deflate=DeflateOptions())
    answer = handshake.validate(101, Headers(accepted.headers))
    assert answer.subprotocol == accepted.subprotocol == "v2"
    assert answer.deflate == accepted.deflate
    assert accepted.deflate == DeflateParameters(server_no_context_takeover=True, client_max_window_bits=11)


# -- the Sec-WebSocket-Extensions grammar --------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("", []),
        ("foo", [("foo", [])]),
        ("foo; bar", [("foo", [("bar", None)])]),
        ("foo;bar=1 ; baz = 2", [("foo", [("bar", "1"), ("baz", "2")])]),
        ('foo; bar="1"', [("foo", [("bar", "1")])]),
        ('foo; bar="\\1"', [("foo", [("bar", "1")])]),
        ("a, b; c, , d", [("a", []), ("b", [("c", None)]), ("d", [])]),
    ],
)
def test_extension_headers_parse(value: str, parsed: list[tuple[str, list[tuple[str, str | None]]]]) -> None:
    assert parse_extensions(value) == parsed


@pytest.mark.parametrize("value", ["foo;", "foo bar", "foo; bar=", 'foo; bar="a b"', "foo; bar=1 2", "=x", 'a; b="1'])
def test_malformed_extension_headers_raise(value: str) -> None:
    with pytest.raises(ValueError, match=r"malformed|token"):
        parse_extensions(value)
