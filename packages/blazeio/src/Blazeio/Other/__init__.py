"""``Blazeio.Other.<name>``: the very module objects of ``blazeio_other.<name>``.

``import Blazeio.Other.aws_s3 as aws_s3`` finds the alias registered here in
``sys.modules``, so there is one module, one set of globals, whichever name imports it.
"""

from __future__ import annotations

import importlib
import sys

_EXTRAS = ("aws_s3", "crypto", "class_parser")

for _name in _EXTRAS:
    try:
        _module = importlib.import_module(f"blazeio_other.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"blazeio_other.{_name}":
            raise
        continue
    sys.modules[f"{__name__}.{_name}"] = _module
    globals()[_name] = _module
