from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from blazeio_common import plog

# The core's wire helpers (tests/common/wire.py: request mutations) are shared.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))


@pytest.fixture(autouse=True)
def _log_through_logging() -> Iterator[None]:
    # Server logs go to stdlib logging, which pytest captures and shows for failing tests.
    plog.route_to_logging("blazeio.test")
    yield
    plog.flush_sync()
    plog.route_to_logging(None)
