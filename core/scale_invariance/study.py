"""Learned scale invariance: a tiny CNN trained at one scale, tested from 0.25× to 4×.

The task: tell four filled shapes apart (square, disc, triangle, cross) drawn at a random place
in a 64×64 canvas. Training sees one size (12 px, scale 1) unless zoom augmentation is on; testing
sweeps the size. The variants isolate where scale invariance comes from:

* ``no-pooling``   convolutions at full resolution, then a dense layer over every position;
* ``max-pooling``  three conv + 2×2 max-pool stages, then a dense layer over the 8×8 map;
* ``global-max``   the same stages, then the maximum over all positions (any input size works);
* ``spp``          the same stages, then spatial pyramid pooling (4×4, 2×2, 1×1 max) — He et al.;
* ``zoom-augmentation``  ``global-max`` trained on sizes drawn from 0.5× to 2×;
* ``input-pyramid``  ``global-max`` evaluated on the image at ½, 1 and 2× and the class
  probabilities averaged — the multi-scale input of "Attention to Scale" (Chen et al. 2016).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.errors import InvalidParameterError

SHAPES = ("square", "disc", "triangle", "cross")
CANVAS = 64
BASE_SIZE = 12
TEST_SCALES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
VARIANTS = ("no-pooling", "max-pooling", "global-max", "spp", "zoom-augmentation", "input-pyramid")
ZOOM_RANGE = (0.5, 2.0)
PYRAMID_SCALES = (0.5, 1.0, 2.0)


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
    return np.clip(small + rng.normal(0, 0.03, small.shape).astype(np.float32), 0, 1)


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
    images = np.stack([draw_shape(SHAPES[k], BASE_SIZE * s, rng) for k, s in zip(labels, chosen)])
    return torch.from_numpy(images)[:, None], torch.from_numpy(labels).long()


@lru_cache(maxsize=8)
def _training_set(count: int, scales: tuple[float, float] | float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    # Variants trained with the same seed and scales see the same images (and drawing is not free).
    return make_dataset(count, scales, seed)


class SpatialPyramidMax(nn.Module):
    """He et al.'s SPP head with adaptive max pooling: ``(B, C, H, W)`` → ``(B, C · 21)``."""

    def __init__(self, bins: tuple[int, ...] = (4, 2, 1)) -> None:
        super().__init__()
        self.bins = bins

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.adaptive_max_pool2d(x, b).flatten(1) for b in self.bins], dim=1)


class GlobalMax(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))


def build_model(variant: str, width: int = 8) -> nn.Module:
    """The network for one variant (``input-pyramid`` shares ``global-max``'s network)."""
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    classes = len(SHAPES)
    if variant == "no-pooling":
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
                             nn.Flatten(), nn.Linear(4 * CANVAS * CANVAS, classes))
    stages = nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
    if variant == "max-pooling":
        head = nn.Sequential(nn.Flatten(), nn.Linear(width * (CANVAS // 8) ** 2, classes))
    elif variant in ("global-max", "input-pyramid", "zoom-augmentation"):
        head = nn.Sequential(GlobalMax(), nn.Linear(width, classes))
    else:
        head = nn.Sequential(SpatialPyramidMax(), nn.Linear(width * 21, classes))
    return nn.Sequential(stages, head)


def train_model(variant: str, seed: int, steps: int = 250, batch: int = 32,
                on_step: Callable[[int, float], bool] | None = None) -> nn.Module:
    """Train one variant from seed ``seed``; ``on_step(step, loss)`` may return False to stop."""
    torch.manual_seed(seed)
    model = build_model(variant)
    scales = ZOOM_RANGE if variant == "zoom-augmentation" else 1.0
    images, labels = _training_set(min(steps * batch, 2048), scales, seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for step in range(steps):
        index = torch.randint(0, len(labels), (batch,), generator=generator)
        loss = F.cross_entropy(model(images[index]), labels[index])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if on_step is not None and on_step(step, loss.item()) is False:
            break
    return model.eval()


def predict(model: nn.Module, variant: str, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities ``(N, 4)``; ``input-pyramid`` averages them over rescaled inputs."""
    with torch.no_grad():
        if variant != "input-pyramid":
            return F.softmax(model(images), dim=1)
        total = 0
        for scale in PYRAMID_SCALES:
            resized = images if scale == 1 else F.interpolate(
                images, scale_factor=scale, mode="bilinear", align_corners=False, antialias=scale < 1)
            total = total + F.softmax(model(resized), dim=1)
        return total / len(PYRAMID_SCALES)


@dataclass(frozen=True)
class ScaleStudy:
    """Accuracy against test scale, per variant, over several seeds.

    Attributes:
        accuracy: ``accuracy[variant]`` is ``(len(seeds), len(scales))``, fractions in [0, 1].
    """

    scales: tuple[float, ...]
    seeds: tuple[int, ...]
    accuracy: dict[str, np.ndarray]

    def mean(self, variant: str) -> np.ndarray:
        return self.accuracy[variant].mean(axis=0)

    def spread(self, variant: str) -> np.ndarray:
        return self.accuracy[variant].std(axis=0)


def run_study(variants: tuple[str, ...] = VARIANTS, seeds: tuple[int, ...] = (0, 1, 2),
              scales: tuple[float, ...] = TEST_SCALES, steps: int = 250, test_count: int = 300,
              on_progress: Callable[[float, str], bool] | None = None) -> ScaleStudy:
    """Train each variant once per seed and test it at every scale.

    ``on_progress(fraction, message)`` is called after each training step batch; returning False
    stops the study early (the accuracies gathered so far are returned).
    """
    if not variants or not seeds:
        raise InvalidParameterError("Pick at least one variant and one seed.")
    tests = {s: make_dataset(test_count, s, seed=10_000 + i) for i, s in enumerate(scales)}
    trained = [v for v in variants if v != "input-pyramid"]
    if "input-pyramid" in variants and "global-max" not in trained:
        trained.append("global-max")
    accuracy = {v: np.full((len(seeds), len(scales)), np.nan) for v in variants}
    jobs = [(v, s) for s in seeds for v in trained]
    stopped = False
    for job, (variant, seed) in enumerate(jobs):
        def step_report(step: int, loss: float, job=job, variant=variant, seed=seed) -> bool:
            if on_progress is None or step % 25:
                return True
            return on_progress((job + step / steps) / len(jobs),
                               f"training {variant} · seed {seed} · step {step} · loss {loss:.3f}")
        model = train_model(variant, seed, steps, on_step=step_report)
        row = seeds.index(seed)
        users = [variant] + (["input-pyramid"] if variant == "global-max" and "input-pyramid" in variants else [])
        for name in users:
            if name in accuracy:
                accuracy[name][row] = [float((predict(model, name, x).argmax(1) == y).float().mean())
                                       for x, y in tests.values()]
        if on_progress is not None and on_progress((job + 1) / len(jobs), f"tested {variant} · seed {seed}") is False:
            stopped = True
        if stopped:
            break
    return ScaleStudy(tuple(scales), tuple(seeds), accuracy)
