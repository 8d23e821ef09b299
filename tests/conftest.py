"""Shared test configuration.

Each folder under tests/ belongs to one distribution and skips itself when that
distribution is not installed, so the same command runs in every install slice.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

_FOLDER_PACKAGES = {
    "common": "blazeio_common",
    "server": "blazeio_server",
    "client": "blazeio_client",
    "other": "blazeio_other",
    "meta": "Blazeio",
}
_HERE = Path(__file__).parent


def _missing(folder: str) -> str | None:
    package = _FOLDER_PACKAGES.get(folder)
    if package is not None and importlib.util.find_spec(package) is None:
        return package
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # A folder whose distribution is absent is not even imported (its modules import it).
    try:
        folder = collection_path.relative_to(_HERE).parts[0]
    except (ValueError, IndexError):
        return None
    return True if _missing(folder) else None


def pytest_report_header(config: pytest.Config) -> list[str]:
    absent = [f"tests/{folder} (needs {pkg})" for folder in _FOLDER_PACKAGES if (pkg := _missing(folder))]
    return [f"skipped, package not installed: {', '.join(absent)}"] if absent else []


def pytest_runtest_setup(item: pytest.Item) -> None:
    # A test that needs a system peer skips where the peer is absent -- except in CI,
    # where .ci/run installs every peer, so a skip there is a failure.
    for marker in item.iter_markers("peer"):
        import shutil

        name = marker.args[0]
        if shutil.which(name) is None:
            if os.environ.get("CI"):
                pytest.fail(f"CI must provide the system peer {name!r}")
            pytest.skip(f"system peer {name!r} is not installed")
