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
