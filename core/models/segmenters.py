"""Two small segmenters with one trunk: an ASPP head (DeepLabv3) and a pyramid pooling head (PSPNet).

Trunk: five 3×3 convolutions with BatchNorm and ReLU, 16, 32, 48, 48 and 64 channels, the first
three with stride 2, so the output stride is 8 (a 256×256 image gives 32×32 maps) and the
trunk's own receptive field is 47 px.

ASPP head (Chen et al., 2017): a 1×1 branch, three 3×3 atrous branches and an image-pooling
branch (global average → 1×1 conv → BN → ReLU → spread back over the map), each with BN and
ReLU; concatenated, projected by a 1×1 conv (BN, ReLU) and classified by a 1×1 conv.

Why rates 3, 6 and 9. DeepLabv3 uses 6, 12 and 18 on 33×33 maps (output stride 16, 513-px
crops; doubled at stride 8), i.e. up to about half the map. Here a rate of ``r`` cells reaches
``8r`` px from the centre tap: 24, 48 and 72 px, the half-sides of shapes of about 48, 96 and
144 px, which covers the scenes' shapes (4 to 160 px; a 160-px shape's centre is 80 px from its
outline). A rate of 18 on a 32×32 map would put most outer taps in the zero padding, where a 3×3
kernel degenerates to its centre tap (the effect the DeepLabv3 paper reports as the rate nears the
map size) — the image-pooling branch is what covers the whole image instead.

Pyramid pooling head (Zhao et al., 2017): adaptive average pooling to 1×1, 2×2, 3×3 and 6×6 bins,
each → 1×1 conv (16 channels, a quarter of the trunk's) → BN → ReLU → bilinear upsampling to the
map; concatenated with the trunk features, a 3×3 conv (BN, ReLU) and a 1×1 classifier.

Both return logits upsampled bilinearly to the input size. ``drop`` names branches whose output is
replaced by zeros before the projection — the ablation the lesson shows.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.models.scenes import CLASSES

TRUNK_CHANNELS = (16, 32, 48, 48, 64)
TRUNK_STRIDES = (2, 2, 2, 1, 1)
ASPP_RATES = (3, 6, 9)
ASPP_CHANNELS = 32
PSP_BINS = (1, 2, 3, 6)
PSP_CHANNELS = 16
# Share of pixels of each class in the scenes (256 scenes of seed 123): the classifier's biases
# start at their logarithms, so the untrained network already predicts the class frequencies and
# training spends no steps learning that most pixels are background.
CLASS_PRIOR = (0.832, 0.055, 0.060, 0.029, 0.023)


def conv_bn_relu(cin: int, cout: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    """``Conv2d`` (no bias, 'same' padding for odd kernels) → ``BatchNorm2d`` → ``ReLU``."""
    padding = dilation * (kernel // 2)
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, padding, dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def make_trunk(channels: tuple[int, ...] = TRUNK_CHANNELS, strides: tuple[int, ...] = TRUNK_STRIDES) -> nn.Sequential:
    """The shared trunk: one :func:`conv_bn_relu` per channel count.

    Shape:
        Input ``(B, 3, H, W)``. Output ``(B, channels[-1], ⌈H/8⌉, ⌈W/8⌉)`` for the default strides.
    """
    layers, cin = [], 3
    for cout, stride in zip(channels, strides, strict=True):
        layers.append(conv_bn_relu(cin, cout, 3, stride))
        cin = cout
    return nn.Sequential(*layers)


class Segmenter(nn.Module):
    """Trunk → named branches → projection → classifier → bilinear upsampling.

    Subclasses build ``branches`` (an ``nn.ModuleDict``), ``projection`` and ``classifier``, and
    say in :meth:`_projection_input` what the projection sees.

    Shape:
        Input ``(B, 3, H, W)`` float in [0, 1]. Output ``(B, 5, H, W)`` logits.
    """

    kind = "segmenter"
    trunk: nn.Sequential
    branches: nn.ModuleDict
    projection: nn.Sequential
    classifier: nn.Conv2d

    def features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every branch's output on the trunk's map (pooled branches spread back over it).

        Shape:
            Input ``(B, 3, H, W)``. Each value ``(B, C_branch, h, w)``, ``h, w`` the trunk map's size.
        """
        return self._branch_outputs(self.trunk(x))

    def forward(self, x: torch.Tensor, drop: Iterable[str] = ()) -> torch.Tensor:
        return F.interpolate(self.logits(x, drop), size=x.shape[-2:], mode="bilinear", align_corners=False)

    def logits(self, x: torch.Tensor, drop: Iterable[str] = ()) -> torch.Tensor:
        """The classifier's output on the trunk's grid, before the upsampling :meth:`forward` adds.

        Shape:
            Input ``(B, 3, H, W)``. Output ``(B, 5, h, w)``, ``h, w`` the trunk map's size.
        """
        dropped = self.check_drop(drop)
        trunk = self.trunk(x)
        outputs = self._branch_outputs(trunk)
        for name in dropped:
            outputs[name] = torch.zeros_like(outputs[name])
        return self.classifier(self.projection(self._projection_input(trunk, outputs)))

    def check_drop(self, drop: Iterable[str]) -> tuple[str, ...]:
        """``drop`` as a tuple of branch names; an unknown name raises ``ValueError`` listing the valid ones."""
        names = (drop,) if isinstance(drop, str) else tuple(drop)
        unknown = [name for name in names if name not in self.branches]
        if unknown:
            raise ValueError(f"Unknown branch {unknown[0]!r}; this {self.kind} segmenter's branches are "
                             f"{', '.join(self.branches)}.")
        return names

    def _branch_outputs(self, trunk: torch.Tensor) -> dict[str, torch.Tensor]:
        size = trunk.shape[-2:]
        outputs = {}
        for name, branch in self.branches.items():
            out = branch(trunk)
            if out.shape[-2:] != size:
                out = F.interpolate(out, size=size, mode="bilinear", align_corners=False)
            outputs[name] = out
        return outputs

    def _projection_input(self, trunk: torch.Tensor, outputs: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError

    def architecture(self) -> dict[str, object]:
        """What the constructor was given, for the weights file's metadata."""
        raise NotImplementedError


class ASPPSegmenter(Segmenter):
    """The trunk with DeepLabv3's atrous spatial pyramid pooling head (see the module docstring).

    Branches: ``"1x1"``, ``"rate<r>"`` for each rate, ``"image-pool"``.
    """

    kind = "aspp"

    def __init__(self, rates: tuple[int, ...] = ASPP_RATES, channels: int = ASPP_CHANNELS,
                 classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.rates, self.channels, self.classes = tuple(rates), channels, classes
        self.trunk = make_trunk()
        cin = TRUNK_CHANNELS[-1]
        branches: dict[str, nn.Module] = {"1x1": conv_bn_relu(cin, channels, 1)}
        for rate in self.rates:
            branches[f"rate{rate}"] = conv_bn_relu(cin, channels, 3, dilation=rate)
        branches["image-pool"] = nn.Sequential(nn.AdaptiveAvgPool2d(1), *conv_bn_relu(cin, channels, 1))
        self.branches = nn.ModuleDict(branches)
        self.projection = conv_bn_relu(channels * len(branches), 48, 1)
        self.classifier = nn.Conv2d(48, classes, 1)

    def _projection_input(self, trunk: torch.Tensor, outputs: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.cat(list(outputs.values()), dim=1)

    def architecture(self) -> dict[str, object]:
        return {"kind": self.kind, "rates": list(self.rates), "channels": self.channels, "classes": self.classes}


class PSPSegmenter(Segmenter):
    """The trunk with PSPNet's pyramid pooling head (see the module docstring).

    Branches: ``"bin<b>"`` for each bin count (1, 2, 3, 6).
    """

    kind = "psp"

    def __init__(self, bins: tuple[int, ...] = PSP_BINS, channels: int = PSP_CHANNELS,
                 classes: int = len(CLASSES)) -> None:
        super().__init__()
        self.bins, self.channels, self.classes = tuple(bins), channels, classes
        self.trunk = make_trunk()
        cin = TRUNK_CHANNELS[-1]
        self.branches = nn.ModuleDict({f"bin{b}": nn.Sequential(nn.AdaptiveAvgPool2d(b),
                                                                *conv_bn_relu(cin, channels, 1))
                                       for b in self.bins})
        self.projection = conv_bn_relu(cin + channels * len(self.bins), 64, 3)
        self.classifier = nn.Conv2d(64, classes, 1)

    def _projection_input(self, trunk: torch.Tensor, outputs: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.cat([trunk, *outputs.values()], dim=1)

    def architecture(self) -> dict[str, object]:
        return {"kind": self.kind, "bins": list(self.bins), "channels": self.channels, "classes": self.classes}


def initialise(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Draw every convolution's weights from ``generator`` (He normal, fan-out; the classifier
    N(0, 0.01²) with biases ``log CLASS_PRIOR``, other biases zero) and reset BatchNorm to weight 1,
    bias 0, fresh running statistics.

    Touches no global random state.
    """
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Conv2d):
                if layer.bias is not None:
                    layer.bias.zero_()
                if layer is getattr(model, "classifier", None):
                    nn.init.normal_(layer.weight, 0.0, 0.01, generator=generator)
                    if layer.bias is not None and layer.bias.numel() == len(CLASS_PRIOR):
                        layer.bias.copy_(torch.tensor(CLASS_PRIOR).log())
                else:
                    nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu", generator=generator)
            elif isinstance(layer, nn.BatchNorm2d):
                layer.reset_parameters()
    return model


def build(cls: type[Segmenter], generator: torch.Generator | None = None, **arguments: object) -> Segmenter:
    """``cls(**arguments)`` on the CPU, its weights drawn from ``generator`` (seed 0 when None).

    The layers are made on the meta device first, so building draws nothing from PyTorch's global
    random state (every visitor of the app shares it).
    """
    with torch.device("meta"):
        model = cls(**arguments)
    model = model.to_empty(device="cpu")
    initialise(model, generator if generator is not None else torch.Generator().manual_seed(0))
    return model
