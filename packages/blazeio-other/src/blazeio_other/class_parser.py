"""``class_parser``: a command line from a class's annotated ``__init__`` (on argparse).

    class Main:
        def __init__(app, payload_size: (int, io.Utype) = 1024, test: (int, io.Utype, class_parser.Store) = 0): ...

    args = class_parser.Parser(Main, io.Utype).args()   # -payload_size 10 / --payload_size 10 / -test

Only parameters whose annotation tuple contains the marker type (``io.Utype``) become options;
the first type in the tuple converts the value; ``Store`` makes a flag; ``Positional`` a
positional argument. Defaults come from the signature; ``--help`` lists every option.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterator
from typing import Any

from blazeio_common import ddict

__all__ = ["Parser", "Positional", "Store", "Store_true"]


class Store:
    """Marker: the option is a flag (``-test`` sets it True)."""


Store_true = Store


class Positional:
    """Marker: the option is a positional argument."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose options are the marked ``__init__`` parameters of ``cls``."""

    def __init__(self, cls: type | tuple[type, ...], for_type: type, *args: Any, **kwargs: Any) -> None:
        classes = cls if isinstance(cls, tuple) else (cls,)
        kwargs.setdefault("description", inspect.getdoc(classes[0]))
        super().__init__(*args, **kwargs)
        self._names: dict[type, list[str]] = {}
        self._parsed: ddict | None = None
        for klass in classes:
            self._names[klass] = []
            try:  # string annotations (``from __future__ import annotations``) are evaluated
                signature = inspect.signature(klass.__init__, eval_str=True)  # type: ignore[misc]
            except (NameError, SyntaxError, TypeError):
                signature = inspect.signature(klass.__init__)  # type: ignore[misc]
            for name, parameter in signature.parameters.items():
                annotation = parameter.annotation
                if not isinstance(annotation, tuple) or for_type not in annotation:
                    continue
                self._names[klass].append(name)
                self._add(name, annotation, parameter.default)

    def _add(self, name: str, annotation: tuple[Any, ...], default: Any) -> None:
        has_default = default is not inspect.Parameter.empty
        kind = annotation[0] if isinstance(annotation[0], type) else str
        if Positional in annotation:
            self.add_argument(name, type=kind, **({"nargs": "?", "default": default} if has_default else {}))
        elif Store in annotation:
            self.add_argument(f"-{name}", f"--{name}", action="store_true", help="flag")
        else:
            shown = f" (default: {default!r})" if has_default else ""
            self.add_argument(
                f"-{name}", f"--{name}", type=kind, default=default if has_default else None,
                required=not has_default, help=f"{kind.__name__}{shown}",
            )  # fmt: skip

    def args(self, obj: type | None = None, argv: list[str] | None = None) -> ddict:
        """Parsed values (all classes', or only ``obj``'s), parsed once."""
        if self._parsed is None:
            self._parsed = ddict(vars(self.parse_args(argv)))
        if obj is None:
            return ddict(self._parsed)
        return ddict({name: self._parsed[name] for name in self._names.get(obj, [])})

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.args().items())
