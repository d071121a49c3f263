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

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from core.errors import InvalidParameterError
from core.sampling import conv_output_size

KINDS = ("conv", "max-pool", "avg-pool")
WEIGHTS = ("kaiming", "ones")


# ---------------------------------------------------------------------------------- layers

@dataclass(frozen=True)
class Layer:
    """One convolution or pooling layer of a stack, square along both axes.

    ``kind`` is ``"conv"``, ``"max-pool"`` or ``"avg-pool"``; the recurrences treat all three
    alike, :func:`build_stack` turns them into ``nn.Conv2d`` + ReLU, ``nn.MaxPool2d`` or
    ``nn.AvgPool2d``.

    >>> Layer("conv1", 3, padding=1).effective_kernel
    3
    >>> Layer("atrous", 3, padding=6, dilation=6).effective_kernel
    13
    """

    name: str
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    kind: str = "conv"

    def __post_init__(self) -> None:
        for field in ("kernel", "stride", "padding", "dilation"):
            value = getattr(self, field)
            if isinstance(value, bool):
                raise InvalidParameterError(f"The {field} of “{self.name}” must be a whole number, "
                                            f"got {value!r}.")
            try:
                object.__setattr__(self, field, operator.index(value))
            except TypeError:
                raise InvalidParameterError(f"The {field} of “{self.name}” must be a whole number, "
                                            f"got {value!r}.") from None
        if self.kind not in KINDS:
            raise InvalidParameterError(f"“{self.name}” has the kind {self.kind!r}; a layer is one of "
                                        f"{', '.join(KINDS)}.")
        if self.kernel < 1:
            raise InvalidParameterError(f"The kernel of “{self.name}” needs at least one tap, got "
                                        f"{self.kernel}.")
        if self.stride < 1:
            raise InvalidParameterError(f"The stride of “{self.name}” must be at least 1, got "
                                        f"{self.stride}.")
        if self.padding < 0:
            raise InvalidParameterError(f"The padding of “{self.name}” cannot be negative, got "
                                        f"{self.padding}.")
        if self.dilation < 1:
            raise InvalidParameterError(f"The dilation of “{self.name}” must be at least 1, got "
                                        f"{self.dilation}.")
        if self.kind != "conv" and self.padding > self.effective_kernel // 2:
            # PyTorch refuses it too: such a window could see nothing but padding.
            raise InvalidParameterError(
                f"The pooling “{self.name}” pads by {self.padding}, more than half its window of "
                f"{self.effective_kernel} pixels; PyTorch allows at most {self.effective_kernel // 2}.")
        if self.kind == "avg-pool" and self.dilation != 1:
            raise InvalidParameterError(f"The average pooling “{self.name}” has dilation "
                                        f"{self.dilation}; PyTorch's AvgPool2d has no dilation, use 1.")

    @property
    def effective_kernel(self) -> int:
        """``d (k - 1) + 1``: the pixels between the first and the last tap, both included."""
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class FieldOfView:
    """What one unit of a layer sees, in input pixels.

    Attributes:
        size: side of the square of input pixels a unit depends on.
        jump: distance in input pixels between neighbouring units (the effective stride).
        start: centre of the first unit's field in input coordinates (pixel ``i`` is centred at
            ``i``); negative or fractional when padding or even kernels push it there.
    """

    size: int
    jump: int
    start: float

    @property
    def effective_padding(self) -> float:
        """How far the first unit's field reaches before pixel 0: ``(size - 1) / 2 - start``
        (the "effective padding" tabulated by Araujo et al.)."""
        return (self.size - 1) / 2 - self.start

    def centre(self, index: int) -> float:
        """Centre of unit ``index``'s field, in input coordinates."""
        return self.start + index * self.jump

    def extent(self, index: int) -> tuple[int, int]:
        """First and last input pixel (inclusive) that unit ``index`` sees, before clipping.

        >>> FieldOfView(size=5, jump=2, start=1.0).extent(3)
        (5, 9)
        """
        first = self.centre(index) - (self.size - 1) / 2
        return round(first), round(first) + self.size - 1


def receptive_field(layers: Sequence[Layer]) -> list[FieldOfView]:
    """Size, jump and start after each layer, by the recurrences of Araujo et al. (2019).

    Convention:
        Starts from ``size 1, jump 1, start 0``: input pixel ``i`` is centred at ``i``.

    >>> [f.size for f in receptive_field([Layer("a", 3), Layer("b", 3)])]
    [3, 5]
    >>> receptive_field([Layer("a", 3, stride=2), Layer("b", 3)])[-1]
    FieldOfView(size=7, jump=2, start=3.0)
    """
    size, jump, start = 1, 1, 0.0
    fields = []
    for layer in layers:
        reach = layer.effective_kernel - 1
        size += reach * jump
        start += (reach / 2 - layer.padding) * jump
        jump *= layer.stride
        fields.append(FieldOfView(size, jump, start))
    return fields


