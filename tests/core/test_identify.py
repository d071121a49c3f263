"""core.resize.identify on pairs made by every known resize call, odd sizes, non-integer
scales, up- and downsizing, and JPEG quality-90 copies; ties are checked pixel for pixel."""

import io
import subprocess
import sys

import cv2
import numpy as np
import pytest
from PIL import Image

from core.errors import InvalidParameterError
from core.resize import ALL_METHODS, identify, identify_report, resize

# 47 × 61: odd sides; the sizes give scales 0.3, 0.57 × 0.41 (non-integer, anisotropic) and 1.6×
SIZES = [(14, 18), (27, 25), (75, 98)]
KEYS = [k for k in ALL_METHODS if k != "downsizenet-bilinear"]   # 0.2 s a call; covered below


def _photo_like(height=47, width=61, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    smooth = 120 + 60 * np.sin(x / 5.0) * np.cos(y / 4.0)
    image = smooth[..., None] + rng.normal(0, 30, (height, width, 3))
    image[:, width // 2:] += 40
    return np.clip(image, 0, 255).astype(np.uint8)


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def _brute_force(original, resized, key):
    gap = np.abs(resize(original, resized.shape[:2], key).astype(int) - resized.astype(int))
    return gap.mean(), gap.max()


@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
@pytest.mark.parametrize("key", KEYS)
def test_identify_names_the_call_that_made_the_copy(key, size):
    original = _photo_like()
    copy = resize(original, size, key)
    result = identify_report(original, copy)
    assert key in result.equivalents(result.ranking[0].key)
    assert result.exact and result.ranking[0].mean == 0 and result.ranking[0].max == 0
    # every candidate tied with the best really gives the same pixels (independent check)
    for other in result.equivalents(key):
        assert np.array_equal(resize(original, size, other), copy)


def test_the_differences_are_those_of_resize_and_ties_are_equal():
    original = _photo_like()
    copy = resize(original, (20, 33), "opencv-linear")
    ranking = identify(original, copy)
    assert [k for k, *_ in ranking][0] in ("opencv-linear", "opencv-linear-exact")
    assert {k for k, *_ in ranking} <= set(ALL_METHODS)
    means = [mean for _, mean, _ in ranking]
    assert means == sorted(means)
    outputs = {k: resize(original, (20, 33), k).tobytes() for k, *_ in ranking}
    for key, mean, largest in ranking:
        expected_mean, expected_max = _brute_force(original, copy, key)
        assert mean == pytest.approx(expected_mean) and largest == expected_max
        for other, other_mean, other_max in ranking:
            if outputs[other] == outputs[key]:
                assert (other_mean, other_max) == (mean, largest)


def test_known_ties_are_listed_as_equivalent():
    # nearest at an integer factor: OpenCV's and PyTorch's top-left nearest pick the same pixels;
    # Pillow's reducing_gap changes nothing when the factor is under the gap
    original = _photo_like(48, 64)
    result = identify_report(original, resize(original, (24, 32), "opencv-nearest"))
    assert {"opencv-nearest", "torch-nearest"} <= set(result.equivalents("opencv-nearest"))
    result = identify_report(original, resize(original, (36, 48), "pillow-bicubic"))
    assert "pillow-bicubic-gap2" in result.equivalents("pillow-bicubic")


@pytest.mark.slow
@pytest.mark.parametrize("size", [(14, 18), (75, 98)], ids=["down", "up"])
@pytest.mark.parametrize("key", KEYS)
def test_identify_sees_through_a_jpeg_quality_90_copy(key, size):
    original = _photo_like()
    copy = _jpeg(resize(original, size, key), 90)
    result = identify_report(original, copy)
    mine = next(c for c in result.ranking if c.key == key)
    # re-encoded as the copy was, the right call is the closest there is
    assert mine.jpeg_mean == result.ranking[0].jpeg_mean or key in result.equivalents(result.ranking[0].key)
    if not result.exact:
        assert result.jpeg_quality is not None and 85 <= result.jpeg_quality <= 95
        assert "JPEG" in result.verdict


def test_jpeg_quality_90_on_a_few_methods_quickly():
    original = _photo_like()
    for key in ("opencv-area", "pillow-lanczos", "torch-bilinear", "skimage-linear-antialias"):
        copy = _jpeg(resize(original, (14, 18), key), 90)
        result = identify_report(original, copy)
        mine = next(c for c in result.ranking if c.key == key)
        assert mine.jpeg_mean == result.ranking[0].jpeg_mean
        assert not result.exact and result.jpeg_quality == 90 and "JPEG" in result.verdict


def test_downsizenet_bilinear_is_found_among_its_equivalents():
    original = _photo_like()
    copy = resize(original, (14, 18), "downsizenet-bilinear")
    ranking = identify(original, copy)
    assert ranking[0][2] <= 1 and "downsizenet-bilinear" in [k for k, _, top in ranking if top <= 1]


def test_a_pipeline_without_antialiasing_is_told_so():
    # plain sampling no candidate makes: the last row but the first column of each 3 × 3 block.
    # (The bottom-right pixel of every block is what the texture-trained DownsizeNet picks.)
    original = _photo_like(90, 120)
    copy = np.ascontiguousarray(original[2::3, 0::3])
    result = identify_report(original, copy)
    assert not result.exact
    assert any("blurs less than any antialiased method" in a for a in result.advice)


def test_truncation_is_noticed():
    original = _photo_like(90, 120)
    exact = cv2.resize(original, (40, 30), interpolation=cv2.INTER_AREA).astype(int)
    copy = np.clip(exact - 1, 0, 255).astype(np.uint8)
    result = identify_report(original, copy)
    assert any("darker" in a for a in result.advice)


def test_the_package_name_is_callable_even_once_the_cli_module_is_imported():
    import core.resize.identify  # noqa: F401
    original = _photo_like()
    assert core.resize.identify(original, resize(original, (14, 18), "opencv-area"))[0][1] == 0


def test_bad_inputs_get_a_sentence():
    with pytest.raises(InvalidParameterError, match="uint8 RGB"):
        identify(np.zeros((4, 4), np.uint8), np.zeros((2, 2, 3), np.uint8))


def test_the_command_line_prints_the_ranking(tmp_path):
    original = _photo_like()
    Image.fromarray(original).save(tmp_path / "a.png")
    Image.fromarray(resize(original, (14, 18), "pillow-lanczos")).save(tmp_path / "b.png")
    (tmp_path / "bad.png").write_bytes(b"not an image")
    run = subprocess.run([sys.executable, "-m", "core.resize.identify", str(tmp_path / "a.png"),
                          str(tmp_path / "b.png")], capture_output=True, text=True, check=True)
    assert run.stdout.startswith("Exact match: Pillow Lanczos") and "pillow-lanczos" in run.stdout
    assert "Image.Resampling.LANCZOS" in run.stdout and not run.stderr
    run = subprocess.run([sys.executable, "-m", "core.resize.identify", str(tmp_path / "a.png"),
                          str(tmp_path / "bad.png")], capture_output=True, text=True)
    assert run.returncode == 2 and "Traceback" not in run.stderr
