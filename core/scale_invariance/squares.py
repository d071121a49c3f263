"""The squares experiment: corner detectors, repeated max pooling, and when scale stops mattering.

A forum thread asks how a CNN copes with a cat near the camera and one far away. One answer runs
an experiment: grey squares of several sizes, an upper-left and a bottom-right corner detector,
then 2×2 max pooling again and again. Once a square fits inside one pooling cell, both of its
corners land in the same unit and every such square leaves the same activation pattern — "if you
get lucky with the alignment": a square that straddles a cell border keeps its corners apart.

Two numbers are tuned for the claim to hold, and :func:`sweep_squares` measures both:

* the detectors' **bias** (:data:`CORNER_BIAS`, −3g for squares of grey ``g``): a corner scores
  ``4g`` and an edge ``2g``, so only a bias in ``(−4g, −2g]`` keeps corners and silences edges. At
  bias 0 the edges survive the ReLU, a large square's edges reach more pooled units than a small
  one's, and the 16-px square's pattern no longer matches the 2-px one's (cosine 0.906);
* the **offset** of each square in its slot (16 px by default): 16 = 2⁴ is a multiple of every
  pooled cell up to depth 4, so a square of up to 16 px starts on a cell border and ends inside
  the same cell. Any other offset between 1 and 31 leaves the 16-px square straddling a border.

Convention: each square sits in its own ``cell``-pixel slot, its top-left corner ``offset`` (plus
``shift``) pixels into it. Depth ``d`` means ``d`` rounds of 2×2 max pooling (stride 2, no padding),
so a pooled unit covers ``2^d`` input pixels in each direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError

DEFAULT_SIDES = (2, 4, 8, 16, 32)
SQUARE_GREY = 0.5
CORNER_BIAS = -3 * SQUARE_GREY   # between an edge's 2g and a corner's 4g
MATCH = 0.99                     # cosine at or above which two patterns count as the same


def corner_detectors() -> dict[str, torch.Tensor]:
    """3×3 kernels that respond to a bright region's upper-left and bottom-right corners.

    +1 where the corner's inside lies, −1 elsewhere: on a grey square of value ``g`` on black the
    corner pixel scores ``4g``, a pixel on an edge ``2g``, just outside the corner ``g``, the
    inside ``−g``. With the bias :data:`CORNER_BIAS` and a ReLU only true corners stay active.

    Shape:
        Output: two ``(3, 3)`` tensors.
    """
    upper_left = -torch.ones(3, 3)
    upper_left[1:, 1:] = 1
    return {"upper-left": upper_left, "bottom-right": upper_left.flip(0, 1)}


def squares_image(sides: tuple[int, ...] = DEFAULT_SIDES, *, cell: int = 64, offset: int = 16,
                  shift: int = 0) -> np.ndarray:
    """Grey squares on black, one per ``cell``-wide slot in a row.

    Shape:
        Output: ``(cell, cell * len(sides))`` float32.
    """
    if not sides or min(sides) < 1:
        raise InvalidParameterError(f"Square sides must be at least 1 pixel, got {sides}.")
    if offset + shift + max(sides) + 1 > cell or offset < 1 or shift < 0:
        raise InvalidParameterError(
            f"A {max(sides)}-pixel square shifted by {shift} does not fit in a {cell}-pixel slot "
            f"at offset {offset}.")
    image = np.zeros((cell, cell * len(sides)), np.float32)
    corner = offset + shift
    for i, side in enumerate(sides):
        image[corner:corner + side, i * cell + corner:i * cell + corner + side] = SQUARE_GREY
    return image


@dataclass(frozen=True)
class SquaresExperiment:
    """Activation maps per depth and how alike the squares look there.

    Attributes:
        maps: ``maps[d][name]`` is the ``(H / 2^d, W / 2^d)`` response (conv, bias, ReLU) after
            ``d`` rounds of pooling.
        similarity: ``(depths + 1, n, n)`` cosine similarity of the squares' patterns per depth.
        collapsed: ``(depths + 1, n)`` True where both corners of a square share one pooled unit.
        matches_smallest: ``(depths + 1, n)`` True where a square's pattern equals the smallest's
            (cosine ≥ 0.99).
    """

    sides: tuple[int, ...]
    maps: list[dict[str, np.ndarray]]
    similarity: np.ndarray
    collapsed: np.ndarray
    matches_smallest: np.ndarray


def _check_depth(depth: int, cell: int) -> None:
    if not 0 <= depth or 2**depth > cell:
        raise InvalidParameterError(f"depths must be between 0 and log2({cell}), got {depth}.")


def run_squares_experiment(sides: tuple[int, ...] = DEFAULT_SIDES, depths: int = 4, *,
                           cell: int = 64, offset: int = 16, shift: int = 0,
                           bias: float = CORNER_BIAS) -> SquaresExperiment:
    """Filter the squares image with both detectors (plus ``bias``, then ReLU), then max-pool
    ``depths`` times."""
    _check_depth(depths, cell)
    image = torch.from_numpy(squares_image(sides, cell=cell, offset=offset, shift=shift))[None, None]
    kernels = corner_detectors()
    bias_tensor = torch.tensor([float(bias)])
    current = {name: F.relu(F.conv2d(image, k[None, None], bias_tensor, padding=1)) for name, k in kernels.items()}
    maps = []
    for depth in range(depths + 1):
        if depth:
            current = {name: F.max_pool2d(x, 2) for name, x in current.items()}
        maps.append({name: x[0, 0].numpy() for name, x in current.items()})
    similarity = np.stack([_pattern_similarity(level, len(sides), cell // 2**d) for d, level in enumerate(maps)])
    corner = offset + shift
    collapsed = np.array([[corner // 2**d == (corner + s - 1) // 2**d for s in sides]
                          for d in range(depths + 1)])
    smallest = int(np.argmin(sides))
    matches = similarity[:, smallest, :] >= MATCH
    return SquaresExperiment(tuple(sides), maps, similarity, collapsed, matches)


def _pattern_similarity(level: dict[str, np.ndarray], count: int, cell: int) -> np.ndarray:
    """Cosine similarity between the squares' slot-sized crops of both maps."""
    patterns = []
    for i in range(count):
        crop = np.concatenate([m[:, i * cell:(i + 1) * cell].ravel() for m in level.values()])
        norm = np.linalg.norm(crop)
        patterns.append(crop / norm if norm > 0 else crop)
    stacked = np.stack(patterns)
    return stacked @ stacked.T


