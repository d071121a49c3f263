"""Which channel of a branch to show: the one that responds most on this image, and whether it is flat.

A random or trained branch has many channels; after a ReLU some are zero everywhere on a given
image, and a figure of one of those looks empty. Every branch map in the lesson is therefore
shown through its channel of largest spread (max − min), and is said to be constant when even
that channel has one value (a pooled branch of one bin always does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BranchMap:
    """One branch's most responsive channel on this image: its index, map, spread (max − min)."""

    channel: int
    values: np.ndarray
    spread: float

    @property
    def constant(self) -> bool:
        """True when the whole map has one value (a pooled 1×1 branch always does)."""
        return self.spread <= 1e-6 * max(1.0, float(np.abs(self.values).max(initial=0.0)))

    @property
    def scaled(self) -> np.ndarray:
        """The map scaled to its own range, 0 … 1, so a weak branch does not look empty beside a
        strong one on a shared colour scale; a constant map is 0.5 everywhere."""
        if self.constant:
            return np.full(self.values.shape, 0.5, np.float32)
        low = float(self.values.min())
        return ((self.values - low) / self.spread).astype(np.float32)

    def title(self, name: str) -> str:
        """A panel title that names the channel and says when the map is flat."""
        return f"{name}: channel {self.channel}" + (
            " (constant on this image)" if self.constant else f", spread {self.spread:.2f}")


def spreads(maps: np.ndarray) -> np.ndarray:
    """Max − min of every channel of ``maps``.

    Shape:
        Input ``(C, h, w)``. Output ``(C,)`` float.
    """
    flat = np.asarray(maps, dtype=np.float64).reshape(maps.shape[0], -1)
    return flat.max(axis=1) - flat.min(axis=1)


def most_responsive(maps: np.ndarray) -> BranchMap:
    """The channel of ``maps`` ``(C, h, w)`` with the largest spread; when every channel is flat
    (a pooled 1×1 branch), the one with the largest value, so the map is not all zeros.

    >>> most_responsive(np.stack([np.zeros((2, 2)), np.eye(2), 3 * np.eye(2)])).channel
    2
    >>> m = most_responsive(np.stack([np.zeros((2, 2)), np.full((2, 2), 5.0)]))
    >>> m.channel, m.constant
    (1, True)
    """
    if maps.ndim != 3 or maps.shape[0] < 1:
        raise ValueError(f"Expected a (C, h, w) stack of maps, got shape {maps.shape}.")
    spread = spreads(maps)
    if float(spread.max()) <= 0.0:
        channel = int(np.argmax(np.asarray(maps).reshape(maps.shape[0], -1).max(axis=1)))
    else:
        channel = int(np.argmax(spread))
    return BranchMap(channel, np.asarray(maps[channel], dtype=np.float32), float(spread[channel]))


def branch_views(branches: dict[str, np.ndarray]) -> dict[str, BranchMap]:
    """:func:`most_responsive` of every named ``(C, h, w)`` branch output."""
    return {name: most_responsive(value) for name, value in branches.items()}


def pyramid_pooling_views(output: np.ndarray, branches: dict[str, np.ndarray],
                          channels: int) -> list[tuple[str, BranchMap, BranchMap]]:
    """Per pyramid-pooling branch ``(name, pooled, upsampled)``: the branch's most responsive
    channel at its bins' resolution, and the same channel as it is stacked into ``output``.

    ``output`` is the module's ``(2C, h, w)`` result: the ``C`` input channels, then each
    branch's ``C / N`` channels in the order of ``branches``.
    """
    views = []
    for index, (name, pooled) in enumerate(branches.items()):
        picked = most_responsive(pooled)
        stacked = output[channels + index * pooled.shape[0] + picked.channel]
        flat = float(stacked.max() - stacked.min())
        views.append((name, picked, BranchMap(picked.channel, np.asarray(stacked, np.float32), flat)))
    return views
