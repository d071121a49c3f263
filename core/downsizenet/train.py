"""The training command line: ``python -m core.downsizenet.train``.

The downsizer's only teacher is the classifier's loss, as in the paper: gradients flow from the
cross-entropy through the classifier into the interpolation coefficients. The fixed methods
(bilinear, bicubic, area, …) get the same classifier, data, seeds and number of steps, so the
only difference between two runs with one seed is the downsizer.

Command line (``--help`` lists every option)::

    python -m core.downsizenet.train --task reconstruction --out assets/models/   # the shipped nets
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
import os
import sys
from dataclasses import replace

import torch
import torch.distributed as dist

from core.downsizenet.compare import compare
from core.downsizenet.tasks import FolderTask, TextureTask
from core.downsizenet.training import (
    DEFAULT_METHODS,
    LEARNED,
    METHODS,
    Task,
    TrainConfig,
    TrainingProgress,
    rank_and_world,
    train,
)
from core.downsizenet.weights import save_weights_file
from core.errors import InvalidParameterError


# ----------------------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core.downsizenet.train",
        description="Train DownsizeNet end-to-end with a small classifier (synthetic oriented "
                    "textures, or a folder of labelled images) and compare it with fixed resizes. "
                    "Runs data-parallel under torchrun.")
    parser.add_argument("--task", choices=["reconstruction", "texture"],
                        help="train the shipped network of this task over seeds 0, 1, 2 and write "
                             "downsizenet-<task>.safetensors and its .json card into --out (a folder)")
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


def main(argv: list[str] | None = None, *, set_threads: bool = False) -> int:
    """Run the command; ``set_threads`` (only when run as a program) applies ``--threads``."""
    args = _parser().parse_args(argv)
    if set_threads:
        torch.set_num_threads(args.threads)
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
    rank, world = rank_and_world()

    def say(text: str) -> None:
        if rank == 0:
            print(text, flush=True)

    try:
        if args.task:
            from core.downsizenet.cards import train_and_write  # the card pulls in the photos: only here
            train_and_write(args.task, args.out or "assets/models", say=say,
                            steps=args.steps if "--steps" in (argv or sys.argv) else None)
            return 0
        task: Task
        if args.folder:
            task = FolderTask.from_folder(args.folder, args.size or 128)
            for note in task.notes:
                say(note)
        else:
            task = TextureTask(size=args.size or 50)
        config = TrainConfig(scale=args.scale, steps=args.steps, batch=args.batch, lr=args.lr,
                             layers=args.layers, neighbourhood=args.neighbourhood,
                             activation=args.activation, eval_every=args.eval_every)
        say(f"# {task.name}: {len(task.classes)} classes, {task.image_size[0]}×{task.image_size[1]} → "
            f"{config.scale}× · {args.steps} steps of {args.batch} · {world} process(es) on {device}")
        if len(methods) == 1 and len(args.seeds) == 1:
            def report(progress: TrainingProgress) -> None:
                if progress.accuracy_steps and progress.accuracy_steps[-1] == progress.step:
                    say(f"step {progress.step:5d}/{progress.steps} · loss {progress.loss:.4f} · "
                        f"validation accuracy {progress.accuracies[-1]:.3f}")
            run = train(task, replace(config, method=methods[0], seed=args.seeds[0]), on_step=report, device=device)
            say(f"test accuracy {run.test_accuracy:.4f} after {run.seconds:.1f} s")
            learned = run.downsizer
        else:
            comparison = compare(task, tuple(methods), tuple(args.seeds), config,
                                 on_progress=lambda fraction, message: say(f"[{fraction:5.1%}] {message}"),
                                 device=device)
            say(comparison.markdown())
            first = comparison.runs.get(args.seeds[0])
            learned = first.downsizer if first is not None else None
        if args.out:
            if learned is None:
                say("--out saves a DownsizeNet; no DownsizeNet was trained, so nothing was saved.")
            elif "{rank}" in args.out or rank == 0:
                path = args.out.replace("{rank}", str(rank))
                save_weights_file(learned, path)
                print(f"saved {path}", flush=True)
    except ValueError as error:      # ScaleScopeError and unknown names: a sentence, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if distributed and dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main(set_threads=True))