def branch_fields(trunk: Sequence[Layer], branches: Mapping[str, Sequence[Layer]]) -> dict[str, FieldOfView]:
    """The field of each parallel branch's output, each branch placed after the same trunk.

    A module that concatenates its branches (ASPP, pyramid pooling) has as many receptive fields
    as it has branches; the concatenation itself sees the largest.

    >>> trunk = [Layer("backbone", 16, stride=16)]
    >>> fields = branch_fields(trunk, {"1×1": [Layer("b0", 1)],
    ...                                "rate 6": [Layer("b1", 3, padding=6, dilation=6)]})
    >>> fields["1×1"].size, fields["rate 6"].size, fields["rate 6"].jump
    (16, 208, 16)
    """
    return {name: receptive_field([*trunk, *branch])[-1] for name, branch in branches.items()}


# ---------------------------------------------------------------------------------- presets

def _conv(name: str, kernel: int, stride: int = 1, padding: int | None = None, dilation: int = 1) -> Layer:
    same = dilation * (kernel - 1) // 2
    return Layer(name, kernel, stride, same if padding is None else padding, dilation)


def _pool(name: str, kernel: int, stride: int, padding: int = 0, kind: str = "max-pool") -> Layer:
    return Layer(name, kernel, stride, padding, 1, kind)


def _alexnet() -> list[Layer]:
    """Krizhevsky et al. (2012) as in Caffe's ``bvlc_alexnet`` and TF-Slim's ``alexnet_v2``:
    conv1 unpadded. torchvision's AlexNet pads conv1 by 2 (same size and jump, start 2 px lower)."""
    return [_conv("conv1", 11, 4, 0), _pool("pool1", 3, 2), _conv("conv2", 5),
            _pool("pool2", 3, 2), _conv("conv3", 3), _conv("conv4", 3), _conv("conv5", 3),
            _pool("pool5", 3, 2)]


def _vgg16() -> list[Layer]:
    """Simonyan & Zisserman (2015), configuration D: 3×3 convs padded by 1, 2×2 max pools."""
    layers = []
    for block, convs in enumerate((2, 2, 3, 3, 3), start=1):
        layers += [_conv(f"conv{block}_{i}", 3) for i in range(1, convs + 1)]
        layers.append(_pool(f"pool{block}", 2, 2))
    return layers


def _resnet50(*, stride_in_3x3: bool, pool_padding: int,
              dilate: tuple[bool, bool, bool] = (False, False, False)) -> list[Layer]:
    """ResNet-50's main path (skip connections never widen the field): the stem, then 3, 4, 6
    and 3 bottlenecks (1×1, 3×3, 1×1). ``dilate`` follows torchvision's
    ``replace_stride_with_dilation``: a dilated stage keeps its stride-1 first block at the
    previous dilation and runs the rest at twice it."""
    layers = [_conv("conv1", 7, 2, 3), _pool("maxpool", 3, 2, pool_padding)]
    dilation = 1
    for stage, blocks in enumerate((3, 4, 6, 3), start=1):
        stride = 1 if stage == 1 else 2
        previous = dilation
        if stage > 1 and dilate[stage - 2]:
            dilation, stride = dilation * stride, 1
        for block in range(blocks):
            first = block == 0
            d = previous if first else dilation
            s = stride if first else 1
            prefix = f"layer{stage}.{block}"
            layers += [_conv(f"{prefix}.conv1", 1, 1 if stride_in_3x3 else s),
                       _conv(f"{prefix}.conv2", 3, s if stride_in_3x3 else 1, dilation=d),
                       _conv(f"{prefix}.conv3", 1)]
    return layers


def _tiny_vgg() -> list[Layer]:
    """CNN Explainer's Tiny VGG (Wang et al., 2020): unpadded 3×3 convs, 2×2 max pools, 64×64 input."""
    return [_conv("conv_1_1", 3, padding=0), _conv("conv_1_2", 3, padding=0), _pool("max_pool_1", 2, 2),
            _conv("conv_2_1", 3, padding=0), _conv("conv_2_2", 3, padding=0), _pool("max_pool_2", 2, 2)]


