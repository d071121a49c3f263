"""From layer lists to PyTorch: the stack as a network, and its effective receptive field (Luo et al. 2016)."""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from core.errors import InvalidParameterError
from core.receptive_field.layers import WEIGHTS, Layer

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


