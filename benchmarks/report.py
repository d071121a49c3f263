"""``python -m core.resize.report`` on a folder of generated images, against a plain loop.

    python -m benchmarks.report [--count 200] [--side 1024] [--methods opencv-area] [--workers 1 2]

Writes ``count`` PNGs of ``side``² (smooth shapes, noise and stripes, seeded) to a temporary
folder, then measures images per second for:

* a loop that decodes each file (:func:`core.images.load_image`) and calls ``cv2.resize`` with
  ``INTER_AREA`` to the same size: the floor;
* the report with 1 and 2 worker processes (``--workers``), which also computes the band-limited
  reference, PSNR, SSIM and the aliasing score and writes the CSV and HTML.

The ratio is the report's overhead over the bare resize; most of it is the measurement (the DCT
reference, SSIM and the aliasing score's two extra resizes), not the wrapper.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from core.images import load_image
from core.resize.report import find_images, run


def make_folder(folder: Path, count: int, side: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side].astype(np.float32)
    for i in range(count):
        fx, fy, stripes = rng.uniform(8, 60, 2), rng.uniform(0.05, 0.45), rng.uniform(0, 1, 3)
        base = 128 + 60 * np.sin(x / fx[0] + i) * np.cos(y / fx[1])
        image = base[..., None] + 40 * np.cos(2 * np.pi * fy * x)[..., None] * stripes
        image += rng.normal(0, 8, (side, side, 3)).astype(np.float32)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(folder / f"{i:04d}.png", compress_level=1)


def direct_loop(folder: Path, scale: float) -> float:
    start = time.perf_counter()
    count = 0
    for path in find_images(folder):
        image = load_image(path)
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        count += 1
    return count / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--side", type=int, default=1024)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--methods", nargs="+", default=["opencv-area"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        make_folder(folder, args.count, args.side)
        floor = direct_loop(folder, args.scale)
        print(f"{args.count} images of {args.side}², scale {args.scale}, methods {' '.join(args.methods)}")
        print(f"direct loop (load_image + cv2.resize INTER_AREA): {floor:.1f} images/s")
        for workers in args.workers:
            start = time.perf_counter()
            run(folder, Path(tmp) / f"out-{workers}", scale=args.scale, methods=args.methods,
                workers=workers, progress=False)
            rate = args.count / (time.perf_counter() - start)
            print(f"report, {workers} worker(s): {rate:.2f} images/s ({floor / rate:.1f}× the loop's time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
