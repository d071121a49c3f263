"""Published layer stacks (AlexNet, VGG16, ResNet-50, DeepLabv3, PSPNet) and their branch layouts."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence

from core.errors import InvalidParameterError
from core.receptive_field.layers import Layer

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


