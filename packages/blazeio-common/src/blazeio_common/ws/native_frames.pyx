# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled twins of parts of ``mask.py``, ``small.py``, ``frames.py`` and ``keys.py``: masking,
the one-read message, a client's whole-message frame and its masking keys.

``mask(data, key, offset)`` is RFC 6455 §5.3 masking: the key is repeated into one 64-bit word
starting at key byte ``offset % 4``; the payload is XORed with it a word at a time, the last
bytes one by one. No alignment is assumed (``memcpy`` into a local word, which compilers turn
into plain loads and stores).

``read_message(data, mask_bit, limit)`` is ``small.pure_read_message``: the message of a read
that is exactly one small whole frame, or ``None``.

``masked_frame(opcode, payload, key)`` is ``frames.pure_masked_frame``: header, key and masked
payload written into one new ``bytes``. ``MaskKeys`` is ``keys.PureMaskKeys``.

Each returns what its pure-Python twin returns for every input (tests/common/
test_ws_native_frames.py compares them; for the keys, their properties).

Memory safety: a source is a buffer held for the whole call (``PyObject_GetBuffer``) or a
``bytes`` object, a destination a new ``bytes`` of the length written; every index is below
those lengths (``read_message`` checks ``n == head + length`` before reading the payload).
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

import os


cdef void _xor(const unsigned char* src, unsigned char* dst, Py_ssize_t n, const unsigned char* key,
               Py_ssize_t shift) noexcept:
    cdef unsigned char repeated[8]
    cdef uint64_t word, key64
    cdef Py_ssize_t i
    for i in range(8):
        repeated[i] = key[(i + shift) & 3]
    memcpy(&key64, repeated, 8)
    i = 0
    while i + 8 <= n:
        memcpy(&word, src + i, 8)
        word ^= key64
        memcpy(dst + i, &word, 8)
        i += 8
    while i < n:
        dst[i] = src[i] ^ repeated[i & 7]
        i += 1


def mask(data, bytes key not None, Py_ssize_t offset=0):
    """``data`` XOR ``key`` repeated; ``offset`` is the position of ``data[0]`` in the payload."""
    cdef Py_buffer view
    cdef object out
    if len(key) != 4:
        raise ValueError("a masking key is 4 bytes")
    if type(data) is memoryview and not data.c_contiguous:
        data = data.tobytes()  # a strided view: its bytes in order, as the pure build reads it
    PyObject_GetBuffer(data, &view, PyBUF_SIMPLE)
    try:
        out = PyBytes_FromStringAndSize(NULL, view.len)
        _xor(<const unsigned char*>view.buf, <unsigned char*>PyBytes_AS_STRING(out), view.len,
             <const unsigned char*>PyBytes_AS_STRING(key), offset & 3)
    finally:
        PyBuffer_Release(&view)
    return out


def read_message(bytes data not None, Py_ssize_t mask_bit, Py_ssize_t limit):
    """The message (``bytes`` or ``str``) when ``data`` is exactly one whole, unfragmented,
    uncompressed binary or text frame with a 7- or 16-bit length of at most ``limit``,
    masked when ``mask_bit`` is 0x80 and not when it is 0, text that is valid UTF-8; else ``None``."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(data)
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t length, head
    cdef unsigned char first
    cdef object payload
    if n < 2:
        return None
    first = p[0]
    if first != 0x81 and first != 0x82:
        return None
    # A masking bit other than the one this side requires puts the length outside 0..126.
    length = <Py_ssize_t>p[1] - mask_bit
    head = 6 if mask_bit else 2
    if length >= 126:
        if length != 126 or n < head + 2:
            return None  # a 64-bit length, or the wrong masking bit
        length = (<Py_ssize_t>p[2] << 8) | p[3]
        head += 2
    if length < 0 or length > limit or n != head + length:
        return None
    if mask_bit:
        payload = PyBytes_FromStringAndSize(NULL, length)
        _xor(p + head, <unsigned char*>PyBytes_AS_STRING(payload), length, p + head - 4, 0)
        if first == 0x82:
            return payload
        p = <const unsigned char*>PyBytes_AS_STRING(payload)
        head = 0
    elif first == 0x82:
        return PyBytes_FromStringAndSize(<const char*>p + head, length)
    try:
        return PyUnicode_DecodeUTF8(<const char*>p + head, length, NULL)
    except UnicodeDecodeError:
        return None  # the general path fails the connection with 1007


def masked_frame(int opcode, bytes payload not None, bytes key not None):
    """A whole (FIN), uncompressed frame of ``opcode`` carrying ``payload`` masked with ``key``,
    as a client sends it; the length in its minimal encoding (RFC 6455 §5.2)."""
    cdef Py_ssize_t n = PyBytes_GET_SIZE(payload)
    cdef Py_ssize_t head, i
    cdef unsigned char* out
    cdef object frame
    if len(key) != 4:
        raise ValueError("a masking key is 4 bytes")
    if not 0 <= opcode <= 0x0F:
        raise ValueError("an opcode is 4 bits")
    head = 2 if n < 126 else 4 if n < 0x10000 else 10
    frame = PyBytes_FromStringAndSize(NULL, head + 4 + n)
    out = <unsigned char*>PyBytes_AS_STRING(frame)
    out[0] = 0x80 | opcode
    if n < 126:
        out[1] = 0x80 | n
    elif n < 0x10000:
        out[1] = 0x80 | 126
        out[2] = (n >> 8) & 0xFF
        out[3] = n & 0xFF
    else:
        out[1] = 0x80 | 127
        for i in range(8):
            out[2 + i] = (n >> (56 - 8 * i)) & 0xFF
    memcpy(out + head, PyBytes_AS_STRING(key), 4)
    _xor(<const unsigned char*>PyBytes_AS_STRING(payload), out + head + 4, n,
         <const unsigned char*>PyBytes_AS_STRING(key), 0)
    return frame


cdef class MaskKeys:
    """A fresh 4-byte masking key per call, from ``os.urandom`` fetched 64 keys at a time."""

    cdef bytes _pool
    cdef Py_ssize_t _at

    def __cinit__(self):
        self._pool = b""
        self._at = 0

    def __call__(self):
        cdef Py_ssize_t at = self._at
        if at + 4 > PyBytes_GET_SIZE(self._pool):
            self._pool = os.urandom(256)
            at = 0
        self._at = at + 4
        return PyBytes_FromStringAndSize(PyBytes_AS_STRING(self._pool) + at, 4)
