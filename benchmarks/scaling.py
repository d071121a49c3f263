"""Cost against size, and distance from the memory-bandwidth floor.

Run: ``.venv/bin/python -m benchmarks.scaling``. Times the 5-level Gaussian pyramid (float32 RGB)
and an OpenCV-area 0.3× resize at 512², 1024², 2048² and 4096²; fits ``time ∝ pixels^k`` (k = 1
means linear); and compares the pyramid with the physical floor — bytes that must be read and
written divided by this machine's copy bandwidth, measured in the same run.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from benchmarks.pyramids import median_ms
from core.device import describe_device
from core.pyramids import gaussian_pyramid, level_sizes

SIZES = (512, 1024, 2048, 4096)


def copy_bandwidth(megabytes: int = 512) -> float:
    """Bytes per second of a large array copy (read + write), the practical memory ceiling."""
    source = np.ones(megabytes * 2**20 // 4, np.float32)
    target = np.empty_like(source)
    ms, _ = median_ms(lambda: np.copyto(target, source), 7)
    return 2 * source.nbytes / (ms / 1e3)


def pyramid_bytes(size: int, levels: int = 5) -> int:
    """Each level is read once and the next written once: 4 bytes × 3 channels per pixel."""
    sizes = level_sizes(size, size, levels)
    reads = sum(h * w for h, w in sizes[:-1])
    writes = sum(h * w for h, w in sizes[1:])
    return (reads + writes) * 3 * 4


def main() -> None:
    bandwidth = copy_bandwidth()
    print(f"# Cost against size · {describe_device()} · copy bandwidth {bandwidth / 1e9:.1f} GB/s\n")
    print("| size | pyramid ms | floor ms | × floor | resize 0.3× (cv2 area) ms |")
    print("|---:|---:|---:|---:|---:|")
    pixels, pyramid_ms, resize_ms = [], [], []
    for size in SIZES:
        image = np.random.default_rng(0).random((size, size, 3), dtype=np.float32)
        x = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).contiguous()
        pyramid, _ = median_ms(lambda: gaussian_pyramid(x, 5), 9)
        target = (int(size * 0.3), int(size * 0.3))
        resize, _ = median_ms(lambda: cv2.resize(image, target, interpolation=cv2.INTER_AREA), 9)
        floor = pyramid_bytes(size) / bandwidth * 1e3
        pixels.append(size * size)
        pyramid_ms.append(pyramid)
        resize_ms.append(resize)
        print(f"| {size}² | {pyramid:.2f} | {floor:.2f} | {pyramid / floor:.1f} | {resize:.2f} |")
    for name, times in (("pyramid", pyramid_ms), ("resize", resize_ms)):
        exponent = np.polyfit(np.log(pixels), np.log(times), 1)[0]
        print(f"\n{name}: time ∝ pixels^{exponent:.2f} over {SIZES[0]}²–{SIZES[-1]}²")


if __name__ == "__main__":
    main()
