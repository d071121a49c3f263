"""Where DownsizeNet's output pixels land on the input, and the gathers that mix their neighbours.

Convention (PyTorch's ``F.interpolate(..., align_corners=False)``, pixel centres at +0.5): see
:mod:`core.downsizenet.model`, whose docstring states it in full.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

CUBIC_A = -0.75              # PyTorch's (and OpenCV's) bicubic without antialias; Keys' paper uses −0.5
NEIGHBOURHOODS = (2, 4)


@dataclass(frozen=True)
class AxisProjection:
    """Where the output pixels of one axis land on the input.

    Attributes:
        top_left: ``(n_out,)`` int64, ``P`` clamped into ``[0, n_in − 1]``.
        neighbours: ``(n_out, n)`` int64 input indices of the ``n`` neighbours, clamped.
        offset: ``(n_out,)`` float, the fractional distance from ``floor(src)``.
        weights: ``(n_out, n)`` float, the classic interpolation weights of ``offset``.
    """

    top_left: torch.Tensor
    neighbours: torch.Tensor
    offset: torch.Tensor
    weights: torch.Tensor


def cubic_weights(t: torch.Tensor, a: float = CUBIC_A) -> torch.Tensor:
    """Keys' cubic convolution weights of the four taps at distances ``1 + t, t, 1 − t, 2 − t``.

    Shape:
        Input: ``(N,)`` offsets in ``[0, 1)``. Output: ``(N, 4)``, each row sums to 1.

    >>> cubic_weights(torch.tensor([0.0])).tolist()
    [[0.0, 1.0, 0.0, 0.0]]
    """
    def near(x):   # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):    # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return torch.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], dim=-1)


def project_axis(n_in: int, n_out: int, neighbourhood: int = 2, *,
                 device: torch.device | str | None = None,
                 dtype: torch.dtype = torch.float32) -> AxisProjection:
    """Project ``n_out`` output pixels onto ``n_in`` input pixels (see the module's Convention).

    >>> p = project_axis(10, 3)          # scale 0.3: src = (i + 0.5) · 10/3 − 0.5
    >>> p.top_left.tolist(), [round(v, 4) for v in p.offset.tolist()]
    ([1, 4, 7], [0.1667, 0.5, 0.8333])
    """
    if neighbourhood not in NEIGHBOURHOODS:
        raise ValueError(f"Unknown neighbourhood {neighbourhood!r}; choose one of 2 (bilinear-style) "
                         "or 4 (bicubic-style).")
    # float32 arithmetic in PyTorch's order, so the special cases agree with F.interpolate to rounding.
    src = (torch.arange(n_out, dtype=torch.float32) + 0.5) * torch.tensor(n_in / n_out, dtype=torch.float32) - 0.5
    if neighbourhood == 2:
        src = src.clamp(min=0.0)
    base = torch.floor(src)
    offset = src - base
    base = base.long()
    taps = torch.arange(neighbourhood) - (neighbourhood // 2 - 1)          # 0,1  or  −1,0,1,2
    neighbours = (base[:, None] + taps[None, :]).clamp(0, n_in - 1)
    if neighbourhood == 2:
        weights = torch.stack([1 - offset, offset], dim=-1)
    else:
        weights = cubic_weights(offset)
    return AxisProjection(base.clamp(0, n_in - 1).to(device), neighbours.to(device),
                          offset.to(device=device, dtype=dtype), weights.to(device=device, dtype=dtype))


def distance_map(rows: AxisProjection, cols: AxisProjection) -> torch.Tensor:
    """The relative-distance map: the classic weight of every neighbour, one channel each.

    Shape:
        Output: ``(K, h, w)`` with ``K = n²``; channel ``a · n + b`` is row tap ``a`` times
        column tap ``b``.
    """
    n = rows.weights.shape[1]
    grid = rows.weights.T[:, None, :, None] * cols.weights.T[None, :, None, :]   # (n, n, h, w)
    return grid.reshape(n * n, rows.weights.shape[0], cols.weights.shape[0])



def gather_pixels(pixels: torch.Tensor, flat_index: torch.Tensor) -> torch.Tensor:
    """Pixel vectors at flat positions ``row · W + column`` of every image in the batch.

    Shape:
        Input: ``pixels (B, H, W, C)``, ``flat_index (M,)``. Output: ``(B, M, C)``.
    """
    batch, height, width, channels = pixels.shape
    table = pixels.reshape(batch * height * width, channels)
    if batch > 1:
        flat_index = (torch.arange(batch, device=flat_index.device)[:, None] * (height * width)
                      + flat_index[None, :]).reshape(-1)
    # A row lookup (embedding) is PyTorch's fastest gather of whole vectors on the CPU.
    return F.embedding(flat_index, table).view(batch, -1, channels)


def gather_and_mix(pixels: torch.Tensor, coefficients: torch.Tensor, rows: AxisProjection,
                   cols: AxisProjection) -> torch.Tensor:
    """The coefficient-weighted sum of each output pixel's neighbours.

    Shape:
        Input: ``pixels (B, H, W, C)``, ``coefficients (B, h, w, K)``. Output: ``(B, h, w, C)``.
    """
    batch, height, width, channels = pixels.shape
    n = rows.neighbours.shape[1]
    flat = rows.neighbours[:, None, :, None] * width + cols.neighbours[None, :, None, :]   # (h, w, n, n)
    h, w = flat.shape[:2]
    neighbours = gather_pixels(pixels, flat.reshape(-1)).view(batch, h, w, n * n, channels)
    return (coefficients.unsqueeze(-1) * neighbours).sum(dim=3)