def invariance_by_shift(sides: tuple[int, ...] = DEFAULT_SIDES, depth: int = 4, *, cell: int = 64,
                        offset: int = 16, shifts: range = range(8), bias: float = CORNER_BIAS) -> np.ndarray:
    """For each shift, which squares end with the smallest square's pattern at ``depth``.

    Shape:
        Output: ``(len(shifts), len(sides))`` bool.
    """
    sweep = sweep_squares(sides, depth, biases=(bias,), offsets=tuple(offset + s for s in shifts), cell=cell)
    return sweep.similarity[0] >= MATCH


@dataclass(frozen=True)
class SquaresSweep:
    """The squares experiment at one depth for every bias × offset.

    Attributes:
        similarity: ``(len(biases), len(offsets), len(sides))`` cosine of each square's pattern to
            the smallest square's (0 where a pattern is all zero).
        together: same shape, True where the square's upper-left and bottom-right corners are
            active in one and the same pooled unit, read from the maps (strongest unit of each).
    """

    sides: tuple[int, ...]
    depth: int
    biases: tuple[float, ...]
    offsets: tuple[int, ...]
    similarity: np.ndarray
    together: np.ndarray



def sweep_squares(sides: tuple[int, ...] = DEFAULT_SIDES, depth: int = 4, *,
                  biases: tuple[float, ...] = (CORNER_BIAS,), offsets: tuple[int, ...] = (16,),
                  cell: int = 64) -> SquaresSweep:
    """:func:`run_squares_experiment` at ``depth`` for every bias and offset, in one batch.

    Shape:
        Output arrays: ``(len(biases), len(offsets), len(sides))``.
    """
    _check_depth(depth, cell)
    if not biases or not offsets:
        raise InvalidParameterError("Give at least one bias and one offset.")
    images = torch.from_numpy(np.stack([squares_image(sides, cell=cell, offset=o) for o in offsets]))[:, None]
    kernels = torch.stack(list(corner_detectors().values()))[:, None]           # (2, 1, 3, 3)
    raw = F.conv2d(images, kernels, padding=1)                                   # (O, 2, H, W)
    x = F.relu(raw[None] + torch.tensor(biases, dtype=raw.dtype).view(-1, 1, 1, 1, 1))
    x = x.flatten(0, 1)                                                          # (B·O, 2, H, W)
    for _ in range(depth):
        x = F.max_pool2d(x, 2)
    unit = cell // 2**depth
    slots = torch.stack(x.split(unit, dim=-1), dim=1)                            # (B·O, n, 2, h, unit)
    patterns = slots.flatten(2).double()
    norms = patterns.norm(dim=-1, keepdim=True)
    unit_patterns = torch.where(norms > 0, patterns / norms.clamp_min(1e-300), patterns)
    smallest = int(np.argmin(sides))
    similarity = (unit_patterns * unit_patterns[:, smallest:smallest + 1]).sum(-1)
    per_corner = slots.flatten(3)                                                # (B·O, n, 2, h·unit)
    strongest = per_corner.argmax(-1)
    active = per_corner.amax(-1) > 0
    together = (strongest[..., 0] == strongest[..., 1]) & active.all(-1)
    shape = (len(biases), len(offsets), len(sides))
    return SquaresSweep(tuple(sides), depth, tuple(float(b) for b in biases), tuple(offsets),
                        similarity.reshape(shape).numpy(), together.reshape(shape).numpy())
