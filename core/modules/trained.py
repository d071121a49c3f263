"""What the /modules lesson shows of the trained segmenters (``core.models``): the segmentation of
the picked image, every head branch's activation, live ablation and the card's ablation table.

The hand-built :class:`~core.modules.layers.ASPP` and :class:`~core.modules.layers.PyramidPooling`
layers have no batch norm, and that ASPP uses 16 filters per branch where DeepLabv3 uses 256. The
trained segmenters (``segmenter-aspp``, ``segmenter-psp``) have batch norm after every
convolution, as in DeepLabv3 and PSPNet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import torch
import torch.nn as nn

from core.images import fit_working_size, to_tensor
from core.modules.maps import BranchMap, branch_views

SEGMENTERS = ("segmenter-aspp", "segmenter-psp")
# The segmenters learned on 256-px scenes with 4–160 px objects; a 2048² pass also takes ~15 s on 2 cores.
SEGMENTER_SIDE = 512
__all__ = ["SEGMENTERS", "SEGMENTER_SIDE", "segmenter_input", "BranchMap", "segment", "branch_maps", "ablate",
           "ablation_rows", "ablation_sentence", "largest_loss", "class_shares", "ablate_by_name",
           "branch_maps_by_name"]


def segmenter_input(image: np.ndarray, max_side: int = SEGMENTER_SIDE) -> np.ndarray:
    """The image the trained segmenters are shown: shrunk by area average to a long side of
    ``max_side`` when it is longer, else unchanged.

    Shape:
        Input: ``(H, W, 3) uint8``. Output: ``(h, w, 3) uint8``, ``max(h, w) <= max_side``.
    """
    return fit_working_size(image, max_side)[0]


def segment(model: nn.Module, image: np.ndarray, drop: tuple[str, ...] = ()) -> np.ndarray:
    """The predicted class of every pixel, ``(H, W) int64``, with the branches in ``drop`` zeroed."""
    x = to_tensor(image, "cpu")
    with torch.inference_mode():
        logits = model(x, drop=tuple(drop))
    return logits[0].argmax(dim=0).numpy().astype(np.int64)


def branch_maps(model: nn.Module, image: np.ndarray) -> dict[str, BranchMap]:
    """Every branch's output on the image, shown through its channel with the largest spread."""
    x = to_tensor(image, "cpu")
    with torch.inference_mode():
        outputs = cast(Callable[[torch.Tensor], dict[str, torch.Tensor]], model.features)(x)
    return branch_views({name: value[0].numpy() for name, value in outputs.items()})


def ablate(model: nn.Module, image: np.ndarray, drop: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, float]:
    """``(full, ablated, changed)``: predictions with every branch and with ``drop`` zeroed, and
    the share of pixels whose class changed."""
    full = segment(model, image)
    ablated = segment(model, image, drop) if drop else full
    return full, ablated, float((full != ablated).mean())


def ablation_rows(card: dict) -> tuple[list[str], dict[str, dict[str, float | None]]]:
    """The card's ablation table as ``(bins, {"full" | branch: {bin: IoU}})``.

    Accepts ``{name: {bin: iou}}`` or ``{name: {"iou_by_size": {bin: iou}, …}}``.
    """
    table = card.get("ablation") or {}
    rows: dict[str, dict[str, float | None]] = {}
    for name, entry in table.items():
        values = entry.get("iou_by_size", entry) if isinstance(entry, dict) else {}
        rows[str(name)] = {str(k): (None if v is None else float(v)) for k, v in values.items()
                           if v is None or isinstance(v, int | float)}
    bins = list(next(iter(rows.values()), {}))
    return bins, rows


def ablation_sentence(card: dict) -> str:
    """What the ablation table shows, read off its numbers: per dropped branch, the IoU change of
    the smallest and largest size bins, and which branch costs the most in each bin."""
    bins, rows = ablation_rows(card)
    full = rows.get("full")
    if not full or len(rows) < 2 or not bins:
        return "The model card has no ablation table."
    small, large = bins[0], bins[-1]

    def change(name: str, size: str) -> float | None:
        a, b = rows[name].get(size), full.get(size)
        return None if a is None or b is None else a - b

    parts = []
    for name in (n for n in rows if n != "full"):
        lo, hi = change(name, small), change(name, large)
        if lo is None or hi is None:
            continue
        parts.append(f"without {name}, objects of {large} px change by {hi:+.3f} IoU and objects of "
                     f"{small} px by {lo:+.3f}")
    worst = []
    for size in bins:
        changes = {n: change(n, size) for n in rows if n != "full"}
        known = {n: c for n, c in changes.items() if c is not None}
        if known:
            name = min(known, key=lambda n: known[n])
            worst.append(f"{size} px: {name} ({known[name]:+.3f})")
    joined = "; ".join(parts)
    text = joined[:1].upper() + joined[1:] + "." if parts else ""
    if worst:
        text += " The branch whose loss hurts most, per size bin — " + ", ".join(worst) + "."
    if all(abs(c) < 0.01 for n in rows if n != "full" for s in bins if (c := change(n, s)) is not None):
        text += " No single branch matters much: the others make up for it."
    return text.strip()


def largest_loss(card: dict) -> tuple[str, str, float] | None:
    """``(branch, size bin, IoU change)`` of the single largest IoU drop in the card's ablation
    table (the most negative change from the full head), or None when the table has none."""
    bins, rows = ablation_rows(card)
    full = rows.get("full") or {}
    changes = [(name, size, value - base) for name, values in rows.items() if name != "full"
               for size in bins if (value := values.get(size)) is not None and (base := full.get(size)) is not None]
    return min(changes, key=lambda c: c[2]) if changes else None


def class_shares(labels: np.ndarray, classes: int) -> np.ndarray:
    """The share of pixels given each of ``classes`` labels, ``(classes,) float64``, summing to 1.

    >>> class_shares(np.array([[0, 0], [2, 0]]), 3).tolist()
    [0.75, 0.0, 0.25]
    """
    return np.bincount(np.asarray(labels).ravel(), minlength=classes)[:classes] / max(1, labels.size)


def _segmenter(name: str) -> nn.Module:
    from core.models import load_model_or_untrained

    return load_model_or_untrained(name)[0]


def ablate_by_name(name: str, image: np.ndarray, drop: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`ablate` on the shipped segmenter ``name`` (trained, or untrained when its file is missing)."""
    return ablate(_segmenter(name), image, drop)


def branch_maps_by_name(name: str, image: np.ndarray) -> dict[str, BranchMap]:
    """:func:`branch_maps` on the shipped segmenter ``name``."""
    return branch_maps(_segmenter(name), image)
