"""What the /modules lesson computes: features, module activations, and geometry in input pixels.

Feature units map to input pixels through the extractor's jump ``s`` (its output stride) and the
centre of the first unit ``start``: unit ``i`` sits at pixel ``start + i · s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from core.errors import InvalidParameterError
from core.images import to_tensor
from core.modules.features import cnn_features, filter_bank_features, load_cnn_weights, random_cnn, trained_cnn
from core.modules.layers import (
    ASPP,
    SPP,
    BinConvention,
    PyramidPooling,
    bin_edges,
    capture_branches,
    tap_positions,
    uncovered,
    valid_tap_fraction,
    valid_taps,
)
from core.receptive_field import (
    FieldOfView,
    Layer,
    branch_fields,
    build_stack,
    effective_receptive_field,
    feature_sizes,
    receptive_field,
)

PoolMode = Literal["max", "avg"]


def extractor_layers(extractor: str, stride: int) -> list[Layer]:
    """The extractor as receptive-field layers (for its jump, start and field size)."""
    if extractor == "filter-bank":
        layers = [Layer("filters 5×5", 5, 1, 2)]
        return layers + ([Layer(f"average pool {stride}", stride, stride, 0, kind="avg-pool")] if stride > 1 else [])
    layers = [Layer("conv 3×3", 3, 1, 1)]
    level = 1
    while level < stride:
        level *= 2
        layers += [Layer(f"max pool → /{level}", 2, 2, 0, kind="max-pool"), Layer("conv 3×3", 3, 1, 1)]
    return layers


def extract(image: np.ndarray, extractor: str, stride: int, *, weights: dict | None = None,
            seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Feature maps ``(C, h, w)`` float32 and channel names for the picked image."""
    x = to_tensor(image, "cpu")
    if extractor == "filter-bank":
        features, names = filter_bank_features(x, stride)
    elif extractor == "random-cnn":
        features, names = cnn_features(random_cnn(seed, stride), x)
    elif extractor == "trained-cnn":
        features, names = cnn_features(trained_cnn(seed, stride=stride), x)
    elif extractor == "uploaded":
        if weights is None:
            raise InvalidParameterError("Upload a safetensors file of small-CNN weights first.")
        features, names = cnn_features(load_cnn_weights(weights, stride), x)
    else:
        raise ValueError(f"Unknown extractor {extractor!r}; choose filter-bank, random-cnn, trained-cnn or uploaded.")
    return features[0].numpy(), names


def build_module(kind: str, channels: int, *, bins: tuple[int, ...] = (4, 2, 1), mode: PoolMode = "max",
                 convention: BinConvention = "adaptive", rates: tuple[int, ...] = (6, 12, 18),
                 image_pooling: bool = True, seed: int = 0) -> torch.nn.Module:
    """SPP, pyramid pooling or ASPP with seeded random weights (the module is not trained).

    These hand-built layers have no batch norm, and the ASPP has 16 filters per branch where
    DeepLabv3 has 256; the trained segmenters of ``core.models`` have batch norm.
    Weights come from a ``torch.Generator`` seeded with ``seed``: global random state is untouched.
    """
    module: torch.nn.Module
    if kind == "spp":
        module = SPP(bins, mode, convention)
    elif kind == "pyramid-pooling":
        module = PyramidPooling(channels, bins)
    elif kind == "aspp":
        module = ASPP(channels, 16, rates, image_pooling)
    else:
        raise ValueError(f"Unknown module {kind!r}; choose spp, pyramid-pooling or aspp.")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, torch.nn.Conv2d):
                torch.nn.init.kaiming_uniform_(layer.weight, a=5 ** 0.5, generator=generator)
                if layer.bias is not None:
                    torch.nn.init.zeros_(layer.bias)
    return module.eval()


