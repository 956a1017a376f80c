"""Stored answers, compressed: an answer is tens of kilobytes of JSON, most of it the catalog's own words, and a
database of a million assessments holds a third as much this way."""

from __future__ import annotations

import threading

import zstandard

LEVEL = 1
"""Zstandard's fastest level: higher levels shrink these answers by a few percent at a third more time."""

_local = threading.local()


def _codecs() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    """One compressor and decompressor per thread: zstandard's are not safe to share between threads."""
    codecs: tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor] | None = getattr(_local, "codecs", None)
    if codecs is None:
        codecs = _local.codecs = (zstandard.ZstdCompressor(level=LEVEL), zstandard.ZstdDecompressor())
    return codecs


def pack(answer_json: bytes) -> bytes:
    return _codecs()[0].compress(answer_json)


def unpack(body: bytes) -> bytes:
    return _codecs()[1].decompress(body)
