"""Coarse-to-fine against exhaustive template search, on every bundled sample and a 2048² image.

Run: ``.venv/bin/python -m benchmarks.search``. The patch is the search page's default (a square
a sixth of the shorter side, in the middle). Both searches use ScaleScope's NCC and take turns,
so a busy machine slows both alike; the ratio is the median of the paired runs' times. Target:
coarse-to-fine at most 0.3× the exhaustive time at every level count ≥ 2 and top-k ≤ 3.
OpenCV's ``cv2.matchTemplate`` over the whole image is timed beside them as the library reference.
"""

from __future__ import annotations

import statistics
import time
from functools import partial

import cv2
import numpy as np

from core.device import describe_device
from core.samples import SAMPLES
from core.search import coarse_to_fine_match, exhaustive_match
from core.search.lesson import _gray, cut_patch, max_search_levels

TARGET = 0.3


def paired_ms(first, second, repeats: int) -> tuple[float, float]:
    first(), second()
    a, b = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        first()
        a.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        second()
        b.append((time.perf_counter() - start) * 1e3)
    return statistics.median(a), statistics.median(b)


def textured_2048() -> np.ndarray:
    noise = np.random.default_rng(0).random((2048, 2048)).astype(np.float32)
    blurred = cv2.GaussianBlur(noise, (0, 0), 4.0) * 255
    grey = np.clip((blurred - blurred.mean()) * 8 + 128, 0, 255).astype(np.uint8)
    return np.dstack([grey] * 3)


def main() -> None:
    print(f"# Template search: coarse-to-fine time / exhaustive time · {describe_device()}\n")
    print("Each cell: median time ratio (medians of paired runs); `*` where coarse-to-fine lands elsewhere "
          "than the exhaustive search (a look-alike won at the top octave; more top-k rescues it).\n")
    cases = [(name, sample.load()) for name, sample in SAMPLES.items()] + [("textured 2048²", textured_2048())]
    rows, worst, curves = [], 0.0, {}
    for name, image in cases:
        height, width = image.shape[:2]
        side = max(4, min(height, width) // 6)
        patch = cut_patch(image, (height - side) // 2, (width - side) // 2, side)
        gray, template = _gray(image), _gray(patch)
        exhaustive = exhaustive_match(gray, template)
        repeats = 5 if height * width > 10**6 else 11
        cells, exhaustive_times = [], []
        for levels in range(2, max_search_levels(side) + 1):
            for keep in (1, 3):
                ex_ms, c2f_ms = paired_ms(partial(exhaustive_match, gray, template),
                                          partial(coarse_to_fine_match, gray, template, levels, keep=keep),
                                          repeats)
                match = coarse_to_fine_match(gray, template, levels, keep=keep)
                ratio = c2f_ms / ex_ms
                worst = max(worst, ratio)
                exhaustive_times.append(ex_ms)
                cells.append(f"{levels}/{keep}: {ratio:.2f}"
                             f"{'' if (match.y, match.x) == (exhaustive.y, exhaustive.x) else '*'}")
                if keep == 1:
                    curves.setdefault(name, []).append(
                        (levels, match.total_evaluations / exhaustive.total_evaluations, ratio))
        rows.append((name, f"{width}×{height}", side, statistics.median(exhaustive_times),
                     max(float(c.split(": ")[1].rstrip("*")) for c in cells), " · ".join(cells)))
    print("| image | size | patch | exhaustive ms | worst ratio | levels/top-k: ratio |")
    print("|---|---|---:|---:|---:|---|")
    for name, size, side, ms, top, cells in rows:
        print(f"| {name} | {size} | {side} | {ms:.1f} | {top:.2f} | {cells} |")
    print(f"\nWorst ratio over every image, level count ≥ 2 and top-k ≤ 3: **{worst:.2f}** "
          f"(target ≤ {TARGET}: {'met' if worst <= TARGET else 'not met'}).\n")
    print("## Crossover curves, top-k 1: positions scored and time, both as a fraction of exhaustive\n")
    print("| image | levels | positions ratio | time ratio |")
    print("|---|---:|---:|---:|")
    for name in ("cat", "deep-field", "textured 2048²"):
        for levels, evaluations, ratio in curves.get(name, []):
            print(f"| {name} | {levels} | {evaluations:.4f} | {ratio:.2f} |")
    image = cases[-1][1][..., 0].astype(np.float32)
    patch = image[900:1241, 1200:1541].copy()
    start = time.perf_counter()
    cv2.matchTemplate(image, patch, cv2.TM_CCOEFF_NORMED)
    print(f"\ncv2.matchTemplate on the 2048² image with a 341² patch (library reference): "
          f"{(time.perf_counter() - start) * 1e3:.0f} ms.")


if __name__ == "__main__":
    main()
