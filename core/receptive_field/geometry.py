"""Units on an image: feature-map sizes, the input rectangle a unit sees, and the unit under a clicked point."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import InvalidParameterError
from core.receptive_field.layers import FieldOfView, Layer
from core.sizes import conv_output_size

# ---------------------------------------------------------------------------------- units on an image

def feature_sizes(layers: Sequence[Layer], input_size: tuple[int, int]) -> list[tuple[int, int]]:
    """``(rows, cols)`` of each layer's output for an input of ``input_size = (height, width)``.

    Raises :class:`InvalidParameterError` naming the first layer whose window does not fit.

    >>> from core.receptive_field.presets import PRESETS
    >>> feature_sizes(PRESETS["tiny-vgg"], (64, 64))[-1]
    (13, 13)
    """
    sizes, reason = feature_sizes_that_fit(layers, input_size)
    if reason:
        raise InvalidParameterError(reason)
    return sizes


def feature_sizes_that_fit(layers: Sequence[Layer], input_size: tuple[int, int]
                           ) -> tuple[list[tuple[int, int]], str]:
    """The feature-map sizes of the layers that fit, in order, and a sentence saying why the next
    one does not (empty when every layer fits)."""
    height, width = (operator.index(v) for v in input_size)
    if height < 1 or width < 1:
        raise InvalidParameterError(f"The input needs at least one pixel per side, got {height}×{width}.")
    sizes: list[tuple[int, int]] = []
    rows, cols = height, width
    for layer in layers:
        try:
            rows = conv_output_size(rows, layer.kernel, layer.stride, layer.padding, layer.dilation)
            cols = conv_output_size(cols, layer.kernel, layer.stride, layer.padding, layer.dilation)
        except InvalidParameterError as error:
            before = sizes[-1] if sizes else (height, width)
            return sizes, (f"“{layer.name}” does not fit its {before[1]}×{before[0]} input "
                           f"(from an image of {width}×{height} px): {error}")
        sizes.append((rows, cols))
    return sizes, ""


@dataclass(frozen=True)
class Rectangle:
    """Input pixels ``top…bottom`` × ``left…right``, all four inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    @property
    def area(self) -> int:
        return self.height * self.width


@dataclass(frozen=True)
class UnitField:
    """The input pixels one output unit sees.

    Attributes:
        unit: ``(row, col)`` of the unit in its feature map.
        centre: ``(y, x)`` of its field's centre in input coordinates.
        unclipped: the whole field, reaching into the padding where it must.
        clipped: the part inside the image, or ``None`` when the field lies in the padding only.
    """

    unit: tuple[int, int]
    centre: tuple[float, float]
    unclipped: Rectangle
    clipped: Rectangle | None


def unit_field(field: FieldOfView, unit: tuple[int, int], image_size: tuple[int, int],
               grid: tuple[int, int] | None = None, *, layers: Sequence[Layer] | None = None) -> UnitField:
    """The input rectangle output unit ``unit = (row, col)`` sees, unclipped and clipped to an
    image of ``image_size = (height, width)``; ``grid`` (the feature map's rows and cols) checks
    that the unit exists.

    Without ``layers`` the clipped rectangle is the field cut to the image. With the stack's
    ``layers`` it is exact (what autograd finds): it also leaves out border rows and columns the
    field covers but no window reads — those a layer's flooring drops (pixels 67–69 of a
    70-pixel side under an 11-wide, stride-4 conv) and those only reachable through a dilated
    layer's padding.

    Convention:
        Inclusive pixel indices, pixel ``i`` centred at ``i`` (see the module docstring).

    >>> f = unit_field(FieldOfView(size=5, jump=2, start=0.0), (0, 3), (10, 10))
    >>> f.unclipped, f.clipped
    (Rectangle(top=-2, left=4, bottom=2, right=8), Rectangle(top=0, left=4, bottom=2, right=8))
    """
    row, col = (operator.index(v) for v in unit)
    height, width = image_size
    if grid is not None and not (0 <= row < grid[0] and 0 <= col < grid[1]):
        raise InvalidParameterError(f"Unit ({row}, {col}) is outside a feature map of "
                                    f"{grid[0]} rows and {grid[1]} columns.")
    top, bottom = field.extent(row)
    left, right = field.extent(col)
    whole = Rectangle(top, left, bottom, right)
    rows: tuple[int, int] | None
    cols: tuple[int, int] | None
    if layers is None:
        rows = (max(top, 0), min(bottom, height - 1))
        cols = (max(left, 0), min(right, width - 1))
    else:
        rows = _read_span(layers, row, height)
        cols = _read_span(layers, col, width)
    clipped = None
    if rows is not None and cols is not None and rows[0] <= rows[1] and cols[0] <= cols[1]:
        clipped = Rectangle(rows[0], cols[0], rows[1], cols[1])
    return UnitField((row, col), (field.centre(row), field.centre(col)), whole, clipped)


