"""Template search: every position at full resolution, or coarse-to-fine down a pyramid.

The score is the normalised cross-correlation of OpenCV's ``TM_CCOEFF_NORMED``: template and
window each have their mean removed, and the dot product is divided by both norms, so the score
lies in [-1, 1] and ignores brightness and contrast changes.

Convention: a position ``(y, x)`` is the top-left corner of the template in the image, as in
``cv2.matchTemplate``; there are ``(H - h + 1) * (W - w + 1)`` positions. An evaluation is the
score of one position; counts are exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core.errors import InvalidParameterError
from core.pyramids import gaussian_pyramid

_FLAT = 1e-9   # windows with less variance than this are flat: their score is 0


@dataclass(frozen=True)
class LevelTrace:
    """What the search did at one octave (0 is full resolution).

    Attributes:
        level: octave index.
        scores: ``(H_l - h_l + 1, W_l - w_l + 1)`` float32 map, NaN where nothing was evaluated.
        windows: searched rectangles ``(y0, x0, y1, x1)`` of positions, inclusive.
        candidates: the ``(y, x, score)`` kept for the next, finer octave, best first.
        evaluations: positions scored at this octave.
    """

    level: int
    scores: np.ndarray
    windows: list[tuple[int, int, int, int]]
    candidates: list[tuple[int, int, float]]
    evaluations: int


@dataclass(frozen=True)
class Match:
    """The best position found.

    Attributes:
        y, x: top-left corner of the template in the full-resolution image.
        score: its normalised cross-correlation, in [-1, 1].
        evaluations: positions scored per octave, coarsest first (one entry when exhaustive).
        trace: per octave, coarsest first: score maps, searched windows and kept candidates.
    """

    y: int
    x: int
    score: float
    evaluations: list[int]
    trace: list[LevelTrace] = field(default_factory=list, repr=False)

    @property
    def total_evaluations(self) -> int:
        return sum(self.evaluations)


def ncc_map(image: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """``TM_CCOEFF_NORMED`` at every position, computed with FFTs and running sums.

    Shape:
        Input: image ``(H, W)``, template ``(h, w)`` with ``h <= H`` and ``w <= W``.
        Output: ``(H - h + 1, W - w + 1)`` float64.
    """
    if image.dim() != 2 or template.dim() != 2:
        raise InvalidParameterError(
            f"Expected 2-D image and template, got {tuple(image.shape)} and {tuple(template.shape)}.")
    (height, width), (h, w) = image.shape, template.shape
    if h > height or w > width or h < 1 or w < 1:
        raise InvalidParameterError(f"A {w}×{h} template does not fit in a {width}×{height} image.")
    image = image.double()
    template = template.double() - template.double().mean()
    n = h * w
    # Numerator: correlation of the image with the zero-mean template (its mean term vanishes).
    shape = (height + h - 1, width + w - 1)
    spectrum = torch.fft.rfft2(image, shape) * torch.conj(torch.fft.rfft2(template, shape))
    numerator = torch.fft.irfft2(spectrum, shape)[:height - h + 1, :width - w + 1]
    # Denominator: window sums of I and I² from integral images.
    window_sum = _box_sums(image, h, w)
    window_energy = _box_sums(image * image, h, w)
    variance = (window_energy - window_sum * window_sum / n).clamp(min=0)
    norm = torch.sqrt(variance * (template * template).sum())
    flat = variance <= _FLAT * n
    return torch.where(flat, torch.zeros_like(numerator), numerator / norm.clamp(min=1e-300)).clamp(-1, 1)


def _box_sums(values: torch.Tensor, h: int, w: int) -> torch.Tensor:
    integral = torch.nn.functional.pad(values.cumsum(0).cumsum(1), (1, 0, 1, 0))
    return integral[h:, w:] - integral[:-h, w:] - integral[h:, :-w] + integral[:-h, :-w]


def exhaustive_match(image: torch.Tensor, template: torch.Tensor) -> Match:
    """Score every position at full resolution and keep the best.

    Shape:
        Input: image ``(H, W)`` and template ``(h, w)``, grey, any float range.
    """
    scores = ncc_map(image, template)
    y, x, score = _best(scores)
    count = scores.numel()
    trace = LevelTrace(0, scores.float().cpu().numpy(), [(0, 0, scores.shape[0] - 1, scores.shape[1] - 1)],
                       [(y, x, score)], count)
    return Match(y, x, score, [count], [trace])


def coarse_to_fine_match(image: torch.Tensor, template: torch.Tensor, levels: int, *,
                         keep: int = 1, radius: int = 2) -> Match:
    """Search the smallest octave everywhere, then only near the best candidates below it.

    At the top octave every position is scored and the ``keep`` best separated peaks survive.
    At each finer octave a candidate ``(y, x)`` becomes ``(2y, 2x)`` and only the positions within
    ``radius`` of it are scored; again the ``keep`` best survive. With one level this is the
    exhaustive search.

    Shape:
        Input: image ``(H, W)`` and template ``(h, w)``, grey.
    """
    if keep < 1 or radius < 0:
        raise InvalidParameterError(f"keep must be ≥ 1 and radius ≥ 0, got keep={keep}, radius={radius}.")
    images = [g[0, 0] for g in gaussian_pyramid(image.float()[None, None], levels)]
    templates = [g[0, 0] for g in gaussian_pyramid(template.float()[None, None], levels)]
    top = levels - 1
    th, tw = templates[top].shape
    if th < 2 or tw < 2:
        raise InvalidParameterError(
            f"At octave {top} the patch is only {tw}×{th} pixels: too small to match. "
            "Use fewer levels or a larger patch.")
    scores = ncc_map(images[top], templates[top])
    candidates = _peaks(scores, keep, max(1, min(th, tw) // 2))
    trace = [LevelTrace(top, scores.float().cpu().numpy(),
                        [(0, 0, scores.shape[0] - 1, scores.shape[1] - 1)], candidates, scores.numel())]
    for level in range(top - 1, -1, -1):
        level_image, level_template = images[level], templates[level]
        max_y = level_image.shape[0] - level_template.shape[0]
        max_x = level_image.shape[1] - level_template.shape[1]
        canvas = torch.full((max_y + 1, max_x + 1), float("nan"), dtype=torch.float64)
        windows, found, count = [], [], 0
        for cy, cx, _ in candidates:
            y0, y1 = max(0, 2 * cy - radius), min(max_y, 2 * cy + radius)
            x0, x1 = max(0, 2 * cx - radius), min(max_x, 2 * cx + radius)
            region = level_image[y0:y1 + level_template.shape[0], x0:x1 + level_template.shape[1]]
            local = ncc_map(region, level_template)
            canvas[y0:y1 + 1, x0:x1 + 1] = local
            count += local.numel()
            windows.append((y0, x0, y1, x1))
            ly, lx, score = _best(local)
            found.append((y0 + ly, x0 + lx, score))
        candidates = sorted(set(found), key=lambda c: -c[2])[:keep]
        trace.append(LevelTrace(level, canvas.float().numpy(), windows, candidates, count))
    y, x, score = candidates[0]
    return Match(y, x, score, [t.evaluations for t in trace], trace)


def _best(scores: torch.Tensor) -> tuple[int, int, float]:
    index = int(torch.argmax(scores))
    y, x = divmod(index, scores.shape[1])
    return y, x, float(scores[y, x])


def _peaks(scores: torch.Tensor, count: int, separation: int) -> list[tuple[int, int, float]]:
    """The ``count`` highest scores that are at least ``separation`` apart (greedy suppression)."""
    remaining = scores.clone()
    peaks = []
    for _ in range(count):
        y, x, score = _best(remaining)
        if not np.isfinite(score) or score == -np.inf:
            break
        peaks.append((y, x, score))
        remaining[max(0, y - separation):y + separation + 1, max(0, x - separation):x + separation + 1] = -np.inf
        if torch.isinf(remaining).all():
            break
    return peaks
