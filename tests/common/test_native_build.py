"""Which build runs: the compiled parser where it was built, pure Python on request."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

import blazeio_common

PROBE = "import blazeio_common; print(blazeio_common.__compiled__)"


def _compiled_in_subprocess(**env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "BLAZEIO_NO_EXTENSIONS"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**environ, **env}, capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_blazeio_no_extensions_selects_the_pure_python_build() -> None:
    assert _compiled_in_subprocess(BLAZEIO_NO_EXTENSIONS="1") == "False"


def test_the_compiled_build_runs_wherever_it_was_built() -> None:
    built = importlib.util.find_spec("blazeio_common.http.native_heads") is not None
    assert _compiled_in_subprocess() == str(built)
    assert _compiled_in_subprocess(BLAZEIO_NO_EXTENSIONS="0") == str(built)


@pytest.mark.skipif(os.environ.get("BLAZEIO_NO_EXTENSIONS", "") in ("", "0"), reason="only with the variable set")
def test_this_run_uses_the_pure_python_build_as_asked() -> None:
    assert blazeio_common.__compiled__ is False
