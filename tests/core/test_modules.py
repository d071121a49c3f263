"""SPP, pyramid pooling and ASPP against hand computations and PyTorch's own pooling."""

import pytest
import torch
import torch.nn.functional as F

from core.errors import InvalidParameterError
from core.modules import (
    ASPP,
    ASPP_RATES,
    SPP,
    PyramidPooling,
    bin_edges,
    capture_branches,
    tap_positions,
    uncovered,
    valid_tap_fraction,
)


@pytest.mark.parametrize("size", [(1, 1), (13, 13), (10, 10), (37, 53), (224, 224)])
@pytest.mark.parametrize("convention", ["adaptive", "he"])
def test_spp_length_is_fixed_for_any_input_size(size, convention):
    x = torch.rand(2, 5, *size)
    assert SPP((4, 2, 1), "max", convention)(x).shape == (2, 5 * (16 + 4 + 1))


def test_he_bins_by_hand_for_a_13_wide_map():
    # a = 13, n = 3: window ceil(13/3) = 5, stride floor(13/3) = 4 -> [0,5), [4,9), [8,13)
    assert bin_edges(13, 3, "he") == [(0, 5), (4, 9), (8, 13)]
    # adaptive: [floor(i*13/3), ceil((i+1)*13/3)) -> [0,5), [4,9), [8,13) too
    assert bin_edges(13, 3, "adaptive") == [(0, 5), (4, 9), (8, 13)]


