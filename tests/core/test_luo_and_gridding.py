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


# ---- the trained segmenters' trunk -------------------------------------------------------------
import torch.nn as nn  # noqa: E402

from core.models import build_untrained  # noqa: E402
from core.receptive_field.luo import erf_std, trunk_erf  # noqa: E402
from core.receptive_field.trained import module_layers, trunk_comparison  # noqa: E402


def test_trunk_erf_of_an_all_ones_linear_stack_is_the_trinomial_outer_product():
    stack = nn.Sequential(nn.Conv2d(3, 1, 3, padding=1, bias=False), nn.Conv2d(1, 1, 3, padding=1, bias=False),
                          nn.Conv2d(1, 1, 3, padding=1, bias=False))
    for conv in stack:
        nn.init.ones_(conv.weight)
    erf = trunk_erf(stack, size=15, inputs=2)
    line = np.convolve(np.convolve([1, 1, 1], [1, 1, 1]), [1, 1, 1]).astype(float)   # 1 3 6 7 6 3 1
    expected = np.zeros((15, 15))
    expected[4:11, 4:11] = np.outer(line, line) / 49
    np.testing.assert_allclose(erf, expected, atol=1e-6)
    assert erf_std(erf) == pytest.approx(np.sqrt(3 * 8 / 12), rel=1e-5)      # three 3-boxes: n (k² − 1) / 12


def test_the_segmenter_trunk_has_a_47_px_field_by_hand():
    layers = module_layers(build_untrained("segmenter-aspp").trunk)
    assert [(layer.kernel, layer.stride, layer.padding) for layer in layers] == [(3, 2, 1)] * 3 + [(3, 1, 1)] * 2
    # 1 + 2·1 + 2·2 + 2·4 + 2·8 + 2·8: each 3×3 adds two of the jump before it.
    assert trunk_comparison().field.size == 1 + 2 * (1 + 2 + 4 + 8 + 8) == 47


@pytest.mark.parametrize("name", ["segmenter-aspp", "segmenter-psp"])
def test_trained_and_untrained_trunk_erfs_lie_inside_the_theoretical_field(name):
    result = trunk_comparison(name, side=96, inputs=4)
    box = result.rectangle
    assert (box.bottom - box.top + 1, box.right - box.left + 1) == (47, 47)
    for field in (result.trained, result.untrained):
        outside = field.erf.copy()
        outside[box.top:box.bottom + 1, box.left:box.right + 1] = 0
        assert outside.max() == 0 and field.inside == pytest.approx(1.0)    # no gradient leaves the square
        middle = field.erf[box.top + 12:box.top + 35, box.left + 12:box.left + 35].sum() / field.erf.sum()
        assert middle > 1.5 * (23 / 47) ** 2      # the middle 23×23 holds more than a uniform square would
        assert 0 < field.std < 47 / np.sqrt(12)                            # narrower than a uniform square
        assert field.share == pytest.approx(2 * field.std / 47)
    assert result.trained_loaded and result.message is None
