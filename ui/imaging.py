"""Turning arrays into things a browser shows: PNG bytes, data URIs, colour-mapped images."""

from __future__ import annotations

import base64
import io
import zipfile

import cv2
import numpy as np
from plotly.colors import sample_colorscale

DIVERGING = "RdBu_r"   # blue below zero, white at zero, red above
SEQUENTIAL = "Viridis"


def png_bytes(image: np.ndarray) -> bytes:
    """``(H, W, 3) uint8`` RGB or ``(H, W) uint8`` → PNG file bytes."""
    bgr = image[..., ::-1] if image.ndim == 3 else image
    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(bgr), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode an image of shape {image.shape} as PNG.")
    return encoded.tobytes()


def data_uri(image: np.ndarray) -> str:
    """A ``data:image/png;base64,...`` URI: how an image travels inside a Plotly figure."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def fit_for_display(image: np.ndarray, max_side: int) -> np.ndarray:
    """Shrink an image whose long side exceeds ``max_side`` (area average); never enlarge.

    Only for what is sent to the browser: every number is computed on the full image.
    """
    height, width = image.shape[:2]
    if max(height, width) <= max_side:
        return image
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _lut(colorscale: str) -> np.ndarray:
    colors = sample_colorscale(colorscale, np.linspace(0, 1, 256).tolist(), colortype="tuple")
    return np.round(np.array(colors) * 255).astype(np.uint8)


_LUTS: dict[str, np.ndarray] = {}


def colorize(values: np.ndarray, low: float, high: float, colorscale: str) -> np.ndarray:
    """Map a 2-D float array onto a Plotly colour scale: ``(H, W)`` → ``(H, W, 3) uint8``."""
    if colorscale not in _LUTS:
        _LUTS[colorscale] = _lut(colorscale)
    span = high - low if high > low else 1.0
    index = np.clip((values - low) / span * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return _LUTS[colorscale][index]


def symmetric_limit(values: np.ndarray, percentile: float = 99.5) -> float:
    """A robust ± range for a signed array, so one hot pixel does not wash the rest out."""
    limit = float(np.percentile(np.abs(values), percentile)) if values.size else 0.0
    return limit if limit > 0 else 1e-6


def zip_of_pngs(images: dict[str, np.ndarray]) -> bytes:
    """A zip archive holding ``name.png`` for each image."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, image in images.items():
            archive.writestr(f"{name}.png", png_bytes(image))
    return buffer.getvalue()


def compose_stack(levels: list[np.ndarray], gap: int = 4,
                  background: int = 255) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Stack images vertically, largest at the bottom, each centred: the classic pyramid drawing.

    Returns the canvas and, for each level, the ``(top, left)`` where it was placed.
    """
    width = max(level.shape[1] for level in levels)
    height = sum(level.shape[0] for level in levels) + gap * (len(levels) - 1)
    canvas = np.full((height, width, 3), background, np.uint8)
    origins = []
    bottom = height
    for level in levels:
        h, w = level.shape[:2]
        top, left = bottom - h, (width - w) // 2
        canvas[top:bottom, left:left + w] = level
        origins.append((top, left))
        bottom = top - gap
    return canvas, origins


def compose_row(levels: list[np.ndarray], gap: int = 8,
                background: int = 255) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Place images left to right at their native size, aligned at the bottom."""
    height = max(level.shape[0] for level in levels)
    width = sum(level.shape[1] for level in levels) + gap * (len(levels) - 1)
    canvas = np.full((height, width, 3), background, np.uint8)
    origins = []
    left = 0
    for level in levels:
        h, w = level.shape[:2]
        canvas[height - h:height, left:left + w] = level
        origins.append((height - h, left))
        left += w + gap
    return canvas, origins
