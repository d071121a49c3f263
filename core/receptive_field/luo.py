"""Luo, Li, Urtasun and Zemel (NIPS 2016), "Understanding the Effective Receptive Field in Deep
CNNs", reproduced: the ERF of a stack of ``n`` uniform ``k×k`` convolutions, and the ERF of the
trained segmenters' trunk against the same trunk at its initial weights.

For all-one kernels in a linear stack the ERF is the ``n``-fold convolution of a ``k``-box with
itself: along one axis its variance is exactly ``n (k² − 1) / 12``, so its standard deviation
grows as √n, while the theoretical field ``n (k − 1) + 1`` grows as n: the ERF's share of the
theoretical field shrinks as 1/√n.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn

from core.receptive_field.networks import effective_receptive_field


def uniform_stack(depth: int, kernel: int = 3) -> nn.Sequential:
    """``depth`` linear ``kernel×kernel`` convolutions (one channel, 'same' zero padding, no bias),
    every weight 1 — Luo et al.'s "uniform" case."""
    layers = []
    for _ in range(depth):
        conv = nn.Conv2d(1, 1, kernel, padding=kernel // 2, bias=False)
        nn.init.ones_(conv.weight)
        layers.append(conv)
    return nn.Sequential(*layers).eval()


def erf_std(erf: np.ndarray) -> float:
    """Standard deviation (px) of the ERF's marginal along the columns, the map taken as a density."""
    marginal = np.asarray(erf, dtype=np.float64).sum(axis=0)
    marginal = marginal / marginal.sum()
    positions = np.arange(marginal.size)
    mean = float((positions * marginal).sum())
    return float(math.sqrt(((positions - mean) ** 2 * marginal).sum()))


def analytic_std(depth: int, kernel: int = 3) -> float:
    """The exact ERF standard deviation of ``depth`` all-one ``kernel``-boxes: √(n (k² − 1) / 12)."""
    return math.sqrt(depth * (kernel * kernel - 1) / 12)


def stack_erfs(depths: tuple[int, ...] = (2, 3, 4, 6, 8, 12, 16), kernel: int = 3) -> dict[str, np.ndarray]:
    """Measured ERF std, analytic std, theoretical field and share (2·std / field) per depth.

    Each ERF is the gradient of the centre unit of :func:`uniform_stack` on an input wide enough
    that the padding never reaches the field.
    """
    measured, fields = [], []
    for depth in depths:
        field = depth * (kernel - 1) + 1
        side = field + 2 * kernel + 1
        erf = effective_receptive_field(uniform_stack(depth, kernel), (side, side), (side // 2, side // 2), inputs=1)
        measured.append(erf_std(erf.numpy()))
        fields.append(field)
    std = np.array(measured)
    field_px = np.array(fields, dtype=np.float64)
    return {"depth": np.array(depths, dtype=np.float64), "std": std,
            "analytic": np.array([analytic_std(d, kernel) for d in depths]),
            "field": field_px, "share": 2 * std / field_px}


def fit_exponent(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x: the ``a`` of ``y ∝ xᵃ``."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def trunk_erf(trunk: nn.Module, size: int = 96, inputs: int = 8, seed: int = 0) -> np.ndarray:
    """The ERF of the centre unit of a trunk (eval mode) on a ``size × size`` input, max 1."""
    with torch.enable_grad():
        trunk = trunk.eval()
        rows = cols = size
        with torch.no_grad():
            out = trunk(torch.zeros(1, 3, rows, cols))
        unit = (out.shape[-2] // 2, out.shape[-1] // 2)
        return effective_receptive_field(trunk, (rows, cols), unit, inputs=inputs, seed=seed, in_channels=3).numpy()


def share_within(erf: np.ndarray, field: int) -> tuple[float, float]:
    """``(std px, share)``: the ERF's std and twice that as a share of the theoretical ``field``."""
    std = erf_std(erf)
    return std, 2 * std / field
