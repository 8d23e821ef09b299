"""Conditional and range requests (RFC 9110 §13 and §14): the rules, without I/O.

``preconditions`` evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since
in the order of RFC 9110 §13.2.2; ``if_range_holds`` and ``byte_range`` decide a range. The
file answers (``StaticServer`` and ``Deliver.file``) use these and nothing else, so a gated
download resumes and revalidates exactly as a static file does.

Entity tags are compared against the *selected* representation (RFC 9110 §13.1.2: a 304 tells
the client "one of the stored responses you listed matches the selected representation"): a
client holding the gzip representation's tag that now asks for identity gets the identity one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime

__all__ = ["byte_range", "http_timestamp", "if_range_holds", "preconditions"]

# An entity-tag (RFC 9110 §8.8.3): ``"opaque"`` or ``W/"opaque"``; etagc excludes DQUOTE only.
_ETAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')

PROCEED = 0
NOT_MODIFIED = 304
PRECONDITION_FAILED = 412


def http_timestamp(value: str) -> int | None:
    """Seconds since the epoch of an HTTP-date, or None when it is not one (then it is ignored)."""
    if "," in value.partition(",")[2]:
        return None  # RFC 9110 §13.1.3: "more than one member" -> ignore the field
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _tags(value: str) -> list[tuple[bool, str]]:
    """(weak, "opaque") for each entity-tag of a list; an unparsable list has none."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        found = _ETAG.match(value, position)
        if found is None or found.end() == position:
            return []
        tags.append((found[1] is not None, found[2]))
        position = found.end()
    return tags


def _matches(field: str, etag: str, strong: bool) -> bool:
    """Whether a list field (If-Match, If-None-Match) names ``etag`` (RFC 9110 §8.8.3.2)."""
    if field.strip() == "*":
        return True  # the representation exists (we only evaluate for one that does)
    weak = etag.startswith("W/")
    opaque = etag[2:] if weak else etag
    if strong and weak:
        return False
    return any(tag == opaque and not (strong and tag_weak) for tag_weak, tag in _tags(field))


def preconditions(method: str, get: Callable[[str], str | None], etag: str, modified: int | None) -> int:
    """0 to go on, 304 (Not Modified) or 412 (Precondition Failed), per RFC 9110 §13.2.2.

    ``get`` reads a request field (lower-case name); ``etag`` is the selected representation's
    entity-tag and ``modified`` its Last-Modified in whole seconds (None when it has none).
    """
    if_match = get("if-match")
    if if_match is not None:
        # Step 1: "if true, continue to step 3; if false, respond 412" (strong comparison).
        if not _matches(if_match, etag, strong=True):
            return PRECONDITION_FAILED
    else:
        since = get("if-unmodified-since")
        if since is not None and modified is not None:
            date = http_timestamp(since)
            if date is not None and modified > date:
                return PRECONDITION_FAILED  # step 2
    if_none_match = get("if-none-match")
    safe = method in ("GET", "HEAD")
    if if_none_match is not None:
        # Step 3: "if false for GET/HEAD, respond 304; if false for other methods, respond 412"
        # (weak comparison, RFC 9110 §13.1.2).
        if _matches(if_none_match, etag, strong=False):
            return NOT_MODIFIED if safe else PRECONDITION_FAILED
    elif safe and modified is not None:
        since = get("if-modified-since")
        if since is not None:
            date = http_timestamp(since)
            if date is not None and modified <= date:
                return NOT_MODIFIED  # step 4
    return PROCEED


def if_range_holds(if_range: str | None, etag: str, modified: int | None) -> bool:
    """Step 5: whether a Range may be honoured (RFC 9110 §13.1.5).

    "If the validator given in the If-Range header field matches the current validator for the
    selected representation of the target resource, then the server SHOULD process the Range
    header field"; an entity-tag must match strongly, a date exactly.
    """
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return not etag.startswith("W/") and not value.startswith("W/") and value == etag
    date = http_timestamp(value)
    return date is not None and date == modified


def byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last inclusive) for one satisfiable range; None: ignore the header; False: 416.

    Several ranges are answered with the whole representation (RFC 9110 §14.2: "a server MAY
    ignore the Range header field"), as are other units and malformed ranges.
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash or not (first.isdigit() or last.isdigit()) or (first and not first.isdigit()):
        return None
    if last and not last.isdigit():
        return None
    if not first:  # suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return False
    return start, min(end, size - 1)
