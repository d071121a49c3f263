"""The squares experiment, against what the corner positions predict by hand."""

import pytest

from core.errors import InvalidParameterError
from core.scale_invariance.squares import corner_detectors, invariance_by_shift, run_squares_experiment, squares_image


def _collapses(corner: int, side: int, depth: int) -> bool:
    # Both corners of a square lie in one pooled unit iff the first and last pixel of its side
    # fall in the same 2^depth-wide cell.
    return corner // 2**depth == (corner + side - 1) // 2**depth


def test_detectors_score_a_corner_above_an_edge_and_the_inside():
    image = squares_image((8,), cell=32, offset=8)
    upper_left = corner_detectors()["upper-left"].numpy()
    window = lambda y, x: float((image[y - 1:y + 2, x - 1:x + 2] * upper_left).sum())
    assert window(8, 8) == pytest.approx(2.0)    # the corner: 4 grey pixels of 0.5
    assert window(8, 11) == pytest.approx(1.0)   # the top edge
    assert window(11, 11) == pytest.approx(-0.5)  # the inside


@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_aligned_squares_that_fit_a_cell_end_with_one_pattern_and_the_rest_do_not(depth):
    sides, offset = (2, 4, 8, 16, 32), 32          # 32 is a multiple of every cell size used
    result = run_squares_experiment(sides, depth, cell=96, offset=offset)
    expected = [_collapses(offset, s, depth) for s in sides]
    assert list(result.collapsed[depth]) == expected
    assert list(result.matches_smallest[depth]) == expected
    together = [i for i, ok in enumerate(expected) if ok]
    for i in together:
        for j in together:
            assert result.similarity[depth, i, j] == pytest.approx(1.0)


def test_all_but_the_largest_square_match_after_four_poolings():
    result = run_squares_experiment((2, 4, 8, 16, 32), 4)
    assert list(result.matches_smallest[4]) == [True, True, True, True, False]


def test_a_shift_breaks_the_lucky_alignment_for_squares_that_just_fit():
    held = invariance_by_shift((2, 4, 8, 16, 32), depth=4, offset=16)
    corner = lambda shift: 16 + shift
    for shift in range(8):
        assert list(held[shift]) == [_collapses(corner(shift), s, 4) for s in (2, 4, 8, 16, 32)]
    assert held[:, 3].mean() == pytest.approx(1 / 8)    # the 16-px square: only unshifted
    assert held[:, 2].all()                             # the 8-px square always fits


def test_pooled_maps_halve_each_round():
    result = run_squares_experiment((2, 4), 3, cell=32)
    assert [m["upper-left"].shape for m in result.maps] == [(32, 64), (16, 32), (8, 16), (4, 8)]


def test_bad_layouts_are_refused():
    with pytest.raises(InvalidParameterError):
        squares_image((60,), cell=64, offset=16)
    with pytest.raises(InvalidParameterError):
        run_squares_experiment((2,), depths=7, cell=64)


# ---- the bias and the offset, against a brute-force NumPy conv + ReLU + max ----------------------
import numpy as np  # noqa: E402

from core.scale_invariance.squares import CORNER_BIAS, sweep_squares  # noqa: E402


def _brute_patterns(sides, offset, bias, depth, cell=64):
    """Every square's slot of both corner maps after conv (zero padding), bias, ReLU and
    ``depth`` rounds of 2×2 max, written out as loops over windows."""
    image = np.zeros((cell, cell * len(sides)))
    for i, side in enumerate(sides):
        image[offset:offset + side, i * cell + offset:i * cell + offset + side] = 0.5
    upper_left = -np.ones((3, 3))
    upper_left[1:, 1:] = 1
    padded = np.pad(image, 1)
    maps = []
    for kernel in (upper_left, upper_left[::-1, ::-1]):
        out = np.array([[max(0.0, float((padded[y:y + 3, x:x + 3] * kernel).sum()) + bias)
                         for x in range(image.shape[1])] for y in range(image.shape[0])])
        k = 2**depth
        maps.append(out.reshape(out.shape[0] // k, k, out.shape[1] // k, k).max(axis=(1, 3)))
    unit = cell // 2**depth
    return [np.concatenate([m[:, i * unit:(i + 1) * unit].ravel() for m in maps]) for i in range(len(sides))]


def _cosine(a, b):
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm else 0.0


def test_at_bias_zero_the_16_px_square_no_longer_matches_the_2_px_one():
    sides = (2, 4, 8, 16, 32)
    patterns = _brute_patterns(sides, 16, 0.0, 4)
    brute = [_cosine(p, patterns[0]) for p in patterns]
    assert brute[3] == pytest.approx(0.906, abs=5e-4)                  # edges survive the ReLU
    sweep = sweep_squares(sides, 4, biases=(0.0, CORNER_BIAS), offsets=(16,))
    assert sweep.similarity[0, 0] == pytest.approx(brute, abs=1e-6)
    tuned = _brute_patterns(sides, 16, CORNER_BIAS, 4)
    assert sweep.similarity[1, 0] == pytest.approx([_cosine(p, tuned[0]) for p in tuned], abs=1e-6)
    assert sweep.similarity[1, 0, 3] == pytest.approx(1.0)


@pytest.mark.parametrize("bias", [-0.5, -1.0, -1.9, -2.0])
@pytest.mark.parametrize("offset", [5, 16, 17])
def test_the_sweep_agrees_with_the_brute_force_at_several_biases_and_offsets(bias, offset):
    sides = (2, 8, 16)
    patterns = _brute_patterns(sides, offset, bias, 3)
    sweep = sweep_squares(sides, 3, biases=(bias,), offsets=(offset,))
    assert sweep.similarity[0, 0] == pytest.approx([_cosine(p, patterns[0]) for p in patterns], abs=1e-6)


def test_only_offset_16_lets_four_squares_close_in_one_unit():
    sides, offsets = (2, 4, 8, 16, 32), tuple(range(1, 32))
    sweep = sweep_squares(sides, 4, offsets=offsets)
    counts = sweep.together[0].sum(axis=1)
    expected = [sum(_collapses(o, s, 4) for s in sides) for o in offsets]
    assert list(counts) == expected
    assert counts.max() == 4 and [o for o, c in zip(offsets, counts) if c == 4] == [16]


def test_a_bias_below_minus_4g_silences_even_the_corners():
    sweep = sweep_squares((2, 16), 4, biases=(-2.0, -2.5), offsets=(16,))
    assert np.all(sweep.similarity == 0) and not sweep.together.any()


def test_the_experiment_takes_the_bias_too():
    assert run_squares_experiment(depths=4, bias=0.0).similarity[4, 0, 3] == pytest.approx(0.906, abs=5e-4)
