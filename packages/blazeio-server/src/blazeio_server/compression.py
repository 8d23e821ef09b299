"""Response compression: negotiation from ``Accept-Encoding`` and the compressible-type rule."""

from __future__ import annotations

from typing import Any

from blazeio_common.http import SUPPORTED_ENCODINGS

__all__ = ["choose_encoding", "compressible", "vary_on_accept_encoding"]

_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/xhtml+xml",
    "image/svg+xml",
    "application/wasm",
)
_PREFERENCE = ("br", "gzip")  # br compresses better; gzip is universal


def compressible(content_type: str | None) -> bool:
    """Text-like types only: images, video, archives and fonts are already compressed."""
    return bool(content_type) and content_type.lower().startswith(_COMPRESSIBLE)  # type: ignore[union-attr]


def choose_encoding(accept_encoding: str | None, only: str | None = None) -> str | None:
    """The best coding the client accepts (RFC 9110 §12.5.3 q-values), or None for identity.

    ``only`` restricts the choice to one coding (is *it* acceptable?).
    """
    if not accept_encoding:
        return None
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[coding.strip().lower()] = q
    star = weights.get("*", 0.0)
    best: str | None = None
    best_q = 0.0
    for coding in (only,) if only else _PREFERENCE:
        if coding not in SUPPORTED_ENCODINGS:
            continue
        q = weights.get(coding, star)
        if q > best_q:
            best, best_q = coding, q
    return best


def vary_on_accept_encoding(fields: dict[str, Any]) -> None:
    """Add Accept-Encoding to the response's Vary (kept with any the handler gave)."""
    for key, value in fields.items():
        if key.lower() == "vary":
            names = [name.strip().lower() for name in str(value).split(",")]
            if "accept-encoding" not in names and "*" not in names:
                fields[key] = f"{value}, Accept-Encoding"
            return
    fields["Vary"] = "Accept-Encoding"
