"""Streaming content codecs: every decoder on real compressed data, bombs capped, streams whole."""

from __future__ import annotations

import gzip
import os
import zlib

import brotli
import pytest

from blazeio_common import DecompressionError
from blazeio_common.http import get_decoder, get_encoder

PAYLOAD = os.urandom(3000) + b"compressible " * 5000


def decode_in_pieces(encoding: str, data: bytes, piece: int = 7, max_size: int = 1 << 30) -> bytes:
    decoder = get_decoder(encoding, max_size)
    out = [decoder.decode(data[i : i + piece]) for i in range(0, len(data), piece)]
    out.append(decoder.flush())
    return b"".join(out)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda d: zlib.compress(d)[2:-4]),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("identity", lambda d: d),
    ],
)
def test_each_decoder_restores_the_payload_fed_in_small_pieces(encoding: str, compress: object) -> None:
    assert decode_in_pieces(encoding, compress(PAYLOAD)) == PAYLOAD  # type: ignore[operator]


def test_multi_member_gzip_is_decoded_whole() -> None:
    data = gzip.compress(b"first member, ") + gzip.compress(b"second member, ") + gzip.compress(b"third")
    assert decode_in_pieces("gzip", data, piece=5) == b"first member, second member, third"
    assert decode_in_pieces("gzip", data, piece=len(data)) == b"first member, second member, third"


def test_stacked_codings_are_undone_in_reverse_order() -> None:
    data = brotli.compress(gzip.compress(PAYLOAD))  # Content-Encoding: gzip, br
    assert decode_in_pieces("gzip, br", data, piece=101) == PAYLOAD


@pytest.mark.parametrize(
    ("encoding", "bomb"),
    [
        ("gzip", gzip.compress(b"\0" * (20 << 20))),
        ("deflate", zlib.compress(b"\0" * (20 << 20))),
        ("br", brotli.compress(b"\0" * (20 << 20))),
    ],
)
def test_a_compression_bomb_stops_at_the_cap(encoding: str, bomb: bytes) -> None:
    cap = 1 << 20
    decoder = get_decoder(encoding, max_size=cap)
    produced = 0
    with pytest.raises(DecompressionError) as info:
        for i in range(0, len(bomb), 4096):
            produced += len(decoder.decode(bomb[i : i + 4096]))
        decoder.flush()
    assert info.value.status_code == 413
    assert produced <= cap


def test_output_exactly_at_the_cap_is_allowed() -> None:
    data = gzip.compress(b"a" * 1000)
    assert decode_in_pieces("gzip", data, max_size=1000) == b"a" * 1000
    with pytest.raises(DecompressionError):
        decode_in_pieces("gzip", data, max_size=999)


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("gzip", b"not gzip at all"),
        ("gzip", gzip.compress(PAYLOAD)[:-20]),
        ("deflate", b"\xff\xfe garbage"),
        ("br", b"\xff\xff\xff garbage"),
        ("br", brotli.compress(PAYLOAD)[:-10]),
    ],
)
def test_corrupt_or_truncated_streams_raise(encoding: str, data: bytes) -> None:
    with pytest.raises(DecompressionError):
        decode_in_pieces(encoding, data)


def test_unknown_content_coding_is_a_415() -> None:
    with pytest.raises(DecompressionError) as info:
        get_decoder("zstd-nope")
    assert info.value.status_code == 415


@pytest.mark.parametrize(
    ("coding", "decompress"),
    [("gzip", gzip.decompress), ("deflate", zlib.decompress), ("br", brotli.decompress)],
)
def test_one_encoder_per_body_makes_one_valid_stream(coding: str, decompress: object) -> None:
    encoder = get_encoder(coding)
    pieces = [PAYLOAD[i : i + 999] for i in range(0, len(PAYLOAD), 999)]
    out = [encoder.encode(p) for p in pieces]
    out.append(encoder.flush())
    out.append(encoder.finish())
    stream = b"".join(out)
    assert decompress(stream) == PAYLOAD  # type: ignore[operator]
    if coding == "gzip":
        # a single member: the stdlib decoder of one member sees everything
        assert zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(stream) == PAYLOAD


def test_flush_makes_everything_so_far_decodable_for_streams() -> None:
    encoder = get_encoder("gzip")
    decoder = get_decoder("gzip")
    first = encoder.encode(b"event one\n") + encoder.flush()
    assert decoder.decode(first) == b"event one\n"
