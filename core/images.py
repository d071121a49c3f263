"""Turning untrusted bytes into an RGB image, and images into tensors.

Every image that enters ScaleScope passes through :func:`decode_image`. It reads the header
first and refuses an image that is too large *before* any pixel is decoded, so a small file
that claims to be 900 megapixels (a decompression bomb) costs nothing. Whatever goes wrong,
the caller gets an :class:`ImageLoadError` whose message a student can act on.

Convention: pixels leave this module as ``(H, W, 3) uint8`` RGB, EXIF orientation applied,
transparency composited on :data:`BACKGROUND`, deeper bit depths scaled (never clipped) to
8 bits, and only the first frame of an animation kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
import tifffile
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from core.device import device as default_device
from core.errors import ImageLoadError, InvalidParameterError

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
WORKING_SIDE = 2048
BACKGROUND = (255, 255, 255)
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")   # JPEG includes camera MPO files
ACCEPTED_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff", "gif")
READABLE_FORMATS = "PNG, JPEG, WebP, BMP, TIFF or GIF"

# What Pillow's and tifffile's decoders raise on damaged data. Decoding untrusted bytes is the
# one boundary where every one of these must become a sentence instead of a traceback.
_DECODER_FAILURES = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError,
                     KeyError, TypeError, ZeroDivisionError, NotImplementedError)


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image and what was done to it on the way.

    Attributes:
        pixels: ``(H, W, 3) uint8`` RGB.
        notes: sentences describing conversions (rotation, alpha, bit depth, animation).
        source_format: the container format Pillow or tifffile recognised, e.g. ``"PNG"``.
    """

    pixels: np.ndarray
    notes: tuple[str, ...]
    source_format: str