def aspp_branches(rates: Sequence[int] = (6, 12, 18)) -> dict[str, list[Layer]]:
    """DeepLabv3's ASPP convolution branches: a 1×1 and one 3×3 per rate with "same" padding
    (padding = rate). The image-pooling branch averages the whole map, so it sees the whole
    input and has no finite stack to list.

    >>> list(aspp_branches((6, 12)))
    ['1×1', '3×3 rate 6', '3×3 rate 12']
    """
    branches = {"1×1": [_conv("aspp.1x1", 1)]}
    for rate in rates:
        branches[f"3×3 rate {rate}"] = [_conv(f"aspp.rate{rate}", 3, dilation=int(rate))]
    return branches


def pyramid_pooling_branches(feature_side: int, bins: Sequence[int] = (1, 2, 3, 6)) -> dict[str, list[Layer]]:
    """PSPNet's pyramid-pooling branches on a ``feature_side`` map: each bin's pooled cell,
    before its 1×1 conv and the bilinear upsampling (which then blends neighbouring cells).

    Convention:
        A cell is an average-pooling window ``ceil(n / b)`` wide and ``floor(n / b)`` apart:
        PyTorch's adaptive pooling uses exactly that when ``b`` divides ``n`` (PSPNet's 60-wide
        map and bins 1, 2, 3, 6), and windows of ``ceil(n / b)`` at most otherwise.

    >>> {name: [layer.kernel for layer in b] for name, b in pyramid_pooling_branches(60).items()}
    {'identity': [], 'bin 1': [60], 'bin 2': [30], 'bin 3': [20], 'bin 6': [10]}
    """
    side = operator.index(feature_side)
    branches: dict[str, list[Layer]] = {"identity": []}
    for b in bins:
        if not 1 <= b <= side:
            raise InvalidParameterError(f"A pyramid-pooling bin of {b} does not fit a {side}-wide map.")
        branches[f"bin {b}"] = [_pool(f"ppm.bin{b}", math.ceil(side / b), side // b, kind="avg-pool")]
    return branches


def _deeplabv3_trunk() -> list[Layer]:
    return _resnet50(stride_in_3x3=True, pool_padding=1, dilate=(False, False, True))


def _pspnet_trunk() -> list[Layer]:
    return _resnet50(stride_in_3x3=True, pool_padding=1, dilate=(False, True, True))


def _deeplabv3_aspp() -> list[Layer]:
    """Output stride 16 trunk, then ASPP's widest branch (rate 18) and the 1×1 projection."""
    return [*_deeplabv3_trunk(), *aspp_branches((18,))["3×3 rate 18"], _conv("aspp.project", 1)]


def _pspnet_head() -> list[Layer]:
    """Output stride 8 trunk, the pyramid-pooling identity path, the head's 3×3 conv and the classifier."""
    return [*_pspnet_trunk(), _conv("head.conv3x3", 3), _conv("head.classifier", 1)]


PRESETS: Mapping[str, list[Layer]] = {
    "alexnet": _alexnet(),
    "vgg16": _vgg16(),
    "resnet50": _resnet50(stride_in_3x3=True, pool_padding=1),
    "resnet50-v1": _resnet50(stride_in_3x3=False, pool_padding=0),
    "tiny-vgg": _tiny_vgg(),
    "deeplabv3-aspp": _deeplabv3_aspp(),
    "pspnet-head": _pspnet_head(),
}
"""Named layer stacks (main path only; skip connections never widen the field).

* ``alexnet``: Caffe's ``bvlc_alexnet`` / TF-Slim's ``alexnet_v2`` layout (conv1 unpadded).
  Published: pool5 size 195, jump 32, effective padding 64 (Araujo et al. 2019, table of
  google-research/receptive_field).
* ``vgg16``: Simonyan & Zisserman (2015), configuration D. Published: pool5 212, jump 32,
  effective padding 90 (same table); conv5_3 196.
* ``resnet50``: **torchvision's ResNet-50 ("v1.5")**: the stride of stages 2–4 sits in the 3×3
  conv of their first bottleneck (``torchvision/models/resnet.py``, ``Bottleneck.conv2``).
  Final field 427, jump 32 (hand sum: 7, 11, 35, 91, 267, 427 after the stem, pool and stages).
* ``resnet50-v1``: He et al. (2016) as released in Caffe (KaimingHe/deep-residual-networks):
  the stride sits in the first 1×1 conv, and pool1 is unpadded. Published: 483, jump 32,
  effective padding 239 (Araujo et al.'s ``resnet_v1_50``; TF-Slim moves the stride to the
  last block of a stage, which gives the same three numbers).
* ``tiny-vgg``: CNN Explainer's Tiny VGG (Wang et al. 2020, poloclub.github.io/cnn-explainer):
  64×64 input → 62, 60, 30, 28, 26, 13; final field 16, jump 4.
* ``deeplabv3-aspp``: Chen et al. (2017), output stride 16: torchvision's ResNet-50 with
  ``replace_stride_with_dilation=[False, False, True]`` (no multi-grid), then ASPP's widest
  branch (3×3, rate 18) and the 1×1 projection. Other branches: :func:`aspp_branches`.
* ``pspnet-head``: Zhao et al. (2017), output stride 8: torchvision's ResNet-50 with
  ``replace_stride_with_dilation=[False, True, True]`` (PSPNet's released model has a deeper
  3-conv stem instead), the pyramid pooling's identity path, the head's 3×3 conv and the 1×1
  classifier. Pooled branches: :func:`pyramid_pooling_branches`.
"""

PRESET_SOURCES: Mapping[str, str] = {
    "alexnet": "AlexNet (Krizhevsky et al. 2012) as in Caffe's bvlc_alexnet and TF-Slim's alexnet_v2: "
               "published pool5 field 195 px, jump 32, effective padding 64 (Araujo et al. 2019).",
    "vgg16": "VGG16 (Simonyan & Zisserman 2015, configuration D): published pool5 field 212 px, "
             "jump 32, effective padding 90 (Araujo et al. 2019); conv5_3 sees 196 px.",
    "resnet50": "ResNet-50 as torchvision builds it (“v1.5”: the stride sits in the 3×3 conv of "
                "each stage's first bottleneck), main path only: 427 px, jump 32.",
    "resnet50-v1": "ResNet-50 as He et al. (2016) released it in Caffe (the stride sits in the first "
                   "1×1 conv): published 483 px, jump 32, effective padding 239 (Araujo et al. 2019).",
    "tiny-vgg": "CNN Explainer's Tiny VGG (Wang et al. 2020): two unpadded 3×3 convs, a 2×2 max pool, "
                "twice, on a 64×64 input.",
    "deeplabv3-aspp": "DeepLabv3 (Chen et al. 2017) at output stride 16: torchvision's ResNet-50 with "
                      "its last stage dilated, then ASPP's widest branch (3×3, rate 18) and the 1×1 "
                      "projection.",
    "pspnet-head": "PSPNet (Zhao et al. 2017) at output stride 8: torchvision's ResNet-50 with its last "
                   "two stages dilated, the pyramid pooling's identity path, the 3×3 head conv and "
                   "the classifier.",
}

PRESET_BRANCHES: Mapping[str, tuple[list[Layer], dict[str, list[Layer]]]] = {
    "deeplabv3-aspp": (_deeplabv3_trunk(), aspp_branches((6, 12, 18))),
    "pspnet-head": (_pspnet_trunk(), pyramid_pooling_branches(60)),
}
"""For the multi-branch presets, the trunk and the branches :func:`branch_fields` reports:
ASPP's 1×1 and rates 6, 12, 18 at output stride 16; PSPNet's bins on the 60×60 map of a
473×473 input."""


def preset(name: str) -> list[Layer]:
    """A copy of a named stack; an unknown name raises ``ValueError`` listing the known ones."""
    if name not in PRESETS:
        raise ValueError(f"Unknown layer preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return list(PRESETS[name])


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


# ---------------------------------------------------------------------------------- units on an image

def feature_sizes(layers: Sequence[Layer], input_size: tuple[int, int]) -> list[tuple[int, int]]:
    """``(rows, cols)`` of each layer's output for an input of ``input_size = (height, width)``.

    Raises :class:`InvalidParameterError` naming the first layer whose window does not fit.

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
    sizes = []
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


# ---------------------------------------------------------------------------------- networks

def build_stack(layers: Sequence[Layer], *, channels: int = 16, in_channels: int = 3, relu: bool = True,
                weights: str = "kaiming", seed: int = 0) -> nn.Sequential:
    """An ``nn.Sequential`` with the same geometry as ``layers``, so a theoretical field and an
    effective one can be compared for one stack.

    Convs become bias-free ``nn.Conv2d(channels)`` followed by a ReLU (when ``relu``), except the
    last layer: the unit studied is a pre-activation. Pools become ``nn.MaxPool2d`` /
    ``nn.AvgPool2d``. ``weights="kaiming"`` draws He-normal weights from ``seed`` (fan-in, gain
    for ReLU or linear); ``"ones"`` sets every weight to 1, so no two paths can cancel.

    Shape:
        Input: ``(B, in_channels, H, W)``. Output: ``(B, channels or in_channels, h, w)``.
    """
    if weights not in WEIGHTS:
        raise ValueError(f"Unknown weights {weights!r}; choose one of {', '.join(WEIGHTS)}.")
    if channels < 1 or in_channels < 1:
        raise InvalidParameterError(f"A stack needs at least one channel, got {channels} and {in_channels}.")
    generator = torch.Generator().manual_seed(seed)
    modules: list[nn.Module] = []
    current = in_channels
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        if layer.kind == "conv":
            conv = nn.Conv2d(current, channels, layer.kernel, layer.stride, layer.padding,
                             layer.dilation, bias=False)
            with torch.no_grad():
                if weights == "ones":
                    conv.weight.fill_(1.0)
                else:
                    nn.init.kaiming_normal_(conv.weight, nonlinearity="relu" if relu else "linear",
                                            generator=generator)
            modules.append(conv)
            current = channels
            if relu and not last:
                modules.append(nn.ReLU())
        elif layer.kind == "max-pool":
            modules.append(nn.MaxPool2d(layer.kernel, layer.stride, layer.padding, layer.dilation))
        else:
            modules.append(nn.AvgPool2d(layer.kernel, layer.stride, layer.padding))
    return nn.Sequential(*modules).eval()


def effective_receptive_field(model: nn.Module, input_size: tuple[int, int], unit: tuple[int, int], *,
                              inputs: int = 4, seed: int = 0, channel: int | None = None,
                              in_channels: int | None = None) -> Tensor:
    """How strongly each input pixel moves one output unit: ``|∂ y[unit] / ∂ x|`` (Luo et al. 2016).

    The unit's output, summed over its channels (or only ``channel``), is differentiated with
    respect to ``inputs`` standard-normal inputs in one batch; the gradient's magnitude is summed
    over input channels and averaged over the inputs, then scaled to a maximum of 1.

    The map means something only for a sensibly initialised network (Kaiming/He for ReLU
    layers; :func:`build_stack` does that) fed non-saturating inputs: with weights far too
    large or too small, or inputs that switch every ReLU off, the gradient explodes, vanishes
    or is zero. In a ReLU network the gradient also depends on the input (each ReLU passes or
    blocks it), which is why several random inputs are averaged; a network without
    non-linearities gives the same map for every input. Call it on a model in eval mode:
    batch statistics would mix the inputs.

    Shape:
        Output: ``(H, W)`` float32, non-negative, maximum 1, on the CPU.

    >>> conv = nn.Conv2d(1, 1, 3, bias=False)
    >>> erf = effective_receptive_field(conv, (5, 5), (1, 1))
    >>> (erf > 0).nonzero().tolist()[0], erf.shape
    ([1, 1], torch.Size([5, 5]))
    """
    height, width = (operator.index(v) for v in input_size)
    if height < 1 or width < 1:
        raise InvalidParameterError(f"The input needs at least one pixel per side, got {height}×{width}.")
    if inputs < 1:
        raise InvalidParameterError(f"Average over at least one input, got {inputs}.")
    if in_channels is None:
        first = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
        in_channels = first.in_channels if first is not None else 1
    parameter = next(model.parameters(), None)
    dev = parameter.device if parameter is not None else torch.device("cpu")
    dtype = parameter.dtype if parameter is not None else torch.float32
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(inputs, in_channels, height, width, generator=generator, dtype=dtype).to(dev)
    x.requires_grad_(True)
    with torch.enable_grad():
        y = model(x)
        if y.ndim != 4:
            raise InvalidParameterError(f"The model returns a tensor of shape {tuple(y.shape)}; the "
                                        "effective receptive field needs a (B, C, h, w) feature map.")
        row, col = (operator.index(v) for v in unit)
        if not (0 <= row < y.shape[-2] and 0 <= col < y.shape[-1]):
            raise InvalidParameterError(f"Unit ({row}, {col}) is outside the model's "
                                        f"{y.shape[-2]}×{y.shape[-1]} output for a {height}×{width} input.")
        if channel is not None and not 0 <= channel < y.shape[1]:
            raise InvalidParameterError(f"Channel {channel} does not exist: the output has {y.shape[1]}.")
        picked = y[:, :, row, col] if channel is None else y[:, channel, row, col]
        (gradient,) = torch.autograd.grad(picked.sum(), x)
    erf = gradient.abs().sum(dim=1).mean(dim=0).detach().float().cpu()
    peak = float(erf.max())
    if not peak > 0 or not math.isfinite(peak):
        raise InvalidParameterError(
            f"Unit ({row}, {col}) does not respond to any input pixel (largest gradient {peak}): the "
            "network's weights or inputs leave it dead.")
    return erf / peak


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
