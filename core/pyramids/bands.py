"""What a Laplacian band looks like on screen: its luminance, a signed value per pixel."""

from __future__ import annotations

import numpy as np

from core.spectrum import LUMA


def band_luminance(laplacian: list[np.ndarray]) -> list[np.ndarray]:
    """The Rec. 601 luma of every band except the last (the coarsest Gaussian, not a band).

    Shape:
        Input: ``(H_i, W_i, 3)`` float bands. Output: ``(H_i, W_i)`` float32 each.

    >>> [b.tolist() for b in band_luminance([np.ones((1, 1, 3), np.float32), np.zeros((1, 1, 3))])]
    [[[1.0]]]
    """
    weights = np.asarray(LUMA, np.float32)
    return [(band @ weights).astype(np.float32) for band in laplacian[:-1]]


def band_rms(laplacian: list[np.ndarray]) -> list[float]:
    """Root-mean-square of every level (bands, then the coarsest Gaussian), on the 0–1 scale.

    >>> band_rms([np.full((2, 2, 3), 0.5)])
    [0.5]
    """
    return [float(np.sqrt(np.mean(np.square(level, dtype=np.float64)))) for level in laplacian]
