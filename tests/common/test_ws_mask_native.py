"""The compiled masking (``ws/native_mask.pyx``) against the pure-Python reference (``pure_mask``).

Every length around the 8-byte steps and the pure build's 64 KiB slices, every offset, seeded
random keys and payloads, and each kind of buffer a caller passes: both builds must return the
same bytes, and unmasking what either masked gives the payload back.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import random
import subprocess
import sys

import pytest

from blazeio_common.ws.mask import pure_mask

native_mask = pytest.importorskip("blazeio_common.ws.native_mask", reason="the compiled masking was not built")
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
            assert native_mask.mask(given, key, offset) == expected
        assert native_mask.mask(expected, key, offset) == data


def test_a_slice_of_a_buffer_is_masked_as_its_own_bytes() -> None:
    rng = random.Random(7)
    buf = bytearray(rng.randbytes(1000))
    key = b"\x37\xfa\x21\x3d"
    with memoryview(buf) as view:
        for start, end in ((0, 0), (1, 9), (3, 1000), (6, 517)):
            assert native_mask.mask(view[start:end], key, start) == pure_mask(bytes(buf[start:end]), key, start)
        strided = view[::3]  # not contiguous: read in order, as the pure build reads it
        assert native_mask.mask(strided, key) == pure_mask(bytes(strided), key)


def test_random_payloads_and_offsets_mask_alike() -> None:
    rng = random.Random(2024)
    for _ in range(500):
        data = rng.randbytes(rng.randrange(0, 300))
        key, offset = rng.randbytes(4), rng.randrange(0, 1 << 20)
        assert native_mask.mask(data, key, offset) == pure_mask(data, key, offset)


def test_the_compiled_masking_runs_unless_extensions_are_off() -> None:
    probe = (
        "import importlib; m = importlib.import_module('blazeio_common.ws.mask'); "
        "print(m.COMPILED, m.mask is m.pure_mask)"
    )
    environ = {k: v for k, v in os.environ.items() if k != "BLAZEIO_NO_EXTENSIONS"}
    pure = subprocess.run(
        [sys.executable, "-c", probe], env={**environ, "BLAZEIO_NO_EXTENSIONS": "1"},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert pure == ["False", "True"]
    default = subprocess.run(
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert importlib.util.find_spec("blazeio_common.ws.native_mask") is not None
    assert default == ["True", "False"]
    if os.environ.get("BLAZEIO_NO_EXTENSIONS", "") in ("", "0"):
        assert mask_module.COMPILED and mask_module.mask is native_mask.mask
