"""The library calls behind every resize key: one small factory per library.

Each factory returns ``run(image, (h, w)) -> image`` on ``(H, W, 3) uint8`` RGB arrays, calling
the library the way a person would call it directly. :mod:`core.resize.methods` and
:mod:`core.resize.variants` name them.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.device import device
from core.pyramids import pyr_down

Size = tuple[int, int]
Runner = Callable[[np.ndarray, Size], np.ndarray]


@dataclass(frozen=True)
class ResizeMethod:
    """One way to resize, and what it does.

    Attributes:
        label: a short name for a person, e.g. ``"Pillow bilinear"``.
        library: ``"OpenCV"``, ``"Pillow"``, ``"PyTorch"``, ``"scikit-image"`` or ``"ScaleScope"``.
        note: one line on where it samples (pixel centres or top-left) and whether it antialiases.
        antialias: whether it low-pass filters to the new grid when shrinking.
        run: ``(image, (h, w)) -> image``; call :func:`core.resize.resize`, which checks its
            arguments first.
        code: one line of Python that gives the same pixels, with ``{w}`` and ``{h}`` for the
            target size and ``image`` an ``(H, W, 3) uint8`` RGB array (empty when there is none).
    """

    label: str
    library: str
    note: str
    antialias: bool
    run: Runner
    code: str = ""

    def code_for(self, size: Size) -> str:
        """:attr:`code` with the target ``(h, w)`` filled in."""
        return self.code.replace("{w}", str(size[1])).replace("{h}", str(size[0]))


# ---------------------------------------------------------------------------------- OpenCV

def opencv(flag: int) -> Runner:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        out = cv2.resize(image, (width, height), interpolation=flag)
        return out.reshape(height, width, 3)   # OpenCV drops a 1-pixel channel axis otherwise
    return run


def opencv_pyramid(flag: int) -> Runner:
    """``cv2.pyrDown`` while the next octave is still at least the target size, then ``flag``."""
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        for _ in range(pyramid_levels(image.shape[0], image.shape[1], size)):
            image = cv2.pyrDown(image).reshape((image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2, 3)
        return cv2.resize(image, (width, height), interpolation=flag).reshape(height, width, 3)
    return run


# ---------------------------------------------------------------------------------- Pillow

def pillow(resample: Image.Resampling, reducing_gap: float | None = None) -> Runner:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        out = Image.fromarray(image).resize((width, height), resample, reducing_gap=reducing_gap)
        return np.asarray(out).copy()
    return run


def pillow_draft(resample: Image.Resampling, reducing_gap: float = 2.0) -> Runner:
    """What ``Image.thumbnail`` does to a JPEG: decode at 1/2, 1/4 or 1/8 size in the DCT domain
    (``draft``) when that still leaves ``reducing_gap`` × the target, then resize.

    An array has no JPEG file, so it is stored as a quality-100, 4:4:4 JPEG first (the closest
    file to its pixels); when ``draft`` would not shrink, nothing is encoded and the result is
    the plain ``reducing_gap`` resize.
    """
    plain = pillow(resample, reducing_gap)

    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        request = (int(width * reducing_gap), int(height * reducing_gap))
        scale = min(image.shape[1] // max(request[0], 1), image.shape[0] // max(request[1], 1))
        if scale < 2:
            return plain(image, size)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=100, subsampling=0)
        with Image.open(buffer) as decoded:
            decoded.draft("RGB", request)
            out = decoded.convert("RGB").resize((width, height), resample, reducing_gap=reducing_gap)
        return np.asarray(out).copy()
    return run


# ---------------------------------------------------------------------------------- PyTorch

def channels_last_uint8(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3) uint8`` → ``(1, 3, H, W) uint8`` channels_last on the core's device, no copy."""
    with warnings.catch_warnings():
        # Read-only arrays (cached images) are only read here: torch need not copy them.
        warnings.simplefilter("ignore", UserWarning)
        tensor = torch.from_numpy(image)
    return tensor.to(device()).permute(2, 0, 1).unsqueeze(0)


