"""Every library's image resize behind one name: ``resize(image, (h, w), "pillow-lanczos")``.

"Bilinear" means different pixels in OpenCV, Pillow and PyTorch. Each entry of :data:`METHODS`
calls one library the way a person would call it directly, and says in one line where it samples
and whether it filters first, so the downsizing lesson can put them side by side.

Convention (what the notes in :data:`METHODS` refer to):
    * **pixel centres**: output pixel ``i`` of ``n`` sits at input position
      ``(i + 0.5) · N / n - 0.5`` (``align_corners=False`` in PyTorch). Every method here uses
      this mapping except the "top-left" nearest neighbours, which take input pixel
      ``floor(i · N / n)``, and PyTorch's area, which averages whole input pixels
      ``floor(i · N / n)`` to ``ceil((i + 1) · N / n) − 1``;
    * **antialiasing**: when shrinking, a method that antialiases widens its kernel by ``N / n``
      so it averages every input pixel under the output pixel (Pillow always, PyTorch with
      ``antialias=True``, area and box averages). One that does not reads a fixed 2, 4 or 8
      taps whatever the factor and lets finer detail fold back as false patterns (aliasing);
    * **rounding**: methods that compute in floating point round half up (``floor(x + 0.5)``)
      and clip to ``[0, 255]``; OpenCV, Pillow and PyTorch's uint8 kernels round internally.

``"downsizenet-trained"`` exists only when trained weights ship in ``assets/downsizenet``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from core.device import device
from core.downsizenet import DownsizeNet
from core.downsizenet.weights import load_weights
from core.errors import InvalidParameterError, ScaleScopeError
from core.images import DEFAULT_MAX_PIXELS
from core.pyramids import pyr_down

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "downsizenet"

Size = tuple[int, int]


@dataclass(frozen=True)
class ResizeMethod:
    """One way to resize, and what it does.

    Attributes:
        label: a short name for a person, e.g. ``"Pillow bilinear"``.
        library: ``"OpenCV"``, ``"Pillow"``, ``"PyTorch"`` or ``"ScaleScope"``.
        note: one line on where it samples (pixel centres or top-left) and whether it antialiases.
        antialias: whether it low-pass filters to the new grid when shrinking.
        run: ``(image, (h, w)) -> image``; call :func:`resize`, which checks its arguments first.
    """

    label: str
    library: str
    note: str
    antialias: bool
    run: Callable[[np.ndarray, Size], np.ndarray]


# ---------------------------------------------------------------------------------- OpenCV

def _opencv(flag: int) -> Callable[[np.ndarray, Size], np.ndarray]:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        out = cv2.resize(image, (width, height), interpolation=flag)
        return out.reshape(height, width, 3)   # OpenCV drops a 1-pixel channel axis otherwise
    return run


# ---------------------------------------------------------------------------------- Pillow

def _pillow(resample: Image.Resampling) -> Callable[[np.ndarray, Size], np.ndarray]:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        height, width = size
        return np.asarray(Image.fromarray(image).resize((width, height), resample)).copy()
    return run


# ---------------------------------------------------------------------------------- PyTorch

def _channels_last_uint8(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3) uint8`` → ``(1, 3, H, W) uint8`` channels_last on the core's device, no copy."""
    with warnings.catch_warnings():
        # Read-only arrays (cached images) are only read here: torch need not copy them.
        warnings.simplefilter("ignore", UserWarning)
        tensor = torch.from_numpy(image)
    return tensor.to(device()).permute(2, 0, 1).unsqueeze(0)


def _uint8_image(x: torch.Tensor) -> np.ndarray:
    """``(1, 3, h, w)`` tensor → ``(h, w, 3) uint8``; floats round half up and clip."""
    if x.is_floating_point():
        x = x.add(0.5).floor_().clamp_(0, 255).to(torch.uint8)
    return x[0].permute(1, 2, 0).contiguous().cpu().numpy()


def _torch(mode: str, antialias: bool | None, uint8: bool) -> Callable[[np.ndarray, Size], np.ndarray]:
    options = {} if antialias is None else {"antialias": antialias, "align_corners": False}

    def run(image: np.ndarray, size: Size) -> np.ndarray:
        x = _channels_last_uint8(image)
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
        return _uint8_image(y)
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


def _pyramid_bilinear(image: np.ndarray, size: Size) -> np.ndarray:
    # pyr_down works plane by plane: reorder the bytes first, then convert contiguous memory
    # (about twice as fast as converting the interleaved layout).
    x = _channels_last_uint8(image).contiguous().float()
    with torch.no_grad():
        for _ in range(pyramid_levels(*image.shape[:2], size)):
            x = pyr_down(x)
        y = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=False)
    return _uint8_image(y)


@lru_cache(maxsize=1)
def _bilinear_downsizenet() -> torch.nn.Module:
    return DownsizeNet.as_bilinear().to(device()).eval()


@lru_cache(maxsize=4)
def _trained_downsizenet(path: Path) -> torch.nn.Module:
    return load_weights(path).to(device()).eval()   # safetensors only, nothing unpickled


