"""Shift, the sibling of scale: how a stride-2 pooling layer reacts when its input moves.

Move the input right by ``k`` pixels. A perfectly shift-equivariant stride-2 layer would move
its output by ``k / 2``: exactly for even ``k``; for odd ``k`` half-way between two output pixels.
2×2 max pooling does that for even shifts and jumps for odd ones; blur pooling (Zhang 2019,
antialiased CNNs) blurs before subsampling and changes smoothly.

Convention: shifts are horizontal crops of one image (``x[..., k : W - 8 + k]``), never wrapped;
the change is ``mean |out_k − aligned(out_0)| / mean |out_0 − mean(out_0)|`` where ``aligned``
moves ``out_0`` by ``k / 2`` (the average of the two neighbouring positions for odd ``k``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core.errors import InvalidParameterError
from core.images import to_tensor
from core.sampling import blur_pool, max_blur_pool, max_pool
from core.spectrum import luminance

SHIFTS = range(8)
POOLS = {
    "2×2 max pooling": lambda x: max_pool(x, 2),
    "blur pooling (blur, then subsample)": lambda x: blur_pool(x, 2),
    "max-blur pooling (Zhang's replacement for max pooling)": lambda x: max_blur_pool(x, 2),
}


@dataclass(frozen=True)
class ShiftStudy:
    """Per pooling kind, per shift 0..7: relative change, and (max pooling) units unchanged.

    Attributes:
        change: ``change[name]`` is ``(8,)``: 0 means the output moved exactly with the input.
        unchanged_fraction: ``(8,)`` fraction of 2×2 max-pooling outputs equal to the shifted
            reference, exactly.
    """

    change: dict[str, np.ndarray]
    unchanged_fraction: np.ndarray

    @property
    def shifts_leaving_max_pool_unchanged(self) -> float:
        return float(np.mean(self.unchanged_fraction == 1.0))


def _aligned(reference: torch.Tensor, shift: int, width: int) -> torch.Tensor:
    half = shift // 2
    if shift % 2 == 0:
        return reference[..., half:half + width]
    return 0.5 * (reference[..., half:half + width] + reference[..., half + 1:half + 1 + width])


def shift_study(x: torch.Tensor) -> ShiftStudy:
    """Run every pooling kind on the input shifted by 0..7 pixels.

    Shape:
        Input: ``(B, C, H, W)`` with ``W >= 24`` and ``H >= 4``.
    """
    if x.dim() != 4 or x.shape[-1] < 24 or x.shape[-2] < 4:
        raise InvalidParameterError(
            f"The shift study needs an image at least 24 pixels wide and 4 tall, got {tuple(x.shape)}.")
    width = x.shape[-1] - len(SHIFTS)
    batch = x.shape[0]
    crops = torch.cat([x[..., :, k:k + width] for k in SHIFTS])   # every shift in one batch: one call per pool
    change = {}
    unchanged = np.zeros(len(SHIFTS))
    for name, pool in POOLS.items():
        outputs = pool(crops).split(batch)
        reference = outputs[0]
        compare = reference.shape[-1] - len(SHIFTS) // 2 - 1
        spread = float((reference - reference.mean()).abs().mean()) or 1.0
        values = []
        for k, out in enumerate(outputs):
            target = _aligned(reference, k, compare)
            values.append(float((out[..., :compare] - target).abs().mean()) / spread)
            if name.startswith("2×2 max"):
                unchanged[k] = float((out[..., :compare] == target).float().mean())
        change[name] = np.array(values)
    return ShiftStudy(change, unchanged)


def shift_study_of_image(image: np.ndarray) -> ShiftStudy:
    """:func:`shift_study` on the luma (Rec. 601) of an ``(H, W, 3) uint8`` RGB image, on the CPU.

    One grey channel, not three: shifting is the same for every channel, and a third of the work
    keeps the lesson's page quick.
    """
    return shift_study(luminance(to_tensor(image, "cpu"))[:, None])
