"""Pyramid modules inside CNNs: SPP (He et al. 2014), PSPNet's pyramid pooling (Zhao et al. 2017)
and DeepLab's atrous spatial pyramid pooling (Chen et al. 2017).

Every branch is a named submodule, so :func:`capture_branches` can hook each one and return its
activations by name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.errors import InvalidParameterError

BinConvention = Literal["adaptive", "he"]
ASPP_RATES = {16: (6, 12, 18), 8: (12, 24, 36)}   # DeepLabv3: rates double when the output stride halves


def bin_edges(length: int, bins: int, convention: BinConvention = "adaptive") -> list[tuple[int, int]]:
    """The ``[start, end)`` rows (or columns) each of ``bins`` pooling bins covers.

    Convention:
        ``"adaptive"`` (PyTorch's adaptive pooling): bin ``i`` is
        ``[floor(i·a/n), ceil((i+1)·a/n))`` — every row is covered, bins may overlap by one.
        ``"he"`` (He et al., SPP-net): window ``ceil(a/n)``, stride ``floor(a/n)``, bin ``i``
        starts at ``i·stride`` — for some sizes the last rows are never pooled
        (``a = 10, n = 6``: window 2, stride 1, rows 7–9 left out).

    >>> bin_edges(10, 6, "he")[-1], bin_edges(10, 6)[-1]
    ((5, 7), (8, 10))
    """
    if length < 1 or bins < 1:
        raise InvalidParameterError(f"Need at least one row and one bin, got length {length}, bins {bins}.")
    if convention == "adaptive":
        return [((i * length) // bins, -((-(i + 1) * length) // bins)) for i in range(bins)]
    if convention == "he":
        window, stride = math.ceil(length / bins), length // bins
        return [(min(i * stride, length - 1), min(i * stride + window, length)) for i in range(bins)]
    raise ValueError(f"Unknown bin convention {convention!r}; choose adaptive or he.")


def uncovered(length: int, bins: int, convention: BinConvention = "he") -> list[int]:
    """Rows no bin covers (always empty for ``"adaptive"``).

    >>> uncovered(10, 6)
    [7, 8, 9]
    """
    covered: set[int] = set()
    for start, end in bin_edges(length, bins, convention):
        covered.update(range(start, end))
    return [row for row in range(length) if row not in covered]


class SPP(nn.Module):
    """Spatial pyramid pooling: a fixed-length vector from a map of any size ≥ 1×1.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C · Σ b²)``, ordered level by level, each level
        channel-major then row-major (``C · b · b`` values).
    """

    def __init__(self, bins: Sequence[int] = (4, 2, 1), mode: Literal["max", "avg"] = "max",
                 convention: BinConvention = "adaptive") -> None:
        super().__init__()
        if not bins or min(bins) < 1:
            raise InvalidParameterError(f"SPP needs bins of at least 1, got {tuple(bins)}.")
        if mode not in ("max", "avg"):
            raise ValueError(f"Unknown SPP mode {mode!r}; choose max or avg.")
        self.bins, self.mode, self.convention = tuple(bins), mode, convention
        self.levels = nn.ModuleDict({f"{b}x{b}": nn.Identity() for b in self.bins})

    def pool_level(self, x: torch.Tensor, bins: int) -> torch.Tensor:
        """One level: ``(B, C, H, W)`` → ``(B, C, bins, bins)``."""
        if self.convention == "adaptive":
            pool = F.adaptive_max_pool2d if self.mode == "max" else F.adaptive_avg_pool2d
            return pool(x, bins)
        rows, cols = bin_edges(x.shape[-2], bins, "he"), bin_edges(x.shape[-1], bins, "he")
        reduce = (lambda t: t.amax(dim=(-2, -1))) if self.mode == "max" else (lambda t: t.mean(dim=(-2, -1)))
        return torch.stack([torch.stack([reduce(x[..., r0:r1, c0:c1]) for c0, c1 in cols], dim=-1)
                            for r0, r1 in rows], dim=-2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_map(x)
        return torch.cat([self.levels[f"{b}x{b}"](self.pool_level(x, b)).flatten(1) for b in self.bins], dim=1)


class PyramidPooling(nn.Module):
    """PSPNet's pyramid pooling module.

    Unlike PSPNet (and the trained ``segmenter-psp``), this hand-built layer has no batch norm.

    Each branch averages the map into ``b × b`` bins, reduces it to ``C / N`` channels with a 1×1
    convolution and ReLU, and is upsampled back bilinearly (``align_corners=False``); the input
    and the ``N`` branches are concatenated.

    Shape:
        Input: ``(B, C, H, W)`` with ``C`` divisible by ``len(bins)``. Output: ``(B, 2C, H, W)``.
    """

    def __init__(self, in_channels: int, bins: Sequence[int] = (1, 2, 3, 6)) -> None:
        super().__init__()
        if in_channels % len(bins):
            raise InvalidParameterError(
                f"{in_channels} channels cannot be split evenly over {len(bins)} branches.")
        reduced = in_channels // len(bins)
        self.bins = tuple(bins)
        self.branches = nn.ModuleDict({
            f"bin{b}": nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(in_channels, reduced, 1), nn.ReLU())
            for b in self.bins})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_map(x)
        size = x.shape[-2:]
        pooled = [F.interpolate(branch(x), size=size, mode="bilinear", align_corners=False)
                  for branch in self.branches.values()]
        return torch.cat([x, *pooled], dim=1)


class ImagePooling(nn.Module):
    """ASPP's image-level branch: global average, 1×1 conv, ReLU, spread back over the map."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.reduce = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(self.reduce(x), size=x.shape[-2:], mode="bilinear", align_corners=False)


