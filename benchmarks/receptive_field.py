"""Effective receptive field (one backward pass to the input) against the forward pass alone.

Run: ``.venv/bin/python -m benchmarks.receptive_field``. Prints the median of a few runs after a
warm-up and each time as a ratio to the forward pass of the same network measured in the same
run; the recurrences (theoretical field) are timed for scale. Speed is reported here, never
asserted in the test suite.
"""

from __future__ import annotations

import argparse

import torch

from benchmarks.pyramids import median_ms
from core.device import describe_device, device
from core.receptive_field import PRESETS, Layer, build_stack, compare_fields, effective_receptive_field, receptive_field


def _sync() -> None:
    if device().type == "cuda":
        torch.cuda.synchronize()


def wide_cases(sizes: list[int], inputs: int):
    """ASPP-sized work: 256 → 256 channels, a plain 3×3 and a rate-6 3×3 on a 256 × n × n map."""
    for name, layers in (("3×3 conv", [Layer("conv", 3, padding=1)]),
                         ("3×3 conv, rate 6", [Layer("atrous", 3, padding=6, dilation=6)])):
        model = build_stack(layers, channels=256, in_channels=256).to(device())
        for side in sizes:
            x = torch.randn(1, 256, side, side, device=device())

            # Defaults bind this model, input and side: the cases run after the generator is exhausted.
            def forward(model=model, x=x):
                with torch.no_grad():
                    model(x)
                _sync()

            def erf(count, model=model, side=side):
                def run():
                    effective_receptive_field(model, (side, side), (side // 2, side // 2), inputs=count)
                    _sync()
                return run

            label = f"{name}, 256×{side}×{side}"
            yield label, "forward (no grad), 1 input", forward
            yield label, "ERF, 1 input (forward + backward)", erf(1)
            if inputs > 1:
                yield label, f"ERF, {inputs} inputs in one batch", erf(inputs)


def lesson_cases(side: int):
    """What the lesson computes on a cache miss: a preset built with 16 channels, 4 inputs."""
    for name in ("tiny-vgg", "alexnet", "vgg16", "resnet50", "deeplabv3-aspp"):
        layers = PRESETS[name]
        model = build_stack(layers, channels=16).to(device())
        x = torch.randn(1, 3, side, side, device=device())

        def forward(model=model, x=x):
            with torch.no_grad():
                model(x)
            _sync()

        label = f"{name} ({len(layers)} layers), 16 ch, 3×{side}×{side}"
        yield label, "forward (no grad), 1 input", forward
        yield label, "compare_fields (build + ERF of 4 inputs + masks)", \
            lambda layers=layers: compare_fields(layers, (side, side))
        yield label, "receptive_field (recurrences only)", lambda layers=layers: receptive_field(layers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--inputs", type=int, default=4)
    parser.add_argument("--lesson-side", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"# Effective receptive field · {describe_device()}\n")
    print(f"| {'network and input':<44} | {'what':<50} | median ms | ± ms | × forward |")
    print(f"|{'-' * 46}|{'-' * 52}|----------:|-----:|----------:|")
    reference: dict[str, float] = {}
    for label, what, fn in [*wide_cases(args.sizes, args.inputs), *lesson_cases(args.lesson_side)]:
        ms, spread = median_ms(fn, args.repeats)
        reference.setdefault(label, ms)
        print(f"| {label:<44} | {what:<50} | {ms:9.3f} | {spread:4.1f} | {ms / reference[label]:9.2f} |")


if __name__ == "__main__":
    main()
