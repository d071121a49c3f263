"""core.blend: identities, seamlessness and the masks."""

import numpy as np
import pytest
import torch

from core.blend import alpha_blend, compare_blends, laplacian_blend, make_mask, max_blend_levels, seam_roughness
from core.errors import InvalidParameterError
from core.samples import get_sample


def _pair(height=64, width=80):
    generator = torch.Generator().manual_seed(0)
    return torch.rand(1, 3, height, width, generator=generator), torch.rand(1, 3, height, width, generator=generator)


def test_all_ones_mask_returns_a_and_all_zeros_returns_b():
    a, b = _pair()
    ones = torch.ones(1, 1, 64, 80)
    assert (laplacian_blend(a, b, ones, 5) - a).abs().max() < 1e-6
    assert (laplacian_blend(a, b, ones * 0, 5) - b).abs().max() < 1e-6


def test_one_level_is_the_plain_alpha_blend():
    a, b = _pair()
    mask = make_mask("circle", 64, 80, feather=6)
    assert torch.allclose(laplacian_blend(a, b, mask, 1), alpha_blend(a, b, mask), atol=1e-7)


def test_pyramid_blend_is_smoother_across_the_seam_than_a_hard_cut():
    cat = get_sample("cat").load()
    flipped = np.ascontiguousarray(cat[::-1, ::-1])   # different content on each side of the seam
    result = compare_blends(cat, flipped, "left-right", 5)
    assert result.roughness["Laplacian pyramid"] < 0.5 * result.roughness["hard cut"]
    assert result.roughness["Laplacian pyramid"] < 2 * max(result.roughness["image A alone"],
                                                           result.roughness["image B alone"])
    assert result.reconstruction_error < 1e-6
    # Far from the seam the pyramid blend is (almost) the original image.
    assert np.abs(result.pyramid[:, :100].astype(int) - cat[:, :100]).max() <= 2


def test_masks_cover_the_stated_side_and_ramp_over_the_feather_width():
    lr = make_mask("left-right", 4, 10)[0, 0]
    assert lr[:, :5].min() == 1 and lr[:, 5:].max() == 0
    tb = make_mask("top-bottom", 10, 4)[0, 0]
    assert tb[:5].min() == 1 and tb[5:].max() == 0
    soft = make_mask("left-right", 1, 100, feather=20)[0, 0, 0]
    ramp = soft[(soft > 0) & (soft < 1)]
    assert 18 <= ramp.numel() <= 21 and torch.all(ramp[1:] < ramp[:-1])
    circle = make_mask("circle", 100, 100, radius=0.3)[0, 0]
    assert circle.sum().item() == pytest.approx(np.pi * 30**2, rel=0.02)


def test_seam_roughness_sees_a_step():
    flat = torch.zeros(1, 3, 20, 20)
    step = flat.clone()
    step[..., 10:] = 1
    mask = make_mask("left-right", 20, 20)
    assert seam_roughness(flat, mask) == 0
    assert seam_roughness(step, mask) > 0.1


def test_bad_shapes_and_names_are_refused():
    a, b = _pair()
    with pytest.raises(InvalidParameterError):
        laplacian_blend(a, b[..., :40], torch.ones(1, 1, 64, 80), 3)
    with pytest.raises(ValueError, match="left-right"):
        make_mask("star", 10, 10)
    assert max_blend_levels(300, 451) == 8


def test_changed_fraction_counts_pixels_beyond_the_threshold_in_any_channel():
    from core.blend.lesson import changed_fraction

    base = np.zeros((2, 5, 3), np.uint8)
    other = base.copy()
    other[0, 0, 2] = 5      # over 4 in one channel: changed
    other[1, 3] = 4         # exactly 4: not changed
    other[1, 4, 0] = 200
    assert changed_fraction(base, other) == pytest.approx(2 / 10)
    assert changed_fraction(base, other, threshold=0) == pytest.approx(3 / 10)


def test_seam_widths_match_the_mixed_columns_counted_by_hand():
    import cv2

    from core.blend.lesson import seam_widths

    hard = make_mask("left-right", 64, 64)[0, 0].numpy()
    levels = [hard]
    for _ in range(4):
        levels.append(cv2.pyrDown(levels[-1]))
    widths = seam_widths(levels)
    # octave 1 column j reads original columns 2j-2 … 2j+2; both sides of the cut at 31|32 only for j = 15, 16
    assert widths[:2] == [0.0, 2 * 2.0]
    for i, level in enumerate(levels):     # a straight cut: mixed columns of one row, × 2^i original pixels
        row = level[level.shape[0] // 2]
        assert widths[i] == pytest.approx(((row > 0) & (row < 1)).sum() * 2**i)
    assert widths == sorted(widths)        # coarser octaves join over wider seams


@pytest.mark.parametrize("kind", ["left-right", "top-bottom", "circle"])
def test_seam_roughness_matches_a_pixel_by_pixel_count(kind):
    height, width, band = 23, 31, 3
    image = torch.rand((1, 3, height, width), generator=torch.Generator().manual_seed(7))
    mask = make_mask(kind, height, width, radius=0.3)
    hard = mask[0, 0].numpy() > 0.5
    pixels = image[0].double().numpy()
    edges = [(y, x) for y in range(height) for x in range(width)
             if (x > 0 and hard[y, x] != hard[y, x - 1]) or (y > 0 and hard[y, x] != hard[y - 1, x])]
    energies = []
    for y in range(height):
        for x in range(width):
            if any(max(abs(y - ey), abs(x - ex)) <= band for ey, ex in edges):
                gy = pixels[:, y, x] - pixels[:, y - 1, x] if y > 0 else 0 * pixels[:, y, x]
                gx = pixels[:, y, x] - pixels[:, y, x - 1] if x > 0 else 0 * pixels[:, y, x]
                energies.append(float((gy**2 + gx**2).sum()))
    assert seam_roughness(image, mask, band) == pytest.approx(np.mean(energies), rel=1e-5)
