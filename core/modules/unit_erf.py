"""Where a trained unit looks: effective receptive fields of the segmenters' branches (Luo et al. 2016).

The effective receptive field of a unit is ``Σ_rgb |∂ y / ∂ x|``: how strongly each input pixel
moves it. Here ``y`` is one unit of a trained head, at the centre of the trunk's map (or a chosen
one), summed over its channels, on the picked image itself — not on random inputs, so the map
shows what the trained weights and this image's active ReLUs make of the theoretical field.

Targets: every branch of the head (after its ReLU, as the projection sees it; when every channel
of the unit is switched off on this image the gradient is zero, and the branch is differentiated
before its ReLU instead, which :attr:`UnitERF.before_relu` says), and the classifier's logit of
the class it predicts at that unit.

Finding (``tests/core/test_modules_trained.py``): in the trained ``segmenter-aspp`` the spread of
the field (RMS distance of the gradient from its centroid) grows with the rate — on the cat
sample about 15, 30, 54 and 80 px for the 1×1, rate-3, -6 and -9 branches, and 140 px for image
pooling; in ``segmenter-psp`` it shrinks as the bins get finer (bin 1 about 155 px, bin 6 58 px).
On a 96-px scene (a 12×12 map) the rate-9 taps land in the zero padding and that branch's field
shrinks back to about the 1×1 branch's (16 px against 14): the degeneration of a large rate on a
small map that DeepLabv3 reports.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.images import to_tensor

CLASSIFIER = "classifier"


@dataclass(frozen=True)
class UnitERF:
    """One unit's effective receptive field on the input.

    ``values``: ``(H, W)`` float32, ``Σ_rgb |∂y/∂x|`` scaled to a maximum of 1 (all zeros when the
    gradient is); ``spread``: RMS distance of the gradient's mass from its ``centroid`` (row,
    column), in pixels; ``unit``: the unit differentiated (row, column of the trunk's map).
    """

    values: np.ndarray
    spread: float
    centroid: tuple[float, float]
    unit: tuple[int, int]
    before_relu: bool = False


def gradient_spread(weights: np.ndarray) -> tuple[float, tuple[float, float]]:
    """``(spread, (row, col))``: the centroid of a non-negative ``(H, W)`` map and the RMS distance
    of its mass from it, in pixels; ``(0.0, (nan, nan))`` for an all-zero map.

    >>> spread, centre = gradient_spread(np.array([[1.0, 0, 0, 0, 1.0]]))
    >>> spread, centre
    (2.0, (0.0, 2.0))
    """
    w = np.asarray(weights, dtype=np.float64)
    mass = float(w.sum())
    if w.ndim != 2 or mass <= 0.0:
        return 0.0, (float("nan"), float("nan"))
    rows, cols = np.mgrid[0:w.shape[0], 0:w.shape[1]]
    cy, cx = float((w * rows).sum() / mass), float((w * cols).sum() / mass)
    return float(np.sqrt((w * ((rows - cy) ** 2 + (cols - cx) ** 2)).sum() / mass)), (cy, cx)


def input_gradient(forward: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                   unit: tuple[int, int]) -> np.ndarray:
    """``Σ_channels |∂ (Σ_c forward(x)[0, c, row, col]) / ∂ x[0]|`` for one input ``x``.

    Gradients are switched on only here, whatever the caller's mode; ``x`` is not changed.

    Shape:
        ``x``: ``(1, C_in, H, W)``; ``forward(x)``: ``(1, C, h, w)``. Output: ``(H, W)`` float32.
    """
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        y = forward(x)
        row, col = (operator.index(v) for v in unit)
        if y.ndim != 4 or not (0 <= row < y.shape[-2] and 0 <= col < y.shape[-1]):
            raise InvalidParameterError(f"Unit ({row}, {col}) is outside the output of shape {tuple(y.shape)}.")
        (grad,) = torch.autograd.grad(y[0, :, row, col].sum(), x)
    return grad[0].abs().sum(dim=0).numpy().astype(np.float32)


def _field(grad: np.ndarray, unit: tuple[int, int], before_relu: bool = False) -> UnitERF:
    spread, centroid = gradient_spread(grad)
    peak = float(grad.max(initial=0.0))
    values = (grad / peak if peak > 0 else grad).astype(np.float32)
    return UnitERF(values, spread, centroid, unit, before_relu)


def trained_unit_fields(model: nn.Module, image: np.ndarray,
                        position: tuple[float, float] = (0.5, 0.5)) -> dict[str, UnitERF]:
    """The effective receptive field of every head branch's unit and of the classifier's, on ``image``.

    ``model`` is a :class:`core.models.Segmenter` (trunk, named ``branches``, :meth:`logits`);
    ``position`` says where the unit is, as shares of the trunk map's height and width: the unit
    is ``(⌊0.5 h⌋, ⌊0.5 w⌋)``, the centre, by default, and always inside the map. The model is not
    changed (its parameters need no gradient; only the input's is taken).

    Shape:
        ``image`` ``(H, W, 3) uint8``. Each :attr:`UnitERF.values` ``(H, W)``.
    """
    x = to_tensor(image, "cpu")
    trunk_module = cast(nn.Module, model.trunk)
    branches = model.branches
    if not isinstance(branches, nn.ModuleDict):
        raise InvalidParameterError(f"{type(model).__name__} has no named branches.")
    with torch.no_grad():
        height, width = trunk_module(x).shape[-2:]
    where = (min(max(int(position[0] * height), 0), height - 1), min(max(int(position[1] * width), 0), width - 1))

    def branch_output(branch: nn.Module, relu: bool) -> Callable[[torch.Tensor], torch.Tensor]:
        body = branch if relu or not isinstance(branch, nn.Sequential) else branch[:-1]

        def forward(inputs: torch.Tensor) -> torch.Tensor:
            out = body(trunk_module(inputs))
            if out.shape[-2:] != (height, width):   # pooled bins are spread back over the map
                out = F.interpolate(out, size=(height, width), mode="bilinear", align_corners=False)
            return out
        return forward

    fields = {}
    for name, branch in branches.items():
        grad = input_gradient(branch_output(branch, True), x, where)
        if float(grad.max(initial=0.0)) > 0.0:
            fields[name] = _field(grad, where)
        else:                                      # every channel switched off here: before the ReLU
            fields[name] = _field(input_gradient(branch_output(branch, False), x, where), where, True)
    logits = cast(Callable[[torch.Tensor], torch.Tensor], model.logits)
    with torch.no_grad():
        predicted = int(logits(x)[0, :, where[0], where[1]].argmax())
    fields[CLASSIFIER] = _field(input_gradient(lambda inputs: logits(inputs)[:, predicted:predicted + 1], x, where),
                                where)
    return fields


def trained_unit_fields_by_name(name: str, image: np.ndarray,
                                position: tuple[float, float] = (0.5, 0.5)) -> dict[str, UnitERF]:
    """:func:`trained_unit_fields` of the shipped segmenter ``name`` (untrained when its file is missing)."""
    from core.models import load_model_or_untrained

    return trained_unit_fields(load_model_or_untrained(name)[0], image, position)


def untrained_unit_fields_by_name(name: str, image: np.ndarray,
                                  position: tuple[float, float] = (0.5, 0.5)) -> dict[str, UnitERF]:
    """:func:`trained_unit_fields` of segmenter ``name`` at the initial weights its training started from."""
    from core.models import build_untrained

    return trained_unit_fields(build_untrained(name).eval().requires_grad_(False), image, position)
