"""A task where *where to sample* should follow the content: downsize, upsample, compare.

Each training item is a random square patch of one of the bundled photographs. The downsizer
shrinks it 2–4× (output side ÷ input side drawn uniformly from 0.25–0.5, one scale per batch),
a **fixed** bicubic upsample brings it back to the patch size, and the loss is the mean absolute
difference to the original patch (L1). The upsample has no parameters, so the only thing that
can lower the loss is which pixels the small image keeps and how it blends them — the setting of
Sun & Chen's content-adaptive resampler (2020), with DownsizeNet's coefficients in its place.

Fixed methods (bilinear, bicubic, area, antialiased bilinear) are scored with the same upsample
on the same test patches, which are drawn from their own seed (:data:`TEST_SEED`).

Convention: patches are ``(N, 3, P, P)`` float32 in [0, 1]; the metric is the mean absolute
error in grey levels (0–255) after clamping the upsampled patch to [0, 1].
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from core.downsizenet.model import DownsizeNet
from core.downsizenet.seeding import generator as seeded
from core.downsizenet.training import FIXED_METHODS
from core.errors import InvalidParameterError
from core.samples import SAMPLES

TEST_SEED = 20_000
TEST_SCALES = (0.5, 1 / 3, 0.25)        # 2×, 3× and 4× smaller
PHOTOS = tuple(name for name, sample in SAMPLES.items() if sample.kind == "photo")


@lru_cache(maxsize=1)
def _photo_tensors() -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(SAMPLES[n].load())).permute(2, 0, 1).float().div(255)
                 for n in PHOTOS)


def small_side(patch: int, scale: float) -> int:
    """The downsized side: ``round(patch · scale)``, at least 1."""
    return max(1, int(round(patch * scale)))


@dataclass(frozen=True)
class ReconstructionTask:
    """Random patches of the bundled photographs, downsized then upsampled by a fixed bicubic.

    Attributes:
        patch: side of the square patches, pixels.
        scales: range of the output side ÷ input side (0.25–0.5: 2–4× smaller).
        test_count: patches per test scale (each of :data:`TEST_SCALES`).
    """

    patch: int = 64
    scales: tuple[float, float] = (0.25, 0.5)
    test_count: int = 96
    name: str = "reconstruction"

    def patches(self, generator: torch.Generator, count: int) -> torch.Tensor:
        """``count`` random patches, each from a random photo at a random place.

        Shape:
            Output: ``(count, 3, patch, patch)`` float32 in [0, 1].
        """
        photos = _photo_tensors()
        which = torch.randint(0, len(photos), (count,), generator=generator).tolist()
        out = torch.empty(count, 3, self.patch, self.patch)
        for i, k in enumerate(which):
            _, height, width = photos[k].shape
            top = int(torch.randint(0, height - self.patch + 1, (1,), generator=generator))
            left = int(torch.randint(0, width - self.patch + 1, (1,), generator=generator))
            out[i] = photos[k][:, top:top + self.patch, left:left + self.patch]
        return out

    def draw_scale(self, generator: torch.Generator) -> float:
        low, high = self.scales
        return low + (high - low) * float(torch.rand((), generator=generator, dtype=torch.float64))

    def test_set(self) -> list[tuple[float, torch.Tensor]]:
        """``(scale, patches)`` for each test scale, from :data:`TEST_SEED` (the same for every run)."""
        return _test_set(self.patch, self.test_count)


@lru_cache(maxsize=4)
def _test_set(patch: int, count: int) -> list[tuple[float, torch.Tensor]]:
    task = ReconstructionTask(patch=patch, test_count=count)
    generator = seeded(TEST_SEED)
    return [(scale, task.patches(generator, count)) for scale in TEST_SCALES]


def round_trip(downsize: Callable[[torch.Tensor, tuple[int, int]], torch.Tensor], x: torch.Tensor,
               scale: float) -> torch.Tensor:
    """Downsize ``x`` by ``scale`` with ``downsize``, then bicubic back to its size (not clamped)."""
    side = small_side(x.shape[-1], scale)
    small = downsize(x, (side, side))
    return F.interpolate(small, x.shape[-2:], mode="bicubic", align_corners=False)


def method_downsizer(method: str | DownsizeNet) -> Callable[[torch.Tensor, tuple[int, int]], torch.Tensor]:
    """A fixed method's name, or a network, as ``downsize(x, size)``."""
    if isinstance(method, DownsizeNet):
        return lambda x, size: method(x, size)
    if method not in FIXED_METHODS:
        raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(FIXED_METHODS)}.")
    return FIXED_METHODS[method]


def reconstruction_error(method: str | DownsizeNet, task: ReconstructionTask,
                         test: list[tuple[float, torch.Tensor]] | None = None) -> dict[str, float]:
    """Mean absolute error (grey levels, 0–255) per test scale (keys ``"2×"``, ``"3×"``, ``"4×"``)
    and over all of them (``"all"``)."""
    downsize = method_downsizer(method)
    errors = {}
    with torch.no_grad():
        for scale, patches in (test if test is not None else task.test_set()):
            restored = round_trip(downsize, patches, scale).clamp(0, 1)
            errors[f"{round(1 / scale):d}×"] = float((restored - patches).abs().mean()) * 255
    errors["all"] = float(np.mean(list(errors.values())))
    return errors


@dataclass(frozen=True)
class ReconstructionRun:
    """A finished (or stopped) reconstruction training run.

    Attributes:
        net: the trained DownsizeNet (CPU, eval mode).
        losses: L1 loss (0–1 scale) after every step.
        test_error: :func:`reconstruction_error` of ``net`` at the end.
        seconds: wall time of the training loop.
    """

    net: DownsizeNet
    seed: int
    steps: int
    batch: int
    losses: np.ndarray
    test_error: dict[str, float]
    seconds: float
    stopped: bool = False
    settings: dict[str, object] = field(default_factory=dict)


def train_reconstruction(task: ReconstructionTask = ReconstructionTask(), *, seed: int = 0, steps: int = 300,  # noqa: B008
                         batch: int = 16, lr: float = 3e-3, layers: int = 2, neighbourhood: int = 2,
                         on_step: Callable[[int, float], bool | None] | None = None) -> ReconstructionRun:
    """Train a DownsizeNet (2×2 neighbours and sigmoid by default: the paper's) on ``task``.

    ``on_step(step, loss)`` is called after every step; returning False stops the run.
    """
    if steps < 1 or batch < 1 or not lr > 0:
        raise InvalidParameterError(f"steps and batch must be at least 1 and lr positive, got {steps}, {batch}, {lr}.")
    net = DownsizeNet(layers=layers, neighbourhood=neighbourhood, generator=seeded(seed))
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    data = seeded(seed + 1)
    losses, stopped = [], False
    net.train()
    start = time.perf_counter()
    for step in range(1, steps + 1):
        patches = task.patches(data, batch)
        loss = (round_trip(net, patches, task.draw_scale(data)) - patches).abs().mean()
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
        if on_step is not None and on_step(step, losses[-1]) is False:
            stopped = True
            break
    seconds = time.perf_counter() - start
    net.eval()
    return ReconstructionRun(net, seed, steps, batch, np.array(losses), reconstruction_error(net, task), seconds,
                             stopped, {"lr": lr, "layers": layers, "neighbourhood": neighbourhood,
                                       "patch": task.patch, "scales": list(task.scales)})