def _read_span(layers: Sequence[Layer], index: int, side: int) -> tuple[int, int] | None:
    """First and last input position (one axis) that unit ``index`` of the last layer reads
    through real units, never through padding; ``None`` when it reads padding only."""
    sides = [side]
    for layer in layers:
        sides.append(conv_output_size(sides[-1], layer.kernel, layer.stride, layer.padding, layer.dilation))
    if not 0 <= index < sides[-1]:
        raise InvalidParameterError(f"Unit {index} is outside a feature map {sides[-1]} units wide.")
    # Sets, not spans: a dilated layer reads with gaps, and a unit inside a gap may reach
    # further into the border than the units actually read.
    units = np.array([index])
    for layer, below in zip(reversed(layers), reversed(sides[:-1])):
        taps = units[:, None] * layer.stride - layer.padding + layer.dilation * np.arange(layer.kernel)[None, :]
        units = np.unique(taps[(taps >= 0) & (taps < below)])
        if units.size == 0:
            return None
    return int(units[0]), int(units[-1])


def unit_at(field: FieldOfView, point: tuple[float, float], grid: tuple[int, int]) -> tuple[int, int]:
    """The unit whose field is centred nearest to the input point ``(y, x)``: where a click on
    the image lands in a feature map of ``grid = (rows, cols)``.

    >>> unit_at(FieldOfView(size=212, jump=32, start=15.5), (100.0, 47.0), (9, 14))
    (3, 1)
    """
    def nearest(value: float, count: int) -> int:
        return int(min(max(math.floor((value - field.start) / field.jump + 0.5), 0), count - 1))

    return nearest(point[0], grid[0]), nearest(point[1], grid[1])


def unit_centres(field: FieldOfView, grid: tuple[int, int], image_size: tuple[int, int], *,
                 max_points: int = 2500) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Centres ``(ys, xs)`` of the units whose centre lies on the image, with their ``(rows,
    cols)``; every ``step``-th unit along each axis when there would be more than ``max_points``.

    Shape:
        Output: four 1-D arrays of one length.

    >>> ys, xs, rows, cols = unit_centres(FieldOfView(3, 2, 1.0), (2, 3), (5, 7))
    >>> xs.tolist(), rows.tolist()
    ([1.0, 3.0, 5.0, 1.0, 3.0, 5.0], [0, 0, 0, 1, 1, 1])
    """
    height, width = image_size

    def on_image(count: int, side: int) -> np.ndarray:
        index = np.arange(count)
        centre = field.start + index * field.jump
        return index[(centre >= -0.5) & (centre <= side - 0.5)]

    rows, cols = on_image(grid[0], height), on_image(grid[1], width)
    step = max(1, math.ceil(math.sqrt(rows.size * cols.size / max_points)))
    rr, cc = np.meshgrid(rows[::step], cols[::step], indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    return field.start + rr * field.jump, field.start + cc * field.jump, rr, cc


