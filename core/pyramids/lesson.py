"""Everything the image-pyramids lesson measures, as plain arrays and numbers.

Each function takes an ``(H, W, 3) uint8`` image and returns a frozen dataclass of NumPy arrays
and floats, so the page only lays results out and a test can check every number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from core.images import to_image, to_tensor
from core.pyramids import (
    decimate,
    gaussian_pyramid,
    geometric_storage_ratio,
    laplacian_pyramid,
    pyr_down,
    pyr_up,
    pyramid_kernel,
    reconstruct,
    storage_ratio,
)
from core.spectrum import high_frequency_fraction, log_magnitude_spectrum, luminance, radial_power


@dataclass(frozen=True)
class Octaves:
    """A Gaussian and a Laplacian pyramid of one image.

    Attributes:
        gaussian: ``levels`` arrays ``(H_i, W_i, 3) uint8``, finest first.
        laplacian: ``levels - 1`` signed bands ``(H_i, W_i, 3) float32`` (image in [0, 1]),
            then the coarsest Gaussian level as float32.
        reconstruction_error: max ``|reconstruct(laplacian) - image|`` on the [0, 1] scale.
        storage: total pixels of all levels / pixels of the image.
        storage_ideal: the same for exact halving, ``(1 - 4^-L) / (3/4)``.
    """

    gaussian: list[np.ndarray]
    laplacian: list[np.ndarray]
    reconstruction_error: float
    storage: float
    storage_ideal: float


def _kernel(kernel: str, sigma: float) -> torch.Tensor | None:
    # None selects the OpenCV-compatible binomial kernel (and with it the fast CPU path).
    return None if kernel == "binomial" else pyramid_kernel(kernel, sigma)


def build_octaves(image: np.ndarray, levels: int, kernel: str = "binomial",
                  sigma: float = 1.0) -> Octaves:
    """Gaussian and Laplacian pyramids, exact reconstruction check and storage cost."""
    k = _kernel(kernel, sigma)
    x = to_tensor(image)
    with torch.no_grad():
        gaussians = gaussian_pyramid(x, levels, kernel=k)
        bands = laplacian_pyramid(x, levels, kernel=k)
        error = float((reconstruct(bands, kernel=k) - x).abs().max())
    shapes = [(g.shape[-2], g.shape[-1]) for g in gaussians]
    return Octaves(
        gaussian=[to_image(g) for g in gaussians],
        laplacian=[_hwc(b) for b in bands],
        reconstruction_error=error,
        storage=storage_ratio(shapes),
        storage_ideal=geometric_storage_ratio(levels),
    )


def expand_octaves(image: np.ndarray, levels: int, kernel: str = "binomial",
                   sigma: float = 1.0) -> list[np.ndarray]:
    """Each Gaussian octave brought back to full size by repeated ``pyr_up`` (as DeepDream and
    pyramid blending use them): ``levels`` arrays of the image's shape, uint8."""
    k = _kernel(kernel, sigma)
    with torch.no_grad():
        gaussians = gaussian_pyramid(to_tensor(image), levels, kernel=k)
        expanded = []
        for i, level in enumerate(gaussians):
            for finer in reversed(gaussians[:i]):
                level = pyr_up(level, (finer.shape[-2], finer.shape[-1]), kernel=k)
            expanded.append(to_image(level))
    return expanded


@dataclass(frozen=True)
class DownUp:
    """``pyr_up(pyr_down(image))`` beside the image: what one octave down and back loses.

    Attributes:
        restored: ``(H, W, 3) uint8``.
        error: ``(H, W) float32`` the largest absolute difference over the channels, in grey
            levels, so the map's brightest pixel is ``max_error``.
        max_error: the largest difference, grey levels (0–255).
        psnr: peak signal-to-noise ratio in dB (OpenCV's ``cv2.PSNR``).
    """

    restored: np.ndarray
    error: np.ndarray
    max_error: float
    psnr: float


def down_up(image: np.ndarray, kernel: str = "binomial", sigma: float = 1.0) -> DownUp:
    """One octave down and back up, and how far the result is from the original."""
    k = _kernel(kernel, sigma)
    x = to_tensor(image)
    with torch.no_grad():
        restored = to_image(pyr_up(pyr_down(x, kernel=k), (x.shape[-2], x.shape[-1]), kernel=k))
    difference = np.abs(restored.astype(np.float32) - image.astype(np.float32))
    return DownUp(restored, difference.max(axis=2), float(difference.max()),
                  float(cv2.PSNR(restored, image)))


