"""Joining two images along a mask: hard cut, feathered alpha, and Laplacian-pyramid blending.

Burt & Adelson (1983): blend each Laplacian band of the two images with the Gaussian pyramid of
the mask, then collapse. Fine detail is joined over a narrow seam and coarse colour over a wide
one, so the seam disappears without ghosting. Bands are signed floats throughout: subtracting in
8-bit integers (a well-known tutorial does) clips half of every band, and scikit-image's
``pyramid_laplacian`` cannot reconstruct its input.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from core.errors import InvalidParameterError
from core.images import to_image, to_tensor
from core.pyramids import gaussian_pyramid, laplacian_pyramid, reconstruct

MASKS = ("left-right", "top-bottom", "circle")


def laplacian_blend(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor, levels: int) -> torch.Tensor:
    """``mask`` picks ``a`` (1) or ``b`` (0), band by band.

    Shape:
        Input: ``a``, ``b`` ``(B, C, H, W)``; ``mask`` ``(B, 1, H, W)`` in [0, 1].
        Output: ``(B, C, H, W)``.
    """
    _check(a, b, mask)
    bands_a = laplacian_pyramid(a, levels)
    bands_b = laplacian_pyramid(b, levels)
    weights = gaussian_pyramid(mask.to(a.dtype), levels)
    return reconstruct([w * la + (1 - w) * lb for w, la, lb in zip(weights, bands_a, bands_b)])


def alpha_blend(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``mask * a + (1 - mask) * b``, pixel by pixel (a hard cut when the mask is 0/1)."""
    _check(a, b, mask)
    return mask * a + (1 - mask) * b


def make_mask(kind: str, height: int, width: int, *, feather: float = 0.0,
              radius: float = 0.3, device: torch.device | str | None = None) -> torch.Tensor:
    """A mask that is 1 on ``a``'s side, with a linear ramp ``feather`` pixels wide at the edge.

    ``"left-right"``: 1 left of the middle column. ``"top-bottom"``: 1 above the middle row.
    ``"circle"``: 1 inside a centred circle of ``radius`` × the shorter side.

    Shape:
        Output: ``(1, 1, height, width)`` float32 in [0, 1].
    """
    if kind not in MASKS:
        raise ValueError(f"Unknown mask {kind!r}; choose one of {', '.join(MASKS)}.")
    if feather < 0:
        raise InvalidParameterError(f"feather must be ≥ 0 pixels, got {feather}.")
    y = torch.arange(height, dtype=torch.float32, device=device)[:, None] + 0.5
    x = torch.arange(width, dtype=torch.float32, device=device)[None, :] + 0.5
    if kind == "left-right":
        distance = width / 2 - x + 0 * y          # positive on a's side
    elif kind == "top-bottom":
        distance = height / 2 - y + 0 * x
    else:
        r = radius * min(height, width)
        distance = r - torch.sqrt((y - height / 2) ** 2 + (x - width / 2) ** 2)
    if feather == 0:
        mask = (distance > 0).float()
    else:
        mask = (distance / feather + 0.5).clamp(0, 1)
    return mask[None, None]


def seam_band(mask: torch.Tensor, band: int = 3) -> np.ndarray:
    """The pixels within ``band`` (Chebyshev distance) of the mask's 0.5 contour.

    A pixel is on the contour when it lies on the other side of 0.5 from the pixel above it or
    the one on its left. A 0/1 dilation by a ``(2 band + 1)²`` square (OpenCV's, a max filter on
    bytes) widens it.

    Shape:
        Input: ``(1, 1, H, W)``. Output: ``(H, W)`` bool, all False when the mask has no contour.
    """
    hard = mask[0, 0].detach().cpu().numpy() > 0.5
    edge = np.zeros(hard.shape, np.uint8)
    edge[:, 1:] |= hard[:, 1:] != hard[:, :-1]
    edge[1:, :] |= hard[1:, :] != hard[:-1, :]
    kernel = np.ones((2 * band + 1, 2 * band + 1), np.uint8)
    return cv2.dilate(edge, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0).astype(bool)


