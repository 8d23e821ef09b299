"""blazeio-client: the asyncio HTTP/1.1 client (getSession, pooling, full-duplex streaming).

It depends on blazeio-common only and never imports the server.
"""

from __future__ import annotations

from blazeio_client.__about__ import __version__

__all__ = ["__version__"]
