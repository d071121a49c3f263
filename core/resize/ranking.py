"""Small summaries the downsizing lesson states in words: how far each spectrum is from the ideal's."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core.errors import InvalidParameterError


def spectrum_gaps(spectra: Mapping[str, np.ndarray], reference: np.ndarray) -> dict[str, float]:
    """Each method's mean ``|spectrum − reference spectrum|`` (log₁₀ magnitudes, so 0.3 is a
    factor of about 2 in magnitude, on average over the frequencies).

    Shape:
        Input: ``(h, w)`` spectra, all the reference's shape. Output: one float per key.

    >>> spectrum_gaps({"a": np.ones((2, 2)), "b": np.zeros((2, 2))}, np.zeros((2, 2)))
    {'a': 1.0, 'b': 0.0}
    """
    gaps = {}
    for key, values in spectra.items():
        if np.shape(values) != np.shape(reference):
            raise InvalidParameterError(
                f"The spectrum of {key!r} is {np.shape(values)}, the reference's {np.shape(reference)}.")
        gaps[key] = float(np.mean(np.abs(np.asarray(values, np.float64) - np.asarray(reference, np.float64))))
    return gaps