def test_he_windows_leave_rows_uncovered_where_adaptive_does_not():
    assert bin_edges(10, 6, "he") == [(0, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]
    assert uncovered(10, 6, "he") == [7, 8, 9]
    assert uncovered(10, 6, "adaptive") == []


def test_adaptive_spp_equals_pytorch_adaptive_pooling_level_by_level():
    x = torch.rand(1, 3, 37, 53)
    vector = SPP((4, 2, 1), "avg")(x)
    expected = torch.cat([F.adaptive_avg_pool2d(x, b).flatten(1) for b in (4, 2, 1)], dim=1)
    assert torch.allclose(vector, expected)


def test_he_spp_max_matches_a_hand_computed_level():
    x = torch.arange(100.0).view(1, 1, 10, 10)
    level = SPP((6,), "max", "he").pool_level(x, 6)
    # bin (i, j) covers rows i..i+1 and columns j..j+1: its max is at (i+1, j+1)
    expected = torch.tensor([[(i + 1) * 10 + j + 1 for j in range(6)] for i in range(6)], dtype=torch.float32)
    assert torch.equal(level[0, 0], expected)


def test_pyramid_pooling_doubles_channels_keeps_size_and_upsamples_bilinearly():
    torch.manual_seed(0)
    module = PyramidPooling(8, (1, 2, 3, 6)).eval()
    x = torch.rand(1, 8, 20, 30)
    out = module(x)
    assert out.shape == (1, 16, 20, 30)
    assert torch.equal(out[:, :8], x)
    branch = module.branches["bin2"]
    expected = F.interpolate(branch(x), size=(20, 30), mode="bilinear", align_corners=False)
    assert torch.allclose(out[:, 8 + 2:8 + 4], expected)      # second branch's 2 channels
    with pytest.raises(InvalidParameterError):
        PyramidPooling(6, (1, 2, 3, 6))


@pytest.mark.parametrize("rates", list(ASPP_RATES.values()))
def test_aspp_padding_equal_to_rate_keeps_the_size(rates):
    module = ASPP(4, 8, rates).eval()
    output, branches = capture_branches(module, torch.rand(1, 4, 33, 41))
    assert output.shape == (1, 8, 33, 41)
    assert list(branches) == ["1x1", *[f"rate{r}" for r in rates], "image-pool"]
    for value in branches.values():
        assert value.shape == (1, 8, 33, 41)
    assert torch.allclose(branches["image-pool"][..., 0, 0], branches["image-pool"][..., -1, -1])


def test_atrous_branch_equals_a_dilated_conv2d():
    module = ASPP(2, 3, (5,), image_pooling=False).eval()
    x = torch.rand(1, 2, 21, 21)
    conv = module.branches["rate5"][0]
    expected = F.relu(F.conv2d(x, conv.weight, conv.bias, padding=5, dilation=5))
    _, branches = capture_branches(module, x)
    assert torch.allclose(branches["rate5"], expected)


def test_valid_taps_fall_from_nine_to_one_as_the_rate_reaches_the_map_size():
    # On a 65-pixel side a rate-r tap is valid for 65 - r positions of 65: per axis (65 + 2(65 - r)) / (3 * 65).
    for rate in (1, 12, 24, 64):
        per_axis = (65 + 2 * (65 - rate)) / (3 * 65)
        assert valid_tap_fraction(65, rate) == pytest.approx(per_axis**2)
    assert valid_tap_fraction(65, 65) * 9 == pytest.approx(1.0)
    assert valid_tap_fraction(65, 100) * 9 == pytest.approx(1.0)


def test_taps_spread_two_rate_plus_one_wide_and_corner_taps_fall_into_padding():
    taps = tap_positions(10, 10, 4, 30, 30)
    rows = sorted({y for y, _, _ in taps})
    assert rows == [6, 10, 14] and rows[-1] - rows[0] + 1 == 2 * 4 + 1
    assert all(ok for *_, ok in taps)
    corner = tap_positions(0, 0, 4, 30, 30)
    assert sum(ok for *_, ok in corner) == 4


def test_capture_refuses_a_module_without_branches():
    with pytest.raises(InvalidParameterError):
        capture_branches(torch.nn.Conv2d(1, 1, 1), torch.rand(1, 1, 4, 4))


def test_the_branch_erf_stays_inside_the_branch_field_and_clamps_the_unit():
    from core.modules.lesson import aspp_fields, branch_erf, feature_geometry

    erf, unit = branch_erf("filter-bank", 4, 2, (64, 64), (100, 100))
    assert unit == (15, 15)                                 # 64 / 4 units per side: clamped
    field = aspp_fields("filter-bank", 4, (2,))["rate2"]
    geometry = feature_geometry("filter-bank", 4)
    centre = geometry.start + 15 * geometry.jump
    ys, xs = (erf > 0).nonzero()
    assert ys.min() >= centre - field.size / 2 - 0.5 and xs.max() <= centre + field.size / 2 + 0.5


# ---- which channel a branch is shown through -----------------------------------------------------
import numpy as np  # noqa: E402

from core.modules.maps import most_responsive, pyramid_pooling_views  # noqa: E402


def test_most_responsive_picks_the_channel_of_largest_spread_and_scales_it():
    rng = np.random.default_rng(1)
    maps = rng.random((6, 5, 7)) * np.arange(1, 7)[:, None, None]
    maps[2] = 0.0                                                    # a channel switched off
    picked = most_responsive(maps)
    brute = max(range(6), key=lambda c: maps[c].max() - maps[c].min())
    assert picked.channel == brute and np.isclose(picked.spread, maps[brute].max() - maps[brute].min())
    assert np.isclose(picked.scaled.min(), 0) and np.isclose(picked.scaled.max(), 1)
    flat = most_responsive(np.stack([np.zeros((3, 3)), np.full((3, 3), 2.0)]))
    assert flat.constant and flat.channel == 1 and np.all(flat.scaled == 0.5)
    assert "constant" in flat.title("bin1") and "spread" in picked.title("rate6")


def test_pyramid_pooling_views_take_the_picked_channel_from_the_stacked_output():
    module = PyramidPooling(8, (1, 2)).eval()
    x = torch.rand(1, 8, 9, 11)
    output, branches = capture_branches(module, x)
    views = pyramid_pooling_views(output[0].numpy(), {k: v[0].numpy() for k, v in branches.items()}, 8)
    for name, pooled, upsampled in views:
        expected = F.interpolate(module.branches[name](x), size=(9, 11), mode="bilinear", align_corners=False)
        assert np.allclose(upsampled.values, expected[0, pooled.channel].detach().numpy(), atol=1e-6)
    assert views[0][2].constant                                      # one bin: one value everywhere
