"""Gaussian pyramids, 5 levels, on the same RGB float32 image: ScaleScope against the libraries.

Run: ``scripts/bench.sh`` (or ``.venv/bin/python -m benchmarks.pyramids``). Prints the minimum
and median of 15 runs after a warm-up, each as a ratio to OpenCV's ``cv2.pyrDown`` loop (or its
Laplacian build + reconstruct) measured in the same run, and the copy-bandwidth floor: the time
``np.copyto`` takes to move the same bytes (read the input, write every level), timed beside it.
Targets: within 1.2× of OpenCV for both. Speed is reported here, never asserted in the test suite.
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


def min_median_ms(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up: first-touch page faults, lazy initialisation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), statistics.median(times)


def level_bytes(image: np.ndarray) -> list[int]:
    sizes, (h, w) = [], image.shape[:2]
    for _ in range(LEVELS):
        sizes.append(h * w * 3 * 4)
        h, w = (h + 1) // 2, (w + 1) // 2
    return sizes


def bytes_moved(image: np.ndarray, laplacian: bool) -> int:
    """Bytes read plus bytes written by the least work each pipeline can do."""
    s = level_bytes(image)
    gaussian = sum(s[:-1]) + sum(s[1:])           # read each level, write the next
    if not laplacian:
        return gaussian
    # Per band, twice (build, then reconstruct): pyrUp reads the coarse level and writes a fine
    # one; the subtraction (addition) reads two fine levels and writes one, in place.
    return gaussian + 2 * sum(s[i + 1] + s[i] + 3 * s[i] for i in range(LEVELS - 1))


def copy_bandwidth(repeats: int = 15) -> float:
    """Bytes per millisecond of a large contiguous copy (read + write), min of ``repeats``."""
    source = np.ones(64 * 2**20 // 4, np.float32)
    target = np.empty_like(source)
    low, _ = min_median_ms(lambda: np.copyto(target, source), repeats)
    return 2 * source.nbytes / low


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
    bands = [g - cv2.pyrUp(s, dstsize=(g.shape[1], g.shape[0]))
             for g, s in zip(gaussians[:-1], gaussians[1:], strict=True)]
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
    yield laplace, lambda: opencv_laplacian_round_trip(image), 15, laplace
    yield "scalescope laplacian_pyramid + reconstruct", lambda: reconstruct(laplacian_pyramid(x, LEVELS)), 15, laplace
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
        print(f"| {'implementation':<48} | min ms | median ms | ratio (min) | ratio (median) | {'reference':<28} |")
        print(f"|{'-' * 50}|-------:|----------:|------------:|---------------:|{'-' * 30}|")
        measured: dict[str, tuple[float, float]] = {}
        for name, fn, repeats, reference in candidates(image, not args.quick):
            low, ms = min_median_ms(fn, repeats)
            measured[name] = (low, ms)
            ref_low, ref_ms = measured[reference]
            print(f"| {name:<48} | {low:6.1f} | {ms:9.1f} | {low / ref_low:11.2f} | {ms / ref_ms:14.2f} "
                  f"| {reference:<28} |")
        bandwidth = copy_bandwidth()
        print(f"\nCopy bandwidth (64 MB np.copyto, same run): {bandwidth / 1e6:.1f} GB/s.\n")
        print("| pipeline | bytes moved (MB) | floor ms | ours (min) × floor | OpenCV (min) × floor |")
        print("|---|---:|---:|---:|---:|")
        for laplacian, ours_name, ref_name in (
                (False, next(k for k in measured if k.startswith("scalescope gaussian")), "cv2.pyrDown loop"),
                (True, "scalescope laplacian_pyramid + reconstruct", "cv2 Laplacian + reconstruct")):
            moved = bytes_moved(image, laplacian)
            floor = moved / bandwidth
            print(f"| {'Laplacian + reconstruct' if laplacian else 'Gaussian'} | {moved / 1e6:.0f} | {floor:.1f} "
                  f"| {measured[ours_name][0] / floor:.1f} | {measured[ref_name][0] / floor:.1f} |")


if __name__ == "__main__":
    main()
