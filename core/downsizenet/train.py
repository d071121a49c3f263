"""Train a downsizer end-to-end with a downstream classifier, and compare it with fixed resizes.

The downsizer's only teacher is the classifier's loss, as in the paper: gradients flow from the
cross-entropy through the classifier into the interpolation coefficients. The fixed methods
(bilinear, bicubic, area, …) get the same classifier, data, seeds and number of steps, so the
only difference between two runs with one seed is the downsizer.

Command line (``--help`` lists every option)::

    python -m core.downsizenet.train                          # DownsizeNet on the texture task
    python -m core.downsizenet.train --methods all --seeds 0 1 2
    python -m core.downsizenet.train --folder data/ --size 128 --out downsizenet.safetensors
    torchrun --nproc_per_node=2 -m core.downsizenet.train --steps 200   # data-parallel (DDP)

Under ``torchrun`` every process draws the same global batch and trains on its own slice of
it; DDP averages the gradients, so every process ends with the same weights (gloo on the CPU,
NCCL on GPUs).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Protocol

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

from core.device import device as default_device
from core.downsizenet.model import ACTIVATIONS, DownsizeNet, output_size
from core.downsizenet.tasks import FolderTask, TextureTask, build_classifier
from core.downsizenet.weights import save_weights_file
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
    name: str

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
        threads: CPU threads while training (None leaves PyTorch's setting). Batches this small
            gain nothing from a second thread and lose up to 10x when another process shares
            the cores, so one is the default.
    """

    method: str = LEARNED
    scale: float = 0.3
    steps: int = 300
    batch: int = 32
    lr: float = 3e-3
    seed: int = 0
    layers: int = 2
    neighbourhood: int = 2
    activation: str = "sigmoid"
    eval_every: int = 25
    validation: int = 250
    threads: int | None = 1

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


def _world() -> tuple[int, int]:
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


def train(task: Task, config: TrainConfig = TrainConfig(), *,
          on_step: Callable[[TrainingProgress], bool | None] | None = None,
          device: torch.device | str | None = None) -> TrainingRun:
    """Train ``config.method``'s downsizer (if it learns) and a fresh classifier together.

    ``on_step(progress)`` is called after every step; returning False stops the run, which
    then reports what it learned so far. Under ``torch.distributed`` the model is wrapped in
    DDP and each process trains on its slice of every batch.
    """
    config.check()
    previous_threads = torch.get_num_threads()
    if config.threads:
        torch.set_num_threads(config.threads)
    try:
        return _train(task, config, on_step, device)
    finally:
        torch.set_num_threads(previous_threads)


def _train(task, config, on_step, device) -> TrainingRun:
    rank, world = _world()
    if config.batch % world:
        raise InvalidParameterError(
            f"The batch of {config.batch} images does not split evenly over {world} processes.")
    device = torch.device(device) if device is not None else default_device()
    size = output_size(*task.image_size, config.scale)
    torch.manual_seed(config.seed)
    classifier = build_classifier(len(task.classes))          # first, so every method starts alike
    downsizer = (DownsizeNet(config.layers, 16, config.neighbourhood, config.activation)
                 if config.method == LEARNED else None)
    model = Pipeline(config.method, size, classifier, downsizer).to(device)
    trained = model
    if world > 1:
        device_ids = [device.index] if device.type == "cuda" else None
        trained = nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
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


@dataclass(frozen=True)
class Comparison:
    """Test accuracy of every method with every seed, same classifier and budget.

    Attributes:
        accuracy: ``(len(methods), len(seeds))``; NaN where a stopped comparison did not get to.
        seconds: training time of each run, same shape.
        runs: the DownsizeNet runs by seed (for their weights and curves).
    """

    methods: tuple[str, ...]
    seeds: tuple[int, ...]
    config: TrainConfig
    accuracy: np.ndarray
    seconds: np.ndarray
    runs: dict[int, TrainingRun] = field(default_factory=dict)

    def mean(self) -> np.ndarray:
        return np.array([np.nanmean(row) if np.isfinite(row).any() else np.nan for row in self.accuracy])

    def spread(self) -> np.ndarray:
        """Sample standard deviation over the seeds (n − 1 in the denominator)."""
        return np.array([np.nanstd(row, ddof=1) if np.isfinite(row).sum() > 1 else np.nan
                         for row in self.accuracy])

    def table(self) -> list[dict[str, object]]:
        """One row per method: mean, spread, each seed's accuracy and the mean training time."""
        rows = []
        for i, method in enumerate(self.methods):
            row = {"method": method, "mean accuracy": self.mean()[i], "std over seeds": self.spread()[i]}
            row.update({f"seed {s}": self.accuracy[i, j] for j, s in enumerate(self.seeds)})
            timed = self.seconds[i][np.isfinite(self.seconds[i])]
            row["seconds per run"] = float(timed.mean()) if timed.size else np.nan
            rows.append(row)
        return rows

    def markdown(self) -> str:
        lines = [f"| method | accuracy (mean ± std over seeds {list(self.seeds)}) | per seed | s per run |",
                 "|---|---:|---|---:|"]
        for row in self.table():
            seeds = ", ".join(f"{row[f'seed {s}']:.3f}" for s in self.seeds)
            lines.append(f"| {row['method']} | {row['mean accuracy']:.3f} ± {row['std over seeds']:.3f} | "
                         f"{seeds} | {row['seconds per run']:.1f} |")
        return "\n".join(lines)


