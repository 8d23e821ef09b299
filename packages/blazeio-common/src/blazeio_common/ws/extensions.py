"""The Sec-WebSocket-Extensions grammar (RFC 6455 §9.1), both ways.

::

    extension-list = 1#extension
    extension      = extension-token *( ";" extension-param )
    extension-param = token [ "=" (token | quoted-string) ]

"When using the quoted-string syntax variant, the value after quoted-string unescaping MUST
conform to the 'token' ABNF." Parameter values are returned unescaped; a parameter without
a value has ``None``. Empty list elements are skipped (RFC 9110 §5.6.1: a recipient "MUST
accept empty list elements"). Anything else malformed raises ``ValueError``: the caller
decides whether that declines the extension (server) or fails the handshake (client).
"""

from __future__ import annotations

import re

__all__ = ["ExtensionOffer", "format_extension", "parse_extensions"]

ExtensionOffer = tuple[str, list[tuple[str, str | None]]]

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_NAME = re.compile(_TOKEN)
_TOKEN_ONLY = re.compile(_TOKEN)
_VALUE = re.compile(rf'({_TOKEN})|"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(.)")


def _skip(value: str, pos: int) -> int:
    """The position of the first character at or after ``pos`` that is not optional whitespace."""
    while pos < len(value) and value[pos] in " \t":
        pos += 1
    return pos


def parse_extensions(value: str) -> list[ExtensionOffer]:
    """``"a; x=1, b"`` -> ``[("a", [("x", "1")]), ("b", [])]``, names as written, in order."""
    offers: list[ExtensionOffer] = []
    pos, end = 0, len(value)
    while True:
        pos = _skip(value, pos)
        if pos < end and value[pos] == ",":
            pos += 1
            continue  # an empty list element
        if pos >= end:
            return offers
        name = _NAME.match(value, pos)
        if name is None:
            raise ValueError(f"malformed extension at {value[pos:]!r}")
        params: list[tuple[str, str | None]] = []
        pos = _skip(value, name.end())
        while pos < end and value[pos] == ";":
            pos = _skip(value, pos + 1)
            param = _NAME.match(value, pos)
            if param is None:
                raise ValueError(f"malformed extension parameter at {value[pos:]!r}")
            pos = _skip(value, param.end())
            param_value: str | None = None
            if pos < end and value[pos] == "=":
                pos = _skip(value, pos + 1)
                matched = _VALUE.match(value, pos)
                if matched is None:
                    raise ValueError(f"malformed extension parameter value at {value[pos:]!r}")
                param_value = matched.group(1)
                if param_value is None:
                    param_value = _ESCAPE.sub(r"\1", matched.group(2))
                    if not _TOKEN_ONLY.fullmatch(param_value):
                        raise ValueError(f"quoted extension parameter value is not a token: {param_value!r}")
                pos = _skip(value, matched.end())
            params.append((param.group(), param_value))
        offers.append((name.group(), params))
        if pos < end and value[pos] != ",":
            raise ValueError(f"malformed extension list at {value[pos:]!r}")


def format_extension(name: str, params: list[tuple[str, str | None]]) -> str:
    """One extension as a header value: ``name; param; param=value``."""
    return "; ".join([name, *(key if val is None else f"{key}={val}" for key, val in params)])
