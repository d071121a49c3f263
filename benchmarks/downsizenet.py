"""DownsizeNet's cost against PyTorch's bilinear resize on the same device, and a training step.

Run: ``.venv/bin/python -m benchmarks.downsizenet`` (``--quick`` skips the 4096² rows and the
downstream network). Prints medians in milliseconds and ratios to ``F.interpolate(bilinear)``
measured in the same run. Speed is reported here, never asserted in the test suite.

The paper's figure (34.2 vs 31.4 ms per image on a K80, 1.09x) is the time per image of a whole
detection pipeline with each resize; the ``+ VGG-16 convolutions`` rows rebuild that kind of
comparison with a downstream network that is the same in both.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F

from benchmarks.pyramids import median_ms
from core.device import describe_device, device
from core.downsizenet import DownsizeNet, output_size
from core.downsizenet.tasks import TextureTask, build_classifier

SCALE = 0.3
VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)


def vgg16_convolutions() -> nn.Module:
    """VGG-16's 13 convolutions and 4 max-pools (random weights: only the cost matters)."""
    layers, channels = [], 3
    for item in VGG16:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU(inplace=True)]
            channels = item
    return nn.Sequential(*layers)


@contextmanager
def threads(count: int | None):
    previous = torch.get_num_threads()
    if count:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _sync(x: torch.Tensor):
    return torch.cuda.synchronize if x.is_cuda else (lambda: None)


def forward_rows(side: int, with_backbone: bool):
    dev = device()
    x = torch.rand(1, 3, side, side, device=dev)
    size = output_size(side, side, SCALE)
    sync = _sync(x)
    nets = {f"DownsizeNet, {n} conv layers": DownsizeNet(layers=n).to(dev).eval() for n in (2, 3, 4)}
    nets["DownsizeNet.as_bilinear() (2 layers, the special case)"] = DownsizeNet.as_bilinear().to(dev).eval()
    repeats = 15 if side <= 1024 else 5

    def timed(fn):
        def run():
            with torch.no_grad():
                fn()
            sync()
        return run

    yield "F.interpolate bilinear", timed(lambda: F.interpolate(x, size, mode="bilinear", align_corners=False)), repeats
    yield "F.interpolate bilinear, antialias", timed(
        lambda: F.interpolate(x, size, mode="bilinear", align_corners=False, antialias=True)), repeats
    yield "F.interpolate bicubic", timed(lambda: F.interpolate(x, size, mode="bicubic", align_corners=False)), repeats
    for name, net in nets.items():
        yield name, timed(lambda net=net: net(x, size)), max(3, repeats // 3)
    if with_backbone:
        backbone = vgg16_convolutions().to(dev).eval().to(memory_format=torch.channels_last)
        learned = nets["DownsizeNet, 2 conv layers"]
        channels_last = torch.channels_last
        yield "bilinear + VGG-16 convolutions", timed(lambda: backbone(
            F.interpolate(x, size, mode="bilinear", align_corners=False).contiguous(memory_format=channels_last))), 3
        yield "DownsizeNet (2 layers) + VGG-16 convolutions", timed(lambda: backbone(
            learned(x, size).contiguous(memory_format=channels_last))), 3


def training_rows(thread_count: int | None):
    dev = device()
    task = TextureTask()
    images, labels = task.draw(torch.Generator().manual_seed(0), 32)
    images, labels = images.to(dev), labels.to(dev)
    size = output_size(*task.image_size, SCALE)
    sync = _sync(images)
    for name, downsizer in (("bilinear + classifier", None), ("DownsizeNet (2 layers) + classifier", DownsizeNet())):
        classifier = build_classifier(len(task.classes), generator=torch.Generator().manual_seed(0)).to(dev)
        parameters = list(classifier.parameters())
        if downsizer is not None:
            downsizer = downsizer.to(dev)
            parameters += list(downsizer.parameters())
        optimiser = torch.optim.Adam(parameters, lr=3e-3)

        def step(downsizer=downsizer, classifier=classifier, optimiser=optimiser):
            small = (F.interpolate(images, size, mode="bilinear", align_corners=False) if downsizer is None
                     else downsizer(images, size))
            loss = F.cross_entropy(classifier(small), labels)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            sync()

        with threads(thread_count if dev.type == "cpu" else None):
            ms, _ = median_ms(step, 30)
        yield name, ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--quick", action="store_true", help="1024² only, no downstream network")
    args = parser.parse_args()
    sizes = [s for s in args.sizes if s <= 1024] if args.quick else args.sizes
    print(f"# DownsizeNet against bilinear, RGB float32, batch 1, {SCALE}× · {describe_device()}")
    for side in sizes:
        small = output_size(side, side, SCALE)
        print(f"\n## {side}×{side} → {small[1]}×{small[0]}\n")
        print(f"| {'implementation':<55} | median ms | ± ms | × bilinear |")
        print(f"|{'-' * 57}|----------:|-----:|-----------:|")
        reference = {}
        for name, fn, repeats in forward_rows(side, with_backbone=side <= 1024 and not args.quick):
            ms, spread = median_ms(fn, repeats)
            base = "bilinear + VGG-16 convolutions" if "VGG" in name else "F.interpolate bilinear"
            reference.setdefault(name, ms)
            print(f"| {name:<55} | {ms:9.1f} | {spread:4.1f} | {ms / reference[base]:10.2f} |", flush=True)
    print("\n## One training step: texture task, batch 32 of 50×50 → 15×15, forward + backward + Adam\n")
    for label, count in (("1 thread (what training uses on the CPU)", 1), ("PyTorch's default threads", None)):
        if device().type != "cpu" and count == 1:
            continue
        print(f"| {label} | ms per step | × bilinear |\n|---|---:|---:|")
        rows = list(training_rows(count))
        for name, ms in rows:
            print(f"| {name} | {ms:.1f} | {ms / rows[0][1]:.2f} |")
        print()


if __name__ == "__main__":
    main()
