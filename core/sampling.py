"""How CNNs make feature maps smaller and larger again.

Downsampling: a strided convolution, max pooling, average pooling and blur pooling (Zhang 2019:
low-pass with a binomial kernel, *then* subsample, so the subsampling has little left to alias).
Upsampling: nearest and bilinear interpolation, max-unpooling (the maxima go back to the places
max pooling took them from, zeros elsewhere) and the transposed convolution. The two size formulas
say what every one of them does to a side of ``n`` pixels.

Convention (PyTorch's, because these are the layers a CNN uses):
    * convolution and pooling sizes floor: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``;
    * fixed filters are applied depthwise (each colour channel on its own, ``groups=C``) with
      zero padding, as ``nn.Conv2d(padding=p)`` does;
    * blur pooling pads by reflection (antialiased-cnns' default), so its size is ``ceil(n / s)``;
    * bilinear upsampling uses ``align_corners=False``.
"""

from __future__ import annotations

import math
import operator
from typing import Callable

import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError

FIXED_KERNELS = ("box", "sobel-x", "sobel-y")


# ---------------------------------------------------------------------------------- sizes

def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The side of a convolution's (or pooling's) output: ``floor((n + 2p - d(k-1) - 1) / s) + 1``.

    ``d(k - 1) + 1`` is the kernel's effective extent; the output counts how many times it fits
    in the padded input when stepping by ``s``.

    >>> conv_output_size(224, 7, stride=2, padding=3)
    112
    >>> conv_output_size(5, 3, dilation=2)
    1
    """
    n, kernel, stride, padding, dilation = _whole_numbers(
        n=n, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    _check_common(n, kernel, stride, padding, dilation)
    extent = dilation * (kernel - 1) + 1
    size = (n + 2 * padding - extent) // stride + 1
    if size < 1:
        raise InvalidParameterError(
            f"A kernel spanning {extent} pixels (kernel {kernel}, dilation {dilation}) does not fit "
            f"in an input of {n} pixels padded by {padding} on each side ({n + 2 * padding} in all): "
            f"the output would have {size} pixels.")
    return size


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """The side of a transposed convolution's output: ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``.

    Stride and padding act the other way round from a convolution: a larger stride spreads the
    input further apart, a larger padding crops more from the result. ``output_padding`` adds
    rows on one side only; it picks between the several input sizes a strided convolution maps
    onto the same output size, so PyTorch wants it smaller than the stride or the dilation.

    >>> conv_transpose_output_size(16, 3, stride=2, padding=1, output_padding=1)
    32
    >>> conv_transpose_output_size(16, 4, stride=2, padding=1)
    32
    """
    n, kernel, stride, padding, output_padding, dilation = _whole_numbers(
        n=n, kernel=kernel, stride=stride, padding=padding, output_padding=output_padding,
        dilation=dilation)
    _check_common(n, kernel, stride, padding, dilation)
    if output_padding < 0:
        raise InvalidParameterError(f"output_padding cannot be negative, got {output_padding}.")
    if output_padding >= stride and output_padding >= dilation:
        raise InvalidParameterError(
            f"output_padding must be smaller than the stride ({stride}) or the dilation "
            f"({dilation}), got {output_padding}.")
    size = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        raise InvalidParameterError(
            f"A padding of {padding} crops more than the transposed convolution makes from an "
            f"input of {n}: the output would have {size} pixels.")
    return size


def _whole_numbers(**values) -> list[int]:
    whole = []
    for name, value in values.items():
        if isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be a whole number, got {value!r}.")
        try:
            whole.append(operator.index(value))
        except TypeError:
            raise InvalidParameterError(f"{name} must be a whole number, got {value!r}.") from None
    return whole


def _check_common(n: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
    if n < 1:
        raise InvalidParameterError(f"The input needs at least one pixel, got n = {n}.")
    if kernel < 1:
        raise InvalidParameterError(f"The kernel needs at least one tap, got kernel = {kernel}.")
    if stride < 1:
        raise InvalidParameterError(f"The stride must be at least 1, got {stride}.")
    if padding < 0:
        raise InvalidParameterError(f"The padding cannot be negative, got {padding}.")
    if dilation < 1:
        raise InvalidParameterError(f"The dilation must be at least 1, got {dilation}.")


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

    >>> pooled, where = max_pool_with_indices(torch.tensor([[[[1., 3.], [4., 2.]]]]))
    >>> max_unpool(pooled, where).tolist()
    [[[[0.0, 0.0], [4.0, 0.0]]]]
    """
    _check_batch(x)
    if indices.shape != x.shape:
        raise InvalidParameterError(
            f"The indices must have the values' shape {tuple(x.shape)}, got {tuple(indices.shape)}.")
    stride = size if stride is None else stride
    return F.max_unpool2d(x, indices, size, stride, output_size=output_size)


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


