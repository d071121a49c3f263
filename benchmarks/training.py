"""Training cost: one step per variant of the scale-invariance study, the whole shipped study, and
the two trainings a reader starts from a page with its default settings.

Run: ``.venv/bin/python -m benchmarks.training``. Targets: the live scale study at the page's
defaults in ≤ 30 s on 2 cores, the DownsizeNet demo training in ≤ 10 s.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from benchmarks.pyramids import median_ms
from core.device import describe_device
from core.downsizenet.tasks import TextureTask
from core.downsizenet.training import TrainConfig, train
from core.scale_invariance.study import VARIANTS, build_model, make_dataset, run_study

# What the pages start with (app_pages/scale_invariance.py "Train your own study",
# app_pages/downsizenet.py "Train your own"): keep in step with them.
LIVE_STUDY = {"variants": ("global-max", "zoom-augmentation", "input-pyramid"), "seeds": (0,), "steps": 400}
DEMO_TRAINING = TrainConfig(steps=150, seed=0, layers=2, scale=0.3)
LIVE_TARGET_S, DEMO_TARGET_S = 30.0, 10.0


def live_trainings() -> None:
    """The two trainings a reader can start, at the pages' defaults, with their accuracies."""
    start = time.perf_counter()
    study = run_study(LIVE_STUDY["variants"], LIVE_STUDY["seeds"], steps=LIVE_STUDY["steps"])
    study_s = time.perf_counter() - start
    start = time.perf_counter()
    demo = train(TextureTask(), DEMO_TRAINING)
    demo_s = time.perf_counter() - start
    print("\n## Live training at the pages' defaults\n")
    print("| training | settings | seconds | target | accuracy |")
    print("|---|---|---:|---:|---|")
    at_one = {v: study.mean(v)[list(study.scales).index(1.0)] for v in study.accuracy}
    print(f"| scale study (/scale-invariance) | {', '.join(LIVE_STUDY['variants'])}; "
          f"{len(LIVE_STUDY['seeds'])} seed, {LIVE_STUDY['steps']} steps | {study_s:.1f} | "
          f"{'≤' if study_s <= LIVE_TARGET_S else '>'} {LIVE_TARGET_S:g} s | at 1×: "
          + ", ".join(f"{v} {a:.2f}" for v, a in at_one.items()) + " |")
    print(f"| DownsizeNet demo (/downsizenet) | texture task, {DEMO_TRAINING.steps} steps, {DEMO_TRAINING.layers} "
          f"layers, seed {DEMO_TRAINING.seed} | {demo_s:.1f} | {'≤' if demo_s <= DEMO_TARGET_S else '>'} "
          f"{DEMO_TARGET_S:g} s | test {demo.test_accuracy:.1%} |")


def main() -> None:
    images, labels = make_dataset(32, 1.0, seed=0)
    print(f"# Training cost · {describe_device()}\n")
    print("| variant | ms per step (batch 32, forward + backward + Adam) |")
    print("|---|---:|")
    for variant in VARIANTS:
        if variant == "input-pyramid":
            continue
        model = build_model(variant)
        optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)

        def step():
            loss = F.cross_entropy(model(images), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()

        ms, _ = median_ms(step, 30)
        print(f"| {variant} | {ms:.1f} |")
    start = time.perf_counter()
    study = run_study()
    seconds = time.perf_counter() - start
    print(f"\nWhole default study (6 variants, seeds {study.seeds}, 250 steps each, 8 test scales): "
          f"{seconds:.1f} s\n")
    print("| variant | " + " | ".join(f"{s}×" for s in study.scales) + " |")
    print("|---|" + "---:|" * len(study.scales))
    for variant in study.accuracy:
        cells = " | ".join(f"{m:.2f} ± {s:.2f}" for m, s in zip(study.mean(variant), study.spread(variant)))
        print(f"| {variant} | {cells} |")
    live_trainings()


if __name__ == "__main__":
    main()
