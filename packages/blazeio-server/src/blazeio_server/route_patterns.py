"""Route templates: ``/users/{id:int}/files/{rest:path}`` parsed into segments, and back into paths.

A parameter is a whole path segment, ``{name}`` or ``{name:converter}``:

- ``str`` (the default): one non-empty segment, percent-decoded (``a%2Fb`` is ``a/b``);
- ``int``: ASCII digits, an ``int``;  ``float``: digits with an optional fraction, a ``float``;
- ``uuid``: the 8-4-4-4-12 hex form, a ``uuid.UUID``;
- ``path``: the rest of the path, slashes included (possibly empty); only as the last segment.

A converter either returns the value or raises ``ValueError``: a segment that does not
convert is simply not a match. ``render`` is the reverse, for ``url_for``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from blazeio_common import url_encode

__all__ = ["CONVERTERS", "Converter", "RouteError", "Template", "parse_template"]


class RouteError(ValueError):
    """A route that cannot be registered (bad template, conflict) or a path ``url_for`` cannot build."""


_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_]+))?\}")


def _to_int(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # int() would also take " 7", "+7", "7_0", Unicode digits
        raise ValueError(text)
    return int(text)  # beyond sys.int_info.str_digits_check_threshold this raises ValueError too


def _to_float(text: str) -> float:
    if _FLOAT.fullmatch(text) is None:  # float() would also take "nan", "1e9", " 1"
        raise ValueError(text)
    return float(text)


def _to_uuid(text: str) -> uuid.UUID:
    if _UUID.fullmatch(text) is None:  # uuid.UUID() would also take braces, "urn:uuid:", no hyphens
        raise ValueError(text)
    return uuid.UUID(text)


def _to_str(text: str) -> str:
    if not text:
        raise ValueError(text)
    return text


def _identity(text: str) -> str:
    return text


def _int_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a non-negative int")
    return str(value)


def _float_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a float")
    text = format(Decimal(repr(float(value))), "f")  # positional, shortest round trip: 1e-05 -> 0.00001
    if _FLOAT.fullmatch(text) is None:
        raise ValueError(f"{value!r} is not a finite non-negative float")
    return text


def _uuid_text(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(_to_uuid(str(value)))


class Converter:
    """One converter: ``convert`` a decoded segment (``ValueError`` if it does not fit), ``to_text`` back."""

    __slots__ = ("convert", "name", "rank", "to_text")

    def __init__(self, name: str, rank: int, convert: Callable[[str], Any], to_text: Callable[[Any], str]) -> None:
        self.name = name
        self.rank = rank  # order among the typed converters tried on one segment: most specific first
        self.convert = convert
        self.to_text = to_text

    def __repr__(self) -> str:
        return f"<Converter {self.name}>"


CONVERTERS: dict[str, Converter] = {
    "int": Converter("int", 0, _to_int, _int_text),
    "float": Converter("float", 1, _to_float, _float_text),
    "uuid": Converter("uuid", 2, _to_uuid, _uuid_text),
    "str": Converter("str", 3, _to_str, str),
    "path": Converter("path", 4, _identity, str),
}


class Template:
    """A parsed route: its segments, each a literal ``str`` or a ``(name, Converter)``."""

    __slots__ = ("names", "path", "segments")

    def __init__(self, path: str, segments: list[str | tuple[str, Converter]]) -> None:
        self.path = path
        self.segments = segments
        self.names = [segment[0] for segment in segments if isinstance(segment, tuple)]

    @property
    def is_exact(self) -> bool:
        return not self.names

    def render(self, params: Mapping[str, Any]) -> str:
        """The path for ``params`` (exactly the template's names), values converted back and percent-encoded."""
        missing = [name for name in self.names if name not in params]
        extra = sorted(set(params) - set(self.names))
        if missing or extra:
            problems = [f"missing {', '.join(missing)}"] if missing else []
            problems += [f"unexpected {', '.join(extra)}"] if extra else []
            raise RouteError(f"route {self.path!r} needs exactly {self.names}: {'; '.join(problems)}")
        parts = []
        for segment in self.segments:
            if isinstance(segment, str):
                parts.append(url_encode(segment, safe="/:@!$&'()*+,;="))
                continue
            name, converter = segment
            try:
                text = converter.to_text(params[name])
                converter.convert(text)  # what is built must route back to the same route
            except (TypeError, ValueError) as exc:
                raise RouteError(f"{name}={params[name]!r} does not fit {{{name}:{converter.name}}}") from exc
            if converter.name == "path":
                parts.append("/".join(url_encode(part) for part in text.split("/")))
            else:
                parts.append(url_encode(text))
        return "/" + "/".join(parts)


def parse_template(path: str) -> Template:
    """``/users/{id:int}`` -> ``Template``; a malformed template is a ``RouteError``."""
    if not path.startswith("/"):
        raise RouteError(f"route {path!r} must start with '/'")
    segments: list[str | tuple[str, Converter]] = []
    raw = path[1:].split("/")
    for index, text in enumerate(raw):
        if "{" not in text and "}" not in text:
            segments.append(text)
            continue
        match = _PARAMETER.fullmatch(text)
        if match is None:
            raise RouteError(f"route {path!r}: a parameter is a whole segment, {{name}} or {{name:converter}}")
        name, kind = match.group(1), match.group(2) or "str"
        converter = CONVERTERS.get(kind)
        if converter is None:
            raise RouteError(f"route {path!r}: unknown converter {kind!r} (one of {', '.join(CONVERTERS)})")
        if kind == "path" and index != len(raw) - 1:
            raise RouteError(f"route {path!r}: a {{name:path}} parameter must be the last segment")
        if any(isinstance(s, tuple) and s[0] == name for s in segments):
            raise RouteError(f"route {path!r}: parameter {name!r} appears twice")
        segments.append((name, converter))
    return Template(path, segments)
