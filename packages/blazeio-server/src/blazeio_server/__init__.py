"""blazeio-server: the asyncio HTTP/1.1 server (App, routing, request object, Deliver, StaticServer).

The engine lands with the server issues; today the package carries its version so the
install slices and the façade can be built and checked.
"""

from __future__ import annotations

from blazeio_server.__about__ import __version__

__all__ = ["__version__"]
