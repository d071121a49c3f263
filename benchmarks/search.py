"""Coarse-to-fine against exhaustive template search on a 2048² image with a 64² patch.

Run: ``.venv/bin/python -m benchmarks.search``. Both use ScaleScope's FFT-based NCC; OpenCV's
``cv2.matchTemplate`` over the whole image is timed beside them as the library reference.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from benchmarks.pyramids import median_ms
from core.device import describe_device
from core.search import coarse_to_fine_match, exhaustive_match


def main() -> None:
    size, side, top, left = 2048, 64, 900, 1200
    noise = np.random.default_rng(0).random((size, size)).astype(np.float32)
    image = cv2.GaussianBlur(noise, (0, 0), 4.0)
    patch = image[top:top + side, left:left + side].copy()
    x, t = torch.from_numpy(image), torch.from_numpy(patch)
    print(f"# Template search, {size}² image, {side}² patch · {describe_device()}\n")
    print("| search | median ms | ± ms | positions scored | found | × exhaustive time |")
    print("|---|---:|---:|---:|---|---:|")
    exhaustive_ms, spread = median_ms(lambda: exhaustive_match(x, t), 5)
    rows = [("exhaustive (ScaleScope NCC)", exhaustive_ms, spread, exhaustive_match(x, t))]
    cv_ms, cv_spread = median_ms(lambda: cv2.matchTemplate(image, patch, cv2.TM_CCOEFF_NORMED), 5)
    for levels in (3, 4, 5):
        ms, spread = median_ms(lambda: coarse_to_fine_match(x, t, levels), 15)
        rows.append((f"coarse-to-fine, {levels} levels", ms, spread, coarse_to_fine_match(x, t, levels)))
    for name, ms, spread, match in rows:
        print(f"| {name} | {ms:.1f} | {spread:.1f} | {match.total_evaluations:,} | ({match.x}, {match.y}) "
              f"| {ms / exhaustive_ms:.3f} |")
    print(f"| cv2.matchTemplate, whole image (reference) | {cv_ms:.1f} | {cv_spread:.1f} | "
          f"{(size - side + 1) ** 2:,} | | {cv_ms / exhaustive_ms:.3f} |")


if __name__ == "__main__":
    main()
