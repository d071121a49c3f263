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

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.downsizenet import seeded_generator
from core.errors import InvalidParameterError
from core.scale_invariance.networks import TRAINED_VARIANTS, VARIANTS, GlobalMax, SpatialPyramidMax, build_model
from core.scale_invariance.shapes import BASE_SIZE, CANVAS, SHAPES, draw_shape, make_dataset, training_set

__all__ = ["BASE_SIZE", "CANVAS", "SHAPES", "TEST_SCALES", "VARIANTS", "GlobalMax", "ScaleStudy",
           "SpatialPyramidMax", "TRAINED_VARIANTS", "accuracy", "build_model", "draw_shape", "estimate_seconds",
           "make_dataset", "predict", "run_study", "steps_to_converge", "train_model"]

TEST_SCALES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
ZOOM_RANGE = (0.5, 2.0)
PYRAMID_SCALES = (0.5, 1.0, 2.0)


STEPS = 1000             # the shipped study: every variant has converged at 1× by then (see ``curves``)
CURVE_EVERY = 100        # steps between two checkpoints of the 1× validation curve
TRAINING_IMAGES = 4096


def train_model(variant: str, seed: int, steps: int = STEPS, batch: int = 32,
                on_step: Callable[[int, float], bool] | None = None, *,
                curve: list[tuple[int, float]] | None = None, curve_every: int = CURVE_EVERY) -> nn.Module:
    """Train one variant from seed ``seed``; ``on_step(step, loss)`` may return False to stop.

    ``curve``, when given, receives ``(step, accuracy at 1×)`` on :func:`validation_set` every
    ``curve_every`` steps and at the end: how far from converged the variant is.
    """
    model = build_model(variant, generator=seeded_generator(seed))
    scales = ZOOM_RANGE if variant == "zoom-augmentation" else 1.0
    images, labels = training_set(min(steps * batch, TRAINING_IMAGES), scales, seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    generator = seeded_generator(seed)
    model.train()
    for step in range(1, steps + 1):
        index = torch.randint(0, len(labels), (batch,), generator=generator)
        loss = F.cross_entropy(model(images[index]), labels[index])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if curve is not None and (step % curve_every == 0 or step == steps):
            curve.append((step, accuracy(model.eval(), variant, *validation_set())))
            model.train()
        if on_step is not None and on_step(step, loss.item()) is False:
            break
    return model.eval()


def validation_set() -> tuple[torch.Tensor, torch.Tensor]:
    """200 shapes at 1×, from their own seed (not the test sets')."""
    return training_set(200, 1.0, 30_000)


def predict(model: nn.Module, variant: str, images: torch.Tensor) -> torch.Tensor:
    """Class probabilities ``(N, 4)``; ``input-pyramid`` averages them over rescaled inputs."""
    with torch.no_grad():
        if variant != "input-pyramid":
            return F.softmax(model(images), dim=1)
        total = torch.zeros(())
        for scale in PYRAMID_SCALES:
            resized = images if scale == 1 else F.interpolate(
                images, scale_factor=scale, mode="bilinear", align_corners=False, antialias=scale < 1)
            total = total + F.softmax(model(resized), dim=1)
        return total / len(PYRAMID_SCALES)


def accuracy(model: nn.Module, variant: str, images: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predict(model, variant, images).argmax(1) == labels).float().mean())


@dataclass(frozen=True)
class ScaleStudy:
    """Accuracy against test scale, per variant, over several seeds.

    Attributes:
        accuracy: ``accuracy[variant]`` is ``(len(seeds), len(scales))``, fractions in [0, 1];
            NaN where a stopped study did not get to.
        steps: training steps of every variant.
        curves: ``curves[variant][seed]`` is the list of ``(step, accuracy at 1×)`` checkpoints.
        step_seconds: measured seconds per training step of each trained variant (mean over seeds).
        seconds: wall time of the whole study.
        models: the trained networks by ``(variant, seed)`` (input-pyramid uses global-max's).
    """

    scales: tuple[float, ...]
    seeds: tuple[int, ...]
    accuracy: dict[str, np.ndarray]
    steps: int = STEPS
    curves: dict[str, dict[int, list[tuple[int, float]]]] = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    models: dict[tuple[str, int], nn.Module] = field(default_factory=dict, repr=False, compare=False)

    def mean(self, variant: str) -> np.ndarray:
        return np.nanmean(self.accuracy[variant], axis=0) if np.isfinite(self.accuracy[variant]).any() \
            else np.full(len(self.scales), np.nan)

    def spread(self, variant: str) -> np.ndarray:
        """Sample standard deviation over the seeds (n − 1); NaN with a single seed."""
        values = self.accuracy[variant]
        finite = np.isfinite(values).sum(axis=0)
        with np.errstate(invalid="ignore"):
            return np.where(finite > 1, np.nanstd(values, axis=0, ddof=1) if len(values) > 1 else np.nan, np.nan)

    @property
    def complete(self) -> bool:
        return all(np.isfinite(a).all() for a in self.accuracy.values())


