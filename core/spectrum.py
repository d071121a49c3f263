"""Frequency content of an image: what a blur removes and what dropping rows folds back.

Convention: the spectrum is taken of the luminance (Rec. 601 weights) with its mean removed and
a Hann window applied, so the image's borders do not paint a bright cross through the centre.
Frequencies are in cycles per pixel; 0.5 is the Nyquist limit of the grid.
"""

from __future__ import annotations

import torch

from core.errors import InvalidParameterError

LUMA = (0.299, 0.587, 0.114)


def luminance(x: torch.Tensor) -> torch.Tensor:
    """Rec. 601 luma.

    Shape:
        Input: ``(B, 3, H, W)``. Output: ``(B, H, W)``.
    """
    if x.dim() != 4 or x.shape[1] != 3:
        raise InvalidParameterError(f"Expected a (B, 3, H, W) tensor, got shape {tuple(x.shape)}.")
    weights = torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * weights).sum(dim=1)


def _windowed_fft(gray: torch.Tensor) -> torch.Tensor:
    if gray.dim() != 2:
        raise InvalidParameterError(f"Expected an (H, W) tensor, got shape {tuple(gray.shape)}.")
    height, width = gray.shape
    window = (torch.hann_window(height, periodic=False, dtype=torch.float64, device=gray.device)[:, None]
              * torch.hann_window(width, periodic=False, dtype=torch.float64, device=gray.device)[None, :])
    if height == 1 or width == 1:
        window = torch.ones_like(window)
    centred = gray.double() - gray.double().mean()
    return torch.fft.fftshift(torch.fft.fft2(centred * window))


def _radius(height: int, width: int, device: torch.device) -> torch.Tensor:
    """Radial frequency (cycles per pixel) of every bin of a centred ``(height, width)`` spectrum."""
    fy = torch.fft.fftshift(torch.fft.fftfreq(height, dtype=torch.float64, device=device))
    fx = torch.fft.fftshift(torch.fft.fftfreq(width, dtype=torch.float64, device=device))
    return torch.sqrt(fy[:, None] ** 2 + fx[None, :] ** 2)


def log_magnitude_spectrum(gray: torch.Tensor) -> torch.Tensor:
    """``log10(1 + |F|)`` of the windowed image, zero frequency in the centre.

    Shape:
        Input: ``(H, W)``. Output: ``(H, W)`` float64; row ``H // 2``, column ``W // 2`` is DC.
    """
    return torch.log10(1.0 + _windowed_fft(gray).abs())


def radial_power(gray: torch.Tensor, bins: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean power ``|F|² / (H W)`` in rings of equal width from 0 to 0.5 cycles per pixel.

    Returns the ring centres and the mean power in each; rings beyond 0.5 (the corners of the
    spectrum) are left out so every ring is a full circle.

    Shape:
        Input: ``(H, W)``. Output: two ``(bins,)`` tensors.
    """
    if bins < 1:
        raise InvalidParameterError(f"bins must be at least 1, got {bins}.")
    spectrum = _windowed_fft(gray)
    height, width = gray.shape
    radius = _radius(height, width, gray.device)
    power = spectrum.abs() ** 2 / (height * width)
    ring = torch.clamp((radius / 0.5 * bins).long(), max=bins)
    total = torch.zeros(bins + 1, dtype=torch.float64, device=gray.device).index_add_(0, ring.ravel(), power.ravel())
    count = torch.zeros(bins + 1, dtype=torch.float64, device=gray.device).index_add_(
        0, ring.ravel(), torch.ones_like(power).ravel())
    centres = (torch.arange(bins, dtype=torch.float64, device=gray.device) + 0.5) * 0.5 / bins
    mean = torch.where(count[:bins] > 0, total[:bins] / count[:bins].clamp(min=1), torch.nan)
    return centres, mean


def high_frequency_fraction(gray: torch.Tensor, cutoff: float) -> float:
    """Fraction of the (windowed, mean-removed) energy at radial frequencies above ``cutoff``.

    Used to show aliasing: after dropping every other row of an unblurred image, energy that was
    above the new Nyquist limit folds back to frequencies just below it.
    """
    spectrum = _windowed_fft(gray)
    height, width = gray.shape
    radius = _radius(height, width, gray.device)
    power = spectrum.abs() ** 2
    total = float(power.sum())
    return float(power[radius > cutoff].sum()) / total if total > 0 else 0.0
