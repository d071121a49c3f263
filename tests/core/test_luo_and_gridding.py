"""Luo et al. √n law, valid taps on a W×H map and gridding, each against an independent count."""

import itertools

import numpy as np
import pytest

from core.modules import valid_taps
from core.modules.lesson import gridding
from core.receptive_field.luo import analytic_std, fit_exponent, stack_erfs


def test_uniform_stack_std_matches_exact_box_variance():
    result = stack_erfs(tuple(range(2, 17)), kernel=3)
    exact = np.sqrt(result["depth"] * (3 ** 2 - 1) / 12)
    np.testing.assert_allclose(result["std"], exact, rtol=1e-4)
    assert abs(fit_exponent(result["depth"], result["std"]) - 0.5) < 0.1


def test_five_by_five_stack_and_share_shrinks():
    result = stack_erfs((2, 4, 8, 16), kernel=5)
    np.testing.assert_allclose(result["std"], [np.sqrt(n * 24 / 12) for n in (2, 4, 8, 16)], rtol=1e-4)
    assert np.all(np.diff(result["share"]) < 0)
    assert analytic_std(4, 5) == pytest.approx(np.sqrt(8))


def brute_valid_taps(height, width, rate):
    total = 0
    for y, x in itertools.product(range(height), range(width)):
        total += sum(0 <= y + dy * rate < height and 0 <= x + dx * rate < width
                     for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    return total / (height * width)


@pytest.mark.parametrize("rate,expected", [(12, 6.11), (24, 3.75), (40, 1.60)])
def test_valid_taps_on_57_by_38_map(rate, expected):
    assert valid_taps(38, 57, rate) == pytest.approx(brute_valid_taps(38, 57, rate))
    assert round(valid_taps(38, 57, rate), 2) == expected


def brute_reach(rates):
    offsets = {0}
    for r in rates:
        offsets = {o + d * r for o in offsets for d in (-1, 0, 1)}
    side = 2 * sum(rates) + 1
    return len(offsets) ** 2 / side ** 2, side


def test_gridding_rates_222_reach_29_percent_of_13px():
    erf, reached, side = gridding((2, 2, 2))
    assert (reached, side) == pytest.approx(brute_reach((2, 2, 2)))
    assert side == 13 and round(reached, 2) == 0.29
    assert erf[1].max() == 0 and erf[:, 1].max() == 0 and erf[0, 0] > 0    # every other row and column


def test_gridding_rates_125_fill_17px():
    _, reached, side = gridding((1, 2, 5))
    assert side == 17 and reached == 1.0 == brute_reach((1, 2, 5))[0]
