"""Everything the down- and upsampling lesson shows, as plain arrays and numbers.

Each function returns a frozen dataclass of NumPy arrays, numbers and strings, so the page only
lays results out and a test can check every value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.errors import InvalidParameterError
from core.images import to_image, to_tensor
from core.sampling import (
    DOWNSAMPLERS,
    FIXED_KERNELS,
    bilinear_transposed_conv,
    bilinear_upsample,
    conv_output_size,
    conv_transpose_output_size,
    default_overlap_input,
    downsample,
    max_pool_with_indices,
    max_unpool,
    nearest_upsample,
    overlap_count_map,
    overlap_interior,
    resize_then_conv,
    shift_sensitivity,
    strided_conv,
    transposed_conv,
    uniform_kernel,
)

MAX_PROBE_SIDE = 1024
SHIFT_CROP = 128
CLOSE_UP = (40, 56)
CHECKERBOARD_CROP = (40, 56)
UPSAMPLERS = ("nearest", "bilinear", "max-unpool", "transposed-conv")
GRID_OPS = ("strided-conv", "max-pool", "avg-pool", "blur-pool",
            "nearest", "bilinear", "max-unpool", "transposed-conv")


# ---------------------------------------------------------------------------------- sizes

@dataclass(frozen=True)
class SizeCheck:
    """One layer's output side by the formula beside the shape PyTorch gives an ``n × n`` input.

    Attributes:
        formula: the formula's side, or ``None`` when the parameters are refused.
        formula_error: why they were refused (empty when they were not).
        pytorch_shape: the ``(1, 1, H, W)`` shape of the layer's output, or ``None`` when PyTorch
            raised. Some transposed convolutions give an empty ``(1, 1, 0, 0)`` map instead of
            raising when the formula says 0.
        pytorch_error: PyTorch's own message (empty when it ran).
    """

    formula: int | None
    formula_error: str
    pytorch_shape: tuple[int, ...] | None
    pytorch_error: str

    @property
    def agree(self) -> bool:
        """Both refuse (an empty map counts as PyTorch refusing), or both give the same side."""
        shape = self.pytorch_shape
        if self.formula is None or shape is None or 0 in shape:
            return self.formula is None and (shape is None or 0 in shape)
        return shape[-2:] == (self.formula, self.formula)


def check_conv_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                    dilation: int = 1) -> SizeCheck:
    """:func:`conv_output_size` beside ``nn.Conv2d`` run on zeros of shape ``(1, 1, n, n)``."""
    _check_probe_side(n)
    formula, formula_error = _formula(conv_output_size, n, kernel, stride, padding, dilation)

    def layer() -> nn.Module:
        return nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)

    shape, error = _run_layer(layer, n)
    return SizeCheck(formula, formula_error, shape, error)


def check_conv_transpose_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                              output_padding: int = 0, dilation: int = 1) -> SizeCheck:
    """:func:`conv_transpose_output_size` beside ``nn.ConvTranspose2d`` on ``(1, 1, n, n)`` zeros."""
    _check_probe_side(n)
    formula, formula_error = _formula(conv_transpose_output_size, n, kernel, stride, padding,
                                      output_padding, dilation)

    def layer() -> nn.Module:
        return nn.ConvTranspose2d(1, 1, kernel, stride=stride, padding=padding,
                                  output_padding=output_padding, dilation=dilation)

    shape, error = _run_layer(layer, n)
    return SizeCheck(formula, formula_error, shape, error)


def _check_probe_side(n: int) -> None:
    if not 1 <= n <= MAX_PROBE_SIDE:
        raise InvalidParameterError(
            f"The size check runs a real layer, so n must be between 1 and {MAX_PROBE_SIDE}, got {n}.")


def _formula(size_function, *args) -> tuple[int | None, str]:
    try:
        return size_function(*args), ""
    except InvalidParameterError as error:
        return None, str(error)


def _run_layer(make_layer, n: int) -> tuple[tuple[int, ...] | None, str]:
    # PyTorch's refusal is the thing being shown, so its errors become a message, not a crash.
    try:
        with torch.no_grad():
            return tuple(make_layer()(torch.zeros(1, 1, n, n)).shape), ""
    except (RuntimeError, ValueError) as error:
        return None, str(error).splitlines()[0]


# ---------------------------------------------------------------------------------- on an image

@dataclass(frozen=True)
class Downsampled:
    """One downsampling of one image, and how much a one-pixel shift changes it.

    Attributes:
        image: ``(h, w, 3) uint8``. An edge (Sobel) convolution is shown as the magnitude of its
            signed response.
        shift_change: :func:`core.sampling.shift_sensitivity` on the image's central
            ``SHIFT_CROP`` square (0: unchanged; about 1.1: unrelated).
    """

    image: np.ndarray
    shift_change: float


def downsample_image(image: np.ndarray, method: str, factor: int = 2,
                     conv_kernel: str = "box") -> Downsampled:
    """``method`` (a key of :data:`core.sampling.DOWNSAMPLERS`) at ``factor`` on an
    ``(H, W, 3) uint8`` image; ``conv_kernel`` matters to the strided convolution only."""
    if conv_kernel not in FIXED_KERNELS:
        raise InvalidParameterError(
            f"Unknown kernel {conv_kernel!r}; choose one of {', '.join(FIXED_KERNELS)}.")
    x = to_tensor(image, device="cpu")

    def op(t: torch.Tensor) -> torch.Tensor:
        return downsample(t, method, factor, conv_kernel=conv_kernel)

    with torch.no_grad():
        result = op(x)
        # A small centre keeps the measure cheap; 128² pixels are plenty for a mean.
        change = shift_sensitivity(op, _centre_crop(x, SHIFT_CROP, SHIFT_CROP))
    signed = method == "strided-conv" and conv_kernel != "box"
    return Downsampled(to_image(result.abs() if signed else result), change)


def shift_crop(height: int, width: int) -> tuple[int, int, int, int]:
    """``(top, left, crop height, crop width)`` of the centre square the shift measure reads.

    >>> shift_crop(300, 451)
    (86, 161, 128, 128)
    """
    rows, cols = _centre_window(height, width, SHIFT_CROP, SHIFT_CROP)
    return rows.start, cols.start, rows.stop - rows.start, cols.stop - cols.start


def zero_fraction(image: np.ndarray) -> float:
    """The fraction of an ``(H, W, 3)`` image's pixels that are black in every channel."""
    return float((np.asarray(image).max(axis=2) == 0).mean()) if image.size else 0.0