def spp_lengths(image: np.ndarray, extractor: str, stride: int, bins: tuple[int, ...], mode: PoolMode,
                convention: BinConvention, *, weights: dict | None = None,
                scales: tuple[float, ...] = (1.0, 0.5, 0.23)) -> list[dict[str, object]]:
    """SPP on top-left crops of the image at several scales: the vector length never changes.

    One row per crop: its size, its feature map's size and the vector length (or the sentence
    saying why the extractor refused so small an input).
    """
    height, width = image.shape[:2]
    rows = []
    for scale in scales:
        crop = np.ascontiguousarray(image[: max(1, int(height * scale)), : max(1, int(width * scale))])
        row: dict[str, object] = {"input (px)": f"{crop.shape[1]}×{crop.shape[0]}"}
        try:
            features, _ = extract(crop, extractor, stride, weights=weights)
            vector = build_module("spp", features.shape[0], bins=bins, mode=mode,
                                  convention=convention)(torch.from_numpy(features)[None])
            row.update({"feature map": f"{features.shape[2]}×{features.shape[1]}", "vector length": vector.shape[1]})
        except InvalidParameterError as error:
            row.update({"feature map": str(error), "vector length": None})
        rows.append(row)
    return rows


def branch_erf(extractor: str, stride: int, rate: int, input_size: tuple[int, int],
               unit: tuple[int, int]) -> tuple[np.ndarray, tuple[int, int]]:
    """The effective receptive field of one ASPP branch (rate 0: the 1×1 branch) on top of a
    randomly initialised stack with the extractor's geometry, for one grey input channel.

    Returns the ``(H, W)`` map and the unit actually used (clamped into the output map).
    """
    branch = Layer("1×1", 1) if rate == 0 else Layer(f"3×3 rate {rate}", 3, 1, rate, rate)
    layers = [*extractor_layers(extractor, stride), branch]
    rows, cols = feature_sizes(layers, input_size)[-1]
    unit = (min(unit[0], rows - 1), min(unit[1], cols - 1))
    model = build_stack(layers, channels=8, in_channels=1)
    return effective_receptive_field(model, input_size, unit).numpy(), unit


@dataclass(frozen=True)
class ModuleRun:
    """A module's output and each named branch's output, as NumPy arrays (batch dimension dropped)."""

    output: np.ndarray
    branches: dict[str, np.ndarray]


def run_module(module: torch.nn.Module, features: np.ndarray) -> ModuleRun:
    output, branches = capture_branches(module, torch.from_numpy(np.array(features))[None])
    return ModuleRun(output[0].numpy(), {name: value[0].numpy() for name, value in branches.items()})


def feature_geometry(extractor: str, stride: int) -> FieldOfView:
    """Size, jump and start of one feature unit, in input pixels."""
    return receptive_field(extractor_layers(extractor, stride))[-1]


def aspp_fields(extractor: str, stride: int, rates: tuple[int, ...]) -> dict[str, FieldOfView]:
    """The theoretical receptive field of each ASPP branch on top of the extractor."""
    branches = {"1x1": [Layer("1×1", 1)]}
    branches.update({f"rate{r}": [Layer(f"3×3 rate {r}", 3, 1, r, r)] for r in rates})
    return branch_fields(extractor_layers(extractor, stride), branches)


def aspp_taps(unit: tuple[int, int], rates: tuple[int, ...], feature_shape: tuple[int, int],
              geometry: FieldOfView) -> dict[str, list[tuple[float, float, bool]]]:
    """Per branch, the 3×3 taps at a clicked feature unit, in input pixels, flagged valid/padding."""
    row, col = unit
    height, width = feature_shape
    if not (0 <= row < height and 0 <= col < width):
        raise InvalidParameterError(f"Unit ({row}, {col}) is outside the {width}×{height} feature map.")
    return {f"rate{r}": [(geometry.start + y * geometry.jump, geometry.start + x * geometry.jump, ok)
                         for y, x, ok in tap_positions(row, col, r, height, width)] for r in rates}


