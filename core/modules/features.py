"""Feature extractors to look at pyramid modules through, each honestly labelled.

* ``filter-bank``: fixed, hand-built filters — edges at four orientations, the two corner
  detectors of the squares experiment, a centre-surround blob detector — so every channel means
  something; then average pooling down to the chosen output stride.
* ``random-cnn``: a small CNN with seeded random (Kaiming) weights: what an untrained network sees.
* ``trained-cnn``: the same small CNN's layout trained for a few hundred steps to segment the
  app's synthetic scenes (``core.models.make_scenes``), one pixel in ``stride`` at a time.
* ``uploaded``: the small CNN with weights from a safetensors file (never unpickled).

Shape: every extractor maps ``(1, 3, H, W)`` in [0, 1] to ``(1, C, ceil(H / s), ceil(W / s))``
where ``s`` is its output stride (the jump of one feature unit in input pixels).
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.spectrum import luminance

EXTRACTORS = ("filter-bank", "random-cnn", "trained-cnn", "uploaded")
STRIDES = (1, 2, 4, 8, 16)


def corner_detectors() -> dict[str, torch.Tensor]:
    """3×3 kernels for a bright region's upper-left and bottom-right corners (+1 inside, −1 outside),
    the detectors of the squares experiment."""
    upper_left = -torch.ones(3, 3)
    upper_left[1:, 1:] = 1
    return {"upper-left": upper_left, "bottom-right": upper_left.flip(0, 1)}


def filter_bank() -> dict[str, torch.Tensor]:
    """Eight named kernels: oriented edges (Sobel), two corners, bright and dark blobs (centre − surround)."""
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]) / 4
    diagonal = torch.tensor([[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0], [-2.0, -1.0, 0.0]]) / 4
    blob = torch.full((5, 5), -1 / 16)
    blob[1:4, 1:4] = 1 / 9
    blob = blob - blob.mean()                      # zero response on flat regions
    corners = {f"{name} corner": k / 4 for name, k in corner_detectors().items()}
    return {"vertical edge": sobel, "horizontal edge": sobel.T.contiguous(), "diagonal edge ↗": diagonal,
            "diagonal edge ↘": diagonal.flip(1), **corners, "bright blob": blob, "dark blob": -blob}


def filter_bank_features(x: torch.Tensor, stride: int = 1) -> tuple[torch.Tensor, list[str]]:
    """ReLU responses of :func:`filter_bank` on the luminance, average-pooled by ``stride``."""
    _check(x, stride)
    gray = luminance(x)[:, None]
    bank = filter_bank()
    maps = [F.relu(F.conv2d(F.pad(gray, [k.shape[-1] // 2] * 4, mode="replicate"), k[None, None]))
            for k in bank.values()]
    features = torch.cat(maps, dim=1)
    if stride > 1:
        features = F.avg_pool2d(features, stride, stride, ceil_mode=True)
    return features, list(bank)


def small_cnn(channels: int = 16, stride: int = 8) -> nn.Sequential:
    """Conv 3×3 + ReLU stages; each halving stage adds a 2×2 max pool, ``log2(stride)`` in all."""
    if stride not in STRIDES:
        raise InvalidParameterError(f"The output stride must be one of {STRIDES}, got {stride}.")
    layers: list[nn.Module] = [nn.Conv2d(1, channels, 3, padding=1), nn.ReLU()]
    for _ in range(int(math.log2(stride))):
        layers += [nn.MaxPool2d(2, ceil_mode=True), nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)


def random_cnn(seed: int = 0, stride: int = 8) -> nn.Sequential:
    """:func:`small_cnn` with Kaiming-normal weights drawn from ``seed``, in eval mode."""
    generator = torch.Generator().manual_seed(seed)
    model = small_cnn(stride=stride)
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return model.eval()


@lru_cache(maxsize=5)
def trained_cnn(seed: int = 0, steps: int = 300, stride: int = 8) -> nn.Sequential:
    """:func:`small_cnn` trained to segment the synthetic scenes of :func:`core.models.make_scenes`
    (a 1×1 classifier on top, labels sampled at the unit centres).

    Kept per (seed, steps, stride): training takes seconds, and the returned network is only
    ever run in eval mode, never changed. Every random draw comes from generators seeded with
    ``seed``; the process's global random state is never touched.
    """
    from core.models import CLASSES, make_scenes  # imported here to keep start-up light

    images, labels, _ = make_scenes(64, 64, seed)
    x = luminance(torch.from_numpy(images))[:, None]
    offset = stride // 2
    y = torch.from_numpy(labels)[:, offset::stride, offset::stride]
    trunk = random_cnn(seed, stride).train()
    head = nn.Conv2d(16, len(CLASSES), 1)
    generator = torch.Generator().manual_seed(seed)
    nn.init.normal_(head.weight, 0.0, 0.01, generator=generator)
    if head.bias is not None:
        nn.init.zeros_(head.bias)
    model = nn.Sequential(trunk, head)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        index = torch.randint(0, len(x), (16,), generator=generator)
        logits = model(x[index])[..., : y.shape[1], : y.shape[2]]
        loss = F.cross_entropy(logits, y[index][..., : logits.shape[2], : logits.shape[3]])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return trunk.eval()


def cnn_features(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[str]]:
    """The CNN's feature map for an RGB batch (it reads luminance)."""
    with torch.no_grad():
        features = model(luminance(x)[:, None])
    return features, [f"channel {i}" for i in range(features.shape[1])]


def load_cnn_weights(tensors: dict[str, torch.Tensor], stride: int = 8) -> nn.Sequential:
    """A :func:`small_cnn` from a state dict; a wrong key or shape raises a sentence, not a traceback."""
    model = small_cnn(stride=stride)
    expected = {k: v.shape for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(k for k in set(expected) & set(tensors) if tuple(tensors[k].shape) != tuple(expected[k]))
    if missing or unexpected or wrong:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing[:4])}")
        if unexpected:
            problems.append(f"unexpected {', '.join(unexpected[:4])}")
        if wrong:
            problems.append(f"wrong shape for {', '.join(wrong[:4])}")
        raise InvalidParameterError(
            f"These weights do not fit the small CNN with output stride {stride} ({'; '.join(problems)}).")
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return model.eval()


def _check(x: torch.Tensor, stride: int) -> None:
    if x.dim() != 4 or x.shape[1] != 3:
        raise InvalidParameterError(f"Expected a (1, 3, H, W) image tensor, got {tuple(x.shape)}.")
    if stride not in STRIDES:
        raise InvalidParameterError(f"The output stride must be one of {STRIDES}, got {stride}.")
