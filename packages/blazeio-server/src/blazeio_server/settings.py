"""Server settings: every limit and timeout, each with a safe default.

``io.App(host, port, **settings)`` accepts any field below as a keyword.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields
from typing import Any

from blazeio_common.http import Limits, serialise_fields

__all__ = ["ServerSettings"]

_SERVER_LINES: dict[str | None, bytes] = {}


@dataclass(slots=True)
class ServerSettings:
    """Limits and timeouts of one ``App``.

    - ``limits``: the HTTP core's size limits (request line 414, header block/count 431, ...);
    - ``header_timeout``: seconds to receive a complete head once it has begun (slowloris); checked
      twice a second, so a dripping client is cut off within 10 s by default;
    - ``keepalive_timeout``: seconds an idle keep-alive connection is kept;
    - ``body_timeout``: seconds a handler may wait for the next piece of a request body;
    - ``drain_limit``: unread request-body bytes the server discards after a handler returned
      (so the connection can be reused); beyond it the connection is closed;
    - ``read_high_water`` / ``read_low_water``: buffered unread bytes at which reading pauses / resumes;
    - ``write_high_water`` / ``write_low_water``: the transport's write buffer watermarks;
    - ``max_connections``: open connections beyond which new ones get 503 and are closed;
    - ``shutdown_timeout``: seconds in-flight requests get to finish on shutdown before cancellation;
    - ``server_header``: the ``Server`` value, or ``None`` for no header;
    - ``backlog``: the listen backlog;
    - ``keepalive``: reuse connections (``App(..., with_keepalive=0)`` turns it off);
    - ``max_body_size``: bytes the whole-body helpers (``get_json``, ``text``, forms' fields) read (413);
    - ``max_form_size`` / ``max_form_parts``: a multipart body's total size (413) and part count;
      ``max_part_header_size``: the header block of one multipart part (400 beyond);
    - ``spool_threshold``: bytes of an uploaded file kept in memory before it moves to disk;
    - ``trusted_proxies``: proxy addresses (or CIDRs) whose ``Forwarded`` / ``X-Forwarded-For``
      give ``r.ip_host``; empty by default, so those headers are never trusted;
    - ``compress``: negotiate gzip/br for text-like responses (off by default; a response can also
      opt in with an explicit ``Content-Encoding`` header); ``compress_min_size``: smaller bodies
      are sent as they are;
    - ``access_log``: one line per request on the ``blazeio.access`` stdlib logger (off by default);
    - ``max_decoded_size``: the cap when ``r.pull(decode=True)`` inflates a compressed request body;
    - ``sendfile_threads``: threads sending files zero-copy where the loop cannot (uvloop); each
      holds one file response until it is sent, and when all are busy files are read and copied;
    - ``extra_methods``: request methods beyond RFC 9110's and PATCH that handlers for every
      method (``add_route``, handle-all middleware) are given, e.g. ``{"PROPFIND"}``. Methods are
      case-sensitive; any other is answered 501 (or 405 where the path has routes by method).
      A method given to ``add_method_route`` needs no entry here.
    - ``head_cache_size``: request heads (up to 1 KiB) this App remembers parsed, so a head a
      client repeats byte for byte is not parsed again; 0 turns the cache off. Each App has its own;
    - ``header_shape_cache_size``: header mappings given to ``prepare()`` whose framing and
      validated lines this App remembers; 0 turns it off.
    """

    limits: Limits = field(default_factory=Limits)
    header_timeout: float = 9.0
    keepalive_timeout: float = 15.0
    body_timeout: float = 60.0
    drain_limit: int = 1 << 20
    read_high_water: int = 1 << 20
    read_low_water: int = 1 << 18
    write_high_water: int = 1 << 20
    write_low_water: int = 1 << 18
    max_connections: int = 10_000
    shutdown_timeout: float = 10.0
    server_header: str | None = "Blazeio"
    backlog: int = 2048
    keepalive: bool = True
    max_body_size: int = 10 << 20
    max_form_size: int = 1 << 30
    max_form_parts: int = 1000
    max_part_header_size: int = 16 * 1024
    spool_threshold: int = 1 << 20
    trusted_proxies: frozenset[str] = frozenset()
    compress: bool = False
    access_log: bool = False
    compress_min_size: int = 1024
    max_decoded_size: int = 1 << 30
    sendfile_threads: int = 32
    head_cache_size: int = 256
    header_shape_cache_size: int = 256
    extra_methods: Collection[str] = frozenset()

    @property
    def server_line(self) -> bytes:
        """The ``Server`` field line (or nothing), computed once per value."""
        value = self.server_header
        cached = _SERVER_LINES.get(value)
        if cached is None:
            cached = _SERVER_LINES[value] = b"" if value is None else serialise_fields({"Server": value})
        return cached

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> tuple[ServerSettings, dict[str, Any]]:
        """Split keyword arguments into settings and the rest."""
        names = {f.name for f in fields(cls)}
        mine = {k: v for k, v in kwargs.items() if k in names}
        rest = {k: v for k, v in kwargs.items() if k not in names}
        return cls(**mine), rest
