"""Everything the coarse-to-fine lesson measures: both searches, their cost and their timing."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch

from core.errors import InvalidParameterError
from core.images import to_tensor
from core.search import Match, coarse_to_fine_match, exhaustive_match
from core.spectrum import luminance


@dataclass(frozen=True)
class SearchReport:
    """Exhaustive against coarse-to-fine on one image and one patch.

    Attributes:
        template: the ``(side, side, 3) uint8`` patch searched for, after perturbation.
        exhaustive / coarse_to_fine: the two :class:`Match` results.
        exhaustive_ms / coarse_to_fine_ms: median wall time of ``repeats`` runs, the two searches
            taking turns so that a busy machine slows both alike.
        levels_tried: level counts for the cost curve, and ``evaluations_by_levels`` their totals.
        exhaustive_runs_ms / coarse_to_fine_runs_ms: every run's wall time, in order.
    """

    template: np.ndarray
    exhaustive: Match
    coarse_to_fine: Match
    exhaustive_ms: float
    coarse_to_fine_ms: float
    levels_tried: list[int]
    evaluations_by_levels: list[int]
    exhaustive_runs_ms: tuple[float, ...] = ()
    coarse_to_fine_runs_ms: tuple[float, ...] = ()

    @property
    def exhaustive_spread_ms(self) -> float:
        """Half the interquartile range of the exhaustive runs: the ``±`` beside their median."""
        return _half_spread(self.exhaustive_runs_ms)

    @property
    def coarse_to_fine_spread_ms(self) -> float:
        """Half the interquartile range of the coarse-to-fine runs: the ``±`` beside their median."""
        return _half_spread(self.coarse_to_fine_runs_ms)

    @property
    def time_ratio(self) -> float:
        """Coarse-to-fine time over exhaustive time (medians); below 1 means coarse-to-fine is faster."""
        return self.coarse_to_fine_ms / max(self.exhaustive_ms, 1e-9)

    @property
    def evaluation_ratio(self) -> float:
        """Positions scored by coarse-to-fine over those scored exhaustively: the machine-independent cost."""
        return self.coarse_to_fine.total_evaluations / max(self.exhaustive.total_evaluations, 1)

    @property
    def same_place(self) -> bool:
        return (self.exhaustive.y, self.exhaustive.x) == (self.coarse_to_fine.y, self.coarse_to_fine.x)


def cut_patch(image: np.ndarray, top: int, left: int, side: int, *, noise: float = 0.0,
              brightness: float = 0.0, seed: int = 0) -> np.ndarray:
    """A square of ``image`` with optional Gaussian noise (σ in grey levels) and a brightness shift."""
    height, width = image.shape[:2]
    if side < 1 or top < 0 or left < 0 or top + side > height or left + side > width:
        raise InvalidParameterError(
            f"A {side}-pixel patch at ({left}, {top}) does not fit in a {width}×{height} image.")
    patch = image[top:top + side, left:left + side].astype(np.float32)
    if noise > 0:
        patch = patch + np.random.default_rng(seed).normal(0.0, noise, patch.shape).astype(np.float32)
    return np.clip(patch + brightness + 0.5, 0, 255).astype(np.uint8)


def _gray(image: np.ndarray) -> torch.Tensor:
    return luminance(to_tensor(image, device="cpu"))[0]


TIMING_NOTE = ("Times are the median of several runs, ± half the spread of their middle half. On a small "
               "image fixed set-up costs (building the pyramid, starting each step) weigh as much as the "
               "scoring itself, and other work on the machine moves every time; the count of positions "
               "scored is the measure that does not depend on the machine.")


def _half_spread(times: tuple[float, ...]) -> float:
    """Half the interquartile range: one run slowed by other work on the machine does not move it."""
    if len(times) < 2:
        return 0.0
    low, _, high = statistics.quantiles(times, n=4, method="inclusive")
    return (high - low) / 2


def _interleaved_ms(first, second, repeats: int) -> tuple[list[float], Match, list[float], Match]:
    """Time two searches taking turns, after one untimed run of each (lazy set-up, first touches)."""
    a, b = first(), second()
    times_a, times_b = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        a = first()
        times_a.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        b = second()
        times_b.append((time.perf_counter() - start) * 1e3)
    return times_a, a, times_b, b


def compare_searches(image: np.ndarray, template: np.ndarray, levels: int, keep: int = 1,
                     repeats: int = 7) -> SearchReport:
    """Run both searches ``repeats`` times in turn and the coarse-to-fine one for every level count."""
    if repeats < 1:
        raise InvalidParameterError(f"repeats must be at least 1, got {repeats}.")
    gray, patch = _gray(image), _gray(template)
    ex_times, exhaustive, c2f_times, c2f = _interleaved_ms(
        lambda: exhaustive_match(gray, patch), lambda: coarse_to_fine_match(gray, patch, levels, keep=keep),
        repeats)
    tried = list(range(1, max_search_levels(min(patch.shape)) + 1))
    totals = [coarse_to_fine_match(gray, patch, n, keep=keep).total_evaluations for n in tried]
    return SearchReport(template, exhaustive, c2f, statistics.median(ex_times), statistics.median(c2f_times),
                        tried, totals, tuple(ex_times), tuple(c2f_times))


def max_search_levels(side: int) -> int:
    """Levels whose top octave still leaves the patch at least 2 pixels wide."""
    levels = 1
    while (side + 1) // 2 >= 2 and levels < 8:
        side = (side + 1) // 2
        levels += 1
    return levels


def patch_from_box(box: dict, height: int, width: int, *, min_side: int = 4) -> tuple[int, int, int] | None:
    """A square patch ``(top, left, side)`` from a dragged rectangle ``{"x": [..], "y": [..]}``.

    The square takes the rectangle's shorter side and top-left corner, clipped to the image;
    ``None`` when the rectangle is malformed or smaller than ``min_side``.

    >>> patch_from_box({"x": [10.4, 50.2], "y": [30.0, 90.0]}, 100, 100)
    (30, 10, 40)
    """
    try:
        x0, x1 = sorted(float(v) for v in box["x"][:2])
        y0, y1 = sorted(float(v) for v in box["y"][:2])
    except (KeyError, TypeError, ValueError):
        return None
    left, top = max(0, int(round(x0))), max(0, int(round(y0)))
    side = int(round(min(x1 - x0, y1 - y0)))
    side = min(side, height - top, width - left, max(min_side, min(height, width) // 2))
    return (top, left, side) if side >= min_side else None
