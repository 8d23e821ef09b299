# cython: language_level=3, boundscheck=True, wraparound=False, cdivision=False
"""The compiled twin of ``heads.py``: one scan over a head's bytes, no Python object until the
results.

``parse_request_head`` and ``parse_response_head`` accept exactly the heads the pure-Python
path accepts and return what it would build; for anything else -- an incomplete head, a limit, a fault, a rare form
such as ``HTTP/1.2`` -- it returns ``None`` and the caller runs the pure-Python path, which
names the fault with the same exception and status. So the two builds cannot differ in their
errors, and this file only has to be right about the heads it accepts (the differential
test in tests/common/test_native_differential.py checks that).

Memory safety: every read is ``p[i]`` with ``i < n`` checked in the same condition, or an
eight-byte ``memcpy`` from ``p + i`` with ``i + 8 <= end <= n`` checked the same way (``n`` is
the length of the bytes object, which nothing can change during the scan: no Python code
runs inside it); nothing reads ``p`` after the head is deleted from the buffer; the one stack
buffer is written only below its declared size, and nothing is allocated by hand.

A plain request comes back as a finished ``Request`` (see ``parse_request_head``), made without
``__init__``: ``_plain`` sets every slot ``events.Request`` has, and a slot added there must be
set here too (the differential tests compare every field of the event).
"""

from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_GET_SIZE
from cpython.object cimport PyTypeObject
from cpython.unicode cimport PyUnicode_DecodeLatin1
from libc.stdint cimport uint64_t
from libc.string cimport memchr, memcmp, memcpy

cdef extern from "Python.h":
    # type->tp_alloc(type, 0): what object.__new__ does for a class without its own __new__,
    # without looking ``__new__`` up and calling it (for speed: two objects per request).
    object PyType_GenericNew(PyTypeObject* t, object args, object kwds)

from blazeio_common.http.events import Request
from blazeio_common.http.headers import Headers

# The lookup tables: 1 where a byte may appear.
cdef unsigned char TCHAR[256]      # token (RFC 9110 §5.6.2)
cdef unsigned char TARGET[256]     # the request target: visible ASCII
cdef unsigned char VALUE[256]      # field values: anything but the CTLs (HTAB allowed), DEL
cdef unsigned char LOWER[256]      # ASCII lower-casing


cdef void _tables():
    cdef int c
    for c in range(256):
        TCHAR[c] = 0
        TARGET[c] = 1 if 0x21 <= c <= 0x7E else 0
        VALUE[c] = 1 if (c >= 0x20 and c != 0x7F) or c == 9 else 0
        LOWER[c] = c + 32 if 0x41 <= c <= 0x5A else c
    for c in b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz":
        TCHAR[c] = 1


_tables()

cdef enum:
    NAME_BUF = 64  # lower-case names up to this length are built on the stack

# Field names clients send on most requests, as sent and in lower case: a name that is one of
# them byte for byte costs a few compares instead of two new strings and a hash. (Constants,
# never changed; the bytes objects keep the C pointers valid.)
cdef tuple KNOWN = (
    "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection", "Cookie", "Referer",
    "Cache-Control", "Content-Type", "Content-Length", "Origin", "Authorization", "Upgrade-Insecure-Requests",
    "Sec-Fetch-Dest", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-User", "Priority", "Pragma",
    "If-None-Match", "If-Modified-Since", "Transfer-Encoding", "X-Requested-With", "X-Forwarded-For",
    "X-Request-Id", "Expect", "Range", "Upgrade", "DNT",
)
cdef tuple KNOWN_LOWER = tuple(name.lower() for name in KNOWN)
cdef tuple KNOWN_BYTES = tuple(name.encode("ascii") for name in KNOWN)
assert len(KNOWN) == 30
cdef enum:
    KNOWN_COUNT = 30


# The same names as C spans, for the lookup below: no Python object touched per compare.
cdef const char* KNOWN_PTR[KNOWN_COUNT]
cdef Py_ssize_t KNOWN_LEN[KNOWN_COUNT]


cdef void _known_spans():
    cdef Py_ssize_t k
    for k in range(KNOWN_COUNT):
        KNOWN_PTR[k] = <const char*>(<bytes>KNOWN_BYTES[k])  # KNOWN_BYTES keeps them alive
        KNOWN_LEN[k] = len(<bytes>KNOWN_BYTES[k])


