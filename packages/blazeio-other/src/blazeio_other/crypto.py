"""``crypto.Ciphen``: the product document's cipher API, as real authenticated encryption.

``Ciphen(key).encrypt(data) -> bytes`` and ``.decrypt(token) -> bytes`` keep the document's
API, but the construction is AES-256-GCM (from the ``cryptography`` package) with a fresh
random 96-bit nonce per message and a key derived from ``key`` with HKDF-SHA256.
``Ciphen.from_password(password, salt)`` derives the key with scrypt, for low-entropy secrets.
A changed byte or a wrong key raises ``CipherError``.

Format: ``b"\\x01" + nonce(12) + ciphertext + tag(16)``. Upstream's repeating-key XOR (which
leaked its key and let room IDs be forged) is neither produced nor read.
"""

from __future__ import annotations

import os

from blazeio_common import BlazeioException, Missingdependency

__all__ = ["CipherError", "Ciphen"]

_VERSION = b"\x01"
_NONCE = 12
_TAG = 16
_INFO = b"blazeio.crypto.Ciphen v1"


class CipherError(BlazeioException, ValueError):
    """The token was tampered with, truncated, or made with another key."""


def _aesgcm() -> type:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415
    except ImportError:
        raise Missingdependency("crypto.Ciphen needs the 'cryptography' package") from None
    return AESGCM


class Ciphen:
    """Authenticated encryption of bytes with one key."""

    __slots__ = ("_aead",)

    def __init__(self, key: str | bytes, *, _derived: bytes | None = None) -> None:
        raw = key.encode() if isinstance(key, str) else bytes(key)
        if not raw and _derived is None:
            raise ValueError("Ciphen needs a non-empty key")
        self._aead = _aesgcm()(_derived if _derived is not None else _hkdf(raw))

    @classmethod
    def from_password(cls, password: str | bytes, salt: bytes, *, n: int = 2**15, r: int = 8, p: int = 1) -> Ciphen:
        """A key stretched from a password with scrypt (store ``salt`` beside the data; 16+ random bytes)."""
        import hashlib  # noqa: PLC0415

        secret = password.encode() if isinstance(password, str) else password
        if len(salt) < 16:
            raise ValueError("use a salt of at least 16 random bytes")
        key = hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=128 * r * n * 2, dklen=32)
        return cls(b"", _derived=key)

    def encrypt(self, data: bytes | str, associated: bytes | None = None) -> bytes:
        plain = data.encode() if isinstance(data, str) else bytes(data)
        nonce = os.urandom(_NONCE)
        sealed: bytes = self._aead.encrypt(nonce, plain, associated)
        return _VERSION + nonce + sealed

    def decrypt(self, token: bytes, associated: bytes | None = None) -> bytes:
        if len(token) < 1 + _NONCE + _TAG or token[:1] != _VERSION:
            raise CipherError("not a Ciphen token (wrong format or truncated)")
        try:
            return bytes(self._aead.decrypt(token[1 : 1 + _NONCE], token[1 + _NONCE :], associated))
        except Exception as exc:  # cryptography's InvalidTag
            raise CipherError("decryption failed: tampered data or wrong key") from exc


def _hkdf(key: bytes) -> bytes:
    """HKDF-SHA256 (RFC 5869) to 32 bytes, with a fixed salt and a purpose label."""
    import hashlib  # noqa: PLC0415
    import hmac  # noqa: PLC0415

    prk = hmac.new(b"\x00" * 32, key, hashlib.sha256).digest()
    return hmac.new(prk, _INFO + b"\x01", hashlib.sha256).digest()
