"""Every library's image resize behind one name: ``resize(image, (h, w), "pillow-lanczos")``.

"Bilinear" means different pixels in OpenCV, Pillow and PyTorch. Each entry of :data:`METHODS`
calls one library the way a person would call it directly, and says in one line where it samples
and whether it filters first, so the downsizing lesson can put them side by side.
:data:`core.resize.variants.VARIANTS` adds the less common calls (reducing gaps, "exact"
kernels, ``align_corners=True``, scikit-image, float and uint8 paths) that
:func:`core.resize.identify` also tries; :func:`resize` accepts the keys of both.

Convention (what the notes refer to):
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

A ``"downsizenet-<task>"`` key exists for every ``assets/models/downsizenet-<task>.safetensors``
file (found at import, loaded on first use, once per process).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import cv2
import numpy as np
import torch
from PIL import Image

from core.device import device
from core.downsizenet import DownsizeNet, load_weights
from core.errors import InvalidParameterError
from core.images import DEFAULT_MAX_PIXELS
from core.resize import backends as b
from core.resize.backends import ResizeMethod, Size
from core.resize.variants import VARIANTS

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
WEIGHTS_PATTERN = "downsizenet-*.safetensors"

_CENTRES = "pixel centres"
_NO_AA = "no antialiasing: a fixed {} taps at any scale, so detail finer than the new grid aliases"
_PIL = "np.asarray(Image.fromarray(image).resize(({w}, {h}), Image.Resampling.{}))"
_CV = "cv2.resize(image, ({w}, {h}), interpolation=cv2.{})"
_T_IN = "torch.from_numpy(image).permute(2, 0, 1)[None]"
_T_UINT8 = "F.interpolate(" + _T_IN + ", size=({h}, {w}), mode='{}'{})[0].permute(1, 2, 0).numpy()"
_T_FLOAT = ("F.interpolate(" + _T_IN + ".float(), size=({h}, {w}), mode='{}'{})[0].permute(1, 2, 0)"
            ".add(0.5).floor().clamp(0, 255).byte().numpy()")


def _pil(name: str) -> str:
    return _PIL.replace("{}", name)


def _cv(name: str) -> str:
    return _CV.replace("{}", name)


def _t(template: str, mode: str, options: str = "") -> str:
    return template.replace("{}", mode, 1).replace("{}", options, 1)


_BILINEAR_AA = ", align_corners=False, antialias=True"
_BILINEAR_NO_AA = ", align_corners=False, antialias=False"

@lru_cache(maxsize=1)
def _bilinear_downsizenet() -> torch.nn.Module:
    return DownsizeNet.as_bilinear().to(device()).eval()


_BUILT_IN: dict[str, ResizeMethod] = {
    "opencv-nearest": ResizeMethod(
        "OpenCV nearest", "OpenCV",
        "top-left convention: input pixel floor(i · N / n), not the nearest centre; no antialiasing",
        False, b.opencv(cv2.INTER_NEAREST), _cv("INTER_NEAREST")),
    "opencv-linear": ResizeMethod(
        "OpenCV linear", "OpenCV",
        f"{_CENTRES}; {_NO_AA.format('2×2')}; 11-bit fixed-point weights on uint8",
        False, b.opencv(cv2.INTER_LINEAR), _cv("INTER_LINEAR")),
    "opencv-cubic": ResizeMethod(
        "OpenCV cubic", "OpenCV",
        f"{_CENTRES}; Keys cubic a = −0.75; {_NO_AA.format('4×4')}",
        False, b.opencv(cv2.INTER_CUBIC), _cv("INTER_CUBIC")),
    "opencv-area": ResizeMethod(
        "OpenCV area", "OpenCV",
        f"{_CENTRES}; each output pixel averages the input area it covers, partly covered pixels "
        "weighted by their overlap: an exact area average (antialiased)",
        True, b.opencv(cv2.INTER_AREA), _cv("INTER_AREA")),
    "opencv-lanczos4": ResizeMethod(
        "OpenCV Lanczos-4", "OpenCV",
        f"{_CENTRES}; Lanczos a = 4; {_NO_AA.format('8×8')}",
        False, b.opencv(cv2.INTER_LANCZOS4), _cv("INTER_LANCZOS4")),
    "pillow-nearest": ResizeMethod(
        "Pillow nearest", "Pillow",
        f"{_CENTRES}: the input pixel whose centre is nearest; no antialiasing",
        False, b.pillow(Image.Resampling.NEAREST), _pil("NEAREST")),
    "pillow-bilinear": ResizeMethod(
        "Pillow bilinear", "Pillow",
        f"{_CENTRES}; triangle kernel widened by the shrink factor (antialiased)",
        True, b.pillow(Image.Resampling.BILINEAR), _pil("BILINEAR")),
    "pillow-bicubic": ResizeMethod(
        "Pillow bicubic", "Pillow",
        f"{_CENTRES}; cubic a = −0.5 widened by the shrink factor (antialiased)",
        True, b.pillow(Image.Resampling.BICUBIC), _pil("BICUBIC")),
    "pillow-lanczos": ResizeMethod(
        "Pillow Lanczos", "Pillow",
        f"{_CENTRES}; Lanczos a = 3 widened by the shrink factor (antialiased)",
        True, b.pillow(Image.Resampling.LANCZOS), _pil("LANCZOS")),
    "pillow-box": ResizeMethod(
        "Pillow box", "Pillow",
        f"{_CENTRES}; the plain mean of the input pixels whose centres fall inside the output "
        "pixel's footprint: a partly covered pixel counts fully or not at all (10 → 3 columns "
        "averages 3, 4 and 3 of them), so it is not an exact area average (antialiased)",
        True, b.pillow(Image.Resampling.BOX), _pil("BOX")),
    "torch-nearest": ResizeMethod(
        "PyTorch nearest", "PyTorch",
        "top-left convention like OpenCV's: input pixel floor(i · N / n); no antialiasing",
        False, b.torch_interpolate("nearest", None, uint8=True), _t(_T_UINT8, "nearest")),
    "torch-nearest-exact": ResizeMethod(
        "PyTorch nearest-exact", "PyTorch",
        f"{_CENTRES}: the input pixel whose centre is nearest, like Pillow; no antialiasing",
        False, b.torch_interpolate("nearest-exact", None, uint8=True), _t(_T_UINT8, "nearest-exact")),
    "torch-bilinear": ResizeMethod(
        "PyTorch bilinear", "PyTorch",
        f"{_CENTRES} (align_corners=False); {_NO_AA.format('2×2')}; uint8 kernel",
        False, b.torch_interpolate("bilinear", False, uint8=True), _t(_T_UINT8, "bilinear", _BILINEAR_NO_AA)),
    "torch-bilinear-antialias": ResizeMethod(
        "PyTorch bilinear, antialias", "PyTorch",
        f"{_CENTRES}; triangle kernel widened by the shrink factor, as Pillow does; uint8 kernel",
        True, b.torch_interpolate("bilinear", True, uint8=True), _t(_T_UINT8, "bilinear", _BILINEAR_AA)),
    "torch-bicubic": ResizeMethod(
        "PyTorch bicubic", "PyTorch",
        f"{_CENTRES}; Keys cubic a = −0.75, as OpenCV (antialias=False gives a = −0.75 on float "
        f"and uint8 tensors alike); {_NO_AA.format('4×4')}; float32",
        False, b.torch_interpolate("bicubic", False, uint8=False), _t(_T_FLOAT, "bicubic", _BILINEAR_NO_AA)),
    "torch-bicubic-antialias": ResizeMethod(
        "PyTorch bicubic, antialias", "PyTorch",
        f"{_CENTRES}; cubic a = −0.5, like Pillow, widened by the shrink factor (antialias=True "
        "switches a to −0.5 on float and uint8 tensors alike; antialiased); float32",
        True, b.torch_interpolate("bicubic", True, uint8=False), _t(_T_FLOAT, "bicubic", _BILINEAR_AA)),
    "torch-area": ResizeMethod(
        "PyTorch area", "PyTorch",
        "adaptive average pooling: equal weights over input pixels floor(i · N / n) to "
        "ceil((i + 1) · N / n) − 1, partial pixels counted whole (antialiased)",
        True, b.torch_interpolate("area", None, uint8=False), _t(_T_FLOAT, "area")),
    "pyramid-bilinear": ResizeMethod(
        "Gaussian pyramid, then bilinear", "ScaleScope",
        "pyr_down (5-tap binomial blur, keep every other pixel) while the octave is still at least "
        f"the target size, then PyTorch bilinear over the last factor < 2; {_CENTRES}",
        True, b.pyramid_bilinear, "core.resize.resize(image, ({h}, {w}), 'pyramid-bilinear')"),
    "downsizenet-bilinear": ResizeMethod(
        "DownsizeNet, bilinear special case", "ScaleScope",
        f"the paper's bilinear special case of the learned downsizer: {_CENTRES}, 2×2 "
        "neighbours weighted by distance only; no antialiasing",
        False, b.downsizenet(lambda: _bilinear_downsizenet()),
        "core.resize.resize(image, ({h}, {w}), 'downsizenet-bilinear')"),
}


@lru_cache(maxsize=16)
def _trained_downsizenet(path: Path) -> torch.nn.Module:
    return load_weights(path).to(device()).eval()   # safetensors only, nothing unpickled


def trained_weights(folder: Path = MODELS_DIR) -> list[Path]:
    """Trained DownsizeNet weights shipped with ScaleScope (``assets/models/downsizenet-*.safetensors``)."""
    return sorted(folder.glob(WEIGHTS_PATTERN)) if folder.is_dir() else []


def trained_key(path: Path) -> str:
    """``assets/models/downsizenet-texture.safetensors`` → ``"downsizenet-texture"``."""
    return Path(path).name.removesuffix(".safetensors")


def _trained_method(path: Path) -> ResizeMethod:
    task = trained_key(path).removeprefix("downsizenet-")
    return ResizeMethod(
        f"DownsizeNet ({task})", "ScaleScope",
        f"{_CENTRES}; learned, texture-aware coefficients over the 2×2 (or 4×4) neighbours of "
        f"each sample point, trained for the {task} task; no explicit antialiasing",
        False, b.downsizenet(lambda: _trained_downsizenet(path)),
        f"core.resize.resize(image, ({{h}}, {{w}}), '{trained_key(path)}')")


def registry(weights: list[Path]) -> Mapping[str, ResizeMethod]:
    """Every built-in method, plus a ``"downsizenet-<task>"`` key for each trained weights file
    (its file name without ``.safetensors``); a name taken by a built-in method is skipped. The
    weights are read on the first resize, not here."""
    methods = dict(_BUILT_IN)
    for path in weights:
        methods.setdefault(trained_key(path), _trained_method(Path(path)))
    return MappingProxyType(methods)


METHODS: Mapping[str, ResizeMethod] = registry(trained_weights())
TRAINED = tuple(k for k in METHODS if k not in _BUILT_IN)

DEFAULT_METHODS = ("opencv-nearest", "opencv-linear", "opencv-area", "pillow-bilinear",
                   "pillow-lanczos", "torch-bilinear", "torch-bilinear-antialias",
                   "pyramid-bilinear") + TRAINED
BILINEARS = ("opencv-linear", "pillow-bilinear", "torch-bilinear", "torch-bilinear-antialias")
ALL_METHODS: Mapping[str, ResizeMethod] = MappingProxyType(dict(METHODS) | dict(VARIANTS))


def get_method(key: str) -> ResizeMethod:
    """Look a method up in :data:`METHODS` or :data:`VARIANTS`; an unknown key raises
    ``ValueError`` listing the valid ones."""
    try:
        return ALL_METHODS[key]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown resize method {key!r}; choose one of {', '.join(ALL_METHODS)}.") from None


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
