"""How a message we send frames its body, and the one table of body readers and writers.

``send_framing`` is the sending side's half of RFC 9112 §6 (``framing.response_framing`` is
the receiving side's): the server's ``prepare()`` and the client's request head both ask it,
so the no-body rule and the HTTP/1.0 rule are written once.

- RFC 9110 §9.3.2 / §15: a response to HEAD, a 1xx, 204 and 304 carry no content.
- RFC 9112 §6.1: "A server MUST NOT send a response containing Transfer-Encoding unless the
  corresponding request indicates HTTP/1.1": an HTTP/1.0 peer gets the bytes until close.
- RFC 9112 §6.3: a response with neither Content-Length nor chunked ends when the connection
  closes; a *request* with neither has no content.
- RFC 9112 §6.2: "A sender MUST NOT send a Content-Length header field in any message that
  contains a Transfer-Encoding header field."

``FRAMINGS`` maps each framing to its (reader, writer) classes: what one side writes with the
writer, the other reads with the reader.
"""

from __future__ import annotations

from blazeio_common.errors import LocalProtocolError
from blazeio_common.http.framing import CHUNKED, CONTENT_LENGTH, NO_BODY, UNTIL_CLOSE
from blazeio_common.http.readers import ChunkedReader, ContentLengthReader, UntilCloseReader
from blazeio_common.http.writers import ChunkedWriter, ContentLengthWriter, NoBodyWriter, UntilCloseWriter

__all__ = ["FRAMINGS", "send_framing"]

FRAMINGS: dict[str, tuple[type, type]] = {
    CONTENT_LENGTH: (ContentLengthReader, ContentLengthWriter),
    CHUNKED: (ChunkedReader, ChunkedWriter),
    UNTIL_CLOSE: (UntilCloseReader, UntilCloseWriter),
    NO_BODY: (ContentLengthReader, NoBodyWriter),  # a reader of length 0
}


def send_framing(
    content_length: int | None, chunked: bool, version: str, method: str, status: int | None = None
) -> str:
    """The framing of a message we send: ``NO_BODY``, ``CONTENT_LENGTH``, ``CHUNKED`` or ``UNTIL_CLOSE``.

    ``status`` is the response's (``None`` for a request); ``method`` the request's method;
    ``version`` the peer's HTTP version. The caller declared ``content_length`` and/or
    ``chunked`` in its headers.
    """
    if status is not None and (method == "HEAD" or status < 200 or status in (204, 304)):
        return NO_BODY  # the head says what the body would be; the bytes never go out
    if chunked:
        if content_length is not None:
            raise LocalProtocolError("Content-Length and Transfer-Encoding: chunked together")
        return UNTIL_CLOSE if version == "1.0" and status is not None else CHUNKED
    if content_length is not None:
        return CONTENT_LENGTH
    return UNTIL_CLOSE if status is not None else NO_BODY
