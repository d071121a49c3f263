"""A near and a far cat, measured: the cat's face at 0.25×–4× in a canvas, features against 1×.

The source thread asks how a CNN copes with a cat close to the camera and one far away. Here the
bundled cat's face is placed, centred, into a black canvas at sizes from 0.25× to 4× of a 1×
size, and each shipped network of the scale study (trained on shapes, grey) reads it. For every
network the *pooled features* (what its last dense layer reads) at each size are compared with
those at 1× by cosine similarity: 1 means the network sees the near and the far cat alike.

The trained segmenters (:mod:`core.models`, trained on shapes of 4 to 160 px on photographs, in
colour) are measured the same way by :func:`segmenter_similarity`: the features their classifier
reads (the head's projection), max-pooled over the canvas like the ``global-max`` variant. (A
mean would mostly measure the black canvas: the 0.25× face covers 0.2% of it, so every scale
would look alike.)

Convention: canvas :data:`CANVAS` px square, the face :data:`FACE_AT_1X` px wide at 1×, resized
with OpenCV's area filter (down) or bicubic (up), grey = mean of R, G and B, in [0, 1].
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np
import torch
import torch.nn as nn

from core.errors import InvalidParameterError
from core.scale_invariance.networks import pooled_features

FACE = (30, 100, 260)             # top, left, side of the cat's face in the bundled 451×300 photo
CANVAS = 128
FACE_AT_1X = 24                   # twice the shapes' 12 px: the smallest face is still 6 px wide
SCALES = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0)


def face_crop(image: np.ndarray, box: tuple[int, int, int] = FACE) -> np.ndarray:
    """The square ``(top, left, side)`` of ``image`` (RGB uint8), clipped to the image."""
    top, left, side = box
    height, width = image.shape[:2]
    if height < 8 or width < 8:
        raise InvalidParameterError(f"A {width}×{height} image is too small to cut a face from.")
    side = min(side, height - min(top, height - 8), width - min(left, width - 8))
    top, left = min(top, height - side), min(left, width - side)
    return np.ascontiguousarray(image[top:top + side, left:left + side])


def place(face: np.ndarray, scale: float, canvas: int = CANVAS, at_1x: int = FACE_AT_1X) -> np.ndarray:
    """The face resized to ``at_1x · scale`` px, centred in a black ``canvas``², RGB float32 in [0, 1].

    Shape:
        Output: ``(canvas, canvas, 3)``.
    """
    side = max(1, int(round(at_1x * scale)))
    if side > canvas:
        raise InvalidParameterError(f"A {side}-px face does not fit a {canvas}-px canvas.")
    interpolation = cv2.INTER_AREA if side < face.shape[0] else cv2.INTER_CUBIC
    small = cv2.resize(face, (side, side), interpolation=interpolation).astype(np.float32) / 255
    out = np.zeros((canvas, canvas, 3), np.float32)
    top = (canvas - side) // 2
    out[top:top + side, top:top + side] = np.clip(small, 0, 1)
    return out


@dataclass(frozen=True)
class FeatureSimilarity:
    """Cosine similarity of each network's pooled features to its features at 1×.

    Attributes:
        scales: the face sizes, relative to 1×.
        similarity: network name → ``(len(scales),)`` floats in [−1, 1] (1 at 1×).
        canvases: the grey canvases at each scale, ``(CANVAS, CANVAS)`` float32.
    """

    scales: tuple[float, ...]
    similarity: dict[str, np.ndarray]
    canvases: list[np.ndarray]


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    norm = float(a.norm() * b.norm())
    return float((a * b).sum()) / norm if norm > 0 else 0.0


def feature_similarity(image: np.ndarray, models: dict[str, nn.Module], *,
                       scales: tuple[float, ...] = SCALES,
                       extra: dict[str, Callable[[torch.Tensor], torch.Tensor]] | None = None) -> FeatureSimilarity:
    """Place the face of ``image`` at every scale and compare each model's pooled features with 1×.

    ``models`` are the scale study's networks (grey input); ``extra`` maps a name to a function
    from an RGB batch ``(1, 3, H, W)`` to a feature vector ``(1, D)`` (e.g. a segmenter's pooled
    logits).
    """
    if 1.0 not in scales:
        raise InvalidParameterError("The scales must include 1 (the reference size).")
    face = face_crop(image)
    colour = [torch.from_numpy(place(face, s)).permute(2, 0, 1)[None] for s in scales]
    grey = [c.mean(dim=1, keepdim=True) for c in colour]
    reference = scales.index(1.0)
    similarity: dict[str, np.ndarray] = {}
    with torch.no_grad():
        for name, model in models.items():
            features = [pooled_features(model, g).flatten() for g in grey]
            similarity[name] = np.array([_cosine(f, features[reference]) for f in features])
        for name, function in (extra or {}).items():
            features = [function(c).flatten() for c in colour]
            similarity[name] = np.array([_cosine(f, features[reference]) for f in features])
    return FeatureSimilarity(tuple(scales), similarity, [g[0, 0].numpy() for g in grey])


def head_features(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A segmenter's pooled head features: its ``projection`` output (what the 1×1 classifier
    reads), the maximum over every position of each channel, captured with a forward hook on a
    private copy (the shared network is never touched, so other readers see no hook).

    Shape:
        Input: ``(B, 3, H, W)`` RGB in [0, 1]. Output: ``(B, C)``.
    """
    if not isinstance(getattr(model, "projection", None), nn.Module):
        raise InvalidParameterError(f"{type(model).__name__} has no projection layer to read features from.")
    model = copy.deepcopy(model)
    projection = cast(nn.Module, model.projection)   # checked above
    captured: list[torch.Tensor] = []
    handle = projection.register_forward_hook(lambda _module, _inputs, output: captured.append(output.detach()))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    return captured[-1].amax(dim=(2, 3))


def segmenter_similarity(image: np.ndarray, models: dict[str, nn.Module], *,
                         scales: tuple[float, ...] = SCALES) -> FeatureSimilarity:
    """:func:`feature_similarity` for segmenters: the face of ``image`` at every scale, in colour,
    and the cosine of each model's :func:`head_features` with those at 1×."""
    if 1.0 not in scales:
        raise InvalidParameterError("The scales must include 1 (the reference size).")
    face = face_crop(image)
    canvases = torch.stack([torch.from_numpy(place(face, s)).permute(2, 0, 1) for s in scales])
    reference = scales.index(1.0)
    similarity = {}
    for name, model in models.items():
        features = head_features(model, canvases)
        similarity[name] = np.array([_cosine(f, features[reference]) for f in features])
    return FeatureSimilarity(tuple(scales), similarity, [c.mean(dim=0).numpy() for c in canvases])