def compare(task: Task, methods: tuple[str, ...] = DEFAULT_METHODS, seeds: tuple[int, ...] = (0, 1, 2),
            config: TrainConfig = TrainConfig(), *,
            on_progress: Callable[[float, str], bool | None] | None = None,
            device: torch.device | str | None = None) -> Comparison:
    """Train every method once per seed with the same classifier, data and budget; test each.

    ``on_progress(fraction, message)`` is called every ``eval_every`` steps; returning False
    stops the comparison (runs not reached stay NaN).
    """
    if not methods or not seeds:
        raise InvalidParameterError("Pick at least one method and one seed.")
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    accuracy_table = np.full((len(methods), len(seeds)), np.nan)
    seconds = np.full_like(accuracy_table, np.nan)
    runs: dict[int, TrainingRun] = {}
    jobs = [(j, seed, i, method) for j, seed in enumerate(seeds) for i, method in enumerate(methods)]
    for number, (j, seed, i, method) in enumerate(jobs):
        def report(progress: TrainingProgress, number=number, method=method, seed=seed):
            if on_progress is None or (progress.step % config.eval_every and progress.step != progress.steps):
                return True
            return on_progress((number + progress.step / progress.steps) / len(jobs),
                               f"{method} · seed {seed} · step {progress.step}/{progress.steps} · "
                               f"loss {progress.loss:.3f}")
        run = train(task, replace(config, method=method, seed=seed), on_step=report, device=device)
        if run.stopped:
            break
        accuracy_table[i, j], seconds[i, j] = run.test_accuracy, run.seconds
        if method == LEARNED:
            runs[seed] = run
    return Comparison(tuple(methods), tuple(seeds), config, accuracy_table, seconds, runs)


# ----------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core.downsizenet.train",
        description="Train DownsizeNet end-to-end with a small classifier (synthetic oriented "
                    "textures, or a folder of labelled images) and compare it with fixed resizes. "
                    "Runs data-parallel under torchrun.")
    parser.add_argument("--folder", help="a folder with one sub-folder of images per class "
                                         "(default: the synthetic texture task)")
    parser.add_argument("--size", type=int, default=None,
                        help="side of the square high-resolution training image (textures: 50, folders: 128)")
    parser.add_argument("--methods", nargs="+", default=[LEARNED],
                        help=f"methods to train: {', '.join(METHODS)}, or 'all' for {', '.join(DEFAULT_METHODS)}")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch", type=int, default=32, help="images per step over all processes")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--layers", type=int, default=2, choices=[1, 2, 3, 4])
    parser.add_argument("--neighbourhood", type=int, default=2, choices=[2, 4],
                        help="2: 2×2 neighbours (K = 4); 4: 4×4 (K = 16)")
    parser.add_argument("--activation", default="sigmoid", choices=["sigmoid", "softmax"])
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads per process while training (default 1: small batches gain "
                             "little from more, and lose much when the cores are shared)")
    parser.add_argument("--out", help="save the trained DownsizeNet (first seed) as .safetensors; "
                                      "'{rank}' in the name makes every process save its copy")
    return parser


def _device(choice: str) -> torch.device:
    if choice == "cpu" or (choice == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise InvalidParameterError("--device cuda was asked for, but PyTorch sees no CUDA GPU.")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    methods = list(dict.fromkeys(m for name in args.methods
                                 for m in (DEFAULT_METHODS if name == "all" else (name,))))
    try:
        device = _device(args.device)
    except InvalidParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world = _world()

    def say(text: str) -> None:
        if rank == 0:
            print(text, flush=True)

    try:
        if args.folder:
            task = FolderTask.from_folder(args.folder, args.size or 128)
            for note in task.notes:
                say(note)
        else:
            task = TextureTask(size=args.size or 50)
        config = TrainConfig(scale=args.scale, steps=args.steps, batch=args.batch, lr=args.lr,
                             layers=args.layers, neighbourhood=args.neighbourhood,
                             activation=args.activation, eval_every=args.eval_every, threads=args.threads)
        say(f"# {task.name}: {len(task.classes)} classes, {task.image_size[0]}×{task.image_size[1]} → "
            f"{config.scale}× · {args.steps} steps of {args.batch} · {world} process(es) on {device}")
        if len(methods) == 1 and len(args.seeds) == 1:
            def report(progress: TrainingProgress) -> None:
                if progress.accuracy_steps and progress.accuracy_steps[-1] == progress.step:
                    say(f"step {progress.step:5d}/{progress.steps} · loss {progress.loss:.4f} · "
                        f"validation accuracy {progress.accuracies[-1]:.3f}")
            run = train(task, replace(config, method=methods[0], seed=args.seeds[0]), on_step=report, device=device)
            say(f"test accuracy {run.test_accuracy:.4f} after {run.seconds:.1f} s")
            learned = run if run.downsizer is not None else None
        else:
            comparison = compare(task, tuple(methods), tuple(args.seeds), config,
                                 on_progress=lambda fraction, message: say(f"[{fraction:5.1%}] {message}"),
                                 device=device)
            say(comparison.markdown())
            learned = comparison.runs.get(args.seeds[0])
        if args.out:
            if learned is None:
                say("--out saves a DownsizeNet; no DownsizeNet was trained, so nothing was saved.")
            elif "{rank}" in args.out or rank == 0:
                path = args.out.replace("{rank}", str(rank))
                save_weights_file(learned.downsizer, path)
                print(f"saved {path}", flush=True)
    except ValueError as error:      # ScaleScopeError and unknown names: a sentence, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if distributed and dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
