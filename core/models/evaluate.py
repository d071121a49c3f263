"""Scoring a segmenter on scenes: pixel accuracy, mean IoU, IoU by object size, and branch ablation.

Definitions (``K = 5`` classes, background included):

* pixel accuracy — the share of all test pixels whose predicted class is the label;
* mean IoU — for each class, intersection over union of "predicted as that class" and
  "labelled that class", each summed over the whole test set; then the mean over the classes;
* IoU by size — per *object*: its visible mask ``M`` against ``P``, the pixels predicted as its
  class inside ``M``'s bounding box grown by a quarter of the object's nominal side (at least
  2 px) on every side, leaving out the visible pixels of other objects of the same class (they
  are theirs to score); ``IoU = |M ∩ P| / |M ∪ P|``. A bin's value is the mean over the objects
  whose nominal side falls in it: ``<12``, ``12-32``, ``32-80``, ``>80`` px (lower edge included).
  A bin without objects is ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
import torch.nn as nn

from core.models.scenes import CLASSES, ObjectSize

SIZE_BINS: tuple[tuple[str, float, float], ...] = (
    ("<12", 0.0, 12.0), ("12-32", 12.0, 32.0), ("32-80", 32.0, 80.0), (">80", 80.0, float("inf")))
TEST_SEED = 10_000
TEST_COUNT = 64
BATCH = 8

TestSet = tuple[np.ndarray, np.ndarray, list[list[ObjectSize]]]


def size_bin(side: float) -> str:
    """The name of the bin a nominal side falls in.

    >>> size_bin(4.0), size_bin(12.0), size_bin(79.9), size_bin(160.0)
    ('<12', '12-32', '32-80', '>80')
    """
    return next(name for name, low, high in SIZE_BINS if low <= side < high)


def predict(model: nn.Module, images: np.ndarray | torch.Tensor, drop: Iterable[str] = (),
            batch: int = BATCH) -> np.ndarray:
    """The predicted class of every pixel, computed ``batch`` images at a time without gradients.

    Shape:
        images ``(N, 3, H, W)`` float in [0, 1] → ``(N, H, W) int64``.
    """
    drop = tuple(drop)
    x = torch.as_tensor(images, dtype=torch.float32)
    out = np.empty((x.shape[0], *x.shape[-2:]), np.int64)
    with torch.inference_mode():
        for start in range(0, x.shape[0], batch):
            logits = model(x[start:start + batch], drop=drop) if drop else model(x[start:start + batch])
            out[start:start + batch] = logits.argmax(dim=1).numpy()
    return out


def scores(predictions: np.ndarray, labels: np.ndarray,
           object_sizes: Sequence[Sequence[ObjectSize]]) -> dict[str, object]:
    """Pixel accuracy, per-class and mean IoU and IoU by size of ``predictions`` against ``labels``.

    Shape:
        predictions, labels ``(N, H, W)`` integer class indices.
    """
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    classes = len(CLASSES)
    confusion = np.bincount(labels.ravel() * classes + predictions.ravel(),
                            minlength=classes * classes).reshape(classes, classes)
    intersection = np.diag(confusion).astype(np.float64)
    union = confusion.sum(0) + confusion.sum(1) - intersection
    per_class = [float(i / u) if u else None for i, u in zip(intersection, union, strict=True)]
    present = [v for v in per_class if v is not None]
    return {"pixel_accuracy": float(intersection.sum() / max(confusion.sum(), 1)),
            "mean_iou": float(np.mean(present)) if present else 0.0,
            "iou_by_class": dict(zip(CLASSES, per_class, strict=True)),
            "iou_by_size": iou_by_size(predictions, object_sizes),
            "objects_by_size": {name: sum(size_bin(side) == name for scene in object_sizes for _, side, _ in scene)
                                for name, _, _ in SIZE_BINS}}


def object_iou(prediction: np.ndarray, cls: int, side: float, mask: np.ndarray,
               others: np.ndarray | None = None) -> float:
    """One object's IoU as defined in the module docstring; ``others`` marks the visible pixels of
    the scene's other objects of class ``cls``.

    Shape:
        prediction ``(H, W)`` int; mask, others ``(H, W)`` bool.
    """
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return float("nan")
    margin = max(2, int(np.ceil(side / 4)))
    top, bottom = max(rows[0] - margin, 0), rows[-1] + 1 + margin
    left, right = max(cols[0] - margin, 0), cols[-1] + 1 + margin
    m, p = mask[top:bottom, left:right], prediction[top:bottom, left:right] == cls
    if others is not None:
        p &= ~others[top:bottom, left:right]
    return float((m & p).sum() / (m | p).sum())


def iou_by_size(predictions: np.ndarray, object_sizes: Sequence[Sequence[ObjectSize]]) -> dict[str, float | None]:
    """Mean per-object IoU in each size bin (``None`` for an empty bin)."""
    values: dict[str, list[float]] = {name: [] for name, _, _ in SIZE_BINS}
    for prediction, scene in zip(predictions, object_sizes, strict=True):
        same = {cls: np.logical_or.reduce([m for c, _, m in scene if c == cls]) for cls, _, _ in scene}
        for cls, side, mask in scene:
            values[size_bin(side)].append(object_iou(prediction, cls, side, mask, same[cls] & ~mask))
    return {name: (float(np.mean(v)) if v else None) for name, v in values.items()}


def evaluate(model: nn.Module, images: np.ndarray | torch.Tensor, labels: np.ndarray | torch.Tensor,
             object_sizes: Sequence[Sequence[ObjectSize]], drop: Iterable[str] = ()) -> dict[str, object]:
    """:func:`scores` of ``model`` (with the branches in ``drop`` zeroed) on a test set.

    Keys: ``pixel_accuracy``, ``mean_iou``, ``iou_by_class``, ``iou_by_size``, ``objects_by_size``.

    Shape:
        images ``(N, 3, H, W)`` float in [0, 1]; labels ``(N, H, W)`` int.
    """
    labels = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    return scores(predict(model, images, drop), labels, object_sizes)


def ablation(model: nn.Module, test_set: TestSet) -> dict[str, dict[str, float | None]]:
    """IoU by size with every branch in place (``"full"``) and with each branch dropped in turn."""
    return {name: result["iou_by_size"] for name, result in ablation_results(model, test_set).items()}  # type: ignore[misc]


def ablation_results(model: nn.Module, test_set: TestSet) -> dict[str, dict[str, object]]:
    """Every :func:`evaluate` key for ``"full"`` and for each branch of ``model.branches`` dropped alone."""
    images, labels, object_sizes = test_set
    results = {"full": evaluate(model, images, labels, object_sizes)}
    for name in model.branches:  # type: ignore[union-attr]
        results[name] = evaluate(model, images, labels, object_sizes, drop=(name,))
    return results