_known_spans()


cdef inline Py_ssize_t _known(const unsigned char* p, Py_ssize_t n):
    """The index of the name ``p[:n]`` in ``KNOWN``, or -1."""
    cdef Py_ssize_t k
    for k in range(KNOWN_COUNT):
        if KNOWN_LEN[k] == n and memcmp(KNOWN_PTR[k], p, <size_t>n) == 0:
            return k
    return -1


# The usual methods as shared strings (a request's method is almost always one of them).
cdef str GET = "GET", POST = "POST", HEAD = "HEAD", PUT = "PUT", DELETE = "DELETE"


cdef inline str _method(const unsigned char* p, Py_ssize_t n):
    if n == 3 and p[0] == b"G" and p[1] == b"E" and p[2] == b"T":
        return GET
    if n == 4 and p[0] == b"P" and p[1] == b"O" and p[2] == b"S" and p[3] == b"T":
        return POST
    return PyUnicode_DecodeLatin1(<const char*>p, n, NULL)


cdef inline str _lower(const unsigned char* p, Py_ssize_t n, str name):
    cdef unsigned char buf[NAME_BUF]
    cdef Py_ssize_t i
    if n > NAME_BUF:
        return name.lower()
    for i in range(n):  # i < n <= NAME_BUF: inside both p's span and buf
        buf[i] = LOWER[p[i]]
    return PyUnicode_DecodeLatin1(<const char*>buf, n, NULL)


cdef inline Py_ssize_t _value_end(const unsigned char* p, Py_ssize_t i, Py_ssize_t end):
    """The index of the first byte from ``p[i]`` on that may not be in a field value (below
    ``end``; ``end`` when there is none)."""
    # For speed: eight bytes per step while none of them is a CTL or DEL (values are long:
    # User-Agent, Accept and Cookie lines run to 100+ bytes), then byte by byte. A byte is
    # below 0x20 when (w - 0x20..) & ~w & 0x80.. has its high bit (exact for a test against
    # zero); it is DEL when w ^ 0x7F.. has a zero byte. HTAB is allowed, so a word with one
    # goes to the byte loop, which knows it.
    cdef uint64_t w, d, below_space, is_del
    while i + 8 <= end:
        memcpy(&w, p + i, 8)  # reads p[i] .. p[i + 7], all below end
        d = w ^ 0x7F7F7F7F7F7F7F7FULL
        below_space = (w - 0x2020202020202020ULL) & ~w
        is_del = (d - 0x0101010101010101ULL) & ~d
        if (below_space | is_del) & 0x8080808080808080ULL:
            break
        i += 8
    while i < end and VALUE[p[i]]:
        i += 1
    return i


cdef Py_ssize_t _head_end(const unsigned char* p, Py_ssize_t n, Py_ssize_t start):
    """The index just after the first CRLF CRLF at or after ``start``, or -1."""
    cdef const void* lf
    if start < 0:
        start = 0
    if start >= n:  # also keeps start + 3 from overflowing
        return -1
    cdef Py_ssize_t i = start + 3  # where the LF ending a match may be
    while i < n:
        lf = memchr(p + i, 10, <size_t>(n - i))  # reads p[i] .. p[n - 1] only
        if lf == NULL:
            return -1
        i = <const unsigned char*>lf - p  # i >= 3: the three bytes before it are in range
        if p[i - 3] == 13 and p[i - 2] == 10 and p[i - 1] == 13:
            return i + 1
        i += 2  # the next match's final LF is at least two bytes further
    return -1


