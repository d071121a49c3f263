"""The less common resize calls that make two pipelines disagree, as extra keys for
:func:`core.resize.resize` and candidates for :func:`core.resize.identify`.

They are kept out of :data:`core.resize.METHODS` (the lab's list) so the lesson stays readable;
:data:`VARIANTS` holds them, and ``resize`` accepts the keys of both:

* Pillow's ``reducing_gap`` (a fast integer ``reduce`` first, then the filter over what is left;
  ``Image.thumbnail`` uses 2.0) and its JPEG ``draft`` mode (decode at 1/2, 1/4 or 1/8 size);
* OpenCV's bit-exact ``INTER_LINEAR_EXACT`` and ``INTER_NEAREST_EXACT`` (pixel centres);
* PyTorch with ``align_corners=True``, and the uint8 against float32 kernels;
* scikit-image's ``resize`` with and without ``anti_aliasing``, rounded or truncated to uint8;
* an OpenCV pyramid (``pyrDown`` octaves) followed by one resize.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import cv2
from PIL import Image

from core.resize import backends as b
from core.resize.backends import ResizeMethod

_R = Image.Resampling
_PIL_GAP = "np.asarray(Image.fromarray(image).resize(({w}, {h}), Image.Resampling.{}, reducing_gap={}))"
_T_IN = "torch.from_numpy(image).permute(2, 0, 1)[None]"
_T_FLOAT = ("F.interpolate(" + _T_IN + ".float(), size=({h}, {w}), mode='{}'{})[0].permute(1, 2, 0)"
            ".add(0.5).floor().clamp(0, 255).byte().numpy()")
_T_UINT8 = "F.interpolate(" + _T_IN + ", size=({h}, {w}), mode='{}'{})[0].permute(1, 2, 0).numpy()"
_T_TRUNC = ("F.interpolate(" + _T_IN + ".float(), size=({h}, {w}), mode='{}'{})[0].permute(1, 2, 0)"
            ".clamp(0, 255).byte().numpy()")
_SK = "img_as_ubyte(skimage.transform.resize(image, ({h}, {w}), anti_aliasing={}))"
_SK_TRUNC = "(skimage.transform.resize(image, ({h}, {w}), anti_aliasing={}) * 255).astype(np.uint8)"
_GAP_NOTE = ("reducing_gap={}: Image.reduce by a whole factor first (box average) while {}× the "
             "target is left, then the {} filter over the rest (antialiased)")


def _fill(template: str, *values: object) -> str:
    for value in values:
        template = template.replace("{}", str(value), 1)
    return template


def _gap(name: str, resample: _R, label: str, gap: float) -> ResizeMethod:
    return ResizeMethod(f"Pillow {label}, reducing_gap={gap:g}", "Pillow",
                        _fill(_GAP_NOTE, f"{gap:g}", f"{gap:g}", label), True,
                        b.pillow(resample, gap), _fill(_PIL_GAP, name, f"{gap:g}"))


_AA = ", align_corners=False, antialias=True"
_NO_AA = ", align_corners=False, antialias=False"
_CORNERS = ", align_corners=True"

_VARIANTS: dict[str, ResizeMethod] = {
    "pillow-bilinear-gap2": _gap("BILINEAR", _R.BILINEAR, "bilinear", 2.0),
    "pillow-bicubic-gap2": _gap("BICUBIC", _R.BICUBIC, "bicubic", 2.0),
    "pillow-lanczos-gap2": _gap("LANCZOS", _R.LANCZOS, "Lanczos", 2.0),
    "pillow-bicubic-gap3": _gap("BICUBIC", _R.BICUBIC, "bicubic", 3.0),
    "pillow-lanczos-gap3": _gap("LANCZOS", _R.LANCZOS, "Lanczos", 3.0),
    "pillow-thumbnail-draft": ResizeMethod(
        "Pillow thumbnail of a JPEG (draft, then bicubic, reducing_gap=2)", "Pillow",
        "Image.thumbnail on a JPEG file: draft() decodes at 1/2, 1/4 or 1/8 size in the DCT domain "
        "while 2× the target is left, then bicubic with reducing_gap=2 (an array is stored as a "
        "quality-100 JPEG first; without a draft step it is pillow-bicubic-gap2)",
        True, b.pillow_draft(_R.BICUBIC, 2.0), "im = Image.open(path); im.thumbnail(({w}, {h})); np.asarray(im)"),
    "opencv-linear-exact": ResizeMethod(
        "OpenCV linear, bit-exact", "OpenCV",
        "pixel centres; INTER_LINEAR_EXACT: the same 2×2 weights in exact fixed point, so results "
        "match on every CPU; no antialiasing",
        False, b.opencv(cv2.INTER_LINEAR_EXACT),
        "cv2.resize(image, ({w}, {h}), interpolation=cv2.INTER_LINEAR_EXACT)"),
    "opencv-nearest-exact": ResizeMethod(
        "OpenCV nearest, exact", "OpenCV",
        "pixel centres: INTER_NEAREST_EXACT takes the input pixel whose centre is nearest, like "
        "Pillow and PyTorch nearest-exact; no antialiasing",
        False, b.opencv(cv2.INTER_NEAREST_EXACT),
        "cv2.resize(image, ({w}, {h}), interpolation=cv2.INTER_NEAREST_EXACT)"),
    "opencv-pyramid-linear": ResizeMethod(
        "OpenCV pyrDown octaves, then linear", "OpenCV",
        "cv2.pyrDown while the octave is still at least the target size, then INTER_LINEAR over "
        "the last factor < 2 (antialiased by the octaves)",
        True, b.opencv_pyramid(cv2.INTER_LINEAR), ""),
    "opencv-pyramid-area": ResizeMethod(
        "OpenCV pyrDown octaves, then area", "OpenCV",
        "cv2.pyrDown while the octave is still at least the target size, then INTER_AREA over "
        "the last factor < 2 (antialiased)",
        True, b.opencv_pyramid(cv2.INTER_AREA), ""),
    "torch-bilinear-align-corners": ResizeMethod(
        "PyTorch bilinear, align_corners=True", "PyTorch",
        "align_corners=True: the corner pixels' centres are pinned, output i samples input "
        "i · (N − 1) / (n − 1), shifting every sample in between; no antialiasing; float32",
        False, b.torch_interpolate("bilinear", False, uint8=False, align_corners=True),
        _fill(_T_FLOAT, "bilinear", _CORNERS)),
    "torch-bicubic-align-corners": ResizeMethod(
        "PyTorch bicubic, align_corners=True", "PyTorch",
        "align_corners=True: corners pinned, i · (N − 1) / (n − 1); Keys a = −0.75; no "
        "antialiasing; float32",
        False, b.torch_interpolate("bicubic", False, uint8=False, align_corners=True),
        _fill(_T_FLOAT, "bicubic", _CORNERS)),
    "torch-bilinear-float": ResizeMethod(
        "PyTorch bilinear on float32", "PyTorch",
        "pixel centres; 2×2 taps computed in float32 and rounded, where the uint8 kernel keeps "
        "fixed-point weights; no antialiasing",
        False, b.torch_interpolate("bilinear", False, uint8=False), _fill(_T_FLOAT, "bilinear", _NO_AA)),
    "torch-bilinear-float-truncate": ResizeMethod(
        "PyTorch bilinear on float32, truncated", "PyTorch",
        "as torch-bilinear-float, but cast to uint8 without rounding (.byte() truncates): "
        "about half a grey level darker; no antialiasing",
        False, b.torch_interpolate("bilinear", False, uint8=False, truncate=True),
        _fill(_T_TRUNC, "bilinear", _NO_AA)),
    "torch-bilinear-antialias-float": ResizeMethod(
        "PyTorch bilinear, antialias, on float32", "PyTorch",
        "pixel centres; triangle kernel widened by the shrink factor, in float32 (antialiased)",
        True, b.torch_interpolate("bilinear", True, uint8=False), _fill(_T_FLOAT, "bilinear", _AA)),
    "torch-bicubic-uint8": ResizeMethod(
        "PyTorch bicubic on uint8", "PyTorch",
        "pixel centres; Keys a = −0.75 like the float kernel, in fixed point, the intermediate pass "
        "clipped to 0–255 (overshoots near black and white differ); no antialiasing",
        False, b.torch_interpolate("bicubic", False, uint8=True), _fill(_T_UINT8, "bicubic", _NO_AA)),
    "torch-bicubic-antialias-uint8": ResizeMethod(
        "PyTorch bicubic, antialias, on uint8", "PyTorch",
        "pixel centres; cubic a = −0.5 widened by the shrink factor, Pillow's kernel (antialiased)",
        True, b.torch_interpolate("bicubic", True, uint8=True), _fill(_T_UINT8, "bicubic", _AA)),
    "skimage-linear": ResizeMethod(
        "scikit-image resize, no anti_aliasing", "scikit-image",
        "pixel centres; order=1 (bilinear) over reflected borders in float64, anti_aliasing=False; "
        "rounded by img_as_ubyte",
        False, b.skimage_resize(1, False), _fill(_SK, False)),
    "skimage-linear-antialias": ResizeMethod(
        "scikit-image resize, anti_aliasing", "scikit-image",
        "a Gaussian blur of σ = (N / n − 1) / 2 first, then order=1 at pixel centres (the default "
        "when shrinking); rounded by img_as_ubyte (antialiased)",
        True, b.skimage_resize(1, True), _fill(_SK, True)),
    "skimage-linear-antialias-truncate": ResizeMethod(
        "scikit-image resize, anti_aliasing, truncated", "scikit-image",
        "as skimage-linear-antialias, but (out * 255).astype(np.uint8) truncates instead of "
        "rounding (antialiased)",
        True, b.skimage_resize(1, True, truncate=True), _fill(_SK_TRUNC, True)),
}

VARIANTS: Mapping[str, ResizeMethod] = MappingProxyType(_VARIANTS)
