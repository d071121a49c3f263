"""Small pictures for the home page, drawn from the bundled samples (no files generated)."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from core.images import to_image, to_tensor
from core.pyramids import gaussian_pyramid
from core.samples import get_sample
from ui.imaging import compose_stack

SIZE = (240, 160)  # width, height


def _fit(image: np.ndarray, interpolation: int = cv2.INTER_AREA) -> np.ndarray:
    return cv2.resize(np.ascontiguousarray(image), SIZE, interpolation=interpolation)


def _pyramid() -> np.ndarray:
    with torch.no_grad():
        levels = [to_image(g) for g in gaussian_pyramid(to_tensor(get_sample("cat").load(), "cpu"), 4)]
    return _fit(compose_stack(levels)[0])


def _search() -> np.ndarray:
    sample = get_sample("cat")
    cat = sample.load().copy()
    top, left, side = sample.patch or (0, 0, 0)
    cv2.rectangle(cat, (left, top), (left + side, top + side), (255, 220, 0), 3)
    return _fit(cat[20:280, 40:430])


def _blend() -> np.ndarray:
    a, b = _fit(get_sample("cat").load()), _fit(get_sample("coffee").load())
    alpha = np.clip((np.arange(SIZE[0]) - SIZE[0] / 2) / 40 + 0.5, 0, 1)[None, :, None]
    return (a * (1 - alpha) + b * alpha).astype(np.uint8)


def _resize() -> np.ndarray:
    plate = get_sample("zone-plate").load()
    small = cv2.resize(plate, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_NEAREST)
    return _fit(small, cv2.INTER_NEAREST)


def _grid(name: str, cells: int) -> np.ndarray:
    image = _fit(get_sample(name).load()).copy()
    for i in range(1, cells):
        cv2.line(image, (i * SIZE[0] // cells, 0), (i * SIZE[0] // cells, SIZE[1]), (255, 255, 0), 1)
        cv2.line(image, (0, i * SIZE[1] // cells), (SIZE[0], i * SIZE[1] // cells), (255, 255, 0), 1)
    return image


def _fields() -> np.ndarray:
    image = _fit(get_sample("photographer").load()).copy()
    for half in (6, 18, 42):
        cv2.rectangle(image, (120 - half, 80 - half), (120 + half, 80 + half), (255, 80, 0), 2)
    return image


THUMBNAILS = {
    "pyramids": _pyramid,
    "search": _search,
    "blend": _blend,
    "resize": _resize,
    "downsizenet": lambda: _fit(get_sample("brick-wall").load()),
    "sampling": lambda: _fit(get_sample("checkerboard").load()[:48, :72], cv2.INTER_NEAREST),
    "modules": lambda: _grid("astronaut", 4),
    "receptive-field": _fields,
    "scale-invariance": lambda: _fit(get_sample("squares").load()[250:470, 200:530], cv2.INTER_NEAREST),
}
