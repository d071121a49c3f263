"""How a trunk's effective field changes while its segmenter trains (Luo et al. 2016, §4.3).

Luo, Li, Urtasun and Zemel report that effective receptive fields *grow* during training. This
retrains the shipped ``segmenter-aspp`` recipe from its seed (the same batches, schedule and
initial weights as its model card) and measures the trunk's ERF (:func:`trunk_erf`, the centre
unit of a ``side``-pixel input, averaged over ``inputs`` noise inputs) at checkpoints::

    python -m core.receptive_field.during_training --out assets/receptive_field/ --threads 2

It writes ``erf_during_training.json``: per checkpoint the steps done, the ERF's std in input
pixels, its share of the theoretical field and the mean training loss of the steps since the
previous checkpoint. The page reads that file; nothing trains while a page renders.
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn

from core.models import build_untrained, model_card, train_segmenter
from core.receptive_field.layers import receptive_field
from core.receptive_field.luo import erf_std, trunk_erf
from core.receptive_field.trained import module_layers

RESULTS = Path(__file__).resolve().parents[2] / "assets" / "receptive_field" / "erf_during_training.json"
CHECKPOINTS = (0, 10, 30, 100, 300, 1000, 2000, 3000)


def measure(model: nn.Module, side: int = 128, inputs: int = 8) -> tuple[float, float]:
    """``(std px, share of the theoretical field)`` of ``model``'s trunk ERF; ``model`` is not changed."""
    trunk = copy.deepcopy(model.get_submodule("trunk")).eval()
    field = receptive_field(module_layers(trunk))[-1].size
    std = erf_std(trunk_erf(trunk, size=side, inputs=inputs))
    return std, 2 * std / field


def run(name: str = "segmenter-aspp", checkpoints: tuple[int, ...] = CHECKPOINTS, side: int = 128,
        inputs: int = 8, say: Any = print, steps: int | None = None) -> dict[str, Any]:
    """Retrain ``name`` with its card's seed, steps and batch; measure the trunk ERF at ``checkpoints``.

    ``steps`` replaces the card's step count (a quick check; the schedule then differs).
    """
    card = model_card(name)
    seed, batch = int(card["seed"]), int(card["batch_size"])
    steps = int(card["steps"]) if steps is None else steps
    wanted = sorted({c for c in checkpoints if c <= steps} | {steps})
    rows: list[dict[str, float | None]] = []
    losses: list[float] = []
    previous = [0]   # the steps done at the last checkpoint

    def observe(done: int, model: nn.Module) -> None:
        if done in wanted:
            std, share = measure(model, side, inputs)
            recent = losses[previous[0]:done]
            previous[0] = done
            rows.append({"step": done, "std": std, "share": share,
                         "loss": float(np.mean(recent)) if recent else None})
            say(f"step {done}: ERF std {std:.2f} px ({share:.1%} of the field)")

    start = time.perf_counter()
    result = train_segmenter(name, steps, seed=seed, batch=batch, on_step=lambda _, loss: losses.append(loss),
                             observe=observe)
    initial = measure(build_untrained(name, seed))
    return {"name": name, "seed": seed, "steps": steps, "batch_size": batch, "side": side, "inputs": inputs,
            "command": "python -m core.receptive_field.during_training --out assets/receptive_field/ "
                       f"--threads {torch.get_num_threads()}",
            "seconds": time.perf_counter() - start, "train_seconds": result.seconds,
            "initial_check": initial[0],
            "machine": f"{platform.machine()} CPU, torch {torch.__version__}, {torch.get_num_threads()} thread(s)",
            "checkpoints": rows}


def load(path: Path = RESULTS) -> dict[str, Any] | None:
    """The shipped measurements, or ``None`` when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("checkpoints"), list) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.receptive_field.during_training",
                                     description="Measure a segmenter trunk's ERF while it retrains.")
    parser.add_argument("--out", default="assets/receptive_field/")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)   # a command of its own: no page shares this process
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = run()
    (out / RESULTS.name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / RESULTS.name} in {data['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
