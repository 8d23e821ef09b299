"""The sans-IO HTTP/1.1 core shared by the server and the client: bytes in, events or bytes out.

No asyncio and no sockets anywhere below this package (a test asserts it).
"""

from __future__ import annotations

from blazeio_common.errors import DecompressionError, IncompleteBody, LocalProtocolError, ProtocolError
from blazeio_common.http.codecs import DEFAULT_MAX_DECODED_SIZE, SUPPORTED_ENCODINGS, get_decoder, get_encoder
from blazeio_common.http.events import (
    NEED_DATA,
    PAUSED,
    ConnectionClosed,
    Data,
    EndOfMessage,
    InformationalResponse,
    Request,
    Response,
)
from blazeio_common.http.framing import keeps_alive, parse_content_length
from blazeio_common.http.head_cache import HeadCache
from blazeio_common.http.headers import Headers
from blazeio_common.http.limits import DEFAULT_LIMITS, Limits
from blazeio_common.http.receive import RequestReceiver, ResponseReceiver
from blazeio_common.http.send_framing import FRAMINGS, send_framing
from blazeio_common.http.status import reason_phrase, status_line
from blazeio_common.http.writers import (
    ChunkedWriter,
    ContentLengthWriter,
    UntilCloseWriter,
    serialise_fields,
    serialise_request_head,
    serialise_response_head,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_DECODED_SIZE",
    "FRAMINGS",
    "NEED_DATA",
    "PAUSED",
    "SUPPORTED_ENCODINGS",
    "ChunkedWriter",
    "ConnectionClosed",
    "ContentLengthWriter",
    "Data",
    "DecompressionError",
    "EndOfMessage",
    "HeadCache",
    "Headers",
    "IncompleteBody",
    "InformationalResponse",
    "Limits",
    "LocalProtocolError",
    "ProtocolError",
    "Request",
    "RequestReceiver",
    "Response",
    "ResponseReceiver",
    "UntilCloseWriter",
    "get_decoder",
    "get_encoder",
    "keeps_alive",
    "parse_content_length",
    "reason_phrase",
    "send_framing",
    "serialise_fields",
    "serialise_request_head",
    "serialise_response_head",
    "status_line",
]
