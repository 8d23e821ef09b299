# The compiled module's Python-visible API (native_heads.pyx; mypy does not read .pyx).
from blazeio_common.http.events import Request
from blazeio_common.http.headers import Headers
from blazeio_common.http.limits import Limits

def parse_request_head(
    buf: bytearray, scan: int, limits: Limits, hosts: set[str] | None = None
) -> Request | tuple[str, str, str, Headers] | None: ...
def parse_response_head(buf: bytearray, scan: int, limits: Limits) -> tuple[str, int, str, Headers] | None: ...
