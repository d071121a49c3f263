"""Downsampling layers: strided convolution, max, average and blur pooling, in PyTorch's conventions."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.sampling.kernels import (
    _check_batch,
    _check_factor,
    _output_shape,
    binomial_kernel,
    fixed_kernel,
)

# ---------------------------------------------------------------------------------- downsampling

def strided_conv(x: torch.Tensor, kernel: str | torch.Tensor = "box", stride: int = 2,
                 padding: int | None = None) -> torch.Tensor:
    """Convolve every channel with the same fixed 2-D filter, stepping ``stride`` pixels.

    ``kernel`` is a name from :data:`FIXED_KERNELS` or a ``(k, k)`` tensor; ``padding`` defaults
    to ``k // 2`` zeros (a stride-1 convolution would then keep the size).

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, conv_output_size(H, k, stride, padding),
        conv_output_size(W, k, stride, padding))``.

    >>> strided_conv(torch.ones(1, 3, 7, 6), "box", stride=2).shape
    torch.Size([1, 3, 4, 3])
    """
    _check_batch(x)
    weight = fixed_kernel(kernel, device=x.device, dtype=x.dtype) if isinstance(kernel, str) else \
        kernel.to(device=x.device, dtype=x.dtype)
    if weight.dim() != 2 or weight.shape[0] != weight.shape[1]:
        raise InvalidParameterError(f"The kernel must be a square 2-D tensor, got {tuple(weight.shape)}.")
    size = weight.shape[0]
    padding = size // 2 if padding is None else padding
    _output_shape(x, size, stride, padding)
    channels = x.shape[1]
    return F.conv2d(x, weight.expand(channels, 1, size, size), stride=stride, padding=padding,
                    groups=channels)


def max_pool(x: torch.Tensor, size: int = 2, stride: int | None = None) -> torch.Tensor:
    """The largest value of each ``size × size`` window, windows ``stride`` apart (default: ``size``).

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, conv_output_size(H, size, stride), ...)``.

    >>> max_pool(torch.arange(16.).view(1, 1, 4, 4)).flatten().tolist()
    [5.0, 7.0, 13.0, 15.0]
    """
    return max_pool_with_indices(x, size, stride)[0]


def max_pool_with_indices(x: torch.Tensor, size: int = 2,
                          stride: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`max_pool`, and where each maximum came from (what :func:`max_unpool` needs).

    Convention: ``indices`` are flat positions ``row * W + column`` within each channel of the
    input; a tie goes to the first maximum in reading order.

    Shape:
        Input: ``(B, C, H, W)``. Output: two ``(B, C, h, w)`` tensors, the maxima and int64 indices.
    """
    _check_batch(x)
    stride = size if stride is None else stride
    _output_shape(x, size, stride, 0)
    return F.max_pool2d(x, size, stride, return_indices=True)


def avg_pool(x: torch.Tensor, size: int = 2, stride: int | None = None) -> torch.Tensor:
    """The mean of each ``size × size`` window, windows ``stride`` apart (default: ``size``).

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, conv_output_size(H, size, stride), ...)``.

    >>> avg_pool(torch.arange(16.).view(1, 1, 4, 4)).flatten().tolist()
    [2.5, 4.5, 10.5, 12.5]
    """
    _check_batch(x)
    stride = size if stride is None else stride
    _output_shape(x, size, stride, 0)
    return F.avg_pool2d(x, size, stride)


def blur_pool(x: torch.Tensor, stride: int = 2, size: int = 3) -> torch.Tensor:
    """Blur with a ``size``-tap binomial kernel, then keep every ``stride``-th pixel (Zhang 2019).

    Convention: reflection padding of ``(size - 1) // 2`` before and ``size // 2`` after, as
    antialiased-cnns does, so the output side is ``ceil(n / stride)`` whatever the kernel size.

    Shape:
        Input: ``(B, C, H, W)`` with ``H, W > size // 2``. Output:
        ``(B, C, ceil(H / stride), ceil(W / stride))``.

    >>> blur_pool(torch.ones(1, 3, 5, 8)).shape
    torch.Size([1, 3, 3, 4])
    """
    _check_batch(x)
    _check_factor(stride, name="stride")
    weight = binomial_kernel(size, device=x.device, dtype=x.dtype)
    before, after = (size - 1) // 2, size // 2
    if min(x.shape[-2:]) <= after:
        raise InvalidParameterError(
            f"Blur pooling with a {size}-tap kernel reflects {after} pixels at the border, so it "
            f"needs an image at least {after + 1} pixels on each side, got "
            f"{x.shape[-1]}×{x.shape[-2]}.")
    padded = F.pad(x, (before, after, before, after), mode="reflect")
    channels = x.shape[1]
    return F.conv2d(padded, weight.expand(channels, 1, size, size), stride=stride, groups=channels)


def max_blur_pool(x: torch.Tensor, stride: int = 2, size: int = 3) -> torch.Tensor:
    """Zhang's replacement for max pooling: the max over 2×2 windows at *every* position
    (stride 1), then :func:`blur_pool` does the subsampling.

    Convention: the stride-1 max pads one replicated row and column at the bottom and right,
    so the size comes out as :func:`blur_pool`'s.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, ceil(H / stride), ceil(W / stride))``.
    """
    _check_batch(x)
    dense_max = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode="replicate"), 2, 1)
    return blur_pool(dense_max, stride, size)


DOWNSAMPLERS: dict[str, Callable[[torch.Tensor, int, str], torch.Tensor]] = {
    "strided-conv": lambda x, factor, conv_kernel: strided_conv(x, conv_kernel, stride=factor),
    "max-pool": lambda x, factor, conv_kernel: max_pool(x, factor),
    "avg-pool": lambda x, factor, conv_kernel: avg_pool(x, factor),
    "blur-pool": lambda x, factor, conv_kernel: blur_pool(x, factor),
    "max-blur-pool": lambda x, factor, conv_kernel: max_blur_pool(x, factor),
}


def downsample(x: torch.Tensor, method: str, factor: int = 2, *, conv_kernel: str = "box") -> torch.Tensor:
    """One of :data:`DOWNSAMPLERS` by name. Pooling windows are ``factor`` wide and ``factor``
    apart; the strided convolution steps ``factor`` pixels with a 3×3 ``conv_kernel``; blur
    pooling uses the 3-tap binomial kernel.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, h, w)`` with ``h`` about ``H / factor``.

    >>> [tuple(downsample(torch.ones(1, 1, 5, 5), m).shape[-2:]) for m in DOWNSAMPLERS]
    [(3, 3), (2, 2), (2, 2), (3, 3), (3, 3)]
    """
    if method not in DOWNSAMPLERS:
        raise InvalidParameterError(
            f"Unknown downsampling {method!r}; choose one of {', '.join(DOWNSAMPLERS)}.")
    _check_factor(factor)
    return DOWNSAMPLERS[method](x, factor, conv_kernel)


