"""DownsizeNet: interpolation whose coefficients are inferred from texture (Ma & Li).

Bilinear interpolation weighs the four neighbours of a projected pixel by distance alone.
DownsizeNet lets the local texture change those weights: a few 3×3 convolutions look at the
high-resolution image, a *floating-point selection pooling* picks each output pixel's feature
vector, a relative-distance map says where between its neighbours it falls, and a 1×1
convolution with a sigmoid (normalised to sum 1) or a softmax turns both into ``K``
interpolation coefficients. The output is the coefficient-weighted sum of the neighbours, so it
is still an image (a convex combination of real pixels) at any output size, up or down.

Convention (PyTorch's ``F.interpolate(..., align_corners=False)``, pixel centres at +0.5):
    * an output pixel ``i`` projects onto the input at ``src = (i + 0.5) · in / out − 0.5``;
    * 2×2 neighbourhood (``K = 4``, bilinear-style): ``src`` is clamped at 0 first, ``P`` is
      ``floor(src)``, the neighbours are ``P`` and ``P + 1`` (clamped to the last pixel) and
      the offset ``d = src − P`` lies in ``[0, 1)``;
    * 4×4 neighbourhood (``K = 16``, bicubic-style): ``src`` is not clamped, the neighbours are
      ``P − 1 … P + 2``, each clamped into the image (the border pixel repeats);
    * the feature vector of an output pixel is the one at ``P`` clamped into the image: the
      top-left of its neighbours;
    * the distance map holds the classic weights of the offsets, channel ``k = a · n + b`` for
      neighbour row ``a`` and column ``b``: for 2×2 ``(1−dx)(1−dy), dx(1−dy), (1−dx)dy, dx·dy``;
      for 4×4 the products of Keys' cubic weights with ``A = −0.75`` (PyTorch's bicubic);
    * convolutions pad with zeros, so the network sees the same borders at any output size.
"""

from __future__ import annotations

import math
from typing import Any, Literal, cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.downsizenet.projection import (
    CUBIC_A,
    NEIGHBOURHOODS,
    AxisProjection,
    cubic_weights,
    distance_map,
    gather_and_mix,
    gather_pixels,
    project_axis,
)
from core.downsizenet.seeding import generator as seeded
from core.downsizenet.seeding import init_parameters
from core.errors import InvalidParameterError

__all__ = ["ACTIVATIONS", "CUBIC_A", "NEIGHBOURHOODS", "AxisProjection", "DownsizeNet", "cubic_weights",
           "distance_map", "gather_and_mix", "gather_pixels", "output_size", "project_axis"]

Activation = Literal["sigmoid", "softmax", "none"]
ACTIVATIONS = ("sigmoid", "softmax", "none")
NEAR_BILINEAR_GAIN = 6.0     # sigmoid(6 (w − ½)), normalised, is within 0.13 of bilinear weights
BAND_PIXELS = 1 << 22        # input pixels per band when features are computed without gradients