def trained_for(variants: tuple[str, ...]) -> list[str]:
    """The networks a study of ``variants`` trains (input-pyramid needs global-max's)."""
    trained = [v for v in variants if v != "input-pyramid"]
    if "input-pyramid" in variants and "global-max" not in trained:
        trained.append("global-max")
    return trained


def estimate_seconds(variants: tuple[str, ...], seeds: int, steps: int, step_seconds: dict[str, float]) -> float:
    """Measured seconds per step × steps × seeds, summed over the networks the study trains.

    >>> estimate_seconds(("global-max", "input-pyramid"), 2, 100, {"global-max": 0.01})
    2.0
    """
    return float(sum(step_seconds.get(v, max(step_seconds.values(), default=0.0)) for v in trained_for(variants))
                 * steps * seeds)


def steps_to_converge(curves: dict[str, dict[int, list[tuple[int, float]]]], tolerance: float = 0.03) -> int:
    """The first checkpoint from which every variant stays within ``tolerance`` of its final 1×
    accuracy, for every seed: fewer steps than this leave some variant still learning."""
    needed = 0
    for per_seed in curves.values():
        for points in per_seed.values():
            if not points:
                continue
            final = points[-1][1]
            first = points[-1][0]
            for step, value in reversed(points):
                if abs(value - final) > tolerance:
                    break
                first = step
            needed = max(needed, first)
    return needed


def run_study(variants: tuple[str, ...] = VARIANTS, seeds: tuple[int, ...] = (0, 1, 2),
              scales: tuple[float, ...] = TEST_SCALES, steps: int = STEPS, test_count: int = 300,
              on_progress: Callable[[float, str], bool] | None = None, *,
              curve_every: int = CURVE_EVERY) -> ScaleStudy:
    """Train each variant once per seed and test it at every scale.

    ``on_progress(fraction, message)`` is called every 25 steps and after each network; returning
    False stops the study (the accuracies gathered so far are returned, the rest NaN).
    """
    if not variants or not seeds:
        raise InvalidParameterError("Pick at least one variant and one seed.")
    for variant in variants:
        if variant not in VARIANTS:
            raise ValueError(f"Unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    start = time.perf_counter()
    tests = {s: make_dataset(test_count, s, seed=10_000 + i) for i, s in enumerate(scales)}
    trained = trained_for(variants)
    accuracy_table = {v: np.full((len(seeds), len(scales)), np.nan) for v in variants}
    curves: dict[str, dict[int, list[tuple[int, float]]]] = {v: {} for v in trained}
    timings: dict[str, list[float]] = {v: [] for v in trained}
    models: dict[tuple[str, int], nn.Module] = {}
    jobs = [(v, s) for s in seeds for v in trained]
    stop = False
    for job, (variant, seed) in enumerate(jobs):
        def step_report(step: int, loss: float, job=job, variant=variant, seed=seed) -> bool:
            if on_progress is None or step % 25:
                return True
            return on_progress((job + step / steps) / len(jobs),
                               f"training {variant} · seed {seed} · step {step} of {steps} · loss {loss:.3f}") \
                is not False
        curve: list[tuple[int, float]] = []
        began = time.perf_counter()
        model = train_model(variant, seed, steps, on_step=step_report, curve=curve, curve_every=curve_every)
        if len(curve) == 0 or curve[-1][0] != steps:      # stopped part-way: nothing of it is kept
            break
        timings[variant].append((time.perf_counter() - began) / steps)
        curves[variant][seed] = curve
        models[(variant, seed)] = model
        row = seeds.index(seed)
        users = [variant] + (["input-pyramid"] if variant == "global-max" and "input-pyramid" in variants else [])
        for name in users:
            if name in accuracy_table:
                accuracy_table[name][row] = [accuracy(model, name, x, y) for x, y in tests.values()]
        if on_progress is not None and on_progress((job + 1) / len(jobs), f"tested {variant} · seed {seed}") is False:
            stop = True
        if stop:
            break
    return ScaleStudy(tuple(scales), tuple(seeds), accuracy_table, steps,
                      {v: c for v, c in curves.items() if v in variants or v == "global-max"},
                      {v: float(np.mean(t)) for v, t in timings.items() if t}, time.perf_counter() - start, models)


def _print_progress(fraction: float, message: str) -> bool:
    """Prints each finished network's line; never stops the study."""
    if message.startswith("tested"):
        print(f"[{fraction:5.1%}] {message}", flush=True)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m core.scale_invariance.study --out assets/scale_study/``: the full default study."""
    import argparse
    import sys

    from core.scale_invariance.shipped import COMMAND, write_study

    parser = argparse.ArgumentParser(prog="python -m core.scale_invariance.study", description=(
        "Train every variant of the scale study with 3 seeds, test it at 0.25x-4x, and write the results "
        "and the seed-0 networks."))
    parser.add_argument("--out", default="assets/scale_study")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    study = run_study(VARIANTS, tuple(args.seeds), steps=args.steps,
                      on_progress=_print_progress)
    data = write_study(study, args.out, COMMAND if args.steps == STEPS and args.seeds == [0, 1, 2] else
                       " ".join(["python -m core.scale_invariance.study", *sys.argv[1:]]))
    print(f"{study.seconds:.0f} s; converged by step {data['steps_to_converge']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
