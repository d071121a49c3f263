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