# ---------------------------------------------------------------------------------- checkerboard

def overlap_count_map(kernel: int, stride: int, n: int | None = None) -> torch.Tensor:
    """How many kernel stamps land on each output pixel of a transposed convolution (Odena et al.
    2016): ``conv_transpose2d`` of an all-ones ``n × n`` input with an all-ones kernel.

    When ``kernel`` is not a multiple of ``stride`` the counts alternate across the interior —
    the checkerboard that a trained layer has to work against. ``n`` defaults to an input large
    enough that the interior spans several strides.

    Shape:
        Output: ``(L, L)`` int64 with ``L = (n - 1) stride + kernel``.

    >>> overlap_count_map(3, 2, n=3).tolist()[2]
    [2, 2, 4, 2, 4, 2, 2]
    """
    conv_transpose_output_size(1, kernel, stride)   # refuses a bad kernel or stride by name
    n = default_overlap_input(kernel, stride) if n is None else n
    conv_transpose_output_size(n, kernel, stride)
    ones = torch.ones(1, 1, n, n, dtype=torch.float64)
    counts = F.conv_transpose2d(ones, torch.ones(1, 1, kernel, kernel, dtype=torch.float64), stride=stride)
    return counts[0, 0].round().to(torch.int64)


def default_overlap_input(kernel: int, stride: int) -> int:
    """The input side :func:`overlap_count_map` uses: the interior then spans at least 3 strides.

    >>> default_overlap_input(3, 2)
    5
    """
    return -(-(kernel - 1) // stride) + 4


def overlap_interior(kernel: int, stride: int, n: int) -> slice:
    """The rows (and columns) of an overlap count map reached by every stamp that could reach
    them: ``[kernel - 1, (n - 1) stride]``. Outside it the border simply runs out of input.

    >>> overlap_interior(3, 2, 5)
    slice(2, 9, None)
    """
    return slice(kernel - 1, (n - 1) * stride + 1)


# ---------------------------------------------------------------------------------- shift stability

def shift_sensitivity(op: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                      shifts: tuple[tuple[int, int], ...] = ((0, 1), (1, 0), (1, 1))) -> float:
    """How much ``op``'s output changes when its input moves by one pixel, relative to how much
    the output varies at all: ``mean |op(shifted) - op(x)| / mean |op(x) - mean(op(x))|``,
    averaged over ``shifts`` ``(dy, dx)``.

    0 means the output does not notice the shift; about 1.1 is what two unrelated outputs with
    the same statistics give. Both inputs are crops of ``x`` one row and column smaller, so no
    border is wrapped around.

    Shape:
        Input: ``(B, C, H, W)`` with ``H, W >= 2``.
    """
    _check_batch(x)
    height, width = x.shape[-2:]
    if height < 2 or width < 2:
        raise InvalidParameterError(
            f"Shifting by one pixel needs at least 2×2 pixels, got {width}×{height}.")
    for dy, dx in shifts:
        if dy not in (0, 1) or dx not in (0, 1):
            raise InvalidParameterError(f"Shifts are 0 or 1 pixel in each direction, got {(dy, dx)}.")
    reference = op(x[..., : height - 1, : width - 1])
    spread = (reference - reference.mean()).abs().mean()
    if spread == 0:
        return 0.0
    changes = [(op(x[..., dy: height - 1 + dy, dx: width - 1 + dx]) - reference).abs().mean()
               for dy, dx in shifts]
    return float(torch.stack(changes).mean() / spread)


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
    return tuple(conv_output_size(n, size, stride, padding) for n in x.shape[-2:])
