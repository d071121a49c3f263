"""Theory against measurement: the theoretical field beside the effective (gradient) field of the same stack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InvalidParameterError
from core.receptive_field.geometry import Rectangle, feature_sizes, unit_field
from core.receptive_field.layers import FieldOfView, Layer, receptive_field
from core.receptive_field.networks import build_stack, effective_receptive_field

# ---------------------------------------------------------------------------------- comparison

def mass_region(erf: np.ndarray, mass: float = 0.95) -> np.ndarray:
    """The fewest pixels that together hold ``mass`` of the map's total, as a boolean mask.

    >>> mass_region(np.array([[0.0, 1.0], [3.0, 6.0]]), 0.9).astype(int).tolist()
    [[0, 0], [1, 1]]
    """
    if not 0 < mass <= 1:
        raise InvalidParameterError(f"The mass must lie in (0, 1], got {mass}.")
    values = np.asarray(erf, dtype=np.float64)
    flat = values.ravel()
    order = np.argsort(-flat, kind="stable")
    cumulative = np.cumsum(flat[order])
    count = min(int(np.searchsorted(cumulative, mass * cumulative[-1] * (1 - 1e-12))) + 1, flat.size)
    region = np.zeros(flat.size, dtype=bool)
    region[order[:count]] = True
    return region.reshape(values.shape)


@dataclass(frozen=True)
class FieldComparison:
    """Theoretical and effective receptive field of one unit of a stack on a small input.

    Attributes:
        unit: ``(row, col)``, the centre unit of the last layer's map.
        grid: ``(rows, cols)`` of that map.
        field: the last layer's :class:`FieldOfView`.
        theoretical: ``(H, W) bool``, the input pixels inside the unit's theoretical field.
        rectangle: those pixels as a :class:`Rectangle` (clipped to the input).
        erf: ``(H, W) float32``, the effective receptive field, maximum 1.
        region: ``(H, W) bool``, the fewest pixels holding ``mass`` of the ERF.
        mass: the share of the ERF ``region`` holds (e.g. 0.95).
        area_fraction: ``region``'s pixels divided by ``theoretical``'s.
        mass_inside: share of the ERF inside the theoretical field (1 up to rounding).
    """

    unit: tuple[int, int]
    grid: tuple[int, int]
    field: FieldOfView
    theoretical: np.ndarray
    rectangle: Rectangle
    erf: np.ndarray
    region: np.ndarray
    mass: float
    area_fraction: float
    mass_inside: float


def compare_fields(layers: Sequence[Layer], input_size: tuple[int, int], *, relu: bool = True,
                   inputs: int = 4, seed: int = 0, channels: int = 16, mass: float = 0.95) -> FieldComparison:
    """Build ``layers`` with random Kaiming weights (:func:`build_stack`), take the centre unit of
    its last map, and set its effective field beside its theoretical one.

    Shape:
        ``theoretical``, ``erf`` and ``region``: ``(H, W)`` for ``input_size = (H, W)``.
    """
    if not layers:
        raise InvalidParameterError("The stack has no layers.")
    grid = feature_sizes(layers, input_size)[-1]
    unit = (grid[0] // 2, grid[1] // 2)
    field = receptive_field(layers)[-1]
    rectangle = unit_field(field, unit, input_size, grid, layers=layers).clipped
    if rectangle is None:
        raise InvalidParameterError("The centre unit's field lies entirely in the padding.")
    model = build_stack(layers, channels=channels, relu=relu, seed=seed)
    erf = effective_receptive_field(model, input_size, unit, inputs=inputs, seed=seed).numpy()
    theoretical = np.zeros(tuple(input_size), dtype=bool)
    theoretical[rectangle.top:rectangle.bottom + 1, rectangle.left:rectangle.right + 1] = True
    region = mass_region(erf, mass)
    total = float(erf.sum())
    return FieldComparison(unit, grid, field, theoretical, rectangle, erf.astype(np.float32), region, mass,
                           float(region.sum()) / rectangle.area, float(erf[theoretical].sum()) / total)
