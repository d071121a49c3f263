"""The bundled gallery: photographs from ``assets/samples`` and patterns drawn in code.

Sample names are the only thing a URL can choose; they are looked up in :data:`SAMPLES`, so no
user text ever becomes a file path.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.images import load_image
from core.patterns import PATTERNS

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "samples"
DEFAULT_SAMPLE = "cat"


@dataclass(frozen=True)
class Sample:
    """One gallery entry. ``kind`` is ``"photo"`` or ``"pattern"``."""

    name: str
    title: str
    kind: str
    credit: str
    _load: Callable[[], np.ndarray]
    patch: tuple[int, int, int] | None = None   # (top, left, side) of a distinctive square

    def load(self) -> np.ndarray:
        """``(H, W, 3) uint8`` RGB."""
        return self._load()


def _photos() -> dict[str, Sample]:
    manifest = tomllib.loads((ASSETS / "samples.toml").read_text(encoding="utf-8"))
    photos = {}
    for entry in manifest["photo"]:
        path = ASSETS / entry["file"]
        credit = f"{entry['author']} — {entry['licence']}. Source: {entry['source']}."
        patch = tuple(entry["patch"]) if "patch" in entry else None
        photos[entry["name"]] = Sample(entry["name"], entry["title"], "photo", credit,
                                       functools.partial(load_image, path), patch)
    return photos


def _patterns() -> dict[str, Sample]:
    return {name: Sample(name, title, "pattern", "Drawn by ScaleScope (core/patterns.py).", draw)
            for name, (title, draw) in PATTERNS.items()}


SAMPLES: dict[str, Sample] = {**_photos(), **_patterns()}


def get_sample(name: str) -> Sample:
    """Look a sample up by name; an unknown name raises ``ValueError`` listing the valid ones."""
    try:
        return SAMPLES[name]
    except KeyError:
        raise ValueError(f"Unknown sample {name!r}; choose one of {', '.join(SAMPLES)}.") from None
