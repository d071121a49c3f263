"""Synthetic segmentation scenes: filled shapes pasted on blurred crops of the bundled photographs.

Every scene is a crop of one photograph from ``assets/samples`` (random position, scale and
flips, then a Gaussian blur so the photograph's own edges are soft) with a few filled shapes
pasted on it: disc (class 1), square (2), triangle (3) and five-pointed star (4); the background
is class 0. Shapes are pasted one after another, so a later shape hides what it covers and the
labels and masks hold only the visible pixels.

Why scale matters here. A shape's colour and texture (flat, stripes or noise) are drawn at random,
independently of its class, so the class lives only in the outline. The nominal side is
log-uniform between 4 and 160 px:

* a pixel deep inside a big shape sees a uniform patch; the outline that names its class is up
  to 80 px away, 10 cells of the stride-8 feature map, so the network needs context from that
  far (large atrous rates, image pooling, coarse pyramid bins);
* a shape of 4 to 12 px fits in one or two cells of that map, and what tells a disc from a star
  at that size is detail that striding has mostly thrown away.

The ``iou_by_size`` bins of :mod:`core.models.evaluate` show both effects apart.

Sizes: the *side* of a square or triangle (equilateral), the *diameter* of a disc, and the
*outer* diameter of a star (inner radius 0.45 of the outer). A mask's pixel count matches the
nominal area (``π s²/4`` for a disc, ``s²`` for a square, …) to within a few per cent.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from core.errors import InvalidParameterError

CLASSES = ("background", "disc", "square", "triangle", "star")
SCENES_VERSION = 1
SHAPES_PER_SCENE = (3, 8)            # inclusive range
SIDE_RANGE = (4.0, 160.0)            # px, log-uniform
RECIPE = (
    f"v{SCENES_VERSION}: blurred crops of the bundled photographs (scale 0.6-1.6, flips, Gaussian "
    f"sigma 1-2.5 px) with {SHAPES_PER_SCENE[0]}-{SHAPES_PER_SCENE[1]} filled shapes (disc, square, "
    f"triangle, star) of side {SIDE_RANGE[0]:g}-{SIDE_RANGE[1]:g} px (log-uniform), random colour, "
    "flat/stripes/noise texture, rotation; later shapes occlude earlier ones")
_SHIFT = 4                           # cv2 fractional bits: coordinates in 1/16 px
_ONE = 1 << _SHIFT

ObjectSize = tuple[int, float, np.ndarray]


@lru_cache(maxsize=1)
def _photographs() -> tuple[np.ndarray, ...]:
    """The bundled photographs as ``(H, W, 3) uint8`` arrays, read once per process."""
    from core.samples import SAMPLES

    return tuple(sample.load() for sample in SAMPLES.values() if sample.kind == "photo")


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    photos = _photographs()
    photo = photos[int(rng.integers(len(photos)))]
    height, width = photo.shape[:2]
    scale = float(np.exp(rng.uniform(np.log(0.6), np.log(1.6))))
    crop = int(min(round(size / scale), height, width))
    top, left = int(rng.integers(height - crop + 1)), int(rng.integers(width - crop + 1))
    patch = photo[top:top + crop, left:left + crop]
    interpolation = cv2.INTER_AREA if crop > size else cv2.INTER_LINEAR
    patch = cv2.resize(patch, (size, size), interpolation=interpolation)
    flips = rng.random(2) < 0.5
    if flips.any():                  # cv2 codes: 1 left-right, 0 up-down, -1 both
        patch = cv2.flip(patch, -1 if flips.all() else int(flips[0]))
    patch = cv2.GaussianBlur(patch, (0, 0), float(rng.uniform(1.0, 2.5)))
    return patch.astype(np.float32) / 255.0


def _outline(cls: int, side: float, angle: float) -> np.ndarray:
    """Polygon vertices around the origin, ``(N, 2) float``, for classes 2 to 4."""
    if cls == 2:
        radii, turns = np.full(4, side / np.sqrt(2.0)), np.arange(4) / 4 + 1 / 8
    elif cls == 3:
        radii, turns = np.full(3, side / np.sqrt(3.0)), np.arange(3) / 3
    else:
        outer = side / 2
        radii, turns = np.tile([outer, 0.45 * outer], 5), np.arange(10) / 10
    theta = 2 * np.pi * turns + angle
    return np.stack([radii * np.cos(theta), radii * np.sin(theta)], axis=1)


def _shrink(area: float, perimeter: float) -> float:
    """The scale ``k`` that makes OpenCV's fill as large as the nominal shape.

    OpenCV fills every pixel its outline touches, about half a pixel beyond the outline all round,
    so a filled shape of area ``A`` and perimeter ``P`` covers about ``A + P/2`` pixels. Drawing the
    outline scaled by ``k`` with ``k²A + kP/2 = A`` brings the pixel count back to ``A``.
    """
    return float((-perimeter / 2 + np.sqrt(perimeter ** 2 / 4 + 4 * area ** 2)) / (2 * area))


def _draw_mask(cls: int, side: float, angle: float, cx: float, cy: float, size: int) -> np.ndarray:
    """The ``(size, size) bool`` pixels of one shape of class ``cls`` centred on ``(cx, cy)``."""
    mask = np.zeros((size, size), np.uint8)
    if cls == 1:
        radius = side / 2 * _shrink(np.pi * side ** 2 / 4, np.pi * side)
        centre = (int(round(cx * _ONE)), int(round(cy * _ONE)))
        cv2.circle(mask, centre, int(round(radius * _ONE)), 1, -1, cv2.LINE_8, _SHIFT)
    else:
        points = _outline(cls, side, angle)
        x, y = points[:, 0], points[:, 1]
        area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
        perimeter = float(np.linalg.norm(points - np.roll(points, -1, axis=0), axis=1).sum())
        fixed = np.round((points * _shrink(area, perimeter) + (cx, cy)) * _ONE).astype(np.int32)
        cv2.fillPoly(mask, [fixed], 1, cv2.LINE_8, shift=_SHIFT)
    return mask.astype(bool)


def _paint(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A ``(height, width, 3)`` fill: flat colour, stripes of two colours, or colour plus noise."""
    colour = rng.uniform(0.0, 1.0, 3).astype(np.float32)
    texture = int(rng.integers(3))
    if texture == 0:
        return np.broadcast_to(colour, (height, width, 3))
    if texture == 1:
        other = rng.uniform(0.0, 1.0, 3).astype(np.float32)
        period, direction = rng.uniform(3.0, 12.0), rng.uniform(0.0, np.pi)
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        phase = (x * np.cos(direction) + y * np.sin(direction)) / period
        stripes = (np.sin(2 * np.pi * phase) > 0)[..., None]
        return np.where(stripes, colour, other)
    noise = rng.normal(0.0, rng.uniform(0.08, 0.25), (height, width, 3)).astype(np.float32)
    return np.clip(colour + noise, 0.0, 1.0)


