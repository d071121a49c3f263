"""Downstream tasks that train a downsizer end-to-end, and the small classifier that solves them.

The built-in task, :class:`TextureTask`, is chosen so that *texture matters after downsizing*:
each image is a fine grating whose orientation is the class (0°, 45°, 90° or 135°, each jittered
by ±10°), and whose frequency, 0.16–0.30 cycles per pixel, lies just above the Nyquist limit of
the 0.3× image (0.15 cycles per input pixel). A method that blurs first (area) averages the
grating away; one that samples (bilinear, bicubic) folds it into a coarser pattern whose
orientation depends on the exact frequency. A downsizer that looks at the texture can choose
which neighbours to mix and keep a trace of the orientation.

:class:`FolderTask` reads a folder of labelled images instead (one sub-folder per class).

Convention: images are ``(N, 3, H, W)`` float32 in ``[0, 1]``; labels ``(N,)`` int64.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn as nn

from core.downsizenet.seeding import init_parameters
from core.errors import InvalidParameterError, ScaleScopeError
from core.images import ACCEPTED_EXTENSIONS, load_image

ORIENTATIONS = (0, 45, 90, 135)
TEST_SEED = 10_000
MAX_FOLDER_IMAGES = 20_000


@dataclass(frozen=True)
class TextureTask:
    """Oriented gratings just above the downsized image's Nyquist limit.

    Attributes:
        size: side of the square high-resolution image, pixels.
        frequencies: range of the grating frequency, cycles per pixel (drawn uniformly).
        jitter: the orientation varies by up to this many degrees around its class's.
        noise: standard deviation of the added Gaussian noise.
        test_count: images in the fixed test set (the same for every seed and method).
    """

    size: int = 50
    frequencies: tuple[float, float] = (0.16, 0.30)
    jitter: float = 10.0
    noise: float = 0.04
    test_count: int = 1000
    name: str = "textures"

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(f"{a}°" for a in ORIENTATIONS)

    @property
    def image_size(self) -> tuple[int, int]:
        return self.size, self.size

    def draw(self, generator: torch.Generator, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``count`` fresh images and their labels, deterministic for the generator's state.

        Shape:
            Output: ``(count, 3, size, size)`` float32 in [0, 1], ``(count,)`` int64.
        """
        def uniform(low, high, *shape):
            return low + (high - low) * torch.rand(*shape, generator=generator, dtype=torch.float64)

        labels = torch.randint(0, len(ORIENTATIONS), (count,), generator=generator)
        angle = (torch.tensor(ORIENTATIONS, dtype=torch.float64)[labels]
                 + uniform(-self.jitter, self.jitter, count)) * math.pi / 180
        frequency = uniform(*self.frequencies, count)
        phase = uniform(0, 2 * math.pi, count)
        contrast = uniform(0.15, 0.3, count)
        mean = uniform(0.35, 0.65, count)
        tint = uniform(0.7, 1.0, count, 3)
        axis = torch.arange(self.size, dtype=torch.float32)
        # Phase 2πf(x cosθ + y sinθ) + φ: stripes run perpendicular to the direction θ.
        kx = (2 * math.pi * frequency * torch.cos(angle)).float()[:, None, None]
        ky = (2 * math.pi * frequency * torch.sin(angle)).float()[:, None, None]
        gray = mean.float()[:, None, None] + contrast.float()[:, None, None] * torch.cos(
            kx * axis[None, None, :] + ky * axis[None, :, None] + phase.float()[:, None, None])
        images = gray[:, None] * tint.float()[:, :, None, None]
        images = images + self.noise * torch.randn(images.shape, generator=generator)
        return images.clamp_(0, 1), labels

    def test_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The fixed test set, drawn from its own seed."""
        return self.draw(torch.Generator().manual_seed(TEST_SEED), self.test_count)

    def examples(self, per_class: int = 2, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
        """A few images of each class, class by class (for showing what the task looks like)."""
        generator = torch.Generator().manual_seed(seed)
        images, labels = self.draw(generator, 64 * per_class)
        order = torch.cat([torch.nonzero(labels == k).flatten()[:per_class] for k in range(len(ORIENTATIONS))])
        return images[order], labels[order]


@dataclass(frozen=True)
class FolderTask:
    """Labelled images from a folder with one sub-folder per class.

    Every image is centre-cropped to a square and resized with OpenCV's area filter to
    ``size × size`` (a fixed high resolution so images can be batched); the downsizer under
    study then takes it from there. A fifth of each class (at least one image) is held out.
    """

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    classes: tuple[str, ...]
    name: str = "folder"
    notes: tuple[str, ...] = field(default=())

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.train_images.shape[-2]), int(self.train_images.shape[-1])

    def draw(self, generator: torch.Generator, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.randint(0, len(self.train_labels), (count,), generator=generator)
        return self.train_images[index], self.train_labels[index]

    def test_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.test_images, self.test_labels

    @classmethod
    def from_folder(cls, root: str | os.PathLike, size: int = 128) -> FolderTask:
        """Read ``root/<class>/<image>`` for every accepted image file, sorted by name."""
        root = Path(root)
        if not root.is_dir():
            raise InvalidParameterError(f"{str(root)!r} is not a folder.")
        if not (8 <= size <= 1024):
            raise InvalidParameterError(f"The training image size must be 8 to 1024 pixels, got {size}.")
        classes = tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")))
        if len(classes) < 2:
            raise InvalidParameterError(
                f"{str(root)!r} needs at least two sub-folders (one per class); found {len(classes)}.")
        train, test, notes = [], [], []
        for label, name in enumerate(classes):
            files = sorted(p for p in (root / name).iterdir()
                           if p.is_file() and p.suffix.lower().lstrip(".") in ACCEPTED_EXTENSIONS)
            images = []
            for path in files:
                try:
                    images.append(_square(load_image(path), size))
                except ScaleScopeError as error:   # unreadable or refused: skip it, and say so
                    notes.append(f"Skipped {path.name}: {error}")
            if not images:
                raise InvalidParameterError(f"The class folder {name!r} holds no readable image.")
            held_out = max(1, len(images) // 5) if len(images) > 1 else 0
            test += [(image, label) for image in images[:held_out]]
            train += [(image, label) for image in images[held_out:]]
            if len(train) + len(test) > MAX_FOLDER_IMAGES:
                raise InvalidParameterError(
                    f"The folder holds more than {MAX_FOLDER_IMAGES} images; use a smaller subset.")
        if not test:
            test = train[:1]

        def stack(pairs):
            images = torch.from_numpy(np.stack([p[0] for p in pairs])).permute(0, 3, 1, 2).float() / 255
            return images.contiguous(), torch.tensor([p[1] for p in pairs], dtype=torch.long)

        (train_x, train_y), (test_x, test_y) = stack(train), stack(test)
        return cls(train_x, train_y, test_x, test_y, classes, notes=tuple(notes))


def _square(image: np.ndarray, size: int) -> np.ndarray:
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    crop = np.ascontiguousarray(image[top:top + side, left:left + side])
    interpolation = cv2.INTER_AREA if side >= size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def build_classifier(classes: int, in_channels: int = 3, width: int = 16, *,
                     generator: torch.Generator | None = None) -> nn.Module:
    """The downstream CNN: three 3×3 convolutions (the second with stride 2), global average
    pooling and a linear layer. It accepts any input size, so every downsizer feeds it alike.
    ``generator`` draws the initial weights (None: PyTorch's global random state).

    Shape:
        Input: ``(B, in_channels, h, w)``. Output: ``(B, classes)`` logits.
    """
    # meta: nothing drawn from the global state
    where: dict[str, Any] = {"device": "meta"} if generator is not None else {}
    net = nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1, **where), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, padding=1, stride=2, **where), nn.ReLU(),
        nn.Conv2d(2 * width, 2 * width, 3, padding=1, **where), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, classes, **where))
    return init_parameters(net.to_empty(device="cpu"), generator) if generator is not None else net
