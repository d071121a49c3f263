"""The trained segmenters' trunk: its effective receptive field beside the same trunk untrained.

Luo et al. (2016) report that training widens the effective receptive field (ERF). Here the
question is asked of ScaleScope's own networks: the shipped ``segmenter-aspp`` (or ``-psp``)
trunk against the same architecture at the initial weights its training started from
(:func:`core.models.build_untrained`, seed 0). The theoretical field comes from the recurrence
(:func:`receptive_field`) run on the trunk's own ``nn.Conv2d`` layers, so no number is copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from core.models import build_untrained, load_model_or_untrained
from core.receptive_field.geometry import Rectangle, feature_sizes, unit_field
from core.receptive_field.layers import FieldOfView, Layer, receptive_field
from core.receptive_field.luo import erf_std, trunk_erf

SEGMENTERS = ("segmenter-aspp", "segmenter-psp")


def module_layers(module: nn.Module) -> list[Layer]:
    """The convolutions and poolings of a chain-shaped ``module``, in order, as :class:`Layer` rows.

    >>> import torch.nn as nn
    >>> module_layers(nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.MaxPool2d(2)))
    [Layer(name='0', kernel=3, stride=2, padding=1, dilation=1, kind='conv'), \
Layer(name='2', kernel=2, stride=2, padding=0, dilation=1, kind='max-pool')]
    """
    layers = []
    for name, child in module.named_modules():
        if isinstance(child, nn.Conv2d):
            layers.append(Layer(name, _square(child.kernel_size), _square(child.stride), _square(child.padding),
                                _square(child.dilation), "conv"))
        elif isinstance(child, (nn.MaxPool2d, nn.AvgPool2d)):
            dilation = child.dilation if isinstance(child, nn.MaxPool2d) else 1
            stride = child.stride if child.stride is not None else child.kernel_size
            layers.append(Layer(name, _square(child.kernel_size), _square(stride), _square(child.padding),
                                _square(dilation), "max-pool" if isinstance(child, nn.MaxPool2d) else "avg-pool"))
    return layers


def _square(value: object) -> int:
    pair = value if isinstance(value, tuple) else (value, value)
    if not isinstance(pair[0], int) or pair[0] != pair[-1]:
        raise ValueError(f"Only square integer kernels, strides and paddings are supported, got {value!r}.")
    return pair[0]


@dataclass(frozen=True)
class TrunkField:
    """One trunk's effective field: the map (max 1), its std and its share of the theoretical field.

    Attributes:
        erf: ``(S, S) float32``, the centre unit's ERF on an ``S × S`` input.
        std: standard deviation in input pixels of the ERF's column marginal.
        share: ``2 · std / field size``.
        inside: share of the ERF's mass inside the theoretical field (1 up to rounding).
    """

    erf: np.ndarray
    std: float
    share: float
    inside: float


@dataclass(frozen=True)
class TrunkComparison:
    """The trained and the untrained trunk of one segmenter, on the same input side.

    Attributes:
        name: the segmenter's registry name.
        trained_loaded: False when the weights could not be loaded (``message`` says why): then
            both fields are of untrained trunks.
        field: the trunk's theoretical :class:`FieldOfView` (recurrence on its layers).
        rectangle: the centre unit's theoretical field on the input.
    """

    name: str
    trained_loaded: bool
    message: str | None
    side: int
    field: FieldOfView
    rectangle: Rectangle
    trained: TrunkField
    untrained: TrunkField


def _measure(trunk: nn.Module, side: int, inputs: int, field: FieldOfView, box: Rectangle) -> TrunkField:
    erf = trunk_erf(trunk, size=side, inputs=inputs)
    std = erf_std(erf)
    inside = float(erf[box.top:box.bottom + 1, box.left:box.right + 1].sum() / erf.sum())
    return TrunkField(erf.astype(np.float32), std, 2 * std / field.size, inside)


def trunk_comparison(name: str = "segmenter-aspp", side: int = 128, inputs: int = 8) -> TrunkComparison:
    """The ERF of ``name``'s trunk, trained and at its initial weights, averaged over ``inputs``
    standard-normal ``side × side`` inputs (:func:`trunk_erf`, seed 0).

    Shape:
        ``trained.erf`` and ``untrained.erf``: ``(side, side)``.
    """
    model, loaded, message = load_model_or_untrained(name)
    initial = build_untrained(name).eval()
    layers = module_layers(initial.get_submodule("trunk"))
    field = receptive_field(layers)[-1]
    grid = feature_sizes(layers, (side, side))[-1]
    box = unit_field(field, (grid[0] // 2, grid[1] // 2), (side, side), grid, layers=layers).clipped
    if box is None:   # cannot happen for a centre unit, but the type says it may
        raise ValueError(f"The centre unit of a {side}-pixel input sees none of it.")
    trunk = model.get_submodule("trunk")
    return TrunkComparison(name, loaded, message, side, field, box,
                           _measure(trunk, side, inputs, field, box),
                           _measure(initial.get_submodule("trunk"), side, inputs, field, box))
