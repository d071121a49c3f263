"""Fixed kernels the sampling layers use (box, Sobel, binomial, bilinear, uniform), built, not tabulated."""

from __future__ import annotations

import math

import torch

from core.errors import InvalidParameterError
from core.sizes import conv_output_size

FIXED_KERNELS = ("box", "sobel-x", "sobel-y")


# ---------------------------------------------------------------------------------- kernels

def fixed_kernel(name: str, *, device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A 3×3 filter a strided convolution can use without training.

    ``"box"`` averages the 3×3 neighbourhood; ``"sobel-x"`` / ``"sobel-y"`` respond to changes
    left to right / top to bottom (signed, up to ±4 on a ``[0, 1]`` image).

    Shape:
        Output: ``(3, 3)``.

    >>> (fixed_kernel("sobel-x")).tolist()[1]
    [-2.0, 0.0, 2.0]
    """
    if name == "box":
        kernel = torch.full((3, 3), 1 / 9, dtype=torch.float64)
    elif name in ("sobel-x", "sobel-y"):
        smooth = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64)
        derivative = torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64)
        kernel = torch.outer(smooth, derivative)
        if name == "sobel-y":
            kernel = kernel.T.contiguous()
    else:
        raise InvalidParameterError(f"Unknown kernel {name!r}; choose one of {', '.join(FIXED_KERNELS)}.")
    return kernel.to(device=device, dtype=dtype)


def binomial_kernel(size: int, *, device: torch.device | str | None = None,
                    dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The 2-D binomial low-pass filter of blur pooling: row ``size - 1`` of Pascal's triangle,
    outer product with itself, normalised to sum 1.

    Shape:
        Output: ``(size, size)``.

    >>> (binomial_kernel(3) * 16).tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    if not isinstance(size, int) or not 1 <= size <= 9:
        raise InvalidParameterError(f"The blur kernel size must be 1 to 9 taps, got {size!r}.")
    row = torch.tensor([math.comb(size - 1, i) for i in range(size)], dtype=torch.float64)
    kernel = torch.outer(row, row)
    return (kernel / kernel.sum()).to(device=device, dtype=dtype)


def bilinear_kernel(factor: int, *, device: torch.device | str | None = None,
                    dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The transposed-convolution kernel that upsamples bilinearly by ``factor`` (as FCN starts).

    A tent of size ``2f - f % 2``: with stride ``f`` and padding ``(size - f) // 2`` the output
    is ``f`` times the input and, away from the border, equals
    ``F.interpolate(mode="bilinear", align_corners=False)``.

    Shape:
        Output: ``(2f - f % 2, 2f - f % 2)``.

    >>> (bilinear_kernel(2)[0] * 16).tolist()
    [1.0, 3.0, 3.0, 1.0]
    """
    _check_factor(factor)
    size = 2 * factor - factor % 2
    centre = factor - 1 if size % 2 == 1 else factor - 0.5
    taps = 1 - (torch.arange(size, dtype=torch.float64) - centre).abs() / factor
    return torch.outer(taps, taps).to(device=device, dtype=dtype)


def uniform_kernel(size: int, stride: int, *, device: torch.device | str | None = None,
                   dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """All-equal weights for a transposed convolution, scaled so the most-covered pixels keep
    their brightness: ``1 / ceil(size / stride)²``.

    Where the kernel's footprints overlap fewer times the output comes out darker, which makes
    the checkerboard of uneven overlap visible on a photo.

    Shape:
        Output: ``(size, size)``.

    >>> uniform_kernel(4, 2)[0, 0].item()
    0.25
    """
    if not isinstance(size, int) or size < 1:
        raise InvalidParameterError(f"The kernel size must be a whole number of at least 1, got {size!r}.")
    _check_factor(stride, name="stride")
    most_overlaps = math.ceil(size / stride) ** 2
    return torch.full((size, size), 1 / most_overlaps, device=device, dtype=dtype)


# ---------------------------------------------------------------------------------- internals

def _check_batch(x: torch.Tensor) -> None:
    if x.dim() != 4:
        raise InvalidParameterError(f"Expected a (B, C, H, W) tensor, got shape {tuple(x.shape)}.")
    if not x.is_floating_point():
        raise InvalidParameterError(f"Expected a floating-point tensor, got {x.dtype}.")


def _check_factor(factor: int, name: str = "factor") -> None:
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise InvalidParameterError(f"The {name} must be a whole number of at least 1, got {factor!r}.")


def _output_shape(x: torch.Tensor, size: int, stride: int, padding: int) -> tuple[int, int]:
    return (conv_output_size(x.shape[-2], size, stride, padding), conv_output_size(x.shape[-1], size, stride, padding))
