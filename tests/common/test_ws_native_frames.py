"""The compiled frame helpers (``ws/native_frames.pyx``) against their pure-Python references.

Masking (``pure_mask``): every length around the 8-byte steps and the pure build's 64 KiB
slices, every offset, seeded random keys and payloads, and each kind of buffer a caller passes:
both builds must return the same bytes, and unmasking what either masked gives the payload back.

The one-read message (``pure_read_message``): frames of every shape at the edges it checks and
seeded random mutations of them, for both masking bits and several limits: both builds must
return the same message (or both ``None``), of the same type.

A client's whole-message frame (``pure_masked_frame``): byte for byte the same at every length
encoding; masking keys (``PureMaskKeys``): four bytes each, fresh across refills, in both builds.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import random
import subprocess
import sys

import pytest

from blazeio_common.ws import frames, keys, native, small
from blazeio_common.ws.frames import build_frame, pure_masked_frame
from blazeio_common.ws.keys import PureMaskKeys
from blazeio_common.ws.mask import pure_mask
from blazeio_common.ws.small import pure_read_message

native_frames = pytest.importorskip("blazeio_common.ws.native_frames", reason="the compiled helpers were not built")
# The module, not the package's ``mask`` function of the same name.
mask_module = importlib.import_module("blazeio_common.ws.mask")

SLICE = 1 << 16
LENGTHS = [*range(0, 70), 125, 126, 127, 4093, 4096, 4099, SLICE - 9, SLICE - 1, SLICE, SLICE + 1, SLICE + 7]
LENGTHS += [3 * SLICE + 5, (1 << 20) + 3]


@pytest.mark.parametrize("length", LENGTHS)
def test_the_compiled_masking_matches_the_pure_python_one(length: int) -> None:
    rng = random.Random(length)
    data = rng.randbytes(length)
    for offset in range(8):
        key = rng.randbytes(4)
        expected = pure_mask(data, key, offset)
        for given in (data, bytearray(data), memoryview(data)):
            assert native_frames.mask(given, key, offset) == expected
        assert native_frames.mask(expected, key, offset) == data


def test_a_slice_of_a_buffer_is_masked_as_its_own_bytes() -> None:
    rng = random.Random(7)
    buf = bytearray(rng.randbytes(1000))
    key = b"\x37\xfa\x21\x3d"
    with memoryview(buf) as view:
        for start, end in ((0, 0), (1, 9), (3, 1000), (6, 517)):
            assert native_frames.mask(view[start:end], key, start) == pure_mask(bytes(buf[start:end]), key, start)
        strided = view[::3]  # not contiguous: read in order, as the pure build reads it
        assert native_frames.mask(strided, key) == pure_mask(bytes(strided), key)


def test_random_payloads_and_offsets_mask_alike() -> None:
    rng = random.Random(2024)
    for _ in range(500):
        data = rng.randbytes(rng.randrange(0, 300))
        key, offset = rng.randbytes(4), rng.randrange(0, 1 << 20)
        assert native_frames.mask(data, key, offset) == pure_mask(data, key, offset)


def test_the_compiled_helpers_run_unless_extensions_are_off() -> None:
    probe = (
        "import importlib; m = importlib.import_module('blazeio_common.ws.mask'); "
        "from blazeio_common.ws import frames, keys, native, small; "
        "print(native.COMPILED, m.mask is m.pure_mask, small.read_message is small.pure_read_message, "
        "frames.masked_frame is frames.pure_masked_frame, keys.MaskKeys is keys.PureMaskKeys)"
    )
    environ = {k: v for k, v in os.environ.items() if k != "BLAZEIO_NO_EXTENSIONS"}
    pure = subprocess.run(
        [sys.executable, "-c", probe], env={**environ, "BLAZEIO_NO_EXTENSIONS": "1"},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert pure == ["False", "True", "True", "True", "True"]
    default = subprocess.run(
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert importlib.util.find_spec("blazeio_common.ws.native_frames") is not None
    assert default == ["True", "False", "False", "False", "False"]
    if os.environ.get("BLAZEIO_NO_EXTENSIONS", "") in ("", "0"):
        assert native.COMPILED and mask_module.mask is native_frames.mask
        assert small.read_message is native_frames.read_message
        assert frames.masked_frame is native_frames.masked_frame and keys.MaskKeys is native_frames.MaskKeys


KEY = bytes.fromhex("37fa213d")


def frame(first: int, payload: bytes, masked: bool, encoding: int) -> bytes:
    bit = 0x80 if masked else 0
    n = len(payload)
    if encoding == 7:
        head = bytes((first, bit | n))
    elif encoding == 16:
        head = bytes((first, bit | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((first, bit | 127)) + n.to_bytes(8, "big")
    return head + KEY + pure_mask(payload, KEY) if masked else head + payload


def shapes() -> list[bytes]:
    out = [b"", b"\x81", b"\x82", b"\x82\x00", b"\x81\x80", b"\x82\xfe\x00", b"\x82\x7e\x00\x05"]
    payloads = [b"", b"a", b"hello", "héllo ✓".encode(), b"\xff\xfe", b"\xed\xa0\x80", b"ok\xc3", bytes(125)]
    payloads += [bytes(range(256)) * 4, "ü".encode() * 300, b"x" * 0xFFFF, b"y" * 0x10000]
    for first in (0x81, 0x82, 0x01, 0x02, 0x80, 0x89, 0xC1, 0xA2, 0x83):
        for payload in payloads:
            for masked in (False, True):
                for encoding in (7, 16, 64):
                    if (encoding == 7 and len(payload) > 125) or (encoding == 16 and len(payload) > 0xFFFF):
                        continue
                    whole = frame(first, payload, masked, encoding)
                    out += [whole, whole[:-1], whole + b"\x00", whole + whole]
    return out


def same_message(data: bytes, mask_bit: int, limit: int) -> None:
    expected = pure_read_message(data, mask_bit, limit)
    got = native_frames.read_message(data, mask_bit, limit)
    assert got == expected and type(got) is type(expected), (data[:12], mask_bit, limit)


@pytest.mark.parametrize("mask_bit", [0, 0x80])
@pytest.mark.parametrize("limit", [0, 4, 125, 126, 1000, 0xFFFF])
def test_the_compiled_one_read_message_matches_the_pure_python_one(mask_bit: int, limit: int) -> None:
    accepted = 0
    for data in shapes():
        same_message(data, mask_bit, limit)
        accepted += pure_read_message(data, mask_bit, limit) is not None
    assert accepted > 0  # the table holds reads both builds take, not only ones they refuse


def test_mutated_reads_give_the_same_message_in_both_builds() -> None:
    rng = random.Random(6455)
    seeds = [s for s in shapes() if len(s) < 2000]
    for _ in range(20_000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 4)):
            if data and rng.random() < 0.7:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif data:
                del data[rng.randrange(len(data)) :]
        same_message(bytes(data), rng.choice((0, 0x80)), rng.choice((125, 0xFFFF, 10)))


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 125, 126, 127, 0xFFFF, 0x10000, 0x10001, 300_003])
def test_the_compiled_masked_frame_matches_the_pure_python_one(size: int) -> None:
    rng = random.Random(size)
    payload = rng.randbytes(size)
    for opcode in (0x1, 0x2, 0x0, 0x9, 0xA):
        key = rng.randbytes(4)
        expected = pure_masked_frame(opcode, payload, key)
        assert expected == build_frame(opcode, payload, mask_key=key)
        assert native_frames.masked_frame(opcode, payload, key) == expected


@pytest.mark.parametrize("make", [PureMaskKeys, native_frames.MaskKeys], ids=["pure", "compiled"])
def test_mask_keys_are_four_fresh_bytes_across_refills_in_both_builds(make: type) -> None:
    keys = make()
    drawn = [keys() for _ in range(200)]  # three refills of 64 keys
    assert all(type(key) is bytes and len(key) == 4 for key in drawn)
    assert len(set(drawn)) == len(drawn)
    assert make()() != make()()  # two connections do not share keys
