"""The loader under attack: random bytes and a mutation corpus of real files.

Whatever the bytes, the outcome is an (H, W, 3) uint8 array within the pixel limit or an
ImageLoadError with a sentence — nothing else escapes, and nothing takes long.
"""

import io
import struct
import time
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from core.errors import ImageLoadError
from core.images import load_image

LIMIT = 250_000          # pixels: small, so an edited header that grows the image must be refused
SLOW = 2.0               # seconds


def _outcome(data: bytes) -> str:
    start = time.perf_counter()
    try:
        pixels = load_image(data, max_pixels=LIMIT)
    except ImageLoadError as error:
        assert str(error).strip().endswith(".") and len(str(error)) > 20
        outcome = "refused"
    else:
        assert pixels.ndim == 3 and pixels.shape[2] == 3 and pixels.dtype == np.uint8
        assert pixels.shape[0] * pixels.shape[1] <= LIMIT
        outcome = "loaded"
    assert time.perf_counter() - start < SLOW, f"{len(data)} bytes took too long"
    return outcome


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes_never_escape(data):
    _outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"II*\x00", b"MM\x00*",
                        b"RIFF\x00\x00\x00\x00WEBP", b"BM"]), st.binary(max_size=2048))
def test_valid_magic_numbers_followed_by_garbage_never_escape(magic, tail):
    _outcome(magic + tail)


def _seed_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    picture = Image.fromarray(rng.integers(0, 256, (40, 56, 3), dtype=np.uint8))
    files = {}
    for fmt, options in (("PNG", {}), ("JPEG", {"quality": 90}), ("GIF", {}), ("TIFF", {}),
                         ("WEBP", {}), ("BMP", {})):
        buffer = io.BytesIO()
        picture.save(buffer, fmt, **options)
        files[fmt] = buffer.getvalue()
    return files


def _mutations(data: bytes, rng: np.random.Generator):
    for cut in np.unique(np.linspace(1, len(data) - 1, 24).astype(int)):
        yield data[:cut]
    for _ in range(40):
        flipped = bytearray(data)
        for position in rng.integers(0, len(data), rng.integers(1, 8)):
            flipped[position] ^= 1 << int(rng.integers(0, 8))
        yield bytes(flipped)
    for position in range(0, min(len(data), 64), 2):          # header fields: sizes, depths, offsets
        edited = bytearray(data)
        edited[position:position + 2] = struct.pack(">H", 0xFFFF)
        yield bytes(edited)


def test_a_mutation_corpus_of_real_files_never_escapes():
    rng = np.random.default_rng(1)
    counts = {"loaded": 0, "refused": 0}
    for data in _seed_files().values():
        for mutant in _mutations(data, rng):
            counts[_outcome(mutant)] += 1
    tried = sum(counts.values())
    print(f"mutation corpus: {tried} cases, {counts}")
    assert tried >= 500
    assert counts["refused"] > 100 and counts["loaded"] > 50    # both outcomes really happen


def test_a_header_that_claims_a_huge_image_is_refused_before_decoding():
    png = _seed_files()["PNG"]
    edited = bytearray(png)
    edited[16:24] = struct.pack(">II", 60_000, 60_000)           # IHDR width and height...
    edited[29:33] = struct.pack(">I", zlib.crc32(bytes(edited[12:29])))   # ...with a valid checksum
    start = time.perf_counter()
    with pytest.raises(ImageLoadError, match="60000 × 60000|far more pixels"):
        load_image(bytes(edited), max_pixels=LIMIT)
    assert time.perf_counter() - start < 0.5
