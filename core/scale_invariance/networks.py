"""The scale study's tiny CNNs, one per variant, and the pooled features the near/far measure reads.

* ``no-pooling``   convolutions at full resolution, then a dense layer over every position;
* ``max-pooling``  three conv + 2×2 max-pool stages, then a dense layer over the 8×8 map;
* ``global-max``   the same stages, then the maximum over all positions (any input size works);
* ``spp``          the same stages, then spatial pyramid pooling (4×4, 2×2, 1×1 max) — He et al.;
* ``zoom-augmentation`` and ``input-pyramid`` use ``global-max``'s network.
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.downsizenet import init_parameters
from core.scale_invariance.shapes import CANVAS, SHAPES

VARIANTS = ("no-pooling", "max-pooling", "global-max", "spp", "zoom-augmentation", "input-pyramid")
TRAINED_VARIANTS = tuple(v for v in VARIANTS if v != "input-pyramid")   # input-pyramid reuses global-max


class SpatialPyramidMax(nn.Module):
    """He et al.'s SPP head with adaptive max pooling: ``(B, C, H, W)`` → ``(B, C · 21)``."""

    def __init__(self, bins: tuple[int, ...] = (4, 2, 1)) -> None:
        super().__init__()
        self.bins = bins

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([F.adaptive_max_pool2d(x, b).flatten(1) for b in self.bins], dim=1)


class GlobalMax(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))


def build_model(variant: str, width: int = 8, *, generator: torch.Generator | None = None) -> nn.Module:
    """The network for one variant (``input-pyramid`` shares ``global-max``'s network).

    ``generator`` draws the initial weights: the layers are built on the meta device first, so
    nothing is drawn from PyTorch's global random state. None: the global state, as usual.

    Shape:
        Input: ``(B, 1, 64, 64)`` (the pooling heads take any size). Output: ``(B, 4)`` logits.
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}.")
    classes = len(SHAPES)
    where: dict[str, Any] = {"device": "meta"} if generator is not None else {}
    if variant == "no-pooling":
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, **where), nn.ReLU(),
                              nn.Conv2d(8, 4, 3, padding=1, **where), nn.ReLU(),
                              nn.Flatten(), nn.Linear(4 * CANVAS * CANVAS, classes, **where))
    else:
        stages = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1, **where), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, padding=1, **where), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width, 3, padding=1, **where), nn.ReLU(), nn.MaxPool2d(2))
        if variant == "max-pooling":
            head = nn.Sequential(nn.Flatten(), nn.Linear(width * (CANVAS // 8) ** 2, classes, **where))
        elif variant in ("global-max", "input-pyramid", "zoom-augmentation"):
            head = nn.Sequential(GlobalMax(), nn.Linear(width, classes, **where))
        else:
            head = nn.Sequential(SpatialPyramidMax(), nn.Linear(width * 21, classes, **where))
        model = nn.Sequential(stages, head)
    return init_parameters(model.to_empty(device="cpu"), generator) if generator is not None else model


def pooled_features(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """What the variant's last (dense) layer reads: its input vector.

    For ``no-pooling`` and ``max-pooling`` this is the flattened map (every position kept); for
    ``global-max`` the per-channel maximum; for ``spp`` the 21 bins per channel. Any input size.

    Shape:
        Input: ``(B, 1, H, W)``. Output: ``(B, D)``.
    """
    with torch.no_grad():
        layers = cast(nn.Sequential, model)     # every variant build_model makes is a Sequential
        body, last = layers[:-1], layers[-1]
        if isinstance(last, nn.Linear):                  # no-pooling: Flatten is in the body
            return body(x)
        features = body(x)                               # the stages
        return cast(nn.Sequential, last)[:-1](features)  # the head without its linear layer
