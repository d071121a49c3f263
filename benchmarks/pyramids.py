"""Gaussian pyramids, 5 levels, on the same RGB float32 image: ScaleScope against the libraries.

Run: ``scripts/bench.sh`` (or ``.venv/bin/python -m benchmarks.pyramids``). Prints the median of
several runs after a warm-up, and each time as a ratio to OpenCV's ``cv2.pyrDown`` loop measured
in the same run. Speed is reported here, never asserted in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import time

import cv2
import numpy as np
import torch

from core.device import describe_device, device
from core.pyramids import gaussian_pyramid, laplacian_pyramid, reconstruct

LEVELS = 5


def median_ms(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up: first-touch page faults, lazy initialisation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), (max(times) - min(times)) / 2


def opencv_loop(image: np.ndarray) -> list[np.ndarray]:
    levels = [image]
    for _ in range(LEVELS - 1):
        levels.append(cv2.pyrDown(levels[-1]))
    return levels


def opencv_laplacian_round_trip(image: np.ndarray) -> np.ndarray:
    gaussians = opencv_loop(image)
    bands = [g - cv2.pyrUp(s, dstsize=(g.shape[1], g.shape[0])) for g, s in zip(gaussians[:-1], gaussians[1:])]
    out = gaussians[-1]
    for band in reversed(bands):
        out = band + cv2.pyrUp(out, dstsize=(band.shape[1], band.shape[0]))
    return out


def candidates(image: np.ndarray, include_slow: bool):
    x = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).contiguous().to(device())
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)

    def ours(backend="auto"):
        def run():
            with torch.no_grad():
                gaussian_pyramid(x, LEVELS, backend=backend)
            sync()
        return run

    gauss, laplace = "cv2.pyrDown loop", "cv2 Laplacian + reconstruct"
    yield gauss, lambda: opencv_loop(image), 15, gauss
    yield f"scalescope gaussian_pyramid [{x.device.type}, auto]", ours(), 15, gauss
    yield laplace, lambda: opencv_laplacian_round_trip(image), 7, laplace
    yield "scalescope laplacian_pyramid + reconstruct", lambda: reconstruct(laplacian_pyramid(x, LEVELS)), 7, laplace
    if include_slow:
        yield "scalescope gaussian_pyramid [torch path]", ours("torch"), 3, gauss
        try:
            import kornia

            yield "kornia build_pyramid", lambda: kornia.geometry.transform.build_pyramid(x.cpu(), LEVELS), 3, gauss
        except ImportError:
            print("  (kornia not installed: scripts/bench.sh installs it)")
        try:
            from skimage.transform import pyramid_gaussian

            yield "skimage pyramid_gaussian", lambda: list(
                pyramid_gaussian(image, max_layer=LEVELS - 1, channel_axis=-1)), 3, gauss
        except ImportError:
            print("  (scikit-image not installed: scripts/bench.sh installs it)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--quick", action="store_true", help="skip the slow libraries")
    args = parser.parse_args()
    print(f"# Gaussian pyramid, {LEVELS} levels, RGB float32 · {describe_device()} · OpenCV {cv2.__version__}")
    for size in args.sizes:
        image = np.random.default_rng(0).random((size, size, 3), dtype=np.float32)
        print(f"\n## {size}×{size}\n")
        print(f"| {'implementation':<48} | median ms | ± ms | ratio to | {'reference':<28} |")
        print(f"|{'-' * 50}|----------:|-----:|---------:|{'-' * 30}|")
        measured: dict[str, float] = {}
        for name, fn, repeats, reference in candidates(image, not args.quick):
            ms, spread = median_ms(fn, repeats)
            measured[name] = ms
            print(f"| {name:<48} | {ms:9.1f} | {spread:4.1f} | {ms / measured[reference]:8.2f} | {reference:<28} |")


if __name__ == "__main__":
    main()