class ASPP(nn.Module):
    """DeepLabv3's atrous spatial pyramid pooling.

    Unlike DeepLabv3 (and the trained ``segmenter-aspp``), this hand-built layer has no batch norm,
    and the lesson builds it with 16 filters per branch where DeepLabv3 has 256.

    Branches: a 1×1 convolution; one 3×3 convolution per rate ``r`` with dilation ``r`` and
    padding ``r`` ("same": the map keeps its size); optionally image pooling. They are concatenated
    and projected by a 1×1 convolution. Output stride 16 uses rates (6, 12, 18), 8 uses
    (12, 24, 36) (:data:`ASPP_RATES`).

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, out_channels, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int = 256, rates: Sequence[int] = (6, 12, 18),
                 image_pooling: bool = True) -> None:
        super().__init__()
        if not rates or min(rates) < 1:
            raise InvalidParameterError(f"ASPP rates must be at least 1, got {tuple(rates)}.")
        self.rates = tuple(rates)
        branches: dict[str, nn.Module] = {"1x1": nn.Sequential(nn.Conv2d(in_channels, out_channels, 1), nn.ReLU())}
        for rate in self.rates:
            branches[f"rate{rate}"] = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 3, padding=rate, dilation=rate), nn.ReLU())
        if image_pooling:
            branches["image-pool"] = ImagePooling(in_channels, out_channels)
        self.branches = nn.ModuleDict(branches)
        self.project = nn.Sequential(nn.Conv2d(out_channels * len(branches), out_channels, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_map(x)
        return self.project(torch.cat([branch(x) for branch in self.branches.values()], dim=1))


def capture_branches(module: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run ``module`` and return its output and every named branch's output (detached, on CPU).

    Branches are the children of a ``branches`` or ``levels`` ``ModuleDict``; for :class:`SPP` the
    captured value is the pooled ``(B, C, b, b)`` map of each level.
    """
    captured: dict[str, torch.Tensor] = {}
    handles = []
    container = getattr(module, "branches", None) or getattr(module, "levels", None)
    if container is None:
        raise InvalidParameterError(f"{type(module).__name__} has no named branches to capture.")
    for name, branch in container.items():
        handles.append(branch.register_forward_hook(
            lambda _m, _inputs, output, name=name: captured.__setitem__(name, output.detach().cpu())))
    try:
        with torch.no_grad():
            output = module(x)
    finally:
        for handle in handles:
            handle.remove()
    return output.detach().cpu(), captured


def valid_tap_fraction(size: int, rate: int) -> float:
    """Mean fraction of a 3×3 atrous kernel's taps that land inside a ``size × size`` map.

    With padding = rate, taps that fall in the padding see zeros. As the rate approaches the map
    size only the centre tap stays valid and the 3×3 filter degenerates to a 1×1 (DeepLabv3
    §3.3, Fig. 4).

    >>> valid_tap_fraction(65, 1) > 0.9, round(valid_tap_fraction(65, 65) * 9, 6)
    (True, 1.0)
    """
    if size < 1 or rate < 1:
        raise InvalidParameterError(f"Need size ≥ 1 and rate ≥ 1, got size {size}, rate {rate}.")
    positions = torch.arange(size)
    inside_1d = torch.stack([((positions + k * rate >= 0) & (positions + k * rate < size)).float()
                             for k in (-1, 0, 1)])          # (3, size): tap k valid at position
    per_axis = inside_1d.mean(dim=1)                         # valid fraction of each tap along one axis
    return float(torch.outer(per_axis, per_axis).sum() / 9)


def valid_taps(height: int, width: int, rate: int) -> float:
    """Mean number of a 3×3 atrous kernel's 9 taps that land inside a ``height × width`` map
    (padding = rate), averaged over every unit of that map.

    The count at a unit is (valid rows of 3) × (valid columns of 3), so its mean over the map is
    the product of the per-axis means.

    >>> round(valid_taps(38, 57, 12), 2), round(valid_taps(38, 57, 24), 2), round(valid_taps(38, 57, 40), 2)
    (6.11, 3.75, 1.6)
    """
    if height < 1 or width < 1 or rate < 1:
        raise InvalidParameterError(f"Need a map of at least 1×1 and rate ≥ 1, got {width}×{height}, rate {rate}.")

    def per_axis(size: int) -> float:
        positions = torch.arange(size)
        return float(sum(((positions + k * rate >= 0) & (positions + k * rate < size)).float().mean()
                         for k in (-1, 0, 1)))

    return per_axis(height) * per_axis(width)


def tap_positions(row: int, col: int, rate: int, height: int, width: int) -> list[tuple[int, int, bool]]:
    """The 9 taps of a 3×3 kernel with dilation ``rate`` centred at ``(row, col)`` of an
    ``height × width`` map, each with whether it lies inside the map (else it reads padding).

    >>> tap_positions(0, 0, 2, 5, 5)[0], tap_positions(0, 0, 2, 5, 5)[8]
    ((-2, -2, False), (2, 2, True))
    """
    return [(row + dy * rate, col + dx * rate,
             0 <= row + dy * rate < height and 0 <= col + dx * rate < width)
            for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


def _check_map(x: torch.Tensor) -> None:
    if x.dim() != 4 or x.shape[-1] < 1 or x.shape[-2] < 1:
        raise InvalidParameterError(f"Expected a (B, C, H, W) map with H, W ≥ 1, got {tuple(x.shape)}.")