def _downsizenet(build: Callable[[], torch.nn.Module]) -> Callable[[np.ndarray, Size], np.ndarray]:
    def run(image: np.ndarray, size: Size) -> np.ndarray:
        net = build()
        x = _channels_last_uint8(image).float().div_(255.0).contiguous()
        with torch.no_grad():
            y = net(x, size)
        return _uint8_image(y * 255.0)
    return run


# ---------------------------------------------------------------------------------- registry

_CENTRES = "pixel centres"
_NO_AA = "no antialiasing: a fixed {} taps at any scale, so detail finer than the new grid aliases"

_BUILT_IN: dict[str, ResizeMethod] = {
    "opencv-nearest": ResizeMethod(
        "OpenCV nearest", "OpenCV",
        "top-left convention: input pixel floor(i · N / n), not the nearest centre; no antialiasing",
        False, _opencv(cv2.INTER_NEAREST)),
    "opencv-linear": ResizeMethod(
        "OpenCV linear", "OpenCV",
        f"{_CENTRES}; {_NO_AA.format('2×2')}; 11-bit fixed-point weights on uint8",
        False, _opencv(cv2.INTER_LINEAR)),
    "opencv-cubic": ResizeMethod(
        "OpenCV cubic", "OpenCV",
        f"{_CENTRES}; Keys cubic a = −0.75; {_NO_AA.format('4×4')}",
        False, _opencv(cv2.INTER_CUBIC)),
    "opencv-area": ResizeMethod(
        "OpenCV area", "OpenCV",
        f"{_CENTRES}; each output pixel averages the input area it covers, partial pixels "
        "weighted by overlap (a box filter: antialiased)",
        True, _opencv(cv2.INTER_AREA)),
    "opencv-lanczos4": ResizeMethod(
        "OpenCV Lanczos-4", "OpenCV",
        f"{_CENTRES}; Lanczos a = 4; {_NO_AA.format('8×8')}",
        False, _opencv(cv2.INTER_LANCZOS4)),
    "pillow-nearest": ResizeMethod(
        "Pillow nearest", "Pillow",
        f"{_CENTRES}: the input pixel whose centre is nearest; no antialiasing",
        False, _pillow(Image.Resampling.NEAREST)),
    "pillow-bilinear": ResizeMethod(
        "Pillow bilinear", "Pillow",
        f"{_CENTRES}; triangle kernel widened by the shrink factor (antialiased)",
        True, _pillow(Image.Resampling.BILINEAR)),
    "pillow-bicubic": ResizeMethod(
        "Pillow bicubic", "Pillow",
        f"{_CENTRES}; cubic a = −0.5 widened by the shrink factor (antialiased)",
        True, _pillow(Image.Resampling.BICUBIC)),
    "pillow-lanczos": ResizeMethod(
        "Pillow Lanczos", "Pillow",
        f"{_CENTRES}; Lanczos a = 3 widened by the shrink factor (antialiased)",
        True, _pillow(Image.Resampling.LANCZOS)),
    "pillow-box": ResizeMethod(
        "Pillow box", "Pillow",
        f"{_CENTRES}; each output pixel averages the input area it covers (antialiased)",
        True, _pillow(Image.Resampling.BOX)),
    "torch-nearest": ResizeMethod(
        "PyTorch nearest", "PyTorch",
        "top-left convention like OpenCV's: input pixel floor(i · N / n); no antialiasing",
        False, _torch("nearest", None, uint8=True)),
    "torch-nearest-exact": ResizeMethod(
        "PyTorch nearest-exact", "PyTorch",
        f"{_CENTRES}: the input pixel whose centre is nearest, like Pillow; no antialiasing",
        False, _torch("nearest-exact", None, uint8=True)),
    "torch-bilinear": ResizeMethod(
        "PyTorch bilinear", "PyTorch",
        f"{_CENTRES} (align_corners=False); {_NO_AA.format('2×2')}; uint8 kernel",
        False, _torch("bilinear", False, uint8=True)),
    "torch-bilinear-antialias": ResizeMethod(
        "PyTorch bilinear, antialias", "PyTorch",
        f"{_CENTRES}; triangle kernel widened by the shrink factor, as Pillow does; uint8 kernel",
        True, _torch("bilinear", True, uint8=True)),
    "torch-bicubic": ResizeMethod(
        "PyTorch bicubic", "PyTorch",
        f"{_CENTRES}; cubic a = −0.75 on float32; {_NO_AA.format('4×4')} (on uint8 tensors "
        "PyTorch switches to a = −0.5 and gives other pixels)",
        False, _torch("bicubic", False, uint8=False)),
    "torch-bicubic-antialias": ResizeMethod(
        "PyTorch bicubic, antialias", "PyTorch",
        f"{_CENTRES}; cubic a = −0.75 on float32, widened by the shrink factor (antialiased; "
        "on uint8 tensors a = −0.5, like Pillow)",
        True, _torch("bicubic", True, uint8=False)),
    "torch-area": ResizeMethod(
        "PyTorch area", "PyTorch",
        "adaptive average pooling: equal weights over input pixels floor(i · N / n) to "
        "ceil((i + 1) · N / n) − 1, partial pixels counted whole (antialiased)",
        True, _torch("area", None, uint8=False)),
    "pyramid-bilinear": ResizeMethod(
        "Gaussian pyramid, then bilinear", "ScaleScope",
        "pyr_down (5-tap binomial blur, keep every other pixel) while the octave is still at least "
        f"the target size, then PyTorch bilinear over the last factor < 2; {_CENTRES}",
        True, _pyramid_bilinear),
    "downsizenet-bilinear": ResizeMethod(
        "DownsizeNet, bilinear special case", "ScaleScope",
        f"the paper's bilinear special case of the learned downsizer: {_CENTRES}, 2×2 "
        "neighbours weighted by distance only; no antialiasing",
        False, _downsizenet(_bilinear_downsizenet)),
}


