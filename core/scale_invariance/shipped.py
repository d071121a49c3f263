"""The shipped scale study: results, the command that made them, and the networks near/far needs.

``python -m core.scale_invariance.study --out assets/scale_study/`` writes

* ``results.json`` — command, running time, steps, seeds, scales, accuracy per variant × seed ×
  scale, the 1× validation curves, measured seconds per step, steps needed to converge;
* ``results.csv`` — one row per variant, scale and seed;
* ``<variant>.safetensors`` — the seed-0 network of every trained variant (the near/far measure).
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch.nn as nn
from safetensors.torch import load_file, save_file

from core.errors import InvalidParameterError
from core.scale_invariance.networks import TRAINED_VARIANTS, build_model
from core.scale_invariance.study import ScaleStudy, steps_to_converge

STUDY_DIR = Path(__file__).resolve().parents[2] / "assets" / "scale_study"
COMMAND = "python -m core.scale_invariance.study --out assets/scale_study/"


def write_study(study: ScaleStudy, out: str | Path, command: str = COMMAND) -> dict[str, object]:
    """Write ``study``'s results and seed-0 networks into ``out``; return the JSON written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = {"command": command, "seconds": study.seconds, "steps": study.steps, "seeds": list(study.seeds),
            "scales": list(study.scales), "variants": list(study.accuracy),
            "accuracy": {v: a.tolist() for v, a in study.accuracy.items()},
            "curves": {v: {str(s): [list(p) for p in c] for s, c in per.items()} for v, per in study.curves.items()},
            "step_seconds": study.step_seconds, "steps_to_converge": steps_to_converge(study.curves)}
    (out / "results.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    with (out / "results.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["variant", "scale", "seed", "accuracy"])
        for variant, table in study.accuracy.items():
            for i, seed in enumerate(study.seeds):
                for j, scale in enumerate(study.scales):
                    writer.writerow([variant, scale, seed, f"{table[i, j]:.4f}"])
    first = study.seeds[0]
    for variant in TRAINED_VARIANTS:
        if (variant, first) in study.models:
            state = {k: t.contiguous() for k, t in study.models[(variant, first)].state_dict().items()}
            save_file(state, str(out / f"{variant}.safetensors"))
    return data


@lru_cache(maxsize=2)
def _read(directory: str) -> tuple[ScaleStudy, dict[str, object]]:
    path = Path(directory) / "results.json"
    if not path.is_file():
        raise InvalidParameterError(f"No shipped scale study in {directory}: run `{COMMAND}`.")
    data = json.loads(path.read_text(encoding="utf-8"))
    study = ScaleStudy(tuple(data["scales"]), tuple(data["seeds"]),
                       {v: np.array(a, float) for v, a in data["accuracy"].items()}, int(data["steps"]),
                       {v: {int(s): [tuple(p) for p in c] for s, c in per.items()}
                        for v, per in data["curves"].items()},
                       {v: float(t) for v, t in data["step_seconds"].items()}, float(data["seconds"]))
    return study, data


def shipped_study(directory: str | Path = STUDY_DIR) -> tuple[ScaleStudy, dict[str, object]]:
    """The shipped study and its JSON (command, seconds, steps_to_converge, …), read once."""
    return _read(str(directory))


@lru_cache(maxsize=2)
def _models(directory: str) -> dict[str, nn.Module]:
    models = {}
    for variant in TRAINED_VARIANTS:
        path = Path(directory) / f"{variant}.safetensors"
        if path.is_file():
            model = build_model(variant)
            model.load_state_dict(load_file(str(path)))
            models[variant] = model.eval().requires_grad_(False)
    return models


def shipped_models(directory: str | Path = STUDY_DIR) -> dict[str, nn.Module]:
    """The seed-0 network of every trained variant that ships (eval mode, loaded once)."""
    return dict(_models(str(directory)))


def what_to_notice(study: ScaleStudy) -> list[str]:
    """Sentences read off ``study``'s numbers: the best and worst variant away from 1×, and the
    range over which each keeps most of its 1× accuracy."""
    away = [i for i, s in enumerate(study.scales) if s != 1.0]
    if not away:
        return []
    means = {v: study.mean(v) for v in study.accuracy if np.isfinite(study.mean(v)).any()}
    off = {v: float(np.nanmean(m[away])) for v, m in means.items()}
    best, worst = max(off, key=off.__getitem__), min(off, key=off.__getitem__)
    lines = [f"Away from 1×, {best} keeps the most: {off[best]:.0%} on average over the other scales, "
             f"against {off[worst]:.0%} for {worst} (chance is 25%)."]
    for variant, m in means.items():
        held = [s for s, a in zip(study.scales, m, strict=True) if np.isfinite(a) and a >= 0.9]
        if held:
            lines.append(f"{variant}: at least 90% from {min(held):g}× to {max(held):g}×.")
        else:
            lines.append(f"{variant}: never reaches 90%; its best is {np.nanmax(m):.0%}.")
    return lines
