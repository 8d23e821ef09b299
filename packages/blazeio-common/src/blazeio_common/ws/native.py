"""Which build of the WebSocket frame helpers runs: the compiled ``native_frames`` or pure Python.

``native_frames.pyx`` holds compiled twins of ``mask.pure_mask``, ``small.pure_read_message``,
``frames.pure_masked_frame`` and ``keys.PureMaskKeys``; it is built with the package where a C
compiler is at hand (``hatch_build.py``). Each module picks its twin with ``compiled(name)``.
``BLAZEIO_NO_EXTENSIONS=1`` selects the pure-Python build, as for the head parser
(``blazeio_common.http.native``); ``COMPILED`` tells which one runs.
"""

from __future__ import annotations

from typing import Any

from blazeio_common.http.native import NO_EXTENSIONS

__all__ = ["COMPILED", "compiled"]


def _load() -> Any:
    if NO_EXTENSIONS:
        return None
    try:
        from blazeio_common.ws import native_frames  # noqa: PLC0415 - optional
    except ImportError:  # installed without a compiler: the pure-Python build
        return None
    return native_frames


_module = _load()
COMPILED = _module is not None


def compiled(name: str) -> Any:
    """The compiled twin called ``name``, or ``None`` in the pure-Python build."""
    return None if _module is None else getattr(_module, name)
