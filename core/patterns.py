"""Synthetic test images drawn in code, each chosen to expose one property of resampling.

All return ``(size, size, 3) uint8`` RGB and are deterministic.
"""

from __future__ import annotations

import cv2
import numpy as np

from core.errors import InvalidParameterError

_SUPERSAMPLE = 4


def zone_plate(size: int = 512) -> np.ndarray:
    """Concentric rings whose frequency grows linearly with the radius.

    ``I = ½ + ½ cos(π r² / size)``: the local frequency is ``r / size`` cycles per pixel, so it
    reaches the Nyquist limit (0.5) at the middle of each edge. Any frequency above the limit of
    a downsized copy shows up as false rings (Moiré) — aliasing made visible.
    """
    _check_size(size)
    c = (size - 1) / 2
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    r2 = (x - c) ** 2 + (y - c) ** 2
    return _gray(0.5 + 0.5 * np.cos(np.pi * r2 / size))


def siemens_star(size: int = 512, spokes: int = 36) -> np.ndarray:
    """Black and white wedges meeting at the centre: the spatial frequency rises towards it."""
    _check_size(size)
    big = size * _SUPERSAMPLE
    c = (big - 1) / 2
    axis = np.arange(big, dtype=np.float32) - np.float32(c)
    wedges = (np.sin(spokes * np.arctan2(axis[:, None], axis[None, :])) >= 0).astype(np.float32)
    return _gray(_area_down(wedges, size))


def checkerboard(size: int = 512, square: int = 8) -> np.ndarray:
    """Black and white squares of ``square`` pixels."""
    _check_size(size)
    if square < 1:
        raise InvalidParameterError(f"square must be at least 1 pixel, got {square}.")
    y, x = np.mgrid[0:size, 0:size]
    return _gray(((x // square + y // square) % 2).astype(np.float64))


def squares(size: int = 512, sides: tuple[int, ...] = (2, 4, 8, 16, 32, 64)) -> np.ndarray:
    """Grey squares of several sizes on black, spaced evenly along a diagonal band.

    The "cats near and far" of the CNN scale-invariance experiment: same shape, different scale.
    """
    _check_size(size)
    canvas = np.zeros((size, size), np.float64)
    slot = size // (len(sides) + 1)
    for i, side in enumerate(sides):
        top = left = slot // 2 + i * slot
        canvas[top: top + side, left: left + side] = 0.5
    return _gray(canvas)


def text(size: int = 512) -> np.ndarray:
    """Black text on white in shrinking font sizes: the finest lines are one pixel wide."""
    _check_size(size)
    canvas = np.full((size, size), 255, np.uint8)
    y = 0
    scales = (1.2, 0.95, 0.8, 0.65, 0.55, 0.45, 0.38) + (0.32,) * 40
    for scale in scales:
        y += int((30 * scale + 8) * size / 512)
        if y > size - 4:
            break
        cv2.putText(canvas, "Scale 0.3x aliasing Moire 1234", (6, y), cv2.FONT_HERSHEY_SIMPLEX,
                    scale * size / 512, 0, 1, cv2.LINE_AA)
    return np.repeat(canvas[..., None], 3, axis=2)


def stripes(size: int = 512, period: float = 2.2) -> np.ndarray:
    """Vertical sinusoidal stripes of ``period`` pixels: just under the Nyquist limit at 2."""
    _check_size(size)
    if period < 2:
        raise InvalidParameterError(f"A period under 2 pixels cannot be drawn without aliasing, got {period}.")
    x = np.arange(size, dtype=np.float64)
    row = 0.5 + 0.5 * np.cos(2 * np.pi * x / period)
    return _gray(np.tile(row, (size, 1)))


PATTERNS = {
    "zone-plate": ("Zone plate — rings up to the Nyquist limit", zone_plate),
    "siemens-star": ("Siemens star — wedges getting finer towards the centre", siemens_star),
    "checkerboard": ("Checkerboard — 8-pixel squares", checkerboard),
    "squares": ("Squares of 2 to 64 pixels — the same shape at many scales", squares),
    "text": ("Text — strokes one pixel wide", text),
    "stripes": ("Stripes — period 2.2 pixels, just under Nyquist", stripes),
}


def _check_size(size: int) -> None:
    if not 8 <= size <= 4096:
        raise InvalidParameterError(f"Pattern size must be between 8 and 4096 pixels, got {size}.")


def _area_down(values: np.ndarray, size: int) -> np.ndarray:
    return cv2.resize(values.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)


def _gray(values: np.ndarray) -> np.ndarray:
    gray = np.floor(np.clip(values, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=2)


def draw_pattern(name: str, size: int = 512) -> np.ndarray:
    """The pattern ``name`` of :data:`PATTERNS` drawn ``size`` pixels wide, ``(size, size, 3) uint8``."""
    if name not in PATTERNS:
        raise ValueError(f"Unknown pattern {name!r}; choose one of {', '.join(PATTERNS)}.")
    return PATTERNS[name][1](size)
