"""The shapes the scale study classifies: four filled shapes at a random place in a 64×64 canvas."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np
import torch

SHAPES = ("square", "disc", "triangle", "cross")
CANVAS = 64
BASE_SIZE = 12


def draw_shape(kind: str, size: float, rng: np.random.Generator, canvas: int = CANVAS) -> np.ndarray:
    """One shape of width ``size`` pixels at a random place, brightness 0.6–1 on faint noise.

    Shape:
        Output: ``(canvas, canvas)`` float32 in [0, 1].
    """
    supersample = 2   # anti-aliased edges at a quarter of the cost of 4×
    big = canvas * supersample
    image = np.zeros((big, big), np.float32)
    half = max(1.0, size * supersample / 2)
    margin = half + supersample
    cx, cy = rng.uniform(margin, big - margin, size=2) if big - 2 * margin > 0 else (big / 2, big / 2)
    value = float(rng.uniform(0.6, 1.0))
    if kind == "square":
        cv2.rectangle(image, (int(cx - half), int(cy - half)), (int(cx + half), int(cy + half)), value, -1)
    elif kind == "disc":
        cv2.circle(image, (int(cx), int(cy)), int(half), value, -1)
    elif kind == "triangle":
        points = np.array([[cx, cy - half], [cx - half, cy + half], [cx + half, cy + half]], np.int32)
        cv2.fillPoly(image, [points], value)
    elif kind == "cross":
        bar = max(1, int(half / 3))
        cv2.rectangle(image, (int(cx - half), int(cy - bar)), (int(cx + half), int(cy + bar)), value, -1)
        cv2.rectangle(image, (int(cx - bar), int(cy - half)), (int(cx + bar), int(cy + half)), value, -1)
    else:
        raise ValueError(f"Unknown shape {kind!r}; choose one of {', '.join(SHAPES)}.")
    small = cv2.resize(image, (canvas, canvas), interpolation=cv2.INTER_AREA)
    return np.clip(small + np.asarray(rng.normal(0, 0.03, small.shape), np.float32), 0, 1)


def make_dataset(count: int, scales: tuple[float, float] | float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` labelled shapes; ``scales`` is one scale or a (low, high) range drawn log-uniformly.

    Shape:
        Output: images ``(count, 1, 64, 64)`` float32 and labels ``(count,)`` int64.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SHAPES), count)
    if isinstance(scales, tuple):
        chosen = np.exp(rng.uniform(math.log(scales[0]), math.log(scales[1]), count))
    else:
        chosen = np.full(count, float(scales))
    images = np.stack([draw_shape(SHAPES[k], BASE_SIZE * s, rng) for k, s in zip(labels, chosen, strict=True)])
    return torch.from_numpy(images)[:, None], torch.from_numpy(labels).long()


@lru_cache(maxsize=8)
def training_set(count: int, scales: tuple[float, float] | float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Variants trained with the same seed and scales see the same images (and drawing is not free).
    return make_dataset(count, scales, seed)
