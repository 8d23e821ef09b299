from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from peers import TLS, make_tls

# The server's test helpers (serving.py) are reused to run a real server as a peer.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
# ... and the core's wire helpers (tests/common/wire.py: response mutations).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))


@pytest.fixture(autouse=True)
async def _close_default_pool() -> AsyncIterator[None]:
    # Pooled keep-alive connections belong to this test's loop: close them before it ends.
    yield
    from blazeio_client.session import DEFAULT_POOL

    DEFAULT_POOL.close()


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    try:
        from blazeio_common import plog
    except ImportError:  # pragma: no cover
        yield
        return
    plog.route_to_logging("blazeio.test")
    yield
    plog.flush_sync()
    plog.route_to_logging(None)


@pytest.fixture
def tls(tmp_path: Path) -> TLS:
    """A throwaway CA for TLS peers on 127.0.0.1 (skips where trustme is not installed)."""
    pytest.importorskip("trustme")  # not in the client-only install slice
    return make_tls(tmp_path)
