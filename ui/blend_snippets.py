""""Reproduce in Python" bodies for the pyramid-blending lesson: each leaves the shown value in ``result``.

Each snippet rebuilds image B and the mask with NumPy and OpenCV from the page's settings, so it
runs on its own after the lines that load image A into ``image``.
"""

from __future__ import annotations

_MASKS = {  # the hard mask, True on image A's side, pixel centres at +0.5 as the page places them
    "left-right": "x < w / 2",
    "top-bottom": "y < h / 2",
    "circle": "np.sqrt((y - h / 2) ** 2 + (x - w / 2) ** 2) < {radius!r} * min(h, w)",
}


def _image_b(partner: str | None, b_shape: tuple[int, ...], size: tuple[int, int]) -> str:
    """Imports, then lines that leave image B, fitted to A's size as the page fits it, in ``b``."""
    if partner is None:
        load = ("import cv2\nimport numpy as np\nfrom core.images import load_image\n\n"
                'b = load_image("your-image-b.png")   # your upload for image B (put its path here)\n')
    else:
        load = ("import cv2\nimport numpy as np\nfrom core.samples import get_sample\n\n"
                f"b = get_sample({partner!r}).load()\n")
    if tuple(b_shape[:2]) == size:
        return load
    shrinking = b_shape[0] * b_shape[1] > size[0] * size[1]
    return load + (f"b = cv2.resize(b, {size[::-1]}, interpolation=cv2.{'INTER_AREA' if shrinking else 'INTER_LINEAR'})"
                   "   # fitted to A's size\n")


def _mask(kind: str, radius: float) -> str:
    return ("h, w = image.shape[:2]\n"
            "y, x = np.mgrid[0:h, 0:w].astype(np.float32) + np.float32(0.5)\n"
            f"mask = {_MASKS[kind].format(radius=radius)}   # True: image A\n")


_EDGE = ("edge = np.zeros_like(mask)   # the seam: pixels unlike their left or upper neighbour\n"
         "edge[:, 1:] |= mask[:, 1:] != mask[:, :-1]\nedge[1:, :] |= mask[1:, :] != mask[:-1, :]\n")


def pyramid_blend(partner: str | None, b_shape: tuple[int, ...], size: tuple[int, int], kind: str, levels: int,
                  radius: float) -> str:
    """Burt & Adelson's blend with cv2.pyrDown/pyrUp, on the 0–1 scale before rounding to 8 bits.

    ``partner`` names image B's sample (``None`` for an upload), ``b_shape`` is B's shape before it
    is fitted to A's ``size = (height, width)``.
    """
    return (_image_b(partner, b_shape, size) + _mask(kind, radius)
            + "\ndef pyramid(x, laplacian=False):   # Gaussian octaves, or Laplacian bands + the coarsest octave\n"
              f"    g = [x]\n    for _ in range({levels} - 1):\n        g.append(cv2.pyrDown(g[-1]))\n"
              "    if not laplacian:\n        return g\n"
              "    return [a - cv2.pyrUp(c, dstsize=a.shape[1::-1]) for a, c in zip(g, g[1:])] + g[-1:]\n\n"
              "weights = [m[..., None] for m in pyramid(mask.astype(np.float32))]\n"
              "bands = [m * la + (1 - m) * lb for m, la, lb in zip(weights, pyramid(image / np.float32(255), True),\n"
              "                                                 pyramid(b / np.float32(255), True))]\n"
              "out = bands[-1]\nfor band in reversed(bands[:-1]):   # collapse: up one octave, add its band\n"
              "    out = cv2.pyrUp(out, dstsize=band.shape[1::-1]) + band\n"
              "result = np.clip(out, 0, 1)   # the page shows it rounded to 8 bits\n")


def roughness(partner: str | None, b_shape: tuple[int, ...], size: tuple[int, int], kind: str,
              radius: float) -> str:
    """Seam roughness (×1000) of the hard cut and of each image alone, in NumPy."""
    return (_image_b(partner, b_shape, size) + _mask(kind, radius) + _EDGE
            + "near = cv2.dilate(edge.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0   # within 3 px\n\n"
              "def roughness(im):   # mean squared gradient near the seam, ×1000\n"
              "    im = im / 255.0\n    gy, gx = np.zeros_like(im), np.zeros_like(im)\n"
              "    gy[1:], gx[:, 1:] = im[1:] - im[:-1], im[:, 1:] - im[:, :-1]\n"
              "    return 1e3 * float((gy ** 2 + gx ** 2).sum(axis=2)[near].mean())\n\n"
              "result = (roughness(np.where(mask[..., None], image, b)), roughness(image), roughness(b))\n")


def seam_widths(kind: str, levels: int, radius: float) -> str:
    """The mask's Gaussian pyramid with cv2.pyrDown, and how wide each octave's mixing zone is."""
    return ("import cv2\nimport numpy as np\n" + _mask(kind, radius) + _EDGE
            + f"octaves = [mask.astype(np.float32)]\nfor _ in range({levels} - 1):\n"
              "    octaves.append(cv2.pyrDown(octaves[-1]))\n"
              "# pixels that mix A and B (0 < weight < 1), each worth 4^i original pixels, per pixel of seam\n"
              "result = [((m > 0) & (m < 1)).sum() * 4**i / edge.sum() for i, m in enumerate(octaves)]\n")