@dataclass(frozen=True)
class Upsampled:
    """The max-pooled image brought back up four ways.

    Attributes:
        source: ``(h, w, 3) uint8``, the image max-pooled by ``factor``: every method starts here.
        images: method (:data:`UPSAMPLERS`) → ``(H', W', 3) uint8``. Max-unpooling returns the
            original size exactly; the others ``factor`` times ``source``.
        close_ups: ``"original"`` and each method → the same central ``CLOSE_UP`` window.
    """

    source: np.ndarray
    images: dict[str, np.ndarray]
    close_ups: dict[str, np.ndarray]


def upsample_image(image: np.ndarray, factor: int = 2) -> Upsampled:
    """Max-pool ``image`` by ``factor``, then nearest, bilinear, max-unpool and a transposed
    convolution with the bilinear kernel, each back up by ``factor``."""
    x = to_tensor(image, device="cpu")
    with torch.no_grad():
        pooled, where = max_pool_with_indices(x, factor)
        results = {
            "nearest": nearest_upsample(pooled, factor),
            "bilinear": bilinear_upsample(pooled, factor),
            "max-unpool": max_unpool(pooled, where, factor, output_size=(x.shape[-2], x.shape[-1])),
            "transposed-conv": bilinear_transposed_conv(pooled, factor),
        }
    images = {name: to_image(result) for name, result in results.items()}
    window = _centre_window(min(a.shape[0] for a in [image, *images.values()]),
                            min(a.shape[1] for a in [image, *images.values()]), *CLOSE_UP)
    close_ups = {"original": image[window]} | {name: a[window] for name, a in images.items()}
    return Upsampled(to_image(pooled), images, close_ups)


# ---------------------------------------------------------------------------------- checkerboard

@dataclass(frozen=True)
class Overlap:
    """How unevenly a transposed convolution's stamps cover its output.

    Attributes:
        counts: ``(L, L)`` int64, stamps per output pixel (see
            :func:`core.sampling.overlap_count_map`).
        interior: the rows and columns (same for both) where the border plays no part.
        interior_counts: the distinct counts in the interior, ascending.
        input_side: the side of the all-ones input that was stamped.
    """

    counts: np.ndarray
    interior: slice
    interior_counts: tuple[int, ...]
    input_side: int

    @property
    def even(self) -> bool:
        """Every interior pixel gets the same number of stamps: no checkerboard."""
        return len(self.interior_counts) == 1