def seam_roughness(image: torch.Tensor, mask: torch.Tensor, band: int = 3,
                   near: np.ndarray | None = None) -> float:
    """Mean squared gradient within ``band`` pixels of the mask's 0.5 contour (:func:`seam_band`).

    A visible seam is a jump across that contour; a seamless blend has no more gradient there
    than the images have elsewhere. The gradient of a pixel is its difference from the pixel
    above and from the one on its left (0 on the first row and column). Only the band's
    bounding box is differenced: on a straight seam that is a strip a few pixels wide, not the
    whole picture. ``near`` (from :func:`seam_band`) saves finding the band again for another
    image on the same mask.

    Shape:
        Input: image ``(1, C, H, W)``, mask ``(1, 1, H, W)``.
    """
    near = seam_band(mask, band) if near is None else near
    rows, cols = np.flatnonzero(near.any(axis=1)), np.flatnonzero(near.any(axis=0))
    if rows.size == 0:
        return 0.0
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
    y0, x0 = max(r0 - 1, 0), max(c0 - 1, 0)   # one more row and column: the differences need them
    window = image[0, :, y0:r1 + 1, x0:c1 + 1]
    gy = torch.zeros_like(window)
    gx = torch.zeros_like(window)
    gy[:, 1:, :] = window[:, 1:, :] - window[:, :-1, :]
    gx[:, :, 1:] = window[:, :, 1:] - window[:, :, :-1]
    energy = (gy**2 + gx**2).sum(0)[r0 - y0:, c0 - x0:]
    return float(energy[torch.from_numpy(near[r0:r1 + 1, c0:c1 + 1])].mean())


def max_blend_levels(height: int, width: int) -> int:
    """Levels whose coarsest octave still has at least 2 pixels on its shorter side."""
    return max(1, int(math.floor(math.log2(max(1, min(height, width))))))


def _check(a: torch.Tensor, b: torch.Tensor, mask: torch.Tensor) -> None:
    if a.shape != b.shape or a.dim() != 4:
        raise InvalidParameterError(f"Both images must have one (B, C, H, W) shape, got "
                                    f"{tuple(a.shape)} and {tuple(b.shape)}.")
    if mask.shape[-2:] != a.shape[-2:] or mask.shape[1] != 1:
        raise InvalidParameterError(f"The mask must be (B, 1, H, W) like the images, got {tuple(mask.shape)}.")


@dataclass(frozen=True)
class BlendComparison:
    """The three ways to join ``a`` and ``b``, as ``(H, W, 3) uint8`` images, and their seams.

    Attributes:
        hard / feathered / pyramid: hard cut, alpha blend with the feathered mask, Laplacian blend.
        mask: ``(H, W)`` float32, the hard mask (1 = ``a``).
        mask_levels: the Gaussian pyramid of the hard mask: the weight each band is blended with.
        roughness: mean squared gradient near the seam, per method and for ``a`` and ``b`` alone.
        reconstruction_error: max ``|reconstruct(laplacian(a)) - a|`` on [0, 1]: the collapse is exact.
    """

    hard: np.ndarray
    feathered: np.ndarray
    pyramid: np.ndarray
    mask: np.ndarray
    mask_levels: list[np.ndarray]
    roughness: dict[str, float]
    reconstruction_error: float


def compare_blends(a: np.ndarray, b: np.ndarray, kind: str, levels: int, *, feather: float = 16.0,
                   radius: float = 0.3) -> BlendComparison:
    """Hard cut, feathered alpha and Laplacian-pyramid blend of two same-size uint8 images."""
    if a.shape != b.shape:
        raise InvalidParameterError(f"The two images must have one size, got {a.shape} and {b.shape}.")
    height, width = a.shape[:2]
    ta, tb = to_tensor(a, "cpu"), to_tensor(b, "cpu")
    hard_mask = make_mask(kind, height, width, radius=radius)
    soft_mask = make_mask(kind, height, width, radius=radius, feather=feather)
    with torch.no_grad():
        results = {
            "hard cut": alpha_blend(ta, tb, hard_mask),
            "feathered alpha": alpha_blend(ta, tb, soft_mask),
            "Laplacian pyramid": laplacian_blend(ta, tb, hard_mask, levels),
        }
        near = seam_band(hard_mask)   # one band for all five images on this mask
        roughness = {name: seam_roughness(x, hard_mask, near=near) for name, x in results.items()}
        roughness.update({"image A alone": seam_roughness(ta, hard_mask, near=near),
                          "image B alone": seam_roughness(tb, hard_mask, near=near)})
        error = float((reconstruct(laplacian_pyramid(ta, levels)) - ta).abs().max())
        mask_levels = [m[0, 0].numpy() for m in gaussian_pyramid(hard_mask, levels)]
    hard, feathered, pyramid = (to_image(x) for x in results.values())
    return BlendComparison(hard, feathered, pyramid, hard_mask[0, 0].numpy(), mask_levels, roughness, error)
