"""core.search against cv2.matchTemplate and exact evaluation counts."""

import cv2
import numpy as np
import pytest
import torch

from core.errors import InvalidParameterError
from core.pyramids import level_sizes
from core.search import coarse_to_fine_match, exhaustive_match, fast_length, ncc_map, window_ncc
from core.search.lesson import compare_searches, cut_patch, max_search_levels


def _textured(height: int, width: int, seed: int, blur: float = 2.0) -> np.ndarray:
    noise = np.random.default_rng(seed).random((height, width)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), blur)


@pytest.mark.parametrize("size, patch", [((60, 80), (9, 13)), ((128, 97), (20, 20)), ((40, 40), (40, 40))])
def test_ncc_map_equals_cv2_match_template(size, patch):
    image = _textured(*size, seed=1)
    template = image[5:5 + patch[0], 3:3 + patch[1]].copy() if patch != size else image.copy()
    ours = ncc_map(torch.from_numpy(image), torch.from_numpy(template)).numpy()
    theirs = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_ncc_ignores_brightness_and_contrast():
    image = _textured(50, 50, seed=2)
    template = image[10:22, 30:42] * 0.5 + 0.3
    scores = ncc_map(torch.from_numpy(image), torch.from_numpy(template))
    assert scores[10, 30].item() == pytest.approx(1.0, abs=1e-9)


def test_exhaustive_finds_cv2s_argmax_and_counts_every_position():
    image = _textured(120, 150, seed=3)
    template = image[40:64, 70:94] + np.random.default_rng(4).normal(0, 0.02, (24, 24)).astype(np.float32)
    match = exhaustive_match(torch.from_numpy(image), torch.from_numpy(template))
    reference = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
    assert (match.y, match.x) == np.unravel_index(reference.argmax(), reference.shape)
    assert match.evaluations == [(120 - 24 + 1) * (150 - 24 + 1)]


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_coarse_to_fine_finds_the_same_place_with_the_expected_count(seed):
    # A 48-pixel patch is still 6 pixels wide at the top of 4 levels: distinctive enough.
    height, width, side, levels, radius = 256, 320, 48, 4, 2
    image = _textured(height, width, seed, blur=4.0)
    top, left = 100 + seed, 140 + 2 * seed
    template = torch.from_numpy(image[top:top + side, left:left + side].copy())
    match = coarse_to_fine_match(torch.from_numpy(image), template, levels, radius=radius)
    assert (match.y, match.x) == (top, left)
    # Top octave: every position of the small image; each finer octave: a (2r+1)² window.
    (h, w), (th, tw) = level_sizes(height, width, levels)[-1], level_sizes(side, side, levels)[-1]
    expected = [(h - th + 1) * (w - tw + 1)] + [(2 * radius + 1) ** 2] * (levels - 1)
    assert match.evaluations == expected
    exhaustive = (height - side + 1) * (width - side + 1)
    assert exhaustive / match.total_evaluations > 4 ** (levels - 1) * 0.8


def test_keeping_more_candidates_rescues_a_repeated_pattern():
    # Identical blobs repeat; only a faint mark distinguishes the wanted copy. With one candidate
    # the top octave (where the mark blurs away) picks a look-alike; with several it survives.
    tile = np.zeros((32, 32), np.float32)
    cv2.circle(tile, (16, 16), 9, 1.0, -1)
    image = np.tile(tile, (6, 8)) + _textured(192, 256, seed=8) * 0.05
    image[100:102, 180:182] += 0.6
    template = torch.from_numpy(image[88:120, 168:200].copy())
    exhaustive = exhaustive_match(torch.from_numpy(image), template)
    assert (exhaustive.y, exhaustive.x) == (88, 168)
    rescued = coarse_to_fine_match(torch.from_numpy(image), template, 4, keep=8)
    assert (rescued.y, rescued.x) == (88, 168)
    assert len(rescued.trace[0].candidates) == 8


def test_a_patch_too_small_for_the_top_octave_is_refused_with_a_reason():
    image = torch.from_numpy(_textured(64, 64, seed=9))
    with pytest.raises(InvalidParameterError, match="too small"):
        coarse_to_fine_match(image, image[:6, :6], 4)
    assert max_search_levels(6) == 3   # 6 -> 3 -> 2


