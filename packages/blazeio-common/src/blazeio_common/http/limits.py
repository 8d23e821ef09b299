"""Size limits of the HTTP core, each with a safe default; every one is a setting."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Limits applied while parsing. Exceeding one raises ``ProtocolError`` with its status.

    - ``max_request_line``: bytes in a request line (414), or a status line (400);
    - ``max_header_bytes``: bytes in the header block after the start line (431);
    - ``max_header_count``: header field lines (431);
    - ``max_chunk_line``: bytes in one chunk-size line with its extensions (400);
    - ``max_trailer_bytes`` / ``max_trailer_count``: the trailer section of a chunked body (431);
    - ``max_body_size``: declared or received body bytes (413); ``None`` streams any size;
    - ``max_empty_lines``: CRLFs tolerated before a request line (RFC 9112 §2.2).
    """

    max_request_line: int = 8 * 1024
    max_header_bytes: int = 64 * 1024
    max_header_count: int = 100
    max_chunk_line: int = 4 * 1024
    max_trailer_bytes: int = 16 * 1024
    max_trailer_count: int = 50
    max_body_size: int | None = None
    max_empty_lines: int = 8


DEFAULT_LIMITS = Limits()