def uint8_image(x: torch.Tensor, truncate: bool = False) -> np.ndarray:
    """``(1, 3, h, w)`` tensor → ``(h, w, 3) uint8``; floats round half up (or truncate) and clip."""
    if x.is_floating_point():
        x = (x if truncate else x.add(0.5).floor_()).clamp_(0, 255).to(torch.uint8)
    return x[0].permute(1, 2, 0).contiguous().cpu().numpy()


def torch_interpolate(mode: str, antialias: bool | None, uint8: bool, *, align_corners: bool = False,
                      truncate: bool = False) -> Runner:
    if antialias is None:
        options: dict = {}
    else:
        options = {"antialias": antialias, "align_corners": align_corners}

    def run(image: np.ndarray, size: Size) -> np.ndarray:
        x = channels_last_uint8(image)
        # PyTorch's uint8 kernels exist on the CPU; elsewhere, and for modes without one
        # (area), the image goes through float32 in grey levels, keeping channels_last.
        if not (uint8 and x.device.type == "cpu"):
            x = x.float()
        with torch.no_grad():
            if antialias and x.is_floating_point() and size[1] == 1 and size[0] > 1:
                # torch 2.13's float antialias kernels return wrong values for a one-pixel-wide
                # output taller than one pixel; the transposed problem is computed correctly.
                y = F.interpolate(x.transpose(2, 3), size=size[::-1], mode=mode, **options)
                y = y.transpose(2, 3)
            else:
                y = F.interpolate(x, size=size, mode=mode, **options)
        return uint8_image(y, truncate)
    return run


# ---------------------------------------------------------------------------------- scikit-image

def skimage_resize(order: int, anti_aliasing: bool, truncate: bool = False) -> Runner:
    """``skimage.transform.resize`` (floats in [0, 1]), back to uint8 with ``img_as_ubyte``
    (rounds) or, as hand-written pipelines often do, ``(out * 255).astype(np.uint8)`` (truncates)."""
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        from skimage.transform import resize as sk_resize  # imported on first use: slow import
        from skimage.util import img_as_ubyte

        out = sk_resize(image, (size[0], size[1]), order=order, anti_aliasing=anti_aliasing)
        if truncate:
            return (out * 255).astype(np.uint8)
        return img_as_ubyte(out)
    return run


# ---------------------------------------------------------------------------------- ScaleScope

def pyramid_levels(height: int, width: int, size: Size) -> int:
    """How many ``pyr_down`` octaves ``pyramid-bilinear`` takes before its bilinear step.

    Convention: another octave is taken while it is still at least the target size in *both*
    directions (octave sides round up, ``(n + 1) // 2``, as OpenCV's ``pyrDown``). The bilinear
    step then shrinks by less than 2× in at least one direction and never enlarges; an odd side
    at scale 0.5 (451 → 226) still takes its octave.

    >>> pyramid_levels(1024, 1024, (307, 307)), pyramid_levels(1024, 1024, (512, 512))
    (1, 1)
    >>> pyramid_levels(300, 451, (90, 135)), pyramid_levels(300, 451, (150, 226))
    (1, 1)
    >>> pyramid_levels(1000, 1000, (100, 100)), pyramid_levels(1000, 1000, (600, 100))
    (3, 0)
    """
    levels = 0
    while (height + 1) // 2 >= size[0] and (width + 1) // 2 >= size[1] and max(height, width) > 1:
        height, width = (height + 1) // 2, (width + 1) // 2
        levels += 1
    return levels


def pyramid_bilinear(image: np.ndarray, size: Size) -> np.ndarray:
    # pyr_down works plane by plane: reorder the bytes first, then convert contiguous memory
    # (about twice as fast as converting the interleaved layout).
    x = channels_last_uint8(image).contiguous().float()
    with torch.no_grad():
        for _ in range(pyramid_levels(image.shape[0], image.shape[1], size)):
            x = pyr_down(x)
        y = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=False)
    return uint8_image(y)


def downsizenet(build: Callable[[], torch.nn.Module]) -> Runner:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        net = build()
        x = channels_last_uint8(image).float().div_(255.0).contiguous()
        with torch.no_grad():
            y = net(x, size)
        return uint8_image(y * 255.0)
    return run