class DownsizeNet(nn.Module):
    """The texture-aware interpolation network of Ma & Li.

    Args:
        layers: 3×3 convolutions (each followed by ReLU) on the high-resolution image, 1 to 4.
        channels: feature channels of each convolution (16 in the paper).
        neighbourhood: 2 (a 2×2 neighbourhood, ``K = 4``) or 4 (4×4, ``K = 16``).
        activation: ``"sigmoid"`` then sum-to-1 normalisation (the paper's), ``"softmax"``, or
            ``"none"`` (the raw 1×1 convolution: only the bilinear/bicubic special cases use it).
        in_channels: channels of the images it resizes.
        init: ``"near-bilinear"`` starts the 1×1 convolution on the distance channels with a
            small random share of texture, so the untrained network mixes within about 0.13 of
            the bilinear weights; ``"random"`` is PyTorch's default initialisation.
        generator: draws the initial weights (reproducible without touching the global seed);
            None uses PyTorch's global random state, like any new module.

    Shape:
        Input: ``(B, in_channels, H, W)`` float. Output: ``(B, in_channels, h, w)``.
    """

    def __init__(self, layers: int = 2, channels: int = 16, neighbourhood: int = 2,
                 activation: Activation = "sigmoid", in_channels: int = 3,
                 init: Literal["near-bilinear", "random"] = "near-bilinear",
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        if not (isinstance(layers, int) and 1 <= layers <= 4):
            raise InvalidParameterError(f"DownsizeNet takes 1 to 4 convolution layers, got {layers}.")
        if not (isinstance(channels, int) and 1 <= channels <= 256):
            raise InvalidParameterError(f"channels must be between 1 and 256, got {channels}.")
        if not (isinstance(in_channels, int) and in_channels >= 1):
            raise InvalidParameterError(f"in_channels must be a positive whole number, got {in_channels}.")
        if neighbourhood not in NEIGHBOURHOODS:
            raise ValueError(f"Unknown neighbourhood {neighbourhood!r}; choose one of 2 or 4.")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
        if init not in ("near-bilinear", "random"):
            raise ValueError(f"Unknown init {init!r}; choose one of near-bilinear, random.")
        self.neighbourhood = neighbourhood
        self.activation = activation
        self.in_channels = in_channels
        # With a generator the layers are built on the meta device (drawing nothing from the global
        # random state), then given memory and drawn from the generator.
        where: dict[str, Any] = {"device": "meta"} if generator is not None else {}
        self.features = nn.ModuleList(
            nn.Conv2d(in_channels if i == 0 else channels, channels, 3, padding=1, **where) for i in range(layers))
        self.head = nn.Conv2d(channels + self.taps, self.taps, 1, **where)
        if generator is not None:
            init_parameters(self.to_empty(device="cpu"), generator)
        if init == "near-bilinear":
            with torch.no_grad():
                self.head.weight.mul_(0.1)
                self._select_distance(NEAR_BILINEAR_GAIN, -NEAR_BILINEAR_GAIN / 2)

    @property
    def taps(self) -> int:
        """``K``, the number of neighbours each output pixel mixes."""
        return self.neighbourhood ** 2

    @property
    def layers(self) -> int:
        return len(self.features)

    @property
    def channels(self) -> int:
        return cast(nn.Conv2d, self.features[0]).out_channels

    @property
    def _head_bias(self) -> torch.Tensor:
        # The 1×1 head is always built with a bias.
        return cast(torch.Tensor, self.head.bias)

    def _select_distance(self, gain: float, bias: float) -> None:
        k = torch.arange(self.taps)
        self.head.weight[:, self.channels:] = 0.0
        self.head.weight[k, self.channels + k, 0, 0] = gain
        self._head_bias.fill_(bias)

    @classmethod
    def as_bilinear(cls, layers: int = 2, channels: int = 16, in_channels: int = 3, *,
                    device: torch.device | str | None = None) -> DownsizeNet:
        """The paper's special case: the distance map holds the bilinear weights, the 1×1
        convolution copies channel ``C + k`` to coefficient ``k``, and there is no sigmoid — so the
        output is ``F.interpolate(x, size, mode="bilinear", align_corners=False)``.

        The convolution layers keep their (seeded) random weights: they are computed and ignored,
        as in the paper, and training from here has gradients to follow. ``device`` places the
        module (e.g. ``core.device()``); by default it stays on the CPU, like any new module.

        >>> x = torch.arange(16.0).view(1, 1, 4, 4)
        >>> y = DownsizeNet.as_bilinear(in_channels=1)(x, (3, 2)).detach()
        >>> float((y - F.interpolate(x, (3, 2), mode="bilinear", align_corners=False)).abs().max()) < 1e-5
        True
        """
        return cls._special_case(2, layers, channels, in_channels).to(device)

    @classmethod
    def as_bicubic(cls, layers: int = 2, channels: int = 16, in_channels: int = 3, *,
                   device: torch.device | str | None = None) -> DownsizeNet:
        """The 4×4 special case: equals ``F.interpolate(..., mode="bicubic", align_corners=False)``.

        Keys' weights are negative near the outer taps, so these coefficients are not all ≥ 0.
        """
        return cls._special_case(4, layers, channels, in_channels).to(device)

    @classmethod
    def _special_case(cls, neighbourhood: int, layers: int, channels: int, in_channels: int) -> DownsizeNet:
        net = cls(layers, channels, neighbourhood, "none", in_channels, init="random", generator=seeded(0))
        with torch.no_grad():
            net.head.weight.zero_()
            net._select_distance(1.0, 0.0)
        return net

    # ------------------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Resize ``x`` to ``size = (h, w)``, down or up.

        Shape:
            Input: ``(B, C, H, W)``. Output: ``(B, C, h, w)`` (laid out channels-last in memory).
        """
        return self.resize_and_coefficients(x, size)[0]

    def resize_and_coefficients(self, x: torch.Tensor, size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`forward` and :meth:`coefficients` from one pass of the network (half the work of both).

        Shape:
            Input: ``(B, C, H, W)``. Output: ``(B, C, h, w)`` and ``(B, K, h, w)``.
        """
        pixels, coefficients, rows, cols = self._coefficients(x, size)
        return (gather_and_mix(pixels, coefficients, rows, cols).permute(0, 3, 1, 2),
                coefficients.permute(0, 3, 1, 2))

    def coefficients(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The interpolation coefficients of every output pixel.

        With ``activation`` ``"sigmoid"`` or ``"softmax"`` they are ≥ 0 and sum to 1 over ``K``.

        Shape:
            Input: ``(B, C, H, W)``. Output: ``(B, K, h, w)``, channel ``a · n + b`` for the
            neighbour in row tap ``a`` and column tap ``b``.
        """
        return self._coefficients(x, size)[1].permute(0, 3, 1, 2)

    def distances(self, height: int, width: int, size: tuple[int, int], *,
                  device: torch.device | str | None = None) -> torch.Tensor:
        """The relative-distance map for an ``(height, width)`` input resized to ``size``.

        Shape:
            Output: ``(K, h, w)``.
        """
        h, w = _checked_size(size)
        return distance_map(project_axis(height, h, self.neighbourhood, device=device),
                            project_axis(width, w, self.neighbourhood, device=device))

    def _coefficients(self, x: torch.Tensor, size: tuple[int, int]):
        # Everything after the convolutions works on "pixel rows", (B, h, w, channels): a 1×1
        # convolution is then one matrix product and each gather moves whole feature vectors.
        self._check_input(x)
        h, w = _checked_size(size)
        height, width = x.shape[-2:]
        rows = project_axis(height, h, self.neighbourhood, device=x.device, dtype=x.dtype)
        cols = project_axis(width, w, self.neighbourhood, device=x.device, dtype=x.dtype)
        # channels-last lets the CPU convolutions vectorise over channels (4-7x faster here), and
        # its (B, H, W, C) view is the pixel rows the gathers read.
        pixels = x.contiguous(memory_format=torch.channels_last).permute(0, 2, 3, 1)
        features = self._features_at(pixels, rows.top_left, cols.top_left)
        distances = distance_map(rows, cols).permute(1, 2, 0).expand(x.shape[0], h, w, self.taps)
        fused = torch.cat([features, distances], dim=-1)
        logits = torch.addmm(self._head_bias, fused.reshape(-1, fused.shape[-1]),
                             self.head.weight.flatten(1).T).view(x.shape[0], h, w, self.taps)
        if self.activation == "sigmoid":
            weights = torch.sigmoid(logits)
            coefficients = weights / weights.sum(dim=-1, keepdim=True)
        elif self.activation == "softmax":
            coefficients = torch.softmax(logits, dim=-1)
        else:
            coefficients = logits
        return pixels, coefficients, rows, cols

    def selected_features(self, x: torch.Tensor, top_rows: torch.Tensor, top_cols: torch.Tensor) -> torch.Tensor:
        """The floating-point selection pooling: the feature vector at ``P`` for every output pixel.

        Shape:
            Input: ``x (B, C, H, W)``, ``top_rows (h,)``, ``top_cols (w,)``. Output: ``(B, channels, h, w)``.
        """
        self._check_input(x)
        pixels = x.contiguous(memory_format=torch.channels_last).permute(0, 2, 3, 1)
        return self._features_at(pixels, top_rows, top_cols).permute(0, 3, 1, 2)

    def _features_at(self, pixels: torch.Tensor, top_rows: torch.Tensor, top_cols: torch.Tensor) -> torch.Tensor:
        # Without gradients a tall image is processed in bands of rows; a margin of one row per
        # layer keeps every selected feature exactly what the whole image would give.
        height, width = pixels.shape[1:3]
        if torch.is_grad_enabled() or height * width <= BAND_PIXELS:
            return self._band_features(pixels, top_rows, top_cols)
        rows_per_band = max(1, BAND_PIXELS // width)
        first_rows = top_rows.tolist()
        bands, start = [], 0
        while start < len(first_rows):
            stop = start
            while stop < len(first_rows) and first_rows[stop] < first_rows[start] + rows_per_band:
                stop += 1
            low = max(0, first_rows[start] - self.layers)
            high = min(height, first_rows[stop - 1] + self.layers + 1)
            bands.append(self._band_features(pixels[:, low:high], top_rows[start:stop] - low, top_cols))
            start = stop
        return torch.cat(bands, dim=1)

    def _band_features(self, pixels: torch.Tensor, top_rows: torch.Tensor, top_cols: torch.Tensor) -> torch.Tensor:
        f = pixels.permute(0, 3, 1, 2)
        for conv in self.features[:-1]:
            f = F.relu_(conv(f))
        last = cast(nn.Conv2d, self.features[-1])
        batch, height, width = f.shape[0], f.shape[2], f.shape[3]
        h, w = len(top_rows), len(top_cols)
        if h * w >= height * width:
            # Upsizing: every input pixel is some output's P, so the dense convolution is cheaper.
            f = F.relu_(last(f))
            return f.index_select(2, top_rows).index_select(3, top_cols).permute(0, 2, 3, 1)
        # Downsizing: the last convolution runs at the P's only. Gather each P's 3×3 window of
        # feature vectors, zero outside the image as the convolution's padding is, and contract
        # it with the kernel in one matrix product.
        window = torch.arange(-1, 2, device=f.device)
        ys, xs = top_rows[:, None] + window, top_cols[:, None] + window
        flat = ys.clamp(0, height - 1)[:, None, :, None] * width + xs.clamp(0, width - 1)[None, :, None, :]
        windows = gather_pixels(f.permute(0, 2, 3, 1), flat.reshape(-1)).view(batch, h, w, 3, 3, -1)
        inside_rows, inside_cols = (ys >= 0) & (ys < height), (xs >= 0) & (xs < width)
        if not (bool(inside_rows.all()) and bool(inside_cols.all())):
            inside = inside_rows[:, None, :, None] & inside_cols[None, :, None, :]
            windows = windows * inside[..., None].to(windows.dtype)
        kernel = last.weight.permute(2, 3, 1, 0).reshape(-1, last.out_channels)   # (3·3·C, out)
        out = torch.addmm(cast(torch.Tensor, last.bias), windows.reshape(batch * h * w, -1), kernel)
        return F.relu_(out).view(batch, h, w, -1)

    def _check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise InvalidParameterError(f"DownsizeNet takes a (B, C, H, W) tensor, got {shape}.")
        if x.shape[1] != self.in_channels:
            raise InvalidParameterError(
                f"This DownsizeNet resizes {self.in_channels}-channel images, got {x.shape[1]} channels.")
        if x.shape[-2] < 1 or x.shape[-1] < 1 or x.shape[0] < 1:
            raise InvalidParameterError(f"The input is empty: shape {tuple(x.shape)}.")
        if not x.is_floating_point():
            raise InvalidParameterError(f"DownsizeNet takes float images in [0, 1], got {x.dtype}.")

    def extra_repr(self) -> str:
        return (f"layers={self.layers}, channels={self.channels}, neighbourhood={self.neighbourhood}, "
                f"activation={self.activation!r}, K={self.taps}")


def _checked_size(size) -> tuple[int, int]:
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"size must be (height, width), got {size!r}.") from None
    if h < 1 or w < 1 or tuple(size) != (h, w):
        raise InvalidParameterError(f"size must be two positive whole numbers (height, width), got {size!r}.")
    return h, w


def output_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """``(h, w)`` for a scale factor: each side rounded half up (``floor(n · scale + ½)``), at least 1.

    >>> output_size(1000, 333, 0.3)
    (300, 100)
    """
    if not (math.isfinite(scale) and scale > 0):
        raise InvalidParameterError(f"The scale must be a positive number, got {scale}.")
    return max(1, math.floor(height * scale + 0.5)), max(1, math.floor(width * scale + 0.5))
