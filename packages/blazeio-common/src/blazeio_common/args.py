"""``set_from_args`` with the ``Utype`` / ``Unone`` annotation markers.

The seed writes ``def __init__(app, size: (int, io.Utype) = 10): io.set_from_args(app,
locals(), (io.Utype, io.Unone))``: every parameter whose annotation is, or is a tuple
containing, one of the given types is copied onto the object.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Unone", "Utype", "set_from_args"]


class Utype:
    """Marker in an annotation tuple: 'set this argument on the object' / 'expose it on a CLI'."""


class Unone:
    """Marker in an annotation tuple: the value may be ``None``."""


def _annotations_of(obj: object) -> dict[str, Any]:
    init = type(obj).__init__
    annotations = inspect.get_annotations(init)
    resolved: dict[str, Any] = {}
    for name, annotation in annotations.items():
        value = annotation
        if isinstance(annotation, str):  # ``from __future__ import annotations`` in user code
            try:
                value = eval(annotation, init.__globals__)  # the user's own annotation text
            except Exception:  # unresolvable annotations are skipped, never fatal
                continue
        resolved[name] = value
    return resolved


def _matches(annotation: Any, types: tuple[Any, ...]) -> bool:
    if isinstance(annotation, tuple):
        return any(item in types for item in annotation)
    return annotation in types


def set_from_args(
    obj: object, local_vars: Mapping[str, Any], types: Iterable[Any] | Any, _to: object | None = None
) -> None:
    """Copy each argument of ``type(obj).__init__`` annotated with one of ``types`` onto ``obj``.

    ``_to`` sends the attributes to another object. Unannotated or non-matching
    parameters are skipped.
    """
    wanted = tuple(types) if isinstance(types, (tuple, list, set, frozenset)) else (types,)
    target = obj if _to is None else _to
    for name, annotation in _annotations_of(obj).items():
        if name != "return" and name in local_vars and _matches(annotation, wanted):
            setattr(target, name, local_vars[name])
