"""Receptive fields of convolutional networks: theoretical (by recurrence) and effective (by gradient).

A layer stack is a list of :class:`Layer`; :func:`receptive_field` walks it with the recurrences of
Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural Networks" (Distill,
2019), dilation included::

    k_eff_l = d_l (k_l - 1) + 1
    size_l  = size_{l-1} + (k_eff_l - 1) * jump_{l-1}
    jump_l  = jump_{l-1} * s_l
    start_l = start_{l-1} + ((k_eff_l - 1) / 2 - p_l) * jump_{l-1}

from ``size_0 = 1``, ``jump_0 = 1``, ``start_0 = 0``. Pooling layers follow the same recurrences
as convolutions; only their kernel, stride, padding and dilation matter.

The *effective* receptive field (Luo, Li, Urtasun & Zemel, "Understanding the Effective Receptive
Field in Deep Convolutional Neural Networks", NeurIPS 2016) is the magnitude of the gradient of one
output unit with respect to the input: :func:`effective_receptive_field`.

Convention:
    Input pixel ``i`` has its centre at coordinate ``i`` (``0 … n-1``), as in Araujo et al.
    and as the image figures draw pixels; add 0.5 to every ``start`` for the other common
    convention, where pixel ``i`` covers ``[i, i + 1)``. Unit ``u`` of a layer is centred at
    ``start + u * jump`` and sees the input pixels ``start + u * jump ± (size - 1) / 2``
    (inclusive), which are always whole numbers. Padding is symmetric, as in PyTorch's
    ``nn.Conv2d(padding=p)``; feature-map sides floor (``ceil_mode=False``). Fields are square:
    one kernel size per layer, the same along both axes.
"""

from core.receptive_field.comparison import FieldComparison, compare_fields, mass_region
from core.receptive_field.geometry import (
    Rectangle,
    UnitField,
    feature_sizes,
    feature_sizes_that_fit,
    unit_at,
    unit_centres,
    unit_field,
)
from core.receptive_field.layers import KINDS, WEIGHTS, FieldOfView, Layer, branch_fields, receptive_field
from core.receptive_field.networks import build_stack, effective_receptive_field
from core.receptive_field.presets import (
    PRESET_BRANCHES,
    PRESET_SOURCES,
    PRESETS,
    aspp_branches,
    preset,
    pyramid_pooling_branches,
)
from core.receptive_field.tables import field_rows, layers_from_rows

__all__ = [
    'KINDS', 'WEIGHTS', 'Layer', 'FieldOfView', 'receptive_field', 'branch_fields', 'aspp_branches',
    'pyramid_pooling_branches', 'PRESETS', 'PRESET_SOURCES', 'PRESET_BRANCHES', 'preset', 'layers_from_rows',
    'field_rows', 'feature_sizes', 'feature_sizes_that_fit', 'Rectangle', 'UnitField', 'unit_field', 'unit_at',
    'unit_centres', 'build_stack', 'effective_receptive_field', 'mass_region', 'FieldComparison', 'compare_fields',
]