@dataclass(frozen=True)
class OpenCVAgreement:
    """ScaleScope's torch ``pyr_down`` against ``cv2.pyrDown`` on the same float32 image.

    Attributes:
        ours / theirs: ``(h, w, 3) float32`` in grey levels (0–255).
        max_difference: ``max |ours - theirs|`` in grey levels.
    """

    ours: np.ndarray
    theirs: np.ndarray
    max_difference: float


def opencv_agreement(image: np.ndarray) -> OpenCVAgreement:
    """Run the hand-written torch path (not the OpenCV fast path) and OpenCV side by side."""
    values = image.astype(np.float32)
    theirs = cv2.pyrDown(values)
    x = torch.from_numpy(values).permute(2, 0, 1).unsqueeze(0).contiguous()
    with torch.no_grad():
        ours = _hwc(pyr_down(x, backend="torch"))
    theirs = theirs.reshape(ours.shape)
    return OpenCVAgreement(ours, theirs, float(np.abs(ours - theirs).max()))


@dataclass(frozen=True)
class OctaveSpectra:
    """Radial power spectrum of each octave, on one frequency axis.

    Attributes:
        frequencies: per level, ring centres in cycles per *original* pixel (a level-``i``
            frequency ``f`` is ``f / 2^i`` on the original grid), so every curve ends at its own
            Nyquist limit ``0.5 / 2^i``.
        power: per level, mean power per ring, as a density per original pixel: a level-``i``
            value is multiplied by ``4^i`` (its frequency axis is squeezed by ``2^i`` in each of
            two directions), so detail an octave keeps plots on top of octave 0's curve.
    """

    frequencies: list[np.ndarray]
    power: list[np.ndarray]


def octave_spectrum(level: np.ndarray, index: int, bins: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """Radial spectrum of Gaussian level ``index`` (a uint8 image), on the original's frequency axis
    and as a density per original pixel (see :class:`OctaveSpectra`)."""
    gray = luminance(to_tensor(level, device="cpu"))[0]
    f, p = radial_power(gray, bins)
    return (f / 2**index).numpy(), (p * 4**index).numpy()


def octave_spectra(gaussian: list[np.ndarray], bins: int = 48,
                   spectrum: Callable[[np.ndarray, int, int], tuple[np.ndarray, np.ndarray]] = octave_spectrum,
                   ) -> OctaveSpectra:
    """Radial spectra of Gaussian levels (uint8 images); levels under 4×4 pixels are skipped.

    ``spectrum`` computes one level; a caller may pass a cached one, since one more level leaves
    the spectra of the others unchanged.
    """
    frequencies, power = [], []
    for i, level in enumerate(gaussian):
        if min(level.shape[:2]) < 4:
            break
        f, p = spectrum(level, i, bins)
        frequencies.append(f)
        power.append(p)
    return OctaveSpectra(frequencies, power)


@dataclass(frozen=True)
class AliasingDemo:
    """Dropping rows with and without the blur, ``steps`` octaves down.

    Attributes:
        naive / blurred: ``(h, w, 3) uint8``: ``decimate`` repeated vs ``pyr_down`` repeated.
        naive_spectrum / blurred_spectrum: ``(h, w)`` log10 magnitude spectra (centred).
        source_high_fraction: energy of the original above the final grid's Nyquist limit.
    """

    naive: np.ndarray
    blurred: np.ndarray
    naive_spectrum: np.ndarray
    blurred_spectrum: np.ndarray
    source_high_fraction: float


def aliasing_demo(image: np.ndarray, steps: int = 2) -> AliasingDemo:
    """Why the blur comes before dropping rows: the same octave made both ways."""
    x = to_tensor(image, device="cpu")
    naive, blurred = x, x
    with torch.no_grad():
        for _ in range(steps):
            naive, blurred = decimate(naive), pyr_down(blurred)
        gray = luminance(x)[0]
        high = high_frequency_fraction(gray, 0.5 / 2**steps)
        spectra = [log_magnitude_spectrum(luminance(t)[0]).float().numpy() for t in (naive, blurred)]
    return AliasingDemo(to_image(naive), to_image(blurred), spectra[0], spectra[1], high)


def _hwc(x: torch.Tensor) -> np.ndarray:
    return x[0].permute(1, 2, 0).contiguous().cpu().numpy().astype(np.float32, copy=False)