def trained_weights() -> list[Path]:
    """Trained DownsizeNet weights shipped with ScaleScope (``assets/downsizenet/*.safetensors``)."""
    return sorted(WEIGHTS_DIR.glob("*.safetensors")) if WEIGHTS_DIR.is_dir() else []


def registry(weights: list[Path]) -> Mapping[str, ResizeMethod]:
    """Every built-in method, plus ``"downsizenet-trained"`` when trained weights exist (the
    first file of ``weights``); without weights there is no such key."""
    methods = dict(_BUILT_IN)
    if weights:
        path = weights[0]
        methods["downsizenet-trained"] = ResizeMethod(
            "DownsizeNet, trained", "ScaleScope",
            f"learned, texture-aware coefficients over the 2×2 (or 4×4) neighbours of each "
            f"{_CENTRES[:-1]} (weights: {path.name}); no explicit antialiasing",
            False, _downsizenet(lambda: _trained_downsizenet(path)))
    return MappingProxyType(methods)


METHODS: Mapping[str, ResizeMethod] = registry(trained_weights())

DEFAULT_METHODS = ("opencv-nearest", "opencv-linear", "opencv-area", "pillow-bilinear",
                   "pillow-lanczos", "torch-bilinear", "torch-bilinear-antialias", "pyramid-bilinear")
BILINEARS = ("opencv-linear", "pillow-bilinear", "torch-bilinear", "torch-bilinear-antialias")


def get_method(key: str) -> ResizeMethod:
    """Look a method up; an unknown key raises ``ValueError`` listing the valid ones."""
    try:
        return METHODS[key]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown resize method {key!r}; choose one of {', '.join(METHODS)}.") from None


def resize(image: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    """Resize an RGB image to ``size = (height, width)`` with one library's method.

    Shape:
        Input: ``(H, W, 3)`` uint8. Output: ``(height, width, 3)`` uint8, C-contiguous.

    Convention:
        See the module docstring: pixel centres unless a method's note says "top-left"; float
        computations round half up and clip.

    >>> import numpy as np
    >>> resize(np.zeros((10, 7, 3), np.uint8), (3, 5), "pillow-lanczos").shape
    (3, 5, 3)
    """
    spec = get_method(method)
    height, width = check_size(size)
    if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
            and image.dtype == np.uint8):
        shape = getattr(image, "shape", None)
        raise InvalidParameterError(
            f"resize expects an (H, W, 3) uint8 RGB image, got shape {shape} and dtype "
            f"{getattr(image, 'dtype', type(image).__name__)}.")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidParameterError(f"The image has no pixels: shape {image.shape}.")
    out = spec.run(np.ascontiguousarray(image), (height, width))
    return np.ascontiguousarray(out)


def check_size(size: tuple[int, int]) -> Size:
    """``(height, width)`` as whole numbers of at least 1, or :class:`InvalidParameterError`."""
    try:
        height, width = size
    except (TypeError, ValueError):
        raise InvalidParameterError(f"size must be (height, width), got {size!r}.") from None
    for value, name in ((height, "height"), (width, "width")):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise InvalidParameterError(f"The target {name} must be a whole number, got {value!r}.")
        if value < 1:
            raise InvalidParameterError(f"The target {name} must be at least 1 pixel, got {value}.")
    if int(height) * int(width) > DEFAULT_MAX_PIXELS:
        raise InvalidParameterError(
            f"A {width} × {height} result has more than {DEFAULT_MAX_PIXELS / 1e6:g} megapixels.")
    return int(height), int(width)


def scaled_size(height: int, width: int, scale: float) -> Size:
    """The ``(height, width)`` of an image scaled by ``scale``: rounded, at least 1 pixel.

    >>> scaled_size(300, 451, 0.3), scaled_size(1, 1, 0.3)
    ((90, 135), (1, 1))
    """
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise InvalidParameterError(f"The scale factor must be a positive number, got {scale!r}.")
    return max(1, round(height * scale)), max(1, round(width * scale))
