"""Build hook: compile the request-head parser (``native_heads.pyx``) and the WebSocket frame
helpers (``ws/native_frames.pyx``: masking, the one-read message, client frames) with Cython, if it can.

A wheel gets the compiled modules beside the pure-Python code (and a platform tag); an editable
install gets them built in place in ``src``. Without a C compiler, or with
``BLAZEIO_NO_EXTENSIONS`` set, the build still succeeds as the pure-Python build and says so
once. Which build runs is ``blazeio_common.__compiled__`` (the parser) and
``blazeio_common.ws.native.COMPILED`` (the frame helpers).

After editing a ``.pyx``, rebuild them in place with ``hatch run native`` (this file run as a
script).
"""

from __future__ import annotations

import os
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

# Module name -> its source: every compiled module, each with its pure-Python twin.
MODULES = {
    "blazeio_common.http.native_heads": Path("src/blazeio_common/http/native_heads.pyx"),
    "blazeio_common.ws.native_frames": Path("src/blazeio_common/ws/native_frames.pyx"),
}


class NativeBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("BLAZEIO_NO_EXTENSIONS", "") not in ("", "0"):
            self.app.display_warning("blazeio-common: BLAZEIO_NO_EXTENSIONS is set: the pure-Python build")
            return
        root = Path(self.root)
        editable = version == "editable"
        out = root / "src" if editable else root / "build" / "native"
        try:
            built = compile_native(root, out)
        except Exception as error:  # no compiler, no headers, no Cython: the pure build still works
            self.app.display_warning(
                f"blazeio-common: the compiled modules were not built ({type(error).__name__}: {error}); "
                "installing the pure-Python build"
            )
            return
        if not editable:
            for path in built:
                build_data["force_include"][str(path)] = str(path.relative_to(out))
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


def compile_native(root: Path, out: Path) -> list[Path]:
    """Compile every module into ``out`` (a package root); return the built modules' paths."""
    from Cython.Build import cythonize  # noqa: PLC0415 - build-time dependencies, for the hook only
    from setuptools import Distribution, Extension  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        extensions = [Extension(name, [str(root / source)]) for name, source in MODULES.items()]
        modules = cythonize(extensions, build_dir=tmp, quiet=True, compiler_directives={"language_level": 3})
        dist = Distribution({"name": "blazeio-common", "ext_modules": modules})
        command: Any = dist.get_command_obj("build_ext")
        command.build_lib = str(out)
        command.build_temp = tmp
        command.ensure_finalized()
        command.run()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    built = [out.joinpath(*name.split(".")).with_name(name.rpartition(".")[2] + suffix) for name in MODULES]
    for path in built:
        if not path.is_file():
            raise FileNotFoundError(path)
    return built


if __name__ == "__main__":
    here = Path(__file__).parent
    print(*compile_native(here, here / "src"), sep="\n")
