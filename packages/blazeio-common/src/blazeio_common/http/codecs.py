"""Streaming content codecs: gzip, deflate and br, both ways; zstd to decode (when available).

Decoders share ``decode(data) -> bytes`` and ``flush() -> bytes`` and are looked up by
the Content-Encoding token; ``get_decoder("gzip, br")`` stacks them in reverse order of
application. Every decoder enforces ``max_size`` on its *output* while inflating (it never
inflates more than the remaining allowance + 1 byte), so a compression bomb costs at most
``max_size`` bytes of memory before ``DecompressionError``.

Encoders keep one compressor per body (never one per write, which would produce a
multi-member or invalid stream): ``encode(data)``, ``flush()`` (emit what is buffered,
for streams such as SSE), ``finish()``.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from typing import Any, Protocol

from blazeio_common.errors import DecompressionError, Missingdependency

__all__ = [
    "DECODABLE_ENCODINGS",
    "DEFAULT_MAX_DECODED_SIZE",
    "Decoder",
    "Encoder",
    "SUPPORTED_ENCODINGS",
    "ZSTD_AVAILABLE",
    "get_decoder",
    "get_encoder",
]

DEFAULT_MAX_DECODED_SIZE = 1 << 30  # 1 GiB of inflated output per body

try:  # CPython: the brotli module (>= 1.2 can bound its output); elsewhere brotlicffi.
    import brotli as _brotli

    _BROTLI_LIMITED = hasattr(_brotli.Decompressor(), "can_accept_more_data")
except ImportError:  # pragma: no cover - depends on the platform
    try:
        import brotlicffi as _brotli
    except ImportError:
        _brotli = None
    _BROTLI_LIMITED = False


# zstd (RFC 8878): the standard library's compression.zstd (Python 3.14) can bound its output
# like zlib; else the optional ``zstandard`` package, whose output goes through a sink that
# counts it (and raises past the cap) while it is produced.
def _optional(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


_zstd_std: Any = _optional("compression.zstd")
_zstandard: Any = _optional("zstandard") if _zstd_std is None else None
ZSTD_AVAILABLE = _zstd_std is not None or _zstandard is not None
_ZSTD_PIECE = 1 << 16  # zstandard's output buffer: the most decoded past the cap before it is refused


class Decoder(Protocol):
    def decode(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class Encoder(Protocol):
    def encode(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...
    def finish(self) -> bytes: ...


class _Capped:
    __slots__ = ("max_size", "produced")

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.produced = 0

    def _count(self, out: bytes) -> bytes:
        self.produced += len(out)
        if self.produced > self.max_size:
            raise DecompressionError(f"decoded body exceeds {self.max_size} bytes", 413)
        return out

    def _room(self) -> int:
        return self.max_size - self.produced + 1


class IdentityDecoder(_Capped):
    __slots__ = ()

    def decode(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


class GzipDecoder(_Capped):
    """gzip, including several concatenated members (RFC 1952 §2.2)."""

    __slots__ = ("_obj", "_started")

    def __init__(self, max_size: int = DEFAULT_MAX_DECODED_SIZE) -> None:
        super().__init__(max_size)
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
        self._started = False

    def decode(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            try:
                chunk = self._obj.decompress(data, self._room())
            except zlib.error as exc:
                raise DecompressionError(f"invalid gzip data: {exc}") from None
            self._started = True
            out.append(self._count(chunk))
            if self._obj.unconsumed_tail:
                data = self._obj.unconsumed_tail
                continue
            if self._obj.eof and self._obj.unused_data:
                data = self._obj.unused_data  # the next member
                self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
                self._started = False
                continue
            break
        return b"".join(out)

    def flush(self) -> bytes:
        if self._started and not self._obj.eof:
            raise DecompressionError("truncated gzip stream")
        return b""


class DeflateDecoder(_Capped):
    """'deflate' is zlib-wrapped (RFC 9110 §8.4.1.2); raw deflate is accepted too, as browsers do."""

    __slots__ = ("_first", "_obj")

    def __init__(self, max_size: int = DEFAULT_MAX_DECODED_SIZE) -> None:
        super().__init__(max_size)
        self._obj = zlib.decompressobj()
        self._first = True

    def decode(self, data: bytes) -> bytes:
        out: list[bytes] = []
        try:
            if self._first:
                self._first = False
                try:
                    out.append(self._count(self._obj.decompress(data, self._room())))
                except zlib.error:
                    self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    out.append(self._count(self._obj.decompress(data, self._room())))
            else:
                out.append(self._count(self._obj.decompress(data, self._room())))
            while self._obj.unconsumed_tail:
                out.append(self._count(self._obj.decompress(self._obj.unconsumed_tail, self._room())))
        except zlib.error as exc:
            raise DecompressionError(f"invalid deflate data: {exc}") from None
        return b"".join(out)

    def flush(self) -> bytes:
        try:
            return self._count(self._obj.flush())
        except zlib.error as exc:
            raise DecompressionError(f"invalid deflate data: {exc}") from None


class BrotliDecoder(_Capped):
    __slots__ = ("_obj",)

    def __init__(self, max_size: int = DEFAULT_MAX_DECODED_SIZE) -> None:
        if _brotli is None:
            raise Missingdependency("brotli decoding needs the 'brotli' (or 'brotlicffi') package")
        super().__init__(max_size)
        self._obj: Any = _brotli.Decompressor()

    def decode(self, data: bytes) -> bytes:
        try:
            if not _BROTLI_LIMITED:
                fn = getattr(self._obj, "process", None) or self._obj.decompress
                return self._count(fn(data))
            out = [self._count(self._obj.process(data, output_buffer_limit=self._room()))]
            while not self._obj.can_accept_more_data():
                out.append(self._count(self._obj.process(b"", output_buffer_limit=self._room())))
            return b"".join(out)
        except DecompressionError:
            raise
        except Exception as exc:  # brotli.error / brotlicffi.error
            raise DecompressionError(f"invalid brotli data: {exc}") from None

    def flush(self) -> bytes:
        if not self._obj.is_finished():
            raise DecompressionError("truncated brotli stream")
        return b""


class _CappedSink(_Capped):
    """Where ``zstandard``'s stream writer puts its output: counted as it comes."""

    __slots__ = ("out",)

    def __init__(self, max_size: int) -> None:
        super().__init__(max_size)
        self.out: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.out.append(self._count(bytes(data)))
        return len(data)

    def take(self) -> bytes:
        out, self.out = self.out, []
        return b"".join(out)


