"""Train the shipped DownsizeNets and write their model cards.

``python -m core.downsizenet.train --task reconstruction --out assets/models/`` (or ``--task
texture``) trains one network per seed (0, 1, 2), scores every seed and the fixed methods on the
task's metric, measures how much each bundled photo's texture changes the coefficients, tries the
network frozen on the other task, and writes ``downsizenet-<task>.safetensors`` (seed 0) and
``downsizenet-<task>.json``.

Tasks and metrics:
    * ``reconstruction`` — mean absolute error in grey levels (lower is better) after a fixed
      bicubic upsample (:mod:`core.downsizenet.reconstruction`);
    * ``texture`` — test accuracy of the jointly trained classifier on the oriented gratings
      (higher is better; :mod:`core.downsizenet.tasks`).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.downsizenet.compare import compare
from core.downsizenet.lesson import coefficient_view
from core.downsizenet.model import DownsizeNet
from core.downsizenet.reconstruction import PHOTOS, ReconstructionTask, reconstruction_error, train_reconstruction
from core.downsizenet.tasks import TextureTask
from core.downsizenet.training import TrainConfig, TrainingRun, train
from core.downsizenet.weights import load_weights, save_weights_file
from core.errors import InvalidParameterError
from core.samples import SAMPLES

TASKS = ("reconstruction", "texture")
FIXED = ("bilinear", "bicubic", "area", "bilinear-antialias")
SEEDS = (0, 1, 2)
VIEW_SCALE = 0.3            # the scale at which the texture change is measured on the photos
MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
DEFAULTS = {"reconstruction": {"steps": 1200, "batch": 16}, "texture": {"steps": 300, "batch": 32}}


def _summary(values: list[float]) -> dict[str, object]:
    array = np.asarray(values, float)
    return {"mean": float(array.mean()), "std": float(array.std(ddof=1)) if len(array) > 1 else 0.0,
            "per_seed": [float(v) for v in array]}


def texture_change_per_photo(net: DownsizeNet, scale: float = VIEW_SCALE) -> dict[str, float]:
    """Mean ``½ Σ_k |coefficient − coefficient on a flat image|`` on every bundled photo."""
    return {name: coefficient_view(net, SAMPLES[name].load(), scale).mean_texture_effect for name in PHOTOS}


def _reconstruction(seeds, steps, batch, say) -> tuple[dict, list[DownsizeNet]]:
    task = ReconstructionTask()
    runs = []
    for seed in seeds:
        run = train_reconstruction(task, seed=seed, steps=steps, batch=batch)
        say(f"reconstruction · seed {seed}: {run.test_error['all']:.3f} grey levels in {run.seconds:.1f} s")
        runs.append(run)
    fixed = {m: reconstruction_error(m, task) for m in FIXED}
    metric = {"name": "mean absolute error after a fixed bicubic upsample, grey levels (0-255)",
              "lower_is_better": True,
              "test": f"{task.test_count} patches of {task.patch} px per factor (2x, 3x, 4x) from the "
                      "bundled photos, drawn from their own seed",
              "downsizenet": _summary([r.test_error["all"] for r in runs]),
              "downsizenet_by_factor": {k: _summary([r.test_error[k] for r in runs]) for k in ("2×", "3×", "4×")},
              # the fixed methods are deterministic on the fixed test set: one value, no spread
              "fixed": {m: {"mean": e["all"], "std": 0.0, "by_factor": {k: e[k] for k in ("2×", "3×", "4×")}}
                        for m, e in fixed.items()}}
    return ({"metric": metric, "train_seconds": float(sum(r.seconds for r in runs)),
             "settings": runs[0].settings}, [r.net for r in runs])


def _texture(seeds, steps, batch, say) -> tuple[dict, list[DownsizeNet]]:
    task = TextureTask()
    config = TrainConfig(steps=steps, batch=batch, scale=VIEW_SCALE)
    comparison = compare(task, ("downsizenet", *FIXED), tuple(seeds), config,
                         on_progress=lambda f, m: say(f"[{f:5.1%}] {m}") if m.endswith(f"{steps}/{steps}") or
                         "step" not in m else None)
    rows = {m: list(comparison.accuracy[i]) for i, m in enumerate(comparison.methods)}
    metric = {"name": "test accuracy on 1000 oriented gratings (4 classes, chance 0.25)",
              "lower_is_better": False,
              "test": "the fixed test set of core.downsizenet.tasks.TextureTask; the fixed methods train the "
                      "same classifier with the same seeds and steps",
              "downsizenet": _summary(rows["downsizenet"]),
              "fixed": {m: _summary(rows[m]) for m in FIXED}}
    seconds = float(np.nansum(comparison.seconds[0]))
    nets = [_trained_net(comparison.runs[s]) for s in seeds]
    return ({"metric": metric, "train_seconds": seconds, "settings": {"lr": config.lr, "layers": config.layers,
                                                                     "neighbourhood": config.neighbourhood,
                                                                     "scale": config.scale}}, nets)


def _trained_net(run: TrainingRun) -> DownsizeNet:
    if run.downsizer is None:
        raise ValueError("A DownsizeNet run came back without its network.")
    return run.downsizer


def _generalisation(task: str, nets: list[DownsizeNet], say) -> dict[str, object]:
    """The nets of ``task`` used frozen on the other task."""
    if task == "texture":
        errors = [reconstruction_error(net, ReconstructionTask())["all"] for net in nets]
        result: dict[str, Any] = {
            "on": "reconstruction", "metric": "mean absolute error, grey levels (lower is better)",
            "frozen": _summary(errors),
            "bilinear": reconstruction_error("bilinear", ReconstructionTask())["all"]}
    else:
        steps = DEFAULTS["texture"]["steps"]
        accuracies = [train(TextureTask(), TrainConfig(steps=steps, seed=seed, scale=VIEW_SCALE), frozen=net,
                            device="cpu").test_accuracy for seed, net in zip(SEEDS, nets, strict=False)]
        result = {"on": "texture", "metric": "test accuracy (higher is better); only the classifier trains",
                  "frozen": _summary(accuracies), "steps": steps}
    say(f"generalisation on {result['on']}: {result['frozen']['mean']:.3f} ± {result['frozen']['std']:.3f}")
    return result


def train_and_write(task: str, out: str | Path, *, seeds: tuple[int, ...] = SEEDS, steps: int | None = None,
                    batch: int | None = None, say: Callable[[str], None] = print) -> dict[str, object]:
    """Train ``task`` once per seed, measure everything and write the weights (first seed) and card."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    steps = steps or DEFAULTS[task]["steps"]
    batch = batch or DEFAULTS[task]["batch"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    body, nets = (_reconstruction if task == "reconstruction" else _texture)(seeds, steps, batch, say)
    textures = [texture_change_per_photo(net) for net in nets]
    body["metric"]["texture_change_per_photo"] = {
        name: _summary([t[name] for t in textures]) for name in PHOTOS}
    body["metric"]["texture_change_note"] = (
        f"mean of 1/2 sum_k |coefficient - coefficient on a flat image| at {VIEW_SCALE}x; 0 means the "
        "coefficients depend on position only")
    body["metric"]["generalisation"] = _generalisation(task, nets, say)
    name = f"downsizenet-{task}"
    card = {"name": name, "task": task,
            "command": f"python -m core.downsizenet.train --task {task} --out {out.as_posix()}/",
            "seed": seeds[0], "seeds": list(seeds), "steps": steps, "batch_size": batch,
            "train_seconds": body["train_seconds"], "total_seconds": time.perf_counter() - start,
            "architecture": {"layers": nets[0].layers, "channels": nets[0].channels,
                             "neighbourhood": nets[0].neighbourhood, "activation": nets[0].activation},
            "settings": body["settings"], "metrics": body["metric"],
            "machine": f"{platform.machine()} CPU, torch {torch.__version__}, {torch.get_num_threads()} thread(s)"}
    save_weights_file(nets[0], out / f"{name}.safetensors")
    (out / f"{name}.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"wrote {out / name}.safetensors and .json")
    return card


def shipped(task: str, directory: Path = MODELS_DIR) -> tuple[DownsizeNet, dict[str, object]]:
    """The shipped network of ``task`` and its card."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    weights, card = directory / f"downsizenet-{task}.safetensors", directory / f"downsizenet-{task}.json"
    if not weights.is_file() or not card.is_file():
        raise InvalidParameterError(f"No trained DownsizeNet for the {task} task ships in {directory}.")
    return load_weights(weights, in_channels=3), json.loads(card.read_text(encoding="utf-8"))
