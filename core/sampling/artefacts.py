"""Artefacts of resampling: a transposed convolution's checkerboard, and what a one-pixel shift changes."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.sampling.kernels import _check_batch
from core.sizes import conv_transpose_output_size

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

    0 means the output does not notice the shift. What two unrelated outputs give depends on
    their distribution: ``√2`` for independent Gaussians, ``4/3`` for independent uniforms
    (``E|X - Y| / E|X - μ|``), so compare operations with each other, not with a fixed number.
    Both inputs are crops of ``x`` one row and column smaller, so no
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


