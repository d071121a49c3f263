"""Training a registered segmenter on freshly drawn scenes, reproducibly for a seed.

Step ``t`` of a run with seed ``s`` trains on ``make_scenes(batch, size, step_seed(s, t))``, so the
data never repeats and a rerun sees the same batches; the initial weights come from a
``torch.Generator`` seeded with ``s``. Nothing here touches PyTorch's global random state or its
thread count (the command line sets threads). Optimiser: Adam (weight decay 1e-4), a linear
warm-up over the first 5 % of the steps, then cosine decay to zero; per-pixel cross-entropy.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.models.registry import build_untrained
from core.models.scenes import make_scenes

LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4
WARMUP = 0.05


@dataclass
class TrainResult:
    """The trained network (eval mode), the loss of every step and the wall-clock seconds spent."""

    model: nn.Module
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def step_seed(seed: int, step: int) -> int:
    """The scene seed of one training step: a 63-bit number from numpy's ``SeedSequence([seed, step])``.

    >>> step_seed(0, 1) == step_seed(0, 1) != step_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence([int(seed), int(step)]).generate_state(2, np.uint64)[0] >> np.uint64(1))


def learning_rate(step: int, steps: int, peak: float = LEARNING_RATE) -> float:
    """Linear warm-up over the first :data:`WARMUP` of the steps, then cosine decay to zero.

    >>> learning_rate(0, 100) < learning_rate(5, 100) == 3e-3 > learning_rate(99, 100)
    True
    """
    warmup = max(1, round(WARMUP * steps))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * progress))


def train_segmenter(name: str, steps: int, seed: int = 0, batch: int = 8, size: int = 256,
                    lr: float = LEARNING_RATE,
                    on_step: Callable[[int, float], None] | None = None,
                    observe: Callable[[int, nn.Module], None] | None = None) -> TrainResult:
    """Train the registered network ``name`` for ``steps`` steps of ``batch`` scenes of ``size`` px.

    ``on_step(step, loss)`` is called after every step. ``observe(steps_done, model)`` is called
    before the first step (0) and after every step with the network in training mode; it must
    not change the network (measure a ``copy.deepcopy``). Returns the network in eval mode.
    """
    if not (isinstance(steps, int) and steps >= 1):
        raise InvalidParameterError(f"Training needs at least one step, got {steps!r}.")
    if not (isinstance(batch, int) and batch >= 2):
        raise InvalidParameterError(f"A batch needs at least two scenes (BatchNorm), got {batch!r}.")
    model = build_untrained(name, seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=WEIGHT_DECAY)
    result = TrainResult(model)
    start = time.perf_counter()
    model.train()
    if observe is not None:
        observe(0, model)
    for step in range(steps):
        images, labels, _ = make_scenes(batch, size, step_seed(seed, step))
        x = torch.from_numpy(images)
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, steps, lr)
        loss = F.cross_entropy(model(x), torch.from_numpy(labels))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        result.losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, result.losses[-1])
        if observe is not None:
            observe(step + 1, model)
    result.seconds = time.perf_counter() - start
    model.eval()
    return result
