"""class_parser builds a CLI from an annotated __init__; Ciphen is authenticated encryption."""

from __future__ import annotations

import os
import re

import pytest

from blazeio_common import Utype
from blazeio_other import class_parser
from blazeio_other.crypto import Ciphen, CipherError, _hkdf


class Main:
    """Performance test for the relay."""

    def __init__(
        self,
        payload_size: (int, Utype) = 1024 * 100,  # type: ignore[valid-type]
        chunk_range: (int, Utype) = 100,  # type: ignore[valid-type]
        test: (int, Utype, class_parser.Store) = 0,  # type: ignore[valid-type]
        name: (str, Utype) = "relay",  # type: ignore[valid-type]
        hidden: int = 5,
    ) -> None: ...


def test_single_and_double_dash_options_with_types_and_defaults() -> None:
    args = class_parser.Parser(Main, Utype).args(argv=["-payload_size", "1000", "--chunk_range", "5", "-test"])
    assert args == {"payload_size": 1000, "chunk_range": 5, "test": True, "name": "relay"}
    assert class_parser.Parser(Main, Utype).args(argv=[]) == {
        "payload_size": 102400,
        "chunk_range": 100,
        "test": False,
        "name": "relay",
    }


def test_help_lists_each_option_and_bad_values_get_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    parser = class_parser.Parser(Main, Utype)
    with pytest.raises(SystemExit) as help_exit:
        parser.parse_args(["--help"])
    assert help_exit.value.code == 0
    out = capsys.readouterr().out
    # 3.13's argparse shows the metavar once: "-payload_size, --payload_size PAYLOAD_SIZE"
    assert re.search(r"-payload_size( PAYLOAD_SIZE)?, --payload_size PAYLOAD_SIZE", out)
    assert "Performance test for the relay." in out
    assert "hidden" not in out
    with pytest.raises(SystemExit) as bad_exit:
        class_parser.Parser(Main, Utype).args(argv=["-payload_size", "lots"])
    assert bad_exit.value.code == 2
    assert "invalid int value: 'lots'" in capsys.readouterr().err


def test_ciphen_round_trips_with_a_fresh_nonce_each_time() -> None:
    cipher = Ciphen("room-secret")
    first, second = cipher.encrypt(b"127.0.0.1:5000"), cipher.encrypt(b"127.0.0.1:5000")
    assert first != second  # random nonce: equal plaintexts do not look equal
    assert cipher.decrypt(first) == cipher.decrypt(second) == b"127.0.0.1:5000"
    assert Ciphen(b"room-secret").decrypt(first) == b"127.0.0.1:5000"  # str and bytes keys agree


@pytest.mark.parametrize("position", [0, 1, 13, -1])
def test_tampering_or_a_wrong_key_raises(position: int) -> None:
    token = bytearray(Ciphen("k").encrypt(b"payload"))
    token[position] ^= 0x01
    with pytest.raises(CipherError):
        Ciphen("k").decrypt(bytes(token))
    with pytest.raises(CipherError):
        Ciphen("other key").decrypt(Ciphen("k").encrypt(b"payload"))
    with pytest.raises(CipherError):
        Ciphen("k").decrypt(b"\x01short")


def test_the_key_derivation_is_hkdf_sha256() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = os.urandom(20)
    oracle = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"blazeio.crypto.Ciphen v1").derive(key)
    assert _hkdf(key) == oracle


def test_password_constructor_uses_scrypt_and_a_salt() -> None:
    salt = os.urandom(16)
    token = Ciphen.from_password("correct horse", salt, n=2**12).encrypt(b"x")
    assert Ciphen.from_password("correct horse", salt, n=2**12).decrypt(token) == b"x"
    with pytest.raises(CipherError):
        Ciphen.from_password("wrong horse", salt, n=2**12).decrypt(token)
    with pytest.raises(ValueError, match="salt"):
        Ciphen.from_password("p", b"short")