cdef object _fields(const unsigned char* p, Py_ssize_t i, Py_ssize_t end, Py_ssize_t max_count, dict index):
    """The field lines from ``p[i]`` to the empty line ending at ``end`` as ``Headers`` whose
    lower-case index is ``index`` (filled here), or ``None`` for the pure path
    (``p[end - 2:end]`` is that empty line's CR LF)."""
    cdef Py_ssize_t start, name_end, value_start, value_end, k, count = 0
    cdef str name, value, lower
    cdef object old
    cdef list items = []
    cdef unsigned long long seen = 0  # bit k: KNOWN[k] is in the index (KNOWN_COUNT <= 64)
    cdef bint unknown = False  # a name not in KNOWN came first: look every key up
    # field-line = field-name ":" OWS field-value OWS CRLF
    while i < end - 2:
        count += 1
        if count > max_count:
            return None
        start = i
        while i < end and TCHAR[p[i]]:
            i += 1
        if i == start or i >= end or p[i] != 58:  # ':'
            return None
        name_end = i
        i += 1
        while i < end and (p[i] == 32 or p[i] == 9):
            i += 1
        value_start = i
        i = _value_end(p, i, end)
        # Only CR LF may end the line: a bare CR or LF, or any other CTL, is for the pure path.
        if i + 1 >= end or p[i] != 13 or p[i + 1] != 10:
            return None
        value_end = i
        while value_end > value_start and (p[value_end - 1] == 32 or p[value_end - 1] == 9):
            value_end -= 1
        i += 2
        k = _known(p + start, name_end - start)
        value = PyUnicode_DecodeLatin1(<const char*>p + value_start, value_end - value_start, NULL)
        if k >= 0:
            name = <str>KNOWN[k]
            lower = <str>KNOWN_LOWER[k]
            items.append((name, value))
            # A known name seen for the first time, in a head with no unknown name yet that
            # could have been the same in another case: no key to join with (no lookup).
            if not unknown and not (seen >> k) & 1:
                seen |= (<unsigned long long>1) << k
                index[lower] = value
                continue
        else:
            unknown = True
            name = PyUnicode_DecodeLatin1(<const char*>p + start, name_end - start, NULL)
            lower = _lower(p + start, name_end - start, name)
            items.append((name, value))
        old = index.get(lower)
        index[lower] = value if old is None else f"{old}, {value}"
    headers = PyType_GenericNew(<PyTypeObject*>Headers, None, None)  # as Headers._trusted(items, index) builds it
    headers._items = items
    headers._index = index
    return headers


cdef inline bint _version(const unsigned char* p):
    """``p[0:7]`` is ``HTTP/1.`` (the caller checked that the 8 bytes from p are in range)."""
    return (p[0] == b"H" and p[1] == b"T" and p[2] == b"T" and p[3] == b"P" and p[4] == b"/"
            and p[5] == b"1" and p[6] == b".")


cdef str V11 = "1.1", V10 = "1.0", KEEP_ALIVE = "keep-alive", CLOSE = "close"


cdef object _plain(str method, str target, str version, object headers, dict index, object hosts, bint origin):
    """The ``Request`` for a plain head (see ``parse_request_head``), or ``None``."""
    # Each rule here is one the receiver's _request applies; a head it cannot settle this
    # way goes there whole, so the two builds cannot differ.
    if not origin or method == "CONNECT":
        return None  # the other target forms: _check_target
    host = index.get("host")
    if host is None:
        if version is V11:
            return None  # RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host
    elif host not in hosts:
        return None  # not validated yet (or invalid, or repeated)
    if "transfer-encoding" in index or "content-length" in index or "expect" in index:
        return None
    connection = index.get("connection")
    cdef bint keep_alive
    if connection is None:
        keep_alive = version is V11
    elif connection == KEEP_ALIVE:
        keep_alive = True
    elif connection == CLOSE:
        keep_alive = False
    else:
        return None  # a token list: framing.keeps_alive
    request = PyType_GenericNew(<PyTypeObject*>Request, None, None)  # as Request(...) builds it, without the Python call
    request.method = method
    request.target = target
    request.version = version
    request.headers = headers
    request.keep_alive = keep_alive
    request.content_length = 0
    request.chunked = False
    request.expect_continue = False
    return request


