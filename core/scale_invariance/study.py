"""Learned scale invariance: a tiny CNN trained at one scale, tested from 0.25× to 4×.

The task: tell four filled shapes apart (square, disc, triangle, cross) drawn at a random place
in a 64×64 canvas (:mod:`core.scale_invariance.shapes`). Training sees one size (12 px, scale 1)
unless zoom augmentation is on; testing sweeps the size. The variants
(:mod:`core.scale_invariance.networks`) isolate where scale invariance comes from; two more reuse
the global-max network:

* ``zoom-augmentation``  trained on sizes drawn from 0.5× to 2×;
* ``input-pyramid``  evaluated on the image at ½, 1 and 2× and the class probabilities averaged —
  the multi-scale input of "Attention to Scale" (Chen et al. 2016).

``python -m core.scale_invariance.study --out assets/scale_study/`` runs the full default study
and ships its results (:mod:`core.scale_invariance.shipped`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.downsizenet import seeded_generator
from core.errors import InvalidParameterError
from core.scale_invariance.networks import VARIANTS, GlobalMax, SpatialPyramidMax, build_model
from core.scale_invariance.shapes import BASE_SIZE, CANVAS, SHAPES, draw_shape, make_dataset, training_set

__all__ = ["BASE_SIZE", "CANVAS", "SHAPES", "TEST_SCALES", "VARIANTS", "GlobalMax", "ScaleStudy",
           "SpatialPyramidMax", "build_model", "draw_shape", "make_dataset", "predict", "run_study",
           "train_model"]

TEST_SCALES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
ZOOM_RANGE = (0.5, 2.0)
PYRAMID_SCALES = (0.5, 1.0, 2.0)


def train_model(variant: str, seed: int, steps: int = 250, batch: int = 32,
                on_step: Callable[[int, float], bool] | None = None) -> nn.Module:
    """Train one variant from seed ``seed``; ``on_step(step, loss)`` may return False to stop."""
    model = build_model(variant, generator=seeded_generator(seed))
    scales = ZOOM_RANGE if variant == "zoom-augmentation" else 1.0
    images, labels = training_set(min(steps * batch, 2048), scales, seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = seeded_generator(seed)
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
