"""Test patterns drawn in code, checked against their defining formulas."""

import numpy as np
import pytest

from core.errors import InvalidParameterError
from core.patterns import checkerboard, siemens_star, squares, stripes, zone_plate


def test_zone_plate_local_frequency_grows_to_nyquist_at_the_edge():
    # I = 1/2 + 1/2 cos(pi r^2 / N) has local frequency r / N cycles per pixel: about 0.47 over
    # the 16 pixels at the edge of the centre row (about 15 sign changes), under 0.06 at the centre.
    row = zone_plate(256)[128, :, 0].astype(float) - 127.5
    edge_flips = np.count_nonzero(np.diff(np.sign(row[:16])))
    centre_flips = np.count_nonzero(np.diff(np.sign(row[128:144])))
    assert edge_flips >= 13
    assert centre_flips <= 2


def test_checkerboard_squares_alternate():
    board = checkerboard(32, 8)[..., 0]
    assert board[0, 0] == 0 and board[0, 8] == 255 and board[8, 8] == 0
    assert board.mean() == pytest.approx(127.5)


def test_squares_have_the_requested_sides():
    canvas = squares(256, (2, 4, 8))[..., 0] > 0
    rows = np.flatnonzero(canvas.any(axis=1))
    assert canvas.sum() == 4 + 16 + 64
    assert len(rows) == 2 + 4 + 8


def test_siemens_star_is_half_black_half_white():
    star = siemens_star(128, 16)[..., 0].astype(float)
    assert star.mean() == pytest.approx(127.5, abs=3)


def test_stripes_have_the_requested_period():
    row = stripes(220, 2.2)[0, :, 0].astype(float) - 127.5
    spectrum = np.abs(np.fft.rfft(row))
    assert np.argmax(spectrum) / 220 == pytest.approx(1 / 2.2, abs=0.005)


def test_sizes_are_checked():
    with pytest.raises(InvalidParameterError):
        zone_plate(4)
    with pytest.raises(InvalidParameterError):
        stripes(64, 1.5)