def spp_grid(feature_shape: tuple[int, int], bins: int, convention: BinConvention, geometry: FieldOfView,
             image_shape: tuple[int, int]) -> tuple[list[float], list[float], list[int], list[int]]:
    """One SPP level drawn on the image: bin borders in input pixels (rows, then columns), and the
    feature rows and columns no bin covers (only the ``"he"`` convention leaves any)."""
    def lines(edges: list[tuple[int, int]], extent: int) -> list[float]:
        cuts = sorted({edge for pair in edges for edge in pair})
        return [min(max(geometry.start + (c - 0.5) * geometry.jump, -0.5), extent - 0.5) for c in cuts]

    height, width = feature_shape
    return (lines(bin_edges(height, bins, convention), image_shape[0]),
            lines(bin_edges(width, bins, convention), image_shape[1]),
            uncovered(height, bins, convention), uncovered(width, bins, convention))


def gridding(rates: tuple[int, ...]) -> tuple[np.ndarray, float, int]:
    """Stacked 3×3 convolutions with these dilations and all-one weights: ``(erf, reached, side)``.

    ``erf`` is the number of paths from each input pixel to the output unit (the gradient of a
    linear, all-ones stack), normalised to max 1, on its ``side × side`` theoretical field
    (``side = 1 + 2 Σ rates``); ``reached`` is the share of that square with at least one path.
    The kernel is separable, so the field is the outer product of the 1-D path counts.
    """
    if not rates or min(rates) < 1:
        raise InvalidParameterError(f"Rates must be positive, got {rates}.")
    counts = np.ones(1)
    for rate in rates:
        kernel = np.zeros(2 * rate + 1)
        kernel[[0, rate, 2 * rate]] = 1.0
        counts = np.convolve(counts, kernel)
    erf = np.outer(counts, counts)
    return (erf / erf.max()).astype(np.float32), float((erf > 0).mean()), len(counts)


def run_head(kind: str, features: np.ndarray, *, bins: tuple[int, ...] = (4, 2, 1), mode: PoolMode = "max",
             convention: BinConvention = "adaptive", rates: tuple[int, ...] = (6, 12, 18),
             image_pooling: bool = True) -> ModuleRun:
    """Build the hand-made module ``kind`` for ``features`` ``(C, h, w)`` and run it, branches captured."""
    module = build_module(kind, features.shape[0], bins=bins, mode=mode, convention=convention, rates=rates,
                          image_pooling=image_pooling)
    return run_module(module, features)


SppLevel = tuple[str, list[float], list[float], list[tuple[str, float, float]]]


def spp_levels(feature_shape: tuple[int, int], bins: tuple[int, ...], convention: BinConvention,
               geometry: FieldOfView, image_shape: tuple[int, int]) -> list[SppLevel]:
    """Every SPP level drawn on the image: ``(title, row lines, column lines, unpooled bands)``,
    bands as ``("rows" | "cols", start, end)`` in input pixels (see :func:`spp_grid`)."""
    levels = []
    for n in bins:
        rows, cols, missing_rows, missing_cols = spp_grid(feature_shape, n, convention, geometry, image_shape)
        half = geometry.jump / 2
        bands = [("rows", geometry.start + r * geometry.jump - half, geometry.start + r * geometry.jump + half)
                 for r in missing_rows]
        bands += [("cols", geometry.start + c * geometry.jump - half, geometry.start + c * geometry.jump + half)
                  for c in missing_cols]
        note = f", {len(missing_rows)} rows + {len(missing_cols)} cols unpooled" if bands else ""
        levels.append((f"{n}×{n} bins{note}", rows, cols, bands))
    return levels


def valid_tap_curves(feature_shape: tuple[int, int]) -> tuple[list[int], dict[str, np.ndarray]]:
    """Mean valid taps (of 9) against the rate, on this map and on DeepLabv3's 65×65 (its Fig. 4)."""
    height, width = feature_shape
    rates = list(range(1, max(2, max(height, width) + 8)))
    return rates, {f"this {width}×{height} map": np.array([valid_taps(height, width, r) for r in rates]),
                   "65×65 (DeepLabv3 Fig. 4)": np.array([valid_tap_fraction(65, r) * 9 for r in rates])}
