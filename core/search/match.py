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

import cv2
import numpy as np
import scipy.fft
import torch
from numpy.lib.stride_tricks import sliding_window_view

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

    Only the valid positions are wanted, so the circular correlation needs no padding beyond the
    image itself: the transform size is the image's, rounded up to a length with only the
    factors 2, 3 and 5 (fast for any FFT library; a prime length can be several times slower).
    On the CPU the work runs in NumPy/SciPy on one thread (a few microseconds per step, and
    steady on a busy machine); on other devices in torch.

    Shape:
        Input: image ``(H, W)``, template ``(h, w)`` with ``h <= H`` and ``w <= W``.
        Output: ``(H - h + 1, W - w + 1)`` float64, on the image's device.
    """
    _check_pair(image, template)
    if image.device.type == "cpu" and template.device.type == "cpu":
        return torch.from_numpy(_ncc_numpy(image.detach().numpy(), template.detach().numpy()))
    return _ncc_torch(image, template.to(image.device))


def _score_array(image: torch.Tensor, template: torch.Tensor) -> np.ndarray:
    """:func:`ncc_map` as a NumPy array on the CPU, whatever the device (the searches' input)."""
    _check_pair(image, template)
    if image.device.type == "cpu" and template.device.type == "cpu":
        return _ncc_numpy(image.detach().numpy(), template.detach().numpy())
    return _ncc_torch(image, template.to(image.device)).cpu().numpy()


def _check_pair(image: torch.Tensor, template: torch.Tensor) -> None:
    if image.dim() != 2 or template.dim() != 2:
        raise InvalidParameterError(
            f"Expected 2-D image and template, got {tuple(image.shape)} and {tuple(template.shape)}.")
    (height, width), (h, w) = image.shape, template.shape
    if h > height or w > width or h < 1 or w < 1:
        raise InvalidParameterError(f"A {w}×{h} template does not fit in a {width}×{height} image.")


def _ncc_numpy(image: np.ndarray, template: np.ndarray) -> np.ndarray:
    (height, width), (h, w) = image.shape, template.shape
    image = np.asarray(image, np.float64)
    zero_mean = np.asarray(template, np.float64) - float(np.mean(template, dtype=np.float64))
    n = h * w
    # Numerator: correlation of the image with the zero-mean template (its mean term vanishes).
    # A valid position never reaches past the image, so a size >= the image's never wraps round.
    shape = (fast_length(height), fast_length(width))
    spectrum = scipy.fft.rfft2(image, shape)
    spectrum *= np.conj(scipy.fft.rfft2(zero_mean, shape))
    numerator = scipy.fft.irfft2(spectrum, shape)[:height - h + 1, :width - w + 1]
    # Denominator: window sums of I and I² from integral images.
    window_sum, window_energy = _window_moments(image, h, w)
    variance = np.maximum(window_energy - window_sum * window_sum / n, 0.0)
    norm = np.sqrt(variance * float(np.sum(zero_mean * zero_mean)))
    scores = np.where(variance <= _FLAT * n, 0.0, numerator / np.maximum(norm, 1e-300))
    return np.clip(scores, -1.0, 1.0, out=scores)


def _window_moments(values: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``values`` and of their squares over every ``h × w`` window (integral images)."""
    total, squares = cv2.integral2(values, sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)

    def box(integral: np.ndarray) -> np.ndarray:
        return integral[h:, w:] - integral[:-h, w:] - integral[h:, :-w] + integral[:-h, :-w]

    return box(total), box(squares)


def _ncc_torch(image: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """:func:`ncc_map` in torch, for tensors on an accelerator."""
    (height, width), (h, w) = image.shape, template.shape
    image = image.double()
    template = template.double() - template.double().mean()
    n = h * w
    shape = (fast_length(height), fast_length(width))
    spectrum = torch.fft.rfft2(image, shape) * torch.conj(torch.fft.rfft2(template, shape))
    numerator = torch.fft.irfft2(spectrum, shape)[:height - h + 1, :width - w + 1]
    window_sum = _box_sums(image, h, w)
    window_energy = _box_sums(image * image, h, w)
    variance = (window_energy - window_sum * window_sum / n).clamp(min=0)
    norm = torch.sqrt(variance * (template * template).sum())
    flat = variance <= _FLAT * n
    return torch.where(flat, torch.zeros_like(numerator), numerator / norm.clamp(min=1e-300)).clamp(-1, 1)


def window_ncc(region: np.ndarray, template: np.ndarray) -> np.ndarray:
    """``TM_CCOEFF_NORMED`` of small search windows, one dot product per position, no FFT.

    For the few positions a coarse-to-fine step scores, set-up is what costs: an FFT of the
    window costs more than the dot products themselves. Same score and flat-window rule as
    :func:`ncc_map`. Several windows of one size can be scored in one call (a leading axis).

    Shape:
        Input: region ``(..., p + h - 1, q + w - 1)``, template ``(h, w)``.
        Output: ``(..., p, q)`` float64.

    >>> r = np.arange(12.0).reshape(3, 4) ** 2
    >>> scores = window_ncc(r, r[1:, 1:3])
    >>> scores.shape, float(scores[1, 1])
    ((2, 3), 1.0)
    """
    h, w = template.shape
    region = np.asarray(region, np.float64)
    zero_mean = np.asarray(template, np.float64) - float(np.mean(template, dtype=np.float64))
    windows = sliding_window_view(region, (h, w), axis=(-2, -1))
    numerator = np.einsum("...ijkl,kl->...ij", windows, zero_mean)
    n = h * w
    window_sum, window_energy = _box(region, h, w), _box(region * region, h, w)
    variance = np.maximum(window_energy - window_sum * window_sum / n, 0.0)
    norm = np.sqrt(variance * float(np.sum(zero_mean * zero_mean)))
    scores = np.where(variance <= _FLAT * n, 0.0, numerator / np.maximum(norm, 1e-300))
    return np.clip(scores, -1.0, 1.0, out=scores)


def _box(values: np.ndarray, h: int, w: int) -> np.ndarray:
    """Sums over every ``h × w`` window of the last two axes (a small integral image)."""
    integral = np.zeros((*values.shape[:-2], values.shape[-2] + 1, values.shape[-1] + 1))
    integral[..., 1:, 1:] = values.cumsum(axis=-2).cumsum(axis=-1)
    return (integral[..., h:, w:] - integral[..., :-h, w:]
            - integral[..., h:, :-w] + integral[..., :-h, :-w])


def _box_sums(values: torch.Tensor, h: int, w: int) -> torch.Tensor:
    integral = torch.nn.functional.pad(values.cumsum(0).cumsum(1), (1, 0, 1, 0))
    return integral[h:, w:] - integral[:-h, w:] - integral[h:, :-w] + integral[:-h, :-w]


def fast_length(n: int) -> int:
    """The smallest ``m >= n`` whose only prime factors are 2, 3 and 5.

    >>> fast_length(349), fast_length(500), fast_length(1)
    (360, 500, 1)
    """
    best = 1
    while best < n:
        best *= 2
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            candidate = power35
            while candidate < n:
                candidate *= 2
            best = min(best, candidate)
            power35 *= 3
        power5 *= 5
    return best


def exhaustive_match(image: torch.Tensor, template: torch.Tensor) -> Match:
    """Score every position at full resolution and keep the best.

    Shape:
        Input: image ``(H, W)`` and template ``(h, w)``, grey, any float range.
    """
    scores = _score_array(image, template)
    y, x, score = _best(scores)
    count = scores.size
    trace = LevelTrace(0, scores.astype(np.float32), [(0, 0, scores.shape[0] - 1, scores.shape[1] - 1)],
                       [(y, x, score)], count)
    return Match(y, x, score, [count], [trace])


def coarse_to_fine_match(image: torch.Tensor, template: torch.Tensor, levels: int, *,
                         keep: int = 1, radius: int = 2) -> Match:
    """Search the smallest octave everywhere, then only near the best candidates below it.

    At the top octave every position is scored and the ``keep`` best separated peaks survive.
    At each finer octave a candidate ``(y, x)`` becomes ``(2y, 2x)`` and only the positions within
    ``radius`` of it are scored; again the ``keep`` best survive. With one level this is the
    exhaustive search. The top octave is scored with the FFT of :func:`ncc_map` (every position
    of it); the small windows below with direct dot products (:func:`window_ncc`), whose cost is
    the positions themselves rather than an FFT's set-up.

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
    scores = _score_array(images[top], templates[top])
    candidates = _peaks(scores, keep, max(1, min(th, tw) // 2))
    trace = [LevelTrace(top, scores.astype(np.float32),
                        [(0, 0, scores.shape[0] - 1, scores.shape[1] - 1)], candidates, scores.size)]
    for level in range(top - 1, -1, -1):
        level_image = images[level].detach().cpu().numpy()
        level_template = templates[level].detach().cpu().numpy()
        th, tw = level_template.shape
        max_y, max_x = level_image.shape[0] - th, level_image.shape[1] - tw
        canvas = np.full((max_y + 1, max_x + 1), np.nan, dtype=np.float32)
        windows = [(max(0, 2 * cy - radius), max(0, 2 * cx - radius),
                    min(max_y, 2 * cy + radius), min(max_x, 2 * cx + radius)) for cy, cx, _ in candidates]
        found, count = [], 0
        for (y0, x0, y1, x1), local in zip(windows, _score_windows(level_image, level_template, windows), strict=True):
            canvas[y0:y1 + 1, x0:x1 + 1] = local
            count += local.size
            ly, lx, score = _best(local)
            found.append((y0 + ly, x0 + lx, score))
        candidates = sorted(set(found), key=lambda c: -c[2])[:keep]
        trace.append(LevelTrace(level, canvas, windows, candidates, count))
    y, x, score = candidates[0]
    return Match(y, x, score, [t.evaluations for t in trace], trace)


def _score_windows(image: np.ndarray, template: np.ndarray,
                   windows: list[tuple[int, int, int, int]]) -> list[np.ndarray]:
    """Scores of each window ``(y0, x0, y1, x1)`` of positions; windows of one size in one batch."""
    h, w = template.shape
    by_size: dict[tuple[int, int], list[int]] = {}
    for i, (y0, x0, y1, x1) in enumerate(windows):
        by_size.setdefault((y1 - y0, x1 - x0), []).append(i)
    scores: list[np.ndarray] = [np.empty(0)] * len(windows)
    for (dy, dx), members in by_size.items():
        regions = np.stack([image[windows[i][0]:windows[i][0] + dy + h, windows[i][1]:windows[i][1] + dx + w]
                            for i in members])
        for i, local in zip(members, window_ncc(regions, template), strict=True):
            scores[i] = local
    return scores


def _best(scores: np.ndarray) -> tuple[int, int, float]:
    y, x = divmod(int(np.argmax(scores)), scores.shape[1])
    return y, x, float(scores[y, x])


def _peaks(scores: np.ndarray, count: int, separation: int) -> list[tuple[int, int, float]]:
    """The ``count`` highest scores that are at least ``separation`` apart (greedy suppression)."""
    remaining = np.array(scores, dtype=np.float64)
    width = remaining.shape[1]
    peaks = []
    for _ in range(count):
        y, x = divmod(int(np.argmax(remaining)), width)
        score = float(remaining[y, x])
        if not np.isfinite(score):
            break
        peaks.append((y, x, score))
        remaining[max(0, y - separation):y + separation + 1, max(0, x - separation):x + separation + 1] = -np.inf
    return peaks
