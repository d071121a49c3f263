"""The two cats: one close to the camera, one far away — the same filter on both, then pooling.

The picked photo (near) and a copy shrunk by ``factor`` (far) share one black canvas. One fixed
filter (a vertical-edge detector with ReLU) runs over the canvas, then 2×2 max pooling repeats.
A filter sees the far copy's edges ``factor`` times closer together; after ``log2(factor)``
more rounds of pooling the near cat's map has been squeezed to the far cat's size, and the two
can be compared unit for unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.images import to_tensor
from core.spectrum import luminance

EDGE_FILTER = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4


@dataclass(frozen=True)
class NearFar:
    """Activation maps of the shared canvas, and how alike near and far become.

    Attributes:
        canvas: ``(H, W + W / factor)`` float32 grey canvas: near on the left, far on the right.
        maps: per depth, the ``(H / 2^d, ...)`` activation after ``d`` poolings.
        similarity: ``similarity[d]`` is the cosine between the far copy's map at depth ``d`` and
            the near image's map at depth ``d + log2(factor)``.
    """

    factor: int
    canvas: np.ndarray
    maps: list[np.ndarray]
    similarity: list[float]


def near_and_far(image: np.ndarray, factor: int = 4, depths: int = 3) -> NearFar:
    """Build the canvas, filter it and pool it ``depths + log2(factor)`` times."""
    if factor not in (2, 4, 8):
        raise InvalidParameterError(f"The far copy is 2, 4 or 8 times smaller, got {factor}.")
    shift = int(math.log2(factor))
    height, width = image.shape[:2]
    if min(height, width) < factor * 2 ** (depths + 1):
        raise InvalidParameterError(
            f"A {width}×{height} image is too small to shrink {factor}× and pool {depths} more times.")
    near = luminance(to_tensor(image, "cpu"))[0].numpy()
    far = cv2.resize(near, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((height, width + width // factor), np.float32)
    canvas[:, :width] = near
    top = (height - far.shape[0]) // 2
    canvas[top:top + far.shape[0], width:] = far
    x = F.relu(F.conv2d(torch.from_numpy(canvas)[None, None], EDGE_FILTER[None, None], padding=1))
    maps = [x[0, 0].numpy()]
    for _ in range(depths + shift):
        x = F.max_pool2d(x, 2)
        maps.append(x[0, 0].numpy())
    similarity = []
    for d in range(depths + 1):
        near_map = _region(maps[d + shift], 0, width, 0, height, d + shift)
        far_map = _region(maps[d], width, width + far.shape[1], top, top + far.shape[0], d)
        h, w = min(near_map.shape[0], far_map.shape[0]), min(near_map.shape[1], far_map.shape[1])
        a, b = near_map[:h, :w].ravel(), far_map[:h, :w].ravel()
        norm = np.linalg.norm(a) * np.linalg.norm(b)
        similarity.append(float(a @ b / norm) if norm > 0 else 0.0)
    return NearFar(factor, canvas, maps, similarity)


def _region(level: np.ndarray, x0: int, x1: int, y0: int, y1: int, depth: int) -> np.ndarray:
    step = 2**depth
    return level[y0 // step:max(y0 // step + 1, y1 // step), x0 // step:max(x0 // step + 1, x1 // step)]
