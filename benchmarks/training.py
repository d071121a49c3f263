"""The scale-invariance study's training cost: one step per variant, and the whole default study.

Run: ``.venv/bin/python -m benchmarks.training``.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from benchmarks.pyramids import median_ms
from core.device import describe_device
from core.scale_invariance.study import VARIANTS, build_model, make_dataset, run_study


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


if __name__ == "__main__":
    main()
