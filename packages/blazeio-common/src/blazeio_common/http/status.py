"""Reason phrases and precomputed status lines."""

from __future__ import annotations

from http import HTTPStatus

from blazeio_common.errors import LocalProtocolError

__all__ = ["reason_phrase", "status_line"]

_REASONS: dict[int, str] = {status.value: status.phrase for status in HTTPStatus}
_LINES: dict[int, bytes] = {code: f"HTTP/1.1 {code} {text}\r\n".encode("latin-1") for code, text in _REASONS.items()}


def reason_phrase(status_code: int) -> str:
    """The standard reason phrase, or ``""`` for a code without one (valid: RFC 9112 §4)."""
    return _REASONS.get(status_code, "")


def status_line(status_code: int, reason: str | None = None) -> bytes:
    """``HTTP/1.1 <code> <reason>\\r\\n``; cached for the standard codes."""
    if reason is None:
        line = _LINES.get(status_code)
        if line is not None:
            return line
        reason = ""
    if not 100 <= status_code <= 999:
        raise LocalProtocolError(f"status code out of range: {status_code}")
    if "\r" in reason or "\n" in reason:
        raise LocalProtocolError("reason phrase must not contain CR or LF")
    return f"HTTP/1.1 {status_code} {reason}\r\n".encode("latin-1")
