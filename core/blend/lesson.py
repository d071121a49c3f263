"""What the blending lesson shows beyond the blends: image B fitted to A, the seam's close-up, the mask."""

from __future__ import annotations

import cv2
import numpy as np


def match_size(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``size = (height, width)``: area average when shrinking, else bilinear.

    Shape:
        Input: ``(H, W, 3) uint8``. Output: ``(height, width, 3) uint8``.

    >>> match_size(np.zeros((4, 6, 3), np.uint8), (2, 3)).shape
    (2, 3, 3)
    """
    shrinking = image.shape[0] * image.shape[1] > size[0] * size[1]
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def seam_window(kind: str, height: int, width: int, radius: float) -> tuple[slice, slice]:
    """Rows and columns of a square around the middle of the seam, an eighth of the shorter side
    on each side of it (at least 8 px): at the centre for the straight cuts, on the circle's
    right-hand edge for the circle.

    >>> seam_window("left-right", 100, 200, 0.3)
    (slice(38, 62, None), slice(88, 112, None))
    """
    cy, cx = height // 2, width // 2
    if kind == "circle":
        cx = int(width // 2 + radius * min(height, width))
    half = max(8, min(height, width) // 8)
    y0, x0 = max(0, cy - half), max(0, min(width - 1, cx) - half)
    return slice(y0, min(height, cy + half)), slice(x0, min(width, cx + half))


def mask_previews(mask_levels: list[np.ndarray]) -> list[np.ndarray]:
    """Each octave's mask as a grey image: weight 1 (image A) light, 0 (image B) dark but not black,
    so the panel's edge stays visible on a dark theme.

    Shape:
        Input: ``(h_i, w_i)`` floats in ``[0, 1]``. Output: ``(h_i, w_i, 3) uint8``.

    >>> mask_previews([np.array([[0.0, 1.0]])])[0][0, :, 0].tolist()
    [40, 230]
    """
    return [np.repeat((40 + m * 190).astype(np.uint8)[..., None], 3, axis=2) for m in mask_levels]


def changed_fraction(base: np.ndarray, other: np.ndarray, threshold: float = 4.0) -> float:
    """Share of pixels where ``other`` differs from ``base`` by more than ``threshold`` grey levels
    in any channel: how far from the seam a blend reaches.

    Shape:
        Input: two ``(H, W, 3) uint8`` images of one size.

    >>> changed_fraction(np.zeros((1, 4, 3), np.uint8), np.array([[[0] * 3, [5] * 3, [4] * 3, [9] * 3]], np.uint8))
    0.5
    """
    difference = np.abs(base.astype(np.int16) - other.astype(np.int16)).max(axis=2)
    return float((difference > threshold).mean())


def seam_widths(mask_levels: list[np.ndarray]) -> list[float]:
    """Per octave, how wide the zone that mixes both images is, in pixels of the original image.

    A weight strictly between 0 and 1 mixes A and B. At octave ``i`` each pixel stands for
    ``4^i`` original pixels, so the mixed area in original pixels is ``count_i · 4^i``; divided by
    the seam's length (the pixels of octave 0 whose weight differs from the left or upper
    neighbour's) it is the zone's width.

    Shape:
        Input: the Gaussian pyramid of a hard mask, ``(h_i, w_i)`` floats in ``[0, 1]``, finest first.

    >>> seam_widths([np.array([[1.0, 1.0, 0.0, 0.0]] * 2), np.array([[0.75, 0.25]])])
    [0.0, 4.0]
    """
    hard = mask_levels[0] > 0.5
    edge = np.zeros_like(hard)
    edge[:, 1:] |= hard[:, 1:] != hard[:, :-1]
    edge[1:, :] |= hard[1:, :] != hard[:-1, :]
    length = max(int(edge.sum()), 1)
    return [float(((m > 0) & (m < 1)).sum()) * 4**i / length for i, m in enumerate(mask_levels)]
