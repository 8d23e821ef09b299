"""zstd content decoding (RFC 8878), with the optional zstandard package (or Python 3.14's compression.zstd)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable

import pytest

from blazeio_common import DecompressionError
from blazeio_common.http import get_decoder
from blazeio_common.http.codecs import DECODABLE_ENCODINGS, ZSTD_AVAILABLE


def _compressor() -> Callable[[bytes], bytes]:
    try:
        from compression import zstd  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        zstandard = pytest.importorskip("zstandard")
        return lambda data: bytes(zstandard.ZstdCompressor(level=3).compress(data))
    return lambda data: bytes(zstd.compress(data))


compress = _compressor()
PAYLOAD = os.urandom(5000) + b"zstd compresses repetition " * 20000


def decode_split(data: bytes, cuts: list[int], max_size: int = 1 << 30) -> bytes:
    decoder = get_decoder("zstd", max_size)
    out = []
    start = 0
    for cut in [*cuts, len(data)]:
        out.append(decoder.decode(data[start:cut]))
        start = cut
    out.append(decoder.flush())
    return b"".join(out)


def test_zstd_body_decodes_exactly() -> None:
    assert decode_split(compress(PAYLOAD), []) == PAYLOAD


def test_zstd_decodes_the_same_wherever_the_stream_is_split() -> None:
    data = compress(PAYLOAD)
    for cut in range(0, len(data), max(1, len(data) // 97)):
        assert decode_split(data, [cut]) == PAYLOAD, cut
    for piece in (1, 3, 64, 1000):
        assert decode_split(data, list(range(piece, len(data), piece))) == PAYLOAD, piece


def test_concatenated_zstd_frames_decode_as_one_body() -> None:
    assert decode_split(compress(b"first ") + compress(b"second"), [3]) == b"first second"


def test_a_zstd_bomb_stops_at_the_cap_and_holds_no_more_than_it() -> None:
    cap = 1 << 20
    bomb = compress(b"\0" * (256 << 20))  # 256 MiB of zeros in a few KiB
    assert len(bomb) < 1 << 16
    decoder = get_decoder("zstd", cap)
    produced = 0
    tracemalloc.start()
    try:
        with pytest.raises(DecompressionError, match="exceeds"):
            for i in range(0, len(bomb), 4096):
                produced += len(decoder.decode(bomb[i : i + 4096]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert produced <= cap
    assert peak < 3 * cap  # never the 256 MiB the frame announces


def test_output_exactly_at_the_zstd_cap_is_allowed() -> None:
    data = b"x" * 100_000
    assert decode_split(compress(data), [10], max_size=len(data)) == data
    with pytest.raises(DecompressionError):
        decode_split(compress(data), [10], max_size=len(data) - 1)


def test_corrupt_zstd_is_a_decompression_error() -> None:
    with pytest.raises(DecompressionError, match="invalid zstd"):
        decode_split(b"this is not a zstd frame at all", [])
    with pytest.raises(DecompressionError, match="invalid zstd"):
        decode_split(compress(PAYLOAD)[:4] + b"\xff" * 64, [])


def test_zstd_is_decodable_exactly_when_a_decoder_is_installed() -> None:
    assert ZSTD_AVAILABLE
    assert "zstd" in DECODABLE_ENCODINGS
