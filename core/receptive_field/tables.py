"""Layer stacks as table rows: parsing an edited table and writing one row per layer."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence

import numpy as np

from core.errors import InvalidParameterError
from core.receptive_field.layers import KINDS, FieldOfView, Layer

# ---------------------------------------------------------------------------------- tables

def _whole(value, what: str) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            raise InvalidParameterError(f"{what} must be a whole number, got “{value}”.") from None
    if isinstance(value, bool):
        raise InvalidParameterError(f"{what} must be a whole number, got {value!r}.")
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            raise InvalidParameterError(f"{what} must be a whole number, got {float(value):g}.")
        return int(value)
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidParameterError(f"{what} must be a whole number, got {value!r}.") from None


def layers_from_rows(rows: Sequence[Mapping[str, object]]) -> list[Layer]:
    """Layers from table rows with the columns ``name, kind, kernel, stride, padding, dilation``.

    Missing stride, padding and dilation default to 1, 0 and 1, a missing kind to ``"conv"`` and a
    missing name to ``layer <row>``; a missing kernel or a bad value raises
    :class:`InvalidParameterError` naming the row (counted from 1).

    >>> layers_from_rows([{"kind": "conv", "kernel": 3.0, "padding": None}])
    [Layer(name='layer 1', kernel=3, stride=1, padding=0, dilation=1, kind='conv')]
    """
    if not rows:
        raise InvalidParameterError("The table has no layers: add at least one row.")
    layers = []
    for number, row in enumerate(rows, start=1):
        name = row.get("name")
        name = f"layer {number}" if name is None or (isinstance(name, float) and math.isnan(name)) \
            or not str(name).strip() else str(name).strip()
        where = f"Row {number} (“{name}”)"
        kind = row.get("kind")
        kind = "conv" if kind is None or (isinstance(kind, float) and math.isnan(kind)) else str(kind)
        if kind not in KINDS:
            raise InvalidParameterError(f"{where}: the kind “{kind}” is not one of {', '.join(KINDS)}.")
        kernel = _whole(row.get("kernel"), f"{where}: the kernel")
        if kernel is None:
            raise InvalidParameterError(f"{where} has no kernel size.")
        stride = _whole(row.get("stride"), f"{where}: the stride")
        padding = _whole(row.get("padding"), f"{where}: the padding")
        dilation = _whole(row.get("dilation"), f"{where}: the dilation")
        try:
            layers.append(Layer(name, kernel, 1 if stride is None else stride,
                                0 if padding is None else padding, 1 if dilation is None else dilation,
                                kind))
        except InvalidParameterError as error:
            raise InvalidParameterError(f"{where}: {error}") from None
    return layers


def field_rows(layers: Sequence[Layer], fields: Sequence[FieldOfView],
               map_sizes: Sequence[tuple[int, int]] | None = None) -> list[dict[str, object]]:
    """One row per layer: its parameters, its field, and (when given) its feature-map size, ready
    for a table or a CSV file."""
    rows = []
    for i, (layer, field) in enumerate(zip(layers, fields)):
        row = {"layer": i + 1, "name": layer.name, "kind": layer.kind, "kernel": layer.kernel,
               "stride": layer.stride, "padding": layer.padding, "dilation": layer.dilation,
               "size": field.size, "jump": field.jump, "start": field.start,
               "effective padding": field.effective_padding}
        if map_sizes is not None:
            row["map rows"], row["map cols"] = map_sizes[i] if i < len(map_sizes) else (None, None)
        rows.append(row)
    return rows


