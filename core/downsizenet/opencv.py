"""DownsizeNet's small images against OpenCV's own resizers, an implementation it shares no code with."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import InvalidParameterError


@dataclass(frozen=True)
class OpenCVGap:
    """How far a small image lies from ``cv2.resize`` of the original to the same size.

    Attributes:
        area_mean: mean ``|small − INTER_AREA|``, grey levels (0–255), over pixels and channels.
        linear_mean: the same against ``INTER_LINEAR``.
        linear_max: the largest ``|small − INTER_LINEAR|``, grey levels.
    """

    area_mean: float
    linear_mean: float
    linear_max: int


def opencv_gap(small: np.ndarray, image: np.ndarray) -> OpenCVGap:
    """Compare ``small`` (``(h, w, 3) uint8``) with OpenCV's area and bilinear resizes of ``image``.

    Convention:
        ``cv2.resize`` takes ``(width, height)``; both map pixel centres as PyTorch's
        ``align_corners=False`` does, so bilinear agrees to OpenCV's fixed-point rounding (1 level).

    Shape:
        ``small``: ``(h, w, 3)``; ``image``: ``(H, W, 3)``, both ``uint8``.

    >>> flat = np.full((8, 8, 3), 7, np.uint8)
    >>> opencv_gap(flat[:4, :4], flat)
    OpenCVGap(area_mean=0.0, linear_mean=0.0, linear_max=0)
    """
    if small.ndim != 3 or image.ndim != 3 or small.shape[2] != image.shape[2]:
        raise InvalidParameterError(f"Expected two (H, W, C) images, got {small.shape} and {image.shape}.")
    height, width = small.shape[:2]
    area = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    linear = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    ours = small.astype(np.int64)
    return OpenCVGap(float(np.abs(ours - area).mean()), float(np.abs(ours - linear).mean()),
                     int(np.abs(ours - linear).max()))