def overlap(kernel: int, stride: int) -> Overlap:
    """The overlap count map of a ``kernel × kernel``, stride-``stride`` transposed convolution.

    >>> overlap(3, 2).interior_counts, overlap(4, 2).interior_counts
    ((1, 2, 4), (4,))
    """
    n = default_overlap_input(kernel, stride)
    counts = overlap_count_map(kernel, stride, n).numpy()
    inside = overlap_interior(kernel, stride, n)
    values = tuple(int(v) for v in np.unique(counts[inside, inside]))
    return Overlap(counts, inside, values, n)


@dataclass(frozen=True)
class CheckerboardImages:
    """A central window of the image upsampled two ways.

    Attributes:
        source: the ``CHECKERBOARD_CROP`` window, ``(h, w, 3) uint8``.
        transposed: a transposed convolution with equal weights (see
            :func:`core.sampling.uniform_kernel`), ``((h - 1) s + k, (w - 1) s + k, 3)``.
        resized: nearest upsampling by ``s`` then a ``k × k`` box filter, ``(s h, s w, 3)``.
    """

    source: np.ndarray
    transposed: np.ndarray
    resized: np.ndarray


def checkerboard_images(image: np.ndarray, kernel: int, stride: int) -> CheckerboardImages:
    """Odena et al.'s comparison on a photo: deconvolution against resize-then-convolve."""
    window = _centre_window(image.shape[0], image.shape[1], *CHECKERBOARD_CROP)
    source = np.ascontiguousarray(image[window])
    x = to_tensor(source, device="cpu")
    with torch.no_grad():
        transposed = transposed_conv(x, uniform_kernel(kernel, stride), stride=stride)
        resized = resize_then_conv(x, kernel, stride)
    return CheckerboardImages(source, to_image(transposed), to_image(resized))


# ---------------------------------------------------------------------------------- 6 × 6 grid

@dataclass(frozen=True)
class GridExample:
    """One operation on a 6×6 grid of numbers, step by step.

    Attributes:
        steps: ``(label, 2-D float64 array)`` pairs from the input to the result. Upsampling
            examples start from the 6×6 input, max-pool it to 3×3, then bring that back up.
    """

    steps: tuple[tuple[str, np.ndarray], ...]


def grid_input() -> np.ndarray:
    """The 6×6 input: the numbers 0 to 35 shuffled, so no pooling window holds a tie.

    >>> sorted(grid_input().ravel().tolist()) == list(range(36))
    True
    """
    return np.random.default_rng(4).permutation(36).reshape(6, 6)


def grid_example(op: str) -> GridExample:
    """What ``op`` (one of :data:`GRID_OPS`) does to :func:`grid_input`, number by number.

    >>> [step[1].shape for step in grid_example("max-unpool").steps]
    [(6, 6), (3, 3), (6, 6)]
    """
    if op not in GRID_OPS:
        raise InvalidParameterError(f"Unknown operation {op!r}; choose one of {', '.join(GRID_OPS)}.")
    numbers = grid_input()
    x = torch.from_numpy(numbers).to(torch.float64).view(1, 1, 6, 6)
    start = ("input 6×6", numbers.astype(np.float64))
    with torch.no_grad():
        if op in DOWNSAMPLERS:
            label = {"strided-conv": "3×3 mean, stride 2",
                     "max-pool": "max of each 2×2", "avg-pool": "mean of each 2×2",
                     "blur-pool": "blur, every 2nd"}[op]
            result = strided_conv(x, "box") if op == "strided-conv" else downsample(x, op, 2)
            return GridExample((start, (label, _plane(result))))
        pooled, where = max_pool_with_indices(x, 2)
        up = {
            "nearest": lambda: nearest_upsample(pooled, 2),
            "bilinear": lambda: bilinear_upsample(pooled, 2),
            "max-unpool": lambda: max_unpool(pooled, where, 2),
            "transposed-conv": lambda: transposed_conv(pooled, torch.ones(3, 3), stride=2, padding=1,
                                                       output_padding=1),
        }[op]()
    label = {"nearest": "nearest ×2", "bilinear": "bilinear ×2",
             "max-unpool": "max-unpool",
             "transposed-conv": "transposed conv"}[op]
    return GridExample((start, ("max pool 2×2", _plane(pooled)), (label, _plane(up))))


# ---------------------------------------------------------------------------------- internals

def _plane(x: torch.Tensor) -> np.ndarray:
    return x[0, 0].to(torch.float64).numpy()


def _centre_window(height: int, width: int, crop_height: int, crop_width: int) -> tuple[slice, slice]:
    h, w = min(height, crop_height), min(width, crop_width)
    top, left = (height - h) // 2, (width - w) // 2
    return slice(top, top + h), slice(left, left + w)


def _centre_crop(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    rows, cols = _centre_window(x.shape[-2], x.shape[-1], height, width)
    return x[..., rows, cols]
