"""``dumps`` / ``loads`` / ``anydumps``: JSON with the seed's defaults.

``dumps(obj)`` indents by 4 like upstream; ``indent=0`` is compact (``{"a":1}``), which is
what responses send. Non-ASCII is written as UTF-8 rather than ``\\u`` escapes (smaller,
and every body we send is declared ``charset=utf-8``) — a deliberate divergence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["JSONDecodeError", "anydumps", "dumps", "loads"]

JSONDecodeError = json.JSONDecodeError

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# The C encoder behind _COMPACT, made once: JSONEncoder.encode builds a new one on every call
# (half the cost of encoding a small response body). None where the C accelerator is absent.
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
_COMPACT_C = (
    _c_encoder(None, _COMPACT.default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    if _c_encoder is not None
    else None
)


def dumps(obj: Any, indent: int | None = 4, **kwargs: Any) -> str:
    """Serialise ``obj``; ``indent=0`` (or ``None``) gives the compact form."""
    if not indent and not kwargs:
        if _COMPACT_C is not None:
            return "".join(_COMPACT_C(obj, 0))
        return _COMPACT.encode(obj)
    if not indent:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), **kwargs)
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(obj, indent=indent, **kwargs)


def loads(data: str | bytes | bytearray | memoryview, **kwargs: Any) -> Any:
    """Parse JSON from text or UTF-8 bytes."""
    if isinstance(data, memoryview):
        data = bytes(data)
    return json.loads(data, **kwargs)


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def anydumps(obj: Any, indent: int | None = 4, **kwargs: Any) -> str:
    """``dumps`` that first turns every value JSON cannot hold into ``str(value)``."""
    return dumps(_plain(obj), indent=indent, **kwargs)
