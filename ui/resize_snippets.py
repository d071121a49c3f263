""""Reproduce in Python" bodies for the downsizing lab: each leaves the shown value in ``result``.

A method's snippet is the library call itself (``cv2.resize`` with its interpolation flag, Pillow's
``Image.resize`` with its filter, ``torch.nn.functional.interpolate`` with ``antialias``), taken
from :attr:`core.resize.ResizeMethod.code` with the current size filled in.
"""

from __future__ import annotations

from core.resize import METHODS, Size

_IMPORTS = (("cv2.", "import cv2"), ("Image.", "from PIL import Image"), ("F.interpolate", "import torch"),
            ("F.interpolate", "import torch.nn.functional as F"), ("core.resize.", "import core.resize"))

# The ideal band-limited reference, as the page states it: keep the cosine-transform
# coefficients the new grid can hold, invert on that grid, clip to 0–255.
_REFERENCE = '''c = scipy.fft.dctn(image.astype(np.float64), type=2, norm="ortho", axes=(0, 1))
reference = np.clip(scipy.fft.idctn(c[:{h}, :{w}], type=2, norm="ortho", axes=(0, 1))
                    * np.sqrt({h} * {w} / ({source_h} * {source_w})), 0, 255)
'''


def call(key: str, size: Size, name: str = "small") -> str:
    """``name = <the library call>``: the method's pixels at ``size`` (height, width)."""
    return f"{name} = {METHODS[key].code_for(size)}\n"


def imports(*lines: str) -> str:
    """The import lines the calls in ``lines`` need, numpy first."""
    text = "".join(lines)
    needed = ["import numpy as np"] + [line for marker, line in _IMPORTS if marker in text]
    return "\n".join(dict.fromkeys(needed)) + "\n\n"


def pixels(key: str, size: Size) -> str:
    """One method's result, pixel for pixel."""
    body = call(key, size, "result")
    return imports(body) + f"# {METHODS[key].label}: (H, W, 3) uint8 → {size[1]}×{size[0]}\n" + body


def psnr(key: str, size: Size, source: Size) -> str:
    """One method's PSNR against the band-limited reference, as the table computes it."""
    body = call(key, size)
    reference = _REFERENCE.format(h=size[0], w=size[1], source_h=source[0], source_w=source[1])
    return (imports(body) + "import scipy.fft\n\n" + body + reference
            + "result = 10 * np.log10(255 ** 2 / np.mean((reference - small) ** 2))   # PSNR in dB\n")


def a_against_b(first: str, second: str, size: Size) -> str:
    """The largest and the mean ``|A − B|`` in grey levels."""
    body = call(first, size, "a") + call(second, size, "b")
    return (imports(body) + body + "gap = np.abs(a.astype(np.int16) - b.astype(np.int16))\n"
            "result = (int(gap.max()), float(gap.mean()))\n")


def spectrum(key: str, size: Size) -> str:
    """The log magnitude spectrum of one result's luminance, zero frequency in the centre."""
    body = call(key, size)
    return (imports(body) + body
            + "gray = (small.astype(np.float32) / 255) @ np.array([0.299, 0.587, 0.114], np.float32)   # luma\n"
              "window = np.outer(np.hanning(gray.shape[0]), np.hanning(gray.shape[1]))\n"
              "spectrum = np.fft.fftshift(np.fft.fft2((gray - gray.astype(np.float64).mean()) * window))\n"
              "result = np.log10(1 + np.abs(spectrum))\n")


def same_name(keys: tuple[str, ...], size: Size) -> str:
    """The largest difference between every pair of the "bilinear" methods."""
    calls = ",\n           ".join(f"{METHODS[key].code_for(size)}" for key in keys)
    return (imports(calls) + "results = [" + calls + "]   # " + ", ".join(METHODS[k].label for k in keys) + "\n"
            "result = np.array([[np.abs(a.astype(np.int16) - b).max() for b in results] for a in results])\n")
