"""Train a downsizer end-to-end with a downstream classifier (the texture task, or a folder).

The downsizer's only teacher is the classifier's loss, as in the paper: gradients flow from the
cross-entropy through the classifier into the interpolation coefficients. The fixed methods
(bilinear, bicubic, area, …) get the same classifier, data, seeds and number of steps, so the
only difference between two runs with one seed is the downsizer.

Under ``torch.distributed`` every process draws the same global batch and trains on its own
slice of it; DDP averages the gradients, so every process ends with the same weights.
Training never changes process-wide settings (seed, threads): the command line sets threads.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from core.device import device as default_device
from core.downsizenet.model import ACTIVATIONS, Activation, DownsizeNet, output_size
from core.downsizenet.seeding import generator as seeded
from core.downsizenet.tasks import build_classifier
from core.errors import InvalidParameterError

LEARNED = "downsizenet"


def _torch_resize(mode: str, antialias: bool = False):
    def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        return F.interpolate(x, size, mode=mode, align_corners=False, antialias=antialias)
    return resize


FIXED_METHODS: dict[str, Callable[[torch.Tensor, tuple[int, int]], torch.Tensor]] = {
    "bilinear": _torch_resize("bilinear"),
    "bicubic": _torch_resize("bicubic"),
    "area": lambda x, size: F.adaptive_avg_pool2d(x, size),     # F.interpolate(mode="area")
    "bilinear-antialias": _torch_resize("bilinear", antialias=True),
    "nearest": lambda x, size: F.interpolate(x, size, mode="nearest-exact"),
}
METHODS = (LEARNED, *FIXED_METHODS)
DEFAULT_METHODS = (LEARNED, "bilinear", "bicubic", "area", "nearest")


class Task(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def classes(self) -> tuple[str, ...]: ...

    @property
    def image_size(self) -> tuple[int, int]: ...

    def draw(self, generator: torch.Generator, count: int) -> tuple[torch.Tensor, torch.Tensor]: ...

    def test_set(self) -> tuple[torch.Tensor, torch.Tensor]: ...


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Attributes:
        method: ``"downsizenet"`` or a key of :data:`FIXED_METHODS`.
        scale: output side ÷ input side (0.3 in the paper's experiments).
        steps: optimiser steps; batch: images per step (over all processes together).
        lr: Adam's learning rate, shared by the classifier and the downsizer.
        seed: fixes the classifier's and downsizer's initial weights and the training data.
        layers, neighbourhood, activation: the DownsizeNet's architecture.
        eval_every: steps between two accuracy points of the live curve.
        validation: images of the test set used for the live curve (the final score uses all).
    """

    method: str = LEARNED
    scale: float = 0.3
    steps: int = 300
    batch: int = 32
    lr: float = 3e-3
    seed: int = 0
    layers: int = 2
    neighbourhood: int = 2
    activation: Activation = "sigmoid"
    eval_every: int = 25
    validation: int = 250

    def check(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"Unknown method {self.method!r}; choose one of {', '.join(METHODS)}.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
        if not (math.isfinite(self.scale) and 0.02 <= self.scale <= 4):
            raise InvalidParameterError(f"The scale must be between 0.02 and 4, got {self.scale}.")
        if self.steps < 1 or self.batch < 1 or self.eval_every < 1 or self.validation < 1:
            raise InvalidParameterError(
                f"steps, batch, eval_every and validation must be at least 1, got {self.steps}, "
                f"{self.batch}, {self.eval_every} and {self.validation}.")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise InvalidParameterError(f"The learning rate must be a positive number, got {self.lr}.")


DEFAULT_CONFIG = TrainConfig()


class Pipeline(nn.Module):
    """Downsizer then classifier: ``(B, 3, H, W)`` → ``(B, classes)`` logits."""

    def __init__(self, method: str, size: tuple[int, int], classifier: nn.Module,
                 downsizer: DownsizeNet | None) -> None:
        super().__init__()
        self.method, self.size = method, size
        self.classifier = classifier
        self.downsizer = downsizer

    def downsize(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsizer is not None:
            return self.downsizer(x, self.size)
        return FIXED_METHODS[self.method](x, self.size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.downsize(x))


@dataclass(frozen=True)
class TrainingProgress:
    """What a training run reports after each step (the lists grow as it goes)."""

    step: int
    steps: int
    loss: float
    loss_steps: list[int]
    losses: list[float]
    accuracy_steps: list[int]
    accuracies: list[float]
    downsizer: DownsizeNet | None


@dataclass(frozen=True)
class TrainingRun:
    """A finished (or stopped) run.

    Attributes:
        loss_steps, losses: the training loss after every step.
        accuracy_steps, accuracies: accuracy on ``validation`` test images every ``eval_every`` steps.
        test_accuracy: accuracy on the whole test set at the end.
        downsizer: the trained DownsizeNet on the CPU in eval mode (None for a fixed method).
        classifier: the trained classifier on the CPU in eval mode.
        size: the ``(h, w)`` the classifier saw.
        seconds: wall time of the training loop.
        stopped: True when the callback stopped the run early.
    """

    config: TrainConfig
    loss_steps: np.ndarray
    losses: np.ndarray
    accuracy_steps: np.ndarray
    accuracies: np.ndarray
    test_accuracy: float
    downsizer: DownsizeNet | None
    classifier: nn.Module
    size: tuple[int, int]
    seconds: float
    stopped: bool


def rank_and_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
             batch: int = 500) -> float:
    """Fraction of ``images`` classified as ``labels``."""
    was_training = model.training
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            logits = model(images[start:start + batch].to(device))
            correct += int((logits.argmax(1).cpu() == labels[start:start + batch]).sum())
    model.train(was_training)
    return correct / max(1, len(labels))


def train(task: Task, config: TrainConfig = DEFAULT_CONFIG, *,
          on_step: Callable[[TrainingProgress], bool | None] | None = None,
          device: torch.device | str | None = None, frozen: DownsizeNet | None = None) -> TrainingRun:
    """Train ``config.method``'s downsizer (if it learns) and a fresh classifier together.

    ``on_step(progress)`` is called after every step; returning False stops the run, which
    then reports what it learned so far. ``frozen``, when given, is a trained DownsizeNet used
    as the downsizer and left as it is (only the classifier learns): task generalisation.
    Under ``torch.distributed`` the model is wrapped in DDP and each process trains on its
    slice of every batch.
    """
    config.check()
    rank, world = rank_and_world()
    if config.batch % world:
        raise InvalidParameterError(
            f"The batch of {config.batch} images does not split evenly over {world} processes.")
    device = torch.device(device) if device is not None else default_device()
    size = output_size(*task.image_size, config.scale)
    weights = seeded(config.seed)
    classifier = build_classifier(len(task.classes), generator=weights)   # first: every method starts alike
    downsizer = (DownsizeNet(config.layers, 16, config.neighbourhood, config.activation, generator=weights)
                 if config.method == LEARNED and frozen is None else None)
    if frozen is not None:
        downsizer = copy.deepcopy(frozen).requires_grad_(False)
    model = Pipeline(config.method, size, classifier, downsizer).to(device)
    trained: nn.Module = model
    if world > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        trained = nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=config.lr)
    generator = seeded(config.seed)
    test_images, test_labels = task.test_set()
    validation = (test_images[:config.validation], test_labels[:config.validation])
    loss_steps, losses, accuracy_steps, accuracies = [], [], [], []
    stopped = False
    model.train()
    start = time.perf_counter()
    for step in range(1, config.steps + 1):
        images, labels = task.draw(generator, config.batch)
        images, labels = images[rank::world].to(device), labels[rank::world].to(device)
        loss = F.cross_entropy(trained(images), labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        loss_steps.append(step)
        losses.append(float(loss.detach()))
        if step % config.eval_every == 0 or step == config.steps:
            accuracy_steps.append(step)
            accuracies.append(accuracy(model, *validation, device))
        if on_step is not None and on_step(TrainingProgress(
                step, config.steps, losses[-1], loss_steps, losses, accuracy_steps, accuracies,
                downsizer)) is False:
            stopped = True
            break
    seconds = time.perf_counter() - start
    final = accuracy(model, test_images, test_labels, device)
    model.eval().cpu()
    return TrainingRun(config, np.array(loss_steps), np.array(losses), np.array(accuracy_steps),
                       np.array(accuracies), final, downsizer, classifier, size, seconds, stopped)
