"""The same classifier, data, seeds and budget behind every downsizer: a fair comparison."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from core.downsizenet.training import (
    DEFAULT_CONFIG,
    DEFAULT_METHODS,
    LEARNED,
    METHODS,
    Task,
    TrainConfig,
    TrainingProgress,
    TrainingRun,
    train,
)
from core.errors import InvalidParameterError


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
            config: TrainConfig = DEFAULT_CONFIG, *,
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
