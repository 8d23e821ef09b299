# cython: language_level=3, boundscheck=False, wraparound=False
"""The compiled twin of ``mask.py``: RFC 6455 §5.3 masking, eight bytes per step.

``mask(data, key, offset)`` returns what the pure-Python ``mask`` returns for every input
(tests/common/test_ws_mask_native.py compares the two). The key is repeated into one 64-bit
word starting at key byte ``offset % 4``; the payload is XORed with it a word at a time, the
last bytes one by one. No alignment is assumed (``memcpy`` into a local word, which compilers
turn into plain loads and stores).

Memory safety: the source is a buffer held for the whole call (``PyObject_GetBuffer``), the
destination a new ``bytes`` of the same length; every index is below that length.
"""

from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint64_t
from libc.string cimport memcpy


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
