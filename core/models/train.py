"""The training command line: ``python -m core.models.train segmenter-aspp --out assets/models/``.

Trains one registered segmenter on freshly drawn scenes (see :mod:`core.models.training`), scores
it on the fixed test set (:data:`~core.models.evaluate.TEST_COUNT` scenes of seed
:data:`~core.models.evaluate.TEST_SEED`), runs the branch ablation, and writes
``<out>/<name>.safetensors`` and the model card ``<out>/<name>.json``::

    python -m core.models.train segmenter-aspp --out assets/models/ --steps 2500 --threads 2
    python -m core.models.train segmenter-psp --out assets/models/ --steps 2500 --threads 2
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from core.models.evaluate import TEST_COUNT, TEST_SEED, ablation_results
from core.models.registry import REGISTRY, architecture_metadata, save_model
from core.models.scenes import RECIPE, SCENES_VERSION, make_scenes
from core.models.training import LEARNING_RATE, WARMUP, WEIGHT_DECAY, train_segmenter

SIZE = 256


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core.models.train",
                                     description="Train a ScaleScope segmenter on synthetic shape scenes and "
                                                 "write its weights and model card.")
    parser.add_argument("name", choices=sorted(n for n in REGISTRY if n.startswith("segmenter-")))
    parser.add_argument("--out", default="assets/models/", help="folder for <name>.safetensors and <name>.json")
    parser.add_argument("--steps", type=int, default=2500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=8, help="scenes per step")
    parser.add_argument("--lr", type=float, default=LEARNING_RATE, help="peak learning rate")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return parser


def command_line(args: argparse.Namespace) -> str:
    """The command that reproduces this run."""
    parts = ["python -m core.models.train", args.name, "--out", args.out, "--steps", str(args.steps),
             "--seed", str(args.seed), "--batch", str(args.batch)]
    if args.lr != LEARNING_RATE:
        parts += ["--lr", str(args.lr)]
    parts += ["--threads", str(torch.get_num_threads())]
    return " ".join(parts)


def make_card(args: argparse.Namespace, model: nn.Module, seconds: float, losses: list[float],
              results: dict[str, dict[str, object]]) -> dict[str, Any]:
    """The model card: how the network was trained, what on, and how it scores on the test set."""
    full = results["full"]
    tail = losses[-50:]
    return {
        "name": args.name,
        "command": command_line(args),
        "seed": args.seed, "steps": args.steps, "batch_size": args.batch,
        "optimiser": {"name": "Adam", "peak_lr": args.lr, "weight_decay": WEIGHT_DECAY,
                      "schedule": f"linear warm-up over {WARMUP:.0%} of the steps, then cosine decay to 0"},
        "data": {"recipe": RECIPE, "version": SCENES_VERSION, "size": SIZE,
                 "train_seeds": "step t uses core.models.training.step_seed(seed, t)",
                 "test_seed": TEST_SEED, "test_count": TEST_COUNT},
        "architecture": json.loads(architecture_metadata(args.name, model)["architecture"]),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": round(seconds, 1),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
        "final_loss": round(sum(tail) / len(tail), 4),
        "metrics": {key: full[key] for key in ("pixel_accuracy", "mean_iou", "iou_by_size", "iou_by_class",
                                               "objects_by_size")},
        "ablation": {name: result["iou_by_size"] for name, result in results.items()},
        "ablation_mean_iou": {name: result["mean_iou"] for name, result in results.items()},
        "ablation_definition": "IoU by object size on the test set with every branch ('full') and with one "
                               "branch's output replaced by zeros before the projection (no retraining).",
    }


def _progress(steps: int):  # pragma: no cover - console output only
    try:
        from tqdm import tqdm
    except ImportError:
        def report(step: int, loss: float) -> None:
            if step % 50 == 0 or step == steps - 1:
                print(f"step {step + 1}/{steps} · loss {loss:.4f}", flush=True)
        return report, None
    bar = tqdm(total=steps, unit="step", mininterval=5.0)

    def advance(step: int, loss: float) -> None:
        bar.update(1)
        if step % 25 == 0:
            bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
    return advance, bar


def main(argv: list[str] | None = None, *, set_threads: bool = False) -> int:
    """Run the command; ``set_threads`` (only when run as a program) applies ``--threads``."""
    args = _parser().parse_args(argv)
    if set_threads and args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report, bar = _progress(args.steps)
    try:
        run = train_segmenter(args.name, args.steps, args.seed, args.batch, SIZE, args.lr, on_step=report)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    print(f"trained {args.name}: {args.steps} steps in {run.seconds:.0f} s", flush=True)
    results = ablation_results(run.model, make_scenes(TEST_COUNT, SIZE, TEST_SEED))
    card = make_card(args, run.model, run.seconds, run.losses, results)
    weights = save_model(args.name, run.model, out / REGISTRY[args.name].file)
    card_file = weights.with_suffix(".json")
    card_file.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"saved {weights} and {card_file}: mIoU {card['metrics']['mean_iou']:.3f}, "
          f"pixel accuracy {card['metrics']['pixel_accuracy']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(set_threads=True))
