"""``io.Cors``: CORS as attachable middleware (Fetch standard, "CORS protocol").

    web.attach(io.Cors(allow_origins=["https://app.example"], allow_credentials=True, max_age=600))

Preflights (``OPTIONS`` with ``Access-Control-Request-Method``) are answered 204 before any
route runs; other requests from an allowed origin get ``Access-Control-Allow-Origin`` (and
friends) on their response. With credentials the origin is echoed, never ``*`` (browsers
refuse ``*`` with credentials). Responses vary by ``Origin``.
"""

from __future__ import annotations

from collections.abc import Iterable

from blazeio_server.abort import Abort
from blazeio_server.types import HandlerRequest

__all__ = ["Cors"]


class Cors:
    """Cross-origin resource sharing for every route of the app it is attached to."""

    def __init__(
        self,
        allow_origins: Iterable[str] = ("*",),
        allow_methods: Iterable[str] = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"),
        allow_headers: Iterable[str] = ("*",),
        allow_credentials: bool = False,
        expose_headers: Iterable[str] = (),
        max_age: int = 600,
    ) -> None:
        self.origins = frozenset(allow_origins)
        self.methods = tuple(m.upper() for m in allow_methods)
        self.headers = tuple(h.lower() for h in allow_headers)
        self.credentials = allow_credentials
        self.expose = ", ".join(expose_headers)
        self.max_age = max_age

    def _allowed(self, origin: str) -> bool:
        return "*" in self.origins or origin in self.origins

    async def before_middleware(self, r: HandlerRequest) -> None:
        origin = r.headers.get("origin")
        if origin is None:
            return
        requested = r.headers.get("access-control-request-method")
        preflight = r.method == "OPTIONS" and requested is not None
        if not self._allowed(origin):
            if preflight:
                raise Abort("CORS: origin not allowed", 403, {"Vary": "Origin"})
            return  # the browser blocks the response; the request itself is the app's business
        allow_origin = origin if (self.credentials or "*" not in self.origins) else "*"
        if preflight:
            assert requested is not None
            # Methods are case-sensitive (RFC 9110 §9.1; Fetch compares them byte for byte):
            # a later "patch" request would not be PATCH, so it is not approved as one.
            if requested not in self.methods:
                raise Abort("CORS: method not allowed", 403, {"Vary": "Origin"})
            asked = r.headers.get("access-control-request-headers", "")
            if "*" in self.headers:
                allow_headers = asked
            else:
                wanted = [h.strip() for h in asked.split(",") if h.strip()]
                if any(h.lower() not in self.headers for h in wanted):
                    raise Abort("CORS: header not allowed", 403, {"Vary": "Origin"})
                allow_headers = ", ".join(self.headers)
            headers = {
                "Access-Control-Allow-Origin": allow_origin,
                "Access-Control-Allow-Methods": ", ".join(self.methods),
                "Access-Control-Max-Age": str(self.max_age),
                "Vary": "Origin",
            }
            if allow_headers:
                headers["Access-Control-Allow-Headers"] = allow_headers
            if self.credentials:
                headers["Access-Control-Allow-Credentials"] = "true"
            raise Abort("", 204, headers)
        r.add_header("Access-Control-Allow-Origin", allow_origin)
        r.add_header("Vary", "Origin")
        if self.credentials:
            r.add_header("Access-Control-Allow-Credentials", "true")
        if self.expose:
            r.add_header("Access-Control-Expose-Headers", self.expose)