def parse_request_head(bytearray buf, Py_ssize_t scan, limits, hosts=None):
    """Parse the complete request head at the start of ``buf`` and remove it from ``buf``.

    Returns ``(method, target, version, headers)`` as ``heads.parse_request_line`` and
    ``heads.parse_fields`` would, or ``None`` (``buf`` untouched) when the head is incomplete
    or anything about it is not plainly valid: the pure-Python path then decides.
    ``scan`` is where a CRLF CRLF may start (the bytes before it were searched already).

    With ``hosts`` (a set of Host values already found valid), a plain request -- an
    origin-form target, a Host in ``hosts`` (or none in HTTP/1.0), no body, no Expect, and no
    Connection value but ``keep-alive`` or ``close`` -- comes back as the finished ``Request``
    the receiver's ``_request`` would build, without returning to Python in between; any
    other head comes back as the tuple, for those checks in Python.
    """
    cdef Py_ssize_t n = PyByteArray_GET_SIZE(buf)
    cdef const unsigned char* p = <const unsigned char*>PyByteArray_AS_STRING(buf)
    cdef Py_ssize_t end = _head_end(p, n, scan)
    if end < 0:
        return None
    cdef Py_ssize_t i = 0, start, line_end
    cdef str method, target, version
    cdef dict index = {}
    # request-line = method SP request-target SP HTTP-version CRLF
    while i < end and TCHAR[p[i]]:
        i += 1
    if i == 0 or i >= end or p[i] != 32:
        return None
    method = _method(p, i)
    i += 1
    start = i
    while i < end and TARGET[p[i]]:
        i += 1
    # "SP HTTP/1.x CR LF" must fit: p[i] .. p[i + 10], all below end
    if i == start or i + 11 > end or p[i] != 32:
        return None
    if not (_version(p + i + 1) and p[i + 9] == 13 and p[i + 10] == 10):
        return None
    if p[i + 8] == b"1":
        version = V11
    elif p[i + 8] == b"0":
        version = V10
    else:
        return None  # HTTP/1.2 and the like: the pure path answers them as 1.1
    line_end = i + 9
    if line_end > limits.max_request_line or end - 2 - line_end > limits.max_header_bytes:
        return None
    headers = _fields(p, line_end + 2, end, limits.max_header_count, index)
    if headers is None:
        return None
    target = PyUnicode_DecodeLatin1(<const char*>p + start, i - start, NULL)
    cdef bint origin = p[start] == 47  # '/'; read before the del below, which may move the bytes
    del buf[:end]
    if hosts is not None:
        request = _plain(method, target, version, headers, index, hosts, origin)
        if request is not None:
            return request
    return method, target, version, headers


def parse_response_head(bytearray buf, Py_ssize_t scan, limits):
    """Parse the complete response head at the start of ``buf`` and remove it from ``buf``.

    Returns ``(version, status_code, reason, headers)`` as ``heads.parse_status_line`` and
    ``heads.parse_fields`` would, or ``None`` (``buf`` untouched) for the pure-Python path.
    """
    cdef Py_ssize_t n = PyByteArray_GET_SIZE(buf)
    cdef const unsigned char* p = <const unsigned char*>PyByteArray_AS_STRING(buf)
    cdef Py_ssize_t end = _head_end(p, n, scan)
    # status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF; the shortest head,
    # "HTTP/1.1 200" CRLF CRLF, has 16 bytes: p[0] .. p[11] are in range below.
    if end < 16:
        return None
    cdef Py_ssize_t i, line_end
    cdef str version, reason
    if not (_version(p) and p[8] == 32):
        return None
    if p[7] == b"1":
        version = "1.1"
    elif p[7] == b"0":
        version = "1.0"
    else:
        return None
    for i in range(9, 12):
        if not (48 <= p[i] <= 57):
            return None
    status_code = (p[9] - 48) * 100 + (p[10] - 48) * 10 + (p[11] - 48)
    # The reason: any bytes but CTLs (HTAB allowed) up to CR LF, after one SP; or none at all.
    i = 12
    if p[i] == 32:
        i += 1
        while i < end and VALUE[p[i]]:
            i += 1
    if i + 1 >= end or p[i] != 13 or p[i + 1] != 10:
        return None
    line_end = i
    if line_end > limits.max_request_line or end - 2 - line_end > limits.max_header_bytes:
        return None
    headers = _fields(p, line_end + 2, end, limits.max_header_count, {})
    if headers is None:
        return None
    reason = PyUnicode_DecodeLatin1(<const char*>p + 13, line_end - 13, NULL) if line_end > 12 else ""
    del buf[:end]
    return version, status_code, reason, headers
