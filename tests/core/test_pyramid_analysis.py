"""The numbers the pyramids lesson prints, checked against OpenCV and analytic values."""

import cv2
import numpy as np
import pytest

from core.patterns import stripes, zone_plate
from core.pyramids.lesson import aliasing_demo, build_octaves, down_up, expand_octaves, octave_spectra, opencv_agreement
from core.samples import get_sample


@pytest.fixture(scope="module")
def cat():
    return get_sample("cat").load()


def test_octaves_match_opencv_on_the_sample(cat):
    octaves = build_octaves(cat, 4)
    level = cat.astype(np.float32) / 255
    for mine in octaves.gaussian[1:]:
        level = cv2.pyrDown(level)
        assert np.abs(mine.astype(int) - np.floor(level * 255 + 0.5)).max() == 0
    assert octaves.reconstruction_error < 1e-6
    assert octaves.storage == pytest.approx(
        sum(g.shape[0] * g.shape[1] for g in octaves.gaussian) / (300 * 451))


def test_expanded_octaves_are_full_size_and_match_opencvs_pyrup_chain(cat):
    expanded = expand_octaves(cat, 3)
    assert all(e.shape == cat.shape for e in expanded)
    assert np.array_equal(expanded[0], cat)
    level = cv2.pyrDown(cv2.pyrDown(cat.astype(np.float32) / 255))
    level = cv2.pyrUp(cv2.pyrUp(level, dstsize=(226, 150)), dstsize=(451, 300))
    assert np.abs(expanded[2].astype(int) - np.floor(level * 255 + 0.5)).max() <= 1


def test_down_up_error_and_psnr_agree_with_opencv(cat):
    loss = down_up(cat)
    reference = cv2.pyrUp(cv2.pyrDown(cat.astype(np.float32) / 255), dstsize=(451, 300))
    expected = np.clip(np.floor(reference * 255 + 0.5), 0, 255).astype(np.uint8)
    assert np.abs(loss.restored.astype(int) - expected).max() <= 1
    assert loss.psnr == pytest.approx(cv2.PSNR(expected, cat), abs=0.05)
    assert loss.max_error == np.abs(loss.restored.astype(int) - cat.astype(int)).max()
    # the map's colour bar tops out at the number the page states as the largest difference
    assert loss.error.max() == loss.max_error


def test_the_hand_written_path_agrees_with_cv2_pyrdown(cat):
    assert opencv_agreement(cat).max_difference < 1e-3


def test_without_blur_stripes_near_nyquist_fold_into_a_false_coarse_pattern():
    # Stripes of period 2.2 px, decimated twice: the grid keeps every 4th sample, so the 0.45
    # cycles/px grating aliases to |0.45*4 - 2| = 0.2 cycles/px: a strong false pattern. pyrDown
    # removes it (the binomial kernel's response at 0.45 and 0.9 cycles/px is tiny).
    demo = aliasing_demo(stripes(256, 2.2), steps=2)
    naive_contrast = demo.naive[..., 0].astype(float).std()
    blurred_contrast = demo.blurred[..., 0].astype(float).std()
    assert naive_contrast > 60
    assert blurred_contrast < 3
    assert demo.source_high_fraction > 0.99


def test_octave_spectra_end_at_each_nyquist_and_overlap_at_low_frequencies():
    octaves = build_octaves(zone_plate(256), 3)
    spectra = octave_spectra(octaves.gaussian)
    for i, frequencies in enumerate(spectra.frequencies):
        assert frequencies.max() < 0.5 / 2**i
    low = 3   # rings well below every Nyquist limit hold the same content at every octave
    ratio = spectra.power[1][low] / np.interp(spectra.frequencies[1][low], spectra.frequencies[0], spectra.power[0])
    assert 0.5 < ratio < 2


def test_one_more_level_leaves_the_other_octaves_and_their_spectra_unchanged():
    # The page caches each octave's spectrum by its pixels: that is only right if a deeper
    # pyramid repeats the shallower one's octaves exactly, which cv2.pyrDown confirms.
    image = get_sample("cat").load()
    shallow, deep = build_octaves(image, 3), build_octaves(image, 4)
    level = image
    for i in range(3):
        assert np.array_equal(shallow.gaussian[i], deep.gaussian[i])
        assert np.abs(shallow.gaussian[i].astype(int) - level.astype(int)).max() <= 1
        level = cv2.pyrDown(level)
    assert len(octave_spectra(deep.gaussian).power) == 4
