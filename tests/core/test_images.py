"""core.images on a corpus of awkward files built here, in memory."""

import io
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
import tifffile
import torch
from PIL import Image

from core.errors import ImageLoadError, InvalidParameterError
from core.images import BACKGROUND, decode_image, fit_working_size, image_digest, load_image, to_image, to_tensor


def _pil_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _gradient(height: int = 24, width: int = 32) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([x * 255 // (width - 1), y * 255 // (height - 1),
                     np.full_like(x, 90)], axis=2).astype(np.uint8)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bomb_png(width: int, height: int) -> bytes:
    """A valid grey PNG header claiming width x height, with a tiny all-zero stream."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    stream = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", stream)
            + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"])
def test_every_accepted_format_loads_as_rgb_uint8(fmt):
    original = _gradient()
    data = _pil_bytes(Image.fromarray(original), fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    pixels = load_image(data)
    assert pixels.shape == (24, 32, 3) and pixels.dtype == np.uint8
    lossless = fmt in ("PNG", "BMP", "TIFF")
    tolerance = 0 if lossless else 40
    assert np.abs(pixels.astype(int) - original).max() <= tolerance


def test_png_agrees_with_opencvs_decoder():
    original = _gradient(50, 70)
    ok, data = cv2.imencode(".png", original[..., ::-1])
    assert np.array_equal(load_image(data.tobytes()), original)


def test_grey_becomes_three_equal_channels():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    pixels = load_image(_pil_bytes(Image.fromarray(grey, "L"), "PNG"))
    assert np.array_equal(pixels, np.repeat(grey[..., None], 3, axis=2))


def test_palette_image_keeps_its_colours():
    rgb = _gradient()
    data = _pil_bytes(Image.fromarray(rgb).quantize(16), "PNG")
    palette = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert np.array_equal(load_image(data), palette)


def test_rgba_is_composited_on_the_stated_background():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200              # red
    rgba[:, :2, 3] = 255            # left half opaque
    rgba[:, 2:, 3] = 0              # right half fully transparent
    loaded = decode_image(_pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert loaded.pixels[0, 0].tolist() == [200, 0, 0]
    assert loaded.pixels[0, 3].tolist() == list(BACKGROUND)
    assert any("white background" in note for note in loaded.notes)


def test_grey_with_alpha_is_composited_too():
    la = np.zeros((2, 2, 2), np.uint8)
    la[..., 0] = 0
    la[..., 1] = 128               # half transparent black over white -> about 127
    pixels = load_image(_pil_bytes(Image.fromarray(la, "LA"), "PNG"))
    assert abs(int(pixels[0, 0, 0]) - 127) <= 1


def test_sixteen_bit_grey_is_scaled_not_clipped():
    values = np.array([[0, 257, 32896, 65535]], np.uint16)
    ok, data = cv2.imencode(".png", values)
    pixels = load_image(data.tobytes())
    assert pixels[0, :, 0].tolist() == [0, 1, 128, 255]


def test_sixteen_bit_colour_keeps_the_full_range():
    values = np.zeros((2, 2, 3), np.uint16)
    values[0, 0] = 65535
    values[0, 1] = 32768
    ok, data = cv2.imencode(".png", values)
    pixels = load_image(data.tobytes())
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert abs(int(pixels[0, 1, 0]) - 128) <= 1
    assert pixels[1, 1].tolist() == [0, 0, 0]


def test_float_tiff_in_unit_range_is_scaled():
    grey = np.array([[0.0, 0.5, 1.0]], np.float32)
    pixels = load_image(_pil_bytes(Image.fromarray(grey, "F"), "TIFF"))
    assert pixels[0, :, 0].tolist() == [0, 128, 255]


def test_three_channel_float_tiff_pillow_cannot_read_still_loads():
    rgb = np.zeros((3, 5, 3), np.float32)
    rgb[..., 1] = 1.0
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, rgb, photometric="rgb")
    pixels = load_image(buffer.getvalue())
    assert pixels.shape == (3, 5, 3)
    assert pixels[0, 0].tolist() == [0, 255, 0]


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))   # pure red ink
    pixels = load_image(_pil_bytes(cmyk, "JPEG", quality=100))
    red, green, blue = pixels[4, 4].astype(int)
    assert red > 200 and green < 60 and blue < 60


def test_exif_orientation_turns_the_photo_upright():
    landscape = np.zeros((10, 20, 3), np.uint8)
    landscape[:, :5] = 255                           # white strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6                                 # "rotate 90° clockwise to display"
    loaded = decode_image(_pil_bytes(Image.fromarray(landscape), "JPEG", exif=exif, quality=95))
    assert loaded.pixels.shape == (20, 10, 3)
    assert loaded.pixels[:4, :, 0].mean() > 200      # the strip is now on top
    assert loaded.pixels[-4:, :, 0].mean() < 50
    assert any("EXIF" in note for note in loaded.notes)


def test_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (6, 6), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    loaded = decode_image(buffer.getvalue())
    assert loaded.pixels[3, 3].tolist() == [255, 0, 0]
    assert any("2 frames" in note for note in loaded.notes)


def test_a_one_pixel_image_loads():
    assert load_image(_pil_bytes(Image.new("RGB", (1, 1), (1, 2, 3)), "PNG")).tolist() == [[[1, 2, 3]]]


@pytest.mark.parametrize("data, phrase", [
    (b"", "empty"),
    (b"<!DOCTYPE html><html><body>hello</body></html>", "web page"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
    (b"PK\x03\x04" + bytes(60), "zip"),
    (np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "not a picture"),
], ids=["empty", "html", "svg", "zip", "random"])
def test_non_images_are_refused_with_a_sentence(data, phrase):
    with pytest.raises(ImageLoadError, match=phrase) as error:
        load_image(data)
    assert str(error.value).endswith(".")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_truncated_files_are_refused_as_damaged(fmt):
    noise = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = _pil_bytes(Image.fromarray(noise), fmt)
    with pytest.raises(ImageLoadError, match="damaged|not a picture"):
        load_image(data[: len(data) // 2])


def test_a_decompression_bomb_is_refused_fast_without_allocating_it():
    bomb = _bomb_png(30_000, 30_000)                 # 900 megapixels
    assert len(bomb) < 100_000
    start = time.perf_counter()
    with pytest.raises(ImageLoadError, match="30000 × 30000|far more pixels"):
        load_image(bomb)
    assert time.perf_counter() - start < 0.5


def test_the_pixel_limit_is_checked_from_the_header():
    data = _pil_bytes(Image.new("RGB", (300, 200)), "PNG")
    with pytest.raises(ImageLoadError, match="300 × 200 pixels"):
        load_image(data, max_pixels=50_000)
    assert load_image(data, max_pixels=60_000).shape == (200, 300, 3)


def test_the_byte_limit_is_checked_before_decoding():
    data = _pil_bytes(Image.new("RGB", (64, 64)), "BMP")
    with pytest.raises(ImageLoadError, match="MB"):
        load_image(data, max_bytes=1000)


def test_working_size_shrinks_only_large_images():
    small = np.zeros((100, 50, 3), np.uint8)
    assert fit_working_size(small, 2048) == (small, 1.0)
    large = np.zeros((3000, 4000, 3), np.uint8)
    shrunk, scale = fit_working_size(large, 2048)
    assert shrunk.shape == (1536, 2048, 3) and scale == pytest.approx(0.512)


def test_digest_tells_apart_images_that_differ_in_one_pixel():
    a = np.zeros((1000, 1000, 3), np.uint8)
    b = a.copy()
    b[500, 500, 1] = 1
    assert image_digest(a) != image_digest(b)
    assert image_digest(a) != image_digest(a.reshape(1000, 3000, 1))


def test_tensor_round_trip_is_lossless():
    image = np.random.default_rng(2).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    x = to_tensor(image, "cpu")
    assert x.shape == (1, 3, 5, 7) and x.dtype == torch.float32
    assert float(x.max()) <= 1.0
    assert np.array_equal(to_image(x), image)


def test_to_image_rounds_half_up_and_clips():
    x = torch.tensor([0.5 / 255, 1.5 / 255, -0.2, 1.7]).view(1, 1, 4).expand(3, 1, 4)
    assert to_image(x)[0, :, 0].tolist() == [1, 2, 0, 255]


def test_tensor_helpers_check_their_input():
    with pytest.raises(InvalidParameterError, match="uint8"):
        to_tensor(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(InvalidParameterError, match="one image"):
        to_image(torch.zeros(2, 3, 4, 4))
