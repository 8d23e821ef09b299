"""``io.Rvtools.headers``: a browser-like default header set."""

from __future__ import annotations

from blazeio_common import ddict
from blazeio_common.http.codecs import DECODABLE_ENCODINGS

__all__ = ["Rvtools"]


class Rvtools:
    """Header sets for requests that should look like a browser's."""

    @staticmethod
    def _headers() -> ddict:
        return ddict(
            {
                "accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "accept-language": "en-US,en;q=0.9",
                "accept-encoding": ", ".join(DECODABLE_ENCODINGS),  # exactly what the client decodes
                "cache-control": "no-cache",
                "pragma": "no-cache",
                "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/124.0 Safari/537.36",
            }
        )

    headers: ddict = _headers()