def test_compare_searches_reports_both_and_the_cost_curve():
    image = (np.dstack([_textured(96, 128, seed=10)] * 3) * 255).astype(np.uint8)
    template = cut_patch(image, 30, 40, 24)
    report = compare_searches(image, template, 3, repeats=1)
    assert report.same_place and (report.exhaustive.y, report.exhaustive.x) == (30, 40)
    assert report.levels_tried == list(range(1, max_search_levels(24) + 1))
    assert report.evaluations_by_levels[0] == report.exhaustive.total_evaluations
    assert report.evaluations_by_levels == sorted(report.evaluations_by_levels, reverse=True)


def test_cut_patch_checks_bounds_and_perturbs_reproducibly():
    image = np.full((20, 20, 3), 100, np.uint8)
    assert cut_patch(image, 0, 0, 5, brightness=30).max() == 130
    noisy = cut_patch(image, 0, 0, 5, noise=10, seed=1)
    assert np.array_equal(noisy, cut_patch(image, 0, 0, 5, noise=10, seed=1)) and noisy.std() > 3
    with pytest.raises(InvalidParameterError):
        cut_patch(image, 18, 0, 5)


@pytest.mark.parametrize("size, patch", [((30, 40), (9, 13)), ((24, 24), (20, 20)), ((8, 8), (8, 8))])
def test_window_ncc_equals_cv2_match_template_on_the_window(size, patch):
    image = _textured(*size, seed=11)
    template = _textured(*patch, seed=12)
    np.testing.assert_allclose(window_ncc(image, template),
                               cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED), atol=1e-4)


def test_window_ncc_scores_a_flat_window_zero():
    region = np.zeros((6, 6))
    region[:, 4:] = 1.0
    scores = window_ncc(region, _textured(3, 3, seed=13))
    assert scores[0, 0] == 0.0 and scores[0, 3] != 0.0


@pytest.mark.parametrize("n", [1, 2, 7, 97, 349, 1000, 2049])
def test_fast_length_is_the_smallest_5_smooth_length_not_below_n(n):
    def smooth(m):
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1
    assert fast_length(n) == next(m for m in range(n, 4 * n + 1) if smooth(m))


def test_ncc_map_on_prime_sizes_equals_cv2():
    image = _textured(349, 211, seed=14)
    template = image[100:141, 50:97].copy()
    np.testing.assert_allclose(ncc_map(torch.from_numpy(image), torch.from_numpy(template)).numpy(),
                               cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED), atol=1e-4)


def test_the_torch_path_of_ncc_map_equals_cv2_too():
    # Tensors on an accelerator take the torch path; it must give the same scores.
    from core.search.match import _ncc_torch

    image = _textured(97, 131, seed=15)
    template = image[20:51, 40:77].copy()
    np.testing.assert_allclose(_ncc_torch(torch.from_numpy(image), torch.from_numpy(template)).numpy(),
                               cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED), atol=1e-4)


def test_compare_searches_times_every_run_and_reports_median_and_spread():
    import statistics

    image = (np.dstack([_textured(96, 128, seed=16)] * 3) * 255).astype(np.uint8)
    report = compare_searches(image, cut_patch(image, 20, 30, 24), 3, repeats=5)
    for runs, median, spread in ((report.exhaustive_runs_ms, report.exhaustive_ms, report.exhaustive_spread_ms),
                                 (report.coarse_to_fine_runs_ms, report.coarse_to_fine_ms,
                                  report.coarse_to_fine_spread_ms)):
        assert len(runs) == 5 and all(t > 0 for t in runs)
        assert median == statistics.median(runs)
        low, high = np.percentile(runs, [25, 75])
        assert spread == pytest.approx((high - low) / 2)
    assert report.time_ratio == pytest.approx(report.coarse_to_fine_ms / report.exhaustive_ms)
    assert report.evaluation_ratio < 0.2   # 3 levels: about 1/16 of the positions plus two windows
    with pytest.raises(InvalidParameterError):
        compare_searches(image, cut_patch(image, 20, 30, 24), 3, repeats=0)