class ZstdDecoder(_Capped):
    """zstd (RFC 8878), one or more frames; with the optional ``zstandard`` package or Python 3.14+."""

    __slots__ = ("_obj", "_sink", "_started")

    def __init__(self, max_size: int = DEFAULT_MAX_DECODED_SIZE) -> None:
        super().__init__(max_size)
        self._started = False
        if _zstd_std is not None:
            self._obj: Any = _zstd_std.ZstdDecompressor()
            self._sink: _CappedSink | None = None
        elif _zstandard is not None:
            self._sink = _CappedSink(max_size)
            self._obj = _zstandard.ZstdDecompressor().stream_writer(
                self._sink, write_size=_ZSTD_PIECE, write_return_read=True
            )
        else:
            raise Missingdependency("zstd decoding needs the 'zstandard' package (or Python 3.14)")

    def decode(self, data: bytes) -> bytes:
        if not data:
            return b""
        self._started = True
        try:
            if self._sink is not None:
                self._obj.write(data)
                return self._sink.take()
            return self._decode_std(data)
        except DecompressionError:
            raise
        except Exception as exc:  # zstandard.ZstdError / compression.zstd.ZstdError
            raise DecompressionError(f"invalid zstd data: {exc}") from None

    def _decode_std(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while True:
            out.append(self._count(self._obj.decompress(data, self._room())))
            data = b""
            if self._obj.eof:
                rest = self._obj.unused_data
                if not rest:
                    break
                self._obj = _zstd_std.ZstdDecompressor()  # the next frame
                data = rest
            elif self._obj.needs_input:
                break
        return b"".join(out)

    def flush(self) -> bytes:
        if self._sink is None and self._started and not self._obj.eof:
            raise DecompressionError("truncated zstd stream")
        return b""


class MultiDecoder:
    """Several codings: ``Content-Encoding: gzip, br`` was applied gzip first, so undo br first."""

    __slots__ = ("_decoders",)

    def __init__(self, decoders: list[Decoder]) -> None:
        self._decoders = decoders

    def decode(self, data: bytes) -> bytes:
        for decoder in self._decoders:
            data = decoder.decode(data)
        return data

    def flush(self) -> bytes:
        data = b""
        for decoder in self._decoders:
            if data:
                data = decoder.decode(data)
            data += decoder.flush()
        return data


_DECODERS: dict[str, Callable[[int], Decoder]] = {
    "gzip": GzipDecoder,
    "x-gzip": GzipDecoder,
    "deflate": DeflateDecoder,
    "br": BrotliDecoder,
    "zstd": ZstdDecoder,
    "identity": IdentityDecoder,
}
SUPPORTED_ENCODINGS = ("gzip", "deflate", "br") if _brotli is not None else ("gzip", "deflate")
# What a client may put in Accept-Encoding: what it can decode (zstd only when a decoder is there).
DECODABLE_ENCODINGS = (*SUPPORTED_ENCODINGS, "zstd") if ZSTD_AVAILABLE else SUPPORTED_ENCODINGS


def get_decoder(content_encoding: str, max_size: int = DEFAULT_MAX_DECODED_SIZE) -> Decoder:
    """A decoder for a Content-Encoding value; raises ``DecompressionError`` (415) for unknown codings."""
    tokens = [t.strip(" \t").lower() for t in content_encoding.split(",") if t.strip(" \t")]
    decoders: list[Decoder] = []
    for token in reversed(tokens):
        cls = _DECODERS.get(token)
        if cls is None:
            raise DecompressionError(f"unsupported content coding {token!r}", 415)
        decoders.append(cls(max_size))
    if len(decoders) == 1:
        return decoders[0]
    return MultiDecoder(decoders) if decoders else IdentityDecoder(max_size)


class GzipEncoder:
    __slots__ = ("_obj",)

    def __init__(self, level: int = 6, wbits: int = zlib.MAX_WBITS | 16) -> None:
        self._obj = zlib.compressobj(level, zlib.DEFLATED, wbits)

    def encode(self, data: bytes) -> bytes:
        return self._obj.compress(data)

    def flush(self) -> bytes:
        return self._obj.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._obj.flush(zlib.Z_FINISH)


class DeflateEncoder(GzipEncoder):
    __slots__ = ()

    def __init__(self, level: int = 6) -> None:
        super().__init__(level, zlib.MAX_WBITS)


class BrotliEncoder:
    __slots__ = ("_obj",)

    def __init__(self, quality: int = 4) -> None:
        if _brotli is None:
            raise Missingdependency("brotli encoding needs the 'brotli' (or 'brotlicffi') package")
        self._obj: Any = _brotli.Compressor(quality=quality)

    def encode(self, data: bytes) -> bytes:
        fn = getattr(self._obj, "process", None) or self._obj.compress
        return bytes(fn(data))

    def flush(self) -> bytes:
        return bytes(self._obj.flush())

    def finish(self) -> bytes:
        return bytes(self._obj.finish())


def get_encoder(coding: str) -> Encoder:
    """An encoder for one coding token (``gzip``, ``deflate``, ``br``)."""
    token = coding.strip(" \t").lower()
    if token in ("gzip", "x-gzip"):
        return GzipEncoder()
    if token == "deflate":
        return DeflateEncoder()
    if token == "br":
        return BrotliEncoder()
    raise ValueError(f"unsupported content coding {coding!r}")
