from __future__ import annotations

from collections.abc import Iterator

import pytest

from blazeio_common import plog


@pytest.fixture(autouse=True)
def _log_through_logging() -> Iterator[None]:
    # Server logs go to stdlib logging, which pytest captures and shows for failing tests.
    plog.route_to_logging("blazeio.test")
    yield
    plog.flush_sync()
    plog.route_to_logging(None)
