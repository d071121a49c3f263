"""Upsampling layers: nearest and bilinear interpolation, max-unpooling and the transposed convolution."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.sampling.kernels import _check_batch, _check_factor, bilinear_kernel
from core.sizes import conv_transpose_output_size

# ---------------------------------------------------------------------------------- upsampling

def nearest_upsample(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Repeat every pixel ``factor`` times down and across.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, factor H, factor W)``.

    >>> nearest_upsample(torch.tensor([[[[1., 2.]]]])).tolist()
    [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]
    """
    _check_batch(x)
    _check_factor(factor)
    return F.interpolate(x, scale_factor=factor, mode="nearest")


def bilinear_upsample(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """Interpolate linearly between the four nearest input pixels.

    Convention: ``align_corners=False`` (pixel centres at half-integer positions, borders clamped).

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, factor H, factor W)``.

    >>> bilinear_upsample(torch.tensor([[[[0., 4.]]]]))[0, 0, 0].tolist()
    [0.0, 1.0, 3.0, 4.0]
    """
    _check_batch(x)
    _check_factor(factor)
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)


def max_unpool(x: torch.Tensor, indices: torch.Tensor, size: int = 2, stride: int | None = None,
               output_size: tuple[int, int] | None = None) -> torch.Tensor:
    """Put each value back at the position its ``indices`` name, zeros everywhere else.

    ``indices`` come from :func:`max_pool_with_indices` with the same ``size`` and ``stride``;
    ``output_size`` ``(H, W)`` restores an odd side that pooling floored away.

    Shape:
        Input: ``(B, C, h, w)`` values and indices. Output: ``(B, C, H, W)``, by default
        ``H = (h - 1) stride + size``.

    >>> from core.sampling.downsampling import max_pool_with_indices
    >>> pooled, where = max_pool_with_indices(torch.tensor([[[[1., 3.], [4., 2.]]]]))
    >>> max_unpool(pooled, where).tolist()
    [[[[0.0, 0.0], [4.0, 0.0]]]]
    """
    _check_batch(x)
    if indices.shape != x.shape:
        raise InvalidParameterError(
            f"The indices must have the values' shape {tuple(x.shape)}, got {tuple(indices.shape)}.")
    stride = size if stride is None else stride
    return F.max_unpool2d(x, indices, (size, size), (stride, stride), output_size=output_size)


def transposed_conv(x: torch.Tensor, kernel: torch.Tensor, stride: int = 2, padding: int = 0,
                    output_padding: int = 0) -> torch.Tensor:
    """Every input pixel stamps ``kernel``, scaled by its value, onto the output; stamps are
    ``stride`` apart and add where they overlap. Each channel uses the same ``(k, k)`` kernel.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, conv_transpose_output_size(H, k, stride,
        padding, output_padding), ...)``.

    >>> transposed_conv(torch.ones(1, 1, 2, 2), torch.ones(3, 3)).tolist()[0][0][2]
    [2.0, 2.0, 4.0, 2.0, 2.0]
    """
    _check_batch(x)
    if kernel.dim() != 2 or kernel.shape[0] != kernel.shape[1]:
        raise InvalidParameterError(f"The kernel must be a square 2-D tensor, got {tuple(kernel.shape)}.")
    size = kernel.shape[0]
    for n in x.shape[-2:]:
        conv_transpose_output_size(n, size, stride, padding, output_padding)
    channels = x.shape[1]
    weight = kernel.to(device=x.device, dtype=x.dtype).expand(channels, 1, size, size)
    return F.conv_transpose2d(x, weight, stride=stride, padding=padding,
                              output_padding=output_padding, groups=channels)


def bilinear_transposed_conv(x: torch.Tensor, factor: int = 2) -> torch.Tensor:
    """:func:`transposed_conv` with :func:`bilinear_kernel`: ``factor`` times larger.

    Convention: the border pixels receive fewer stamps than the interior, so the outermost
    ``factor // 2`` rows and columns come out darker than bilinear interpolation's.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, factor H, factor W)``.
    """
    kernel = bilinear_kernel(factor, device=x.device, dtype=x.dtype)
    return transposed_conv(x, kernel, stride=factor, padding=(kernel.shape[0] - factor) // 2)


def resize_then_conv(x: torch.Tensor, kernel_size: int, factor: int) -> torch.Tensor:
    """The checkerboard-free alternative to a transposed convolution (Odena et al. 2016): nearest
    upsampling by ``factor``, then a ``kernel_size`` box filter at stride 1.

    Convention: reflection padding of ``(k - 1) // 2`` before and ``k // 2`` after keeps the size.

    Shape:
        Input: ``(B, C, H, W)``. Output: ``(B, C, factor H, factor W)``.
    """
    upsampled = nearest_upsample(x, factor)
    before, after = (kernel_size - 1) // 2, kernel_size // 2
    if min(upsampled.shape[-2:]) <= after:
        raise InvalidParameterError(
            f"A {kernel_size}-tap filter needs the upsampled image to be at least {after + 1} "
            f"pixels on each side, got {upsampled.shape[-1]}×{upsampled.shape[-2]}.")
    padded = F.pad(upsampled, (before, after, before, after), mode="reflect")
    channels = x.shape[1]
    weight = torch.full((channels, 1, kernel_size, kernel_size), 1 / kernel_size**2,
                        device=x.device, dtype=x.dtype)
    return F.conv2d(padded, weight, groups=channels)