def make_scene(rng: np.random.Generator, size: int = 256) -> tuple[np.ndarray, np.ndarray, list[ObjectSize]]:
    """One scene drawn from ``rng``: ``(image, labels, objects)``; see :func:`make_scenes`.

    Shape:
        image ``(size, size, 3) float32`` in [0, 1]; labels ``(size, size) int64``.
    """
    image = _background(rng, size)
    labels = np.zeros((size, size), np.int64)
    owner = np.full((size, size), -1, np.int16)
    drawn: list[tuple[int, float]] = []
    low, high = np.log(SIDE_RANGE[0]), np.log(SIDE_RANGE[1])
    for index in range(int(rng.integers(SHAPES_PER_SCENE[0], SHAPES_PER_SCENE[1] + 1))):
        cls = int(rng.integers(1, len(CLASSES)))
        side = float(np.exp(rng.uniform(low, high)))
        cx, cy = rng.uniform(0.1 * size, 0.9 * size, 2)
        mask = _draw_mask(cls, side, float(rng.uniform(0.0, 2 * np.pi)), float(cx), float(cy), size)
        rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        if rows.size:
            top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            paint = _paint(rng, bottom - top, right - left)
            inside = mask[top:bottom, left:right]
            image[top:bottom, left:right][inside] = paint[inside]
            labels[top:bottom, left:right][inside] = cls
            owner[top:bottom, left:right][inside] = index
        drawn.append((cls, side))
    objects: list[ObjectSize] = []
    for index, (cls, side) in enumerate(drawn):
        visible = owner == index
        if visible.any():
            objects.append((cls, side, visible))
    return image, labels, objects


def make_scenes(count: int, size: int = 256, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[list[ObjectSize]]]:
    """``count`` scenes, the same for the same ``seed`` (numpy ``default_rng``).

    Returns ``(images, labels, object_sizes)``; ``object_sizes[i]`` lists scene ``i``'s visible
    objects as ``(class, side_px, mask)`` in pasting order, ``mask`` the ``(H, W) bool`` pixels
    of that object nobody pasted over (an object hidden entirely is left out).

    Shape:
        images ``(N, 3, size, size) float32`` in [0, 1]; labels ``(N, size, size) int64`` in 0..4.

    >>> images, labels, objects = make_scenes(2, 64, seed=3)
    >>> images.shape, labels.shape, len(objects)
    ((2, 3, 64, 64), (2, 64, 64), 2)
    """
    if not (isinstance(count, int | np.integer) and count >= 0):
        raise InvalidParameterError(f"The number of scenes must be a whole number of 0 or more, got {count!r}.")
    if not (isinstance(size, int | np.integer) and 16 <= size <= 1024):
        raise InvalidParameterError(f"A scene's side must be between 16 and 1024 pixels, got {size!r}.")
    rng = np.random.default_rng(seed)
    images = np.empty((count, 3, size, size), np.float32)
    labels = np.empty((count, size, size), np.int64)
    object_sizes: list[list[ObjectSize]] = []
    for i in range(count):
        image, labels[i], objects = make_scene(rng, int(size))
        images[i] = image.transpose(2, 0, 1)
        object_sizes.append(objects)
    return images, labels, object_sizes