def load_image(data: bytes | str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS,
               max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    """Decode ``data`` to an ``(H, W, 3) uint8`` RGB array, or raise :class:`ImageLoadError`.

    >>> import numpy as np, cv2
    >>> ok, png = cv2.imencode(".png", np.zeros((2, 3), np.uint8))
    >>> load_image(png.tobytes()).shape
    (2, 3, 3)
    """
    return decode_image(data, max_pixels=max_pixels, max_bytes=max_bytes).pixels


def decode_image(data: bytes | str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedImage:
    """Like :func:`load_image`, and also say what was converted (for the UI to show)."""
    raw = _read_bytes(data, max_bytes)
    if not raw:
        raise ImageLoadError("The file is empty: it contains no bytes, so there is no image in it.")
    if len(raw) > max_bytes:
        raise ImageLoadError(_too_many_bytes_message(len(raw), max_bytes))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageLoadError(_too_many_pixels_message(None, None, max_pixels)) from None
    except UnidentifiedImageError:
        if raw[:4] in (b"II*\x00", b"MM\x00*"):
            return _decode_tiff_fallback(raw, max_pixels)
        raise ImageLoadError(_not_an_image_message(raw)) from None
    except _DECODER_FAILURES:
        raise ImageLoadError(_damaged_message()) from None
    with image:
        width, height = image.size
        if width * height > max_pixels or width < 1 or height < 1:
            raise ImageLoadError(_too_many_pixels_message(width, height, max_pixels))
        try:
            return _pillow_to_rgb(image)
        except Image.DecompressionBombError:
            raise ImageLoadError(_too_many_pixels_message(width, height, max_pixels)) from None
        except _DECODER_FAILURES:
            raise ImageLoadError(_damaged_message()) from None


def _read_bytes(data: bytes | str | os.PathLike, max_bytes: int) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    size = os.stat(data).st_size
    if size > max_bytes:
        raise ImageLoadError(_too_many_bytes_message(size, max_bytes))
    with open(data, "rb") as f:
        return f.read()


def _pillow_to_rgb(image: Image.Image) -> LoadedImage:
    notes: list[str] = []
    fmt = image.format or "image"
    frames = getattr(image, "n_frames", 1)
    if frames > 1:
        image.seek(0)
        notes.append(f"This {fmt} has {frames} frames; ScaleScope uses the first one.")
    if _exif_orientation(image) > 1:
        notes.append("The photo was turned upright as its EXIF orientation tag asks.")
    oriented = ImageOps.exif_transpose(image)
    oriented.load()
    return LoadedImage(_to_rgb_uint8(oriented, notes), tuple(notes), fmt)


def _exif_orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except _DECODER_FAILURES:
        return 1


def _to_rgb_uint8(image: Image.Image, notes: list[str]) -> np.ndarray:
    mode = image.mode
    if mode == "P" and "transparency" in image.info:
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        notes.append("Transparent parts were placed on a white background.")
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, BACKGROUND)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return np.asarray(canvas, dtype=np.uint8).copy()
    if mode.startswith("I;16"):
        notes.append("16-bit pixels were scaled to 8 bits (65535 becomes 255).")
        return _gray_to_rgb(_scale_uint16(np.asarray(image).astype(np.uint16)))
    if mode == "I":
        values = np.asarray(image)
        if values.min() >= 0 and values.max() <= 65535:
            notes.append("16-bit pixels were scaled to 8 bits (65535 becomes 255).")
            return _gray_to_rgb(_scale_uint16(values.astype(np.uint16)))
        notes.append("32-bit integer pixels were stretched from their minimum to their maximum.")
        return _gray_to_rgb(_stretch(values.astype(np.float64)))
    if mode == "F":
        return _gray_to_rgb(_float_to_uint8(np.asarray(image, dtype=np.float64), notes))
    if mode == "CMYK":
        notes.append("CMYK (print) colours were converted to RGB.")
    return np.asarray(image.convert("RGB"), dtype=np.uint8).copy()


def _decode_tiff_fallback(raw: bytes, max_pixels: int) -> LoadedImage:
    """TIFFs Pillow cannot read (multi-channel float, unusual layouts) go through tifffile."""
    try:
        with tifffile.TiffFile(io.BytesIO(raw)) as tif:
            page = tif.pages[0]
            shape = page.shape
            height, width = (shape[0], shape[1]) if len(shape) >= 2 else (1, shape[0])
            if width * height > max_pixels:
                raise ImageLoadError(_too_many_pixels_message(width, height, max_pixels))
            values = page.asarray()
    except ImageLoadError:
        raise
    except _DECODER_FAILURES + (RuntimeError,):
        raise ImageLoadError(
            "This TIFF file could not be decoded: it is damaged or uses a compression "
            "ScaleScope cannot read. Please save it as PNG and upload it again.") from None
    notes: list[str] = []
    if values.ndim == 2:
        values = values[..., None]
    if values.ndim != 3 or values.shape[2] not in (1, 2, 3, 4):
        raise ImageLoadError(
            f"This TIFF has an unusual layout {tuple(values.shape)}; ScaleScope reads grey, "
            "RGB and RGBA images. Please save it as PNG and upload it again.")
    if values.dtype == np.uint16:
        notes.append("16-bit pixels were scaled to 8 bits (65535 becomes 255).")
        scaled = _scale_uint16(values)
    elif values.dtype.kind == "f":
        scaled = _float_to_uint8(values.astype(np.float64), notes)
    elif values.dtype == np.uint8:
        scaled = values
    else:
        notes.append(f"{values.dtype} pixels were stretched from their minimum to their maximum.")
        scaled = _stretch(values.astype(np.float64))
    channels = scaled.shape[2]
    if channels in (2, 4):
        notes.append("Transparent parts were placed on a white background.")
        alpha = scaled[..., -1:].astype(np.float64) / 255.0
        colour = scaled[..., :-1].astype(np.float64)
        scaled = np.floor(colour * alpha + np.array(BACKGROUND[: colour.shape[2]]) * (1 - alpha) + 0.5)
        scaled = scaled.astype(np.uint8)
    rgb = scaled if scaled.shape[2] == 3 else np.repeat(scaled[..., :1], 3, axis=2)
    return LoadedImage(np.ascontiguousarray(rgb, dtype=np.uint8), tuple(notes), "TIFF")


def _scale_uint16(values: np.ndarray) -> np.ndarray:
    # 65535 / 257 = 255 exactly, so the full 16-bit range maps onto the full 8-bit range.
    return np.floor(values.astype(np.float64) / 257.0 + 0.5).astype(np.uint8)


def _float_to_uint8(values: np.ndarray, notes: list[str]) -> np.ndarray:
    finite = np.isfinite(values)
    values = np.where(finite, values, 0.0)
    if finite.any() and values.min() >= 0.0 and values.max() <= 1.0:
        notes.append("Floating-point pixels in [0, 1] were scaled to 0–255.")
        return np.floor(values * 255.0 + 0.5).astype(np.uint8)
    notes.append("Floating-point pixels were stretched from their minimum to their maximum.")
    return _stretch(values)


def _stretch(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high <= low:
        return np.zeros(values.shape, np.uint8)
    return np.floor((values - low) / (high - low) * 255.0 + 0.5).astype(np.uint8)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    gray = gray.reshape(gray.shape[0], gray.shape[1])
    return np.ascontiguousarray(np.repeat(gray[..., None], 3, axis=2))


def _too_many_bytes_message(size: int, max_bytes: int) -> str:
    return (f"The file is {size / 2**20:.1f} MB; ScaleScope accepts files up to "
            f"{max_bytes / 2**20:.0f} MB. Please upload a smaller or more compressed image.")


def _too_many_pixels_message(width: int | None, height: int | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1e6:g} megapixels"
    if width is None or height is None:
        return (f"This image has far more pixels than ScaleScope accepts (at most {limit}). "
                "Please shrink it before uploading.")
    if width < 1 or height < 1:
        return f"This image claims to be {width} × {height} pixels, which holds no pixels at all."
    return (f"This image is {width} × {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"ScaleScope accepts at most {limit}. Please shrink it before uploading.")


def _not_an_image_message(raw: bytes) -> str:
    head = raw[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) or b"<svg" in head:
        kind = "an SVG drawing (vector graphics), not a grid of pixels"
    elif head.startswith((b"<!doctype", b"<html", b"<")):
        kind = "a web page (HTML text), not a picture"
    elif raw[:4] == b"PK\x03\x04":
        kind = "a zip archive, not a picture"
    elif raw[:4] == b"%PDF":
        kind = "a PDF document, not a picture"
    else:
        kind = "not a picture ScaleScope can read"
    return f"This file is {kind}. Please upload a {READABLE_FORMATS} image."


def _damaged_message() -> str:
    return ("This image file is damaged or cut short, so its pixels could not be decoded. "
            "Please try another file, or save the image again and re-upload it.")


def fit_working_size(image: np.ndarray, max_side: int = WORKING_SIDE) -> tuple[np.ndarray, float]:
    """Shrink ``image`` so its long side is at most ``max_side``; return it and the scale used.

    The shrink uses OpenCV's area average (no aliasing). An image already small enough is
    returned as it is, with scale 1.0.

    Shape:
        Input: ``(H, W, 3)`` uint8. Output: ``(h, w, 3)`` uint8 with ``max(h, w) <= max_side``.
    """
    height, width = image.shape[:2]
    long_side = max(height, width)
    if long_side <= max_side:
        return image, 1.0
    scale = max_side / long_side
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def image_digest(image: np.ndarray) -> str:
    """sha256 of an array's shape, dtype and bytes: the cache key for everything computed from it."""
    h = hashlib.sha256(f"{image.shape}{image.dtype}".encode())
    h.update(np.ascontiguousarray(image).data)
    return h.hexdigest()


def to_tensor(image: np.ndarray, device: torch.device | str | None = None) -> torch.Tensor:
    """``(H, W, 3) uint8`` RGB → ``(1, 3, H, W) float32`` in ``[0, 1]`` on ``device``.

    >>> to_tensor(np.full((1, 2, 3), 255, np.uint8)).shape
    torch.Size([1, 3, 1, 2])
    """
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InvalidParameterError(
            f"Expected an (H, W, 3) uint8 RGB image, got shape {image.shape} and dtype {image.dtype}.")
    target = torch.device(device) if device is not None else default_device()
    # Read-only arrays (cached samples) are copied: torch cannot wrap them without a warning.
    source = np.ascontiguousarray(image) if image.flags.writeable else image.copy()
    tensor = torch.from_numpy(source).to(target)
    return tensor.permute(2, 0, 1).unsqueeze(0).float().div_(255.0).contiguous()


def to_image(x: torch.Tensor) -> np.ndarray:
    """``(1, 3, H, W)`` or ``(3, H, W)`` float in ``[0, 1]`` → ``(H, W, 3) uint8``.

    Convention: rounds half up (``floor(255 x + 0.5)``) and clips to ``[0, 255]``.

    >>> to_image(torch.tensor([[[[0.5]], [[0.0]], [[1.2]]]])).tolist()
    [[[128, 0, 255]]]
    """
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise InvalidParameterError(f"to_image takes one image, got a batch of {x.shape[0]}.")
        x = x[0]
    if x.dim() != 3 or x.shape[0] != 3:
        raise InvalidParameterError(f"Expected a (3, H, W) tensor, got shape {tuple(x.shape)}.")
    scaled = torch.floor(x.detach().float() * 255.0 + 0.5).clamp_(0, 255)
    return scaled.to(torch.uint8).permute(1, 2, 0).contiguous().cpu().numpy()


def to_uint8(x: np.ndarray) -> np.ndarray:
    """A float array in ``[0, 1]`` (any shape) as uint8, the same way :func:`to_image` rounds.

    Convention: ``floor(255 x + 0.5)``, clipped to ``[0, 255]``.

    >>> to_uint8(np.array([0.5, -0.1, 1.2, 0.002])).tolist()
    [128, 0, 255, 1]
    """
    return np.clip(np.floor(np.asarray(x, np.float64) * 255.0 + 0.5), 0, 255).astype(np.uint8)
