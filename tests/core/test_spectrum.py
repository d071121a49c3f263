"""core.spectrum against analytic signals and NumPy's FFT."""

import numpy as np
import pytest
import torch

from core.spectrum import high_frequency_fraction, log_magnitude_spectrum, luminance, radial_power


def _cosine(size: int, fx: float, fy: float = 0.0) -> torch.Tensor:
    y, x = np.mgrid[0:size, 0:size]
    return torch.from_numpy(np.cos(2 * np.pi * (fx * x + fy * y)))


def test_a_cosine_peaks_at_its_own_frequency():
    spectrum = log_magnitude_spectrum(_cosine(128, 16 / 128))
    row, col = np.unravel_index(int(spectrum.argmax()), spectrum.shape)
    assert row == 64 and abs(col - 64) == 16


def test_spectrum_is_numpys_windowed_fft():
    gray = torch.rand(20, 30, dtype=torch.float64)
    window = np.outer(np.hanning(20), np.hanning(30))
    reference = np.log10(1 + np.abs(np.fft.fftshift(np.fft.fft2((gray.numpy() - gray.numpy().mean()) * window))))
    np.testing.assert_allclose(log_magnitude_spectrum(gray).numpy(), reference, atol=1e-10)


@pytest.mark.parametrize("frequency", [0.05, 0.2, 0.4])
def test_radial_power_puts_a_diagonal_grating_in_the_right_ring(frequency):
    f = frequency / np.sqrt(2)
    centres, power = radial_power(_cosine(256, f, f), bins=50)
    assert centres[int(torch.nan_to_num(power).argmax())].item() == pytest.approx(frequency, abs=0.01)


def test_high_frequency_fraction_of_a_single_cosine_is_all_or_nothing():
    grating = _cosine(128, 0.3)
    assert high_frequency_fraction(grating, 0.25) > 0.99
    assert high_frequency_fraction(grating, 0.35) < 0.01


def test_luminance_uses_rec_601_weights():
    pixel = torch.tensor([1.0, 0.0, 0.0]).view(1, 3, 1, 1)
    assert luminance(pixel).item() == pytest.approx(0.299)
