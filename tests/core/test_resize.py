"""core.resize against the libraries called directly, and core.resize.lesson against analytic
signals, known noise levels and gratings whose fold-back frequency is known in advance."""

import importlib.util
import math

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from core.errors import InvalidParameterError
from core.patterns import zone_plate
from core.resize import (
    METHODS,
    TRAINED,
    registry,
    resize,
    scaled_size,
    trained_weights,
)
from core.resize.lesson import (
    agreement,
    aliasing_score,
    band_limited,
    evaluate,
    fold_back_frequency,
    ideal_resize,
    psnr,
    reference_image,
    same_name_agreement,
    signed_difference,
    ssim,
    timed_resize,
    wipe,
    zone_plate_aliasing,
    zone_plate_size,
)
from core.samples import get_sample

HAS_DOWNSIZENET = importlib.util.find_spec("core.downsizenet") is not None
NO_DOWNSIZENET = ("core/downsizenet is not in this checkout yet; the DownsizeNet tests cover the "
                  "network itself")
OPENCV = {"opencv-nearest": cv2.INTER_NEAREST, "opencv-linear": cv2.INTER_LINEAR,
          "opencv-cubic": cv2.INTER_CUBIC, "opencv-area": cv2.INTER_AREA,
          "opencv-lanczos4": cv2.INTER_LANCZOS4}
PILLOW = {"pillow-nearest": Image.Resampling.NEAREST, "pillow-bilinear": Image.Resampling.BILINEAR,
          "pillow-bicubic": Image.Resampling.BICUBIC, "pillow-lanczos": Image.Resampling.LANCZOS,
          "pillow-box": Image.Resampling.BOX}
TORCH = {"torch-nearest": ("nearest", None, True), "torch-nearest-exact": ("nearest-exact", None, True),
         "torch-bilinear": ("bilinear", False, True), "torch-bilinear-antialias": ("bilinear", True, True),
         "torch-bicubic": ("bicubic", False, False), "torch-bicubic-antialias": ("bicubic", True, False),
         "torch-area": ("area", None, False)}
# (height, width) of a 57 × 83 image: scales 0.3 and 0.5 (odd and even sides), anisotropic,
# a single pixel, one-pixel-wide and -high strips, identity.
SIZES = [(17, 25), (29, 42), (12, 5), (1, 1), (9, 1), (1, 13), (57, 83)]


def _method_param(key):
    if key.startswith("downsizenet") and not HAS_DOWNSIZENET:
        return pytest.param(key, marks=pytest.mark.skip(reason=NO_DOWNSIZENET))
    return key


ALL_METHODS = [_method_param(key) for key in METHODS]


def _photo_like(height=57, width=83, seed=0) -> np.ndarray:
    """Smooth shapes plus fine noise and a hard edge: something every method treats differently."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    smooth = 120 + 60 * np.sin(x / 7.0) * np.cos(y / 5.0)
    image = smooth[..., None] + rng.normal(0, 25, (height, width, 3))
    image[:, width // 2:] += 40
    return np.clip(image, 0, 255).astype(np.uint8)


def _grating(height: int, width: int, k: int, amplitude: float = 100.0) -> np.ndarray:
    """Vertical stripes that are exactly DCT basis ``k`` of ``width`` columns (frequency k / 2W)."""
    column = 127.5 + amplitude * np.cos(np.pi * k * (np.arange(width) + 0.5) / width)
    return np.repeat(np.tile(column, (height, 1))[..., None], 3, axis=2)


def _nchw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image.copy()).permute(2, 0, 1).unsqueeze(0).contiguous()


def _hwc_rounded(x: torch.Tensor) -> np.ndarray:
    return np.clip(np.floor(x[0].permute(1, 2, 0).numpy().astype(np.float64) + 0.5), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------- contract

@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
@pytest.mark.parametrize("key", ALL_METHODS)
def test_every_method_returns_the_requested_uint8_rgb_shape(key, size):
    out = resize(_photo_like(), size, key)
    assert out.shape == (*size, 3) and out.dtype == np.uint8 and out.flags.c_contiguous


@pytest.mark.parametrize("key", ALL_METHODS)
def test_every_method_keeps_a_constant_image_constant(key):
    flat = np.full((40, 31, 3), (12, 130, 250), np.uint8)
    out = resize(flat, scaled_size(40, 31, 0.37), key)
    assert np.array_equal(out, np.broadcast_to(flat[:1, :1], out.shape))


@pytest.mark.parametrize("key", ALL_METHODS)
def test_read_only_and_strided_inputs_give_the_same_result(key):
    image = _photo_like(60, 90)
    frozen = image.copy()
    frozen.setflags(write=False)
    strided = np.ascontiguousarray(image[:, ::-1])[:, ::-1]    # a negative-stride view of a copy
    size = (19, 27)
    assert np.array_equal(resize(frozen, size, key), resize(image, size, key))
    assert np.array_equal(resize(strided, size, key), resize(image, size, key))


def test_unknown_method_lists_the_valid_keys():
    with pytest.raises(ValueError, match="opencv-area.*pillow-lanczos"):
        resize(_photo_like(), (5, 5), "bilinear")


@pytest.mark.parametrize("size", [(0, 5), (5, -1), (2.5, 3), (True, 3), (3,), "10x10"])
def test_sizes_below_one_or_not_whole_are_refused_with_the_value(size):
    with pytest.raises(InvalidParameterError, match="size|height|width"):
        resize(_photo_like(), size, "opencv-linear")


@pytest.mark.parametrize("image", [np.zeros((5, 5), np.uint8), np.zeros((5, 5, 4), np.uint8),
                                   np.zeros((5, 5, 3), np.float32)])
def test_only_rgb_uint8_images_are_accepted(image):
    with pytest.raises(InvalidParameterError, match="uint8 RGB"):
        resize(image, (2, 2), "pillow-box")


def test_each_methods_antialias_flag_matches_what_it_does_to_a_fine_grating():
    # A 0.37 cycles/px grating is far above the Nyquist limit of a 4x smaller grid (0.125): an
    # antialiasing method must wipe it out, one that is not must let it fold back. Box and area
    # averages keep exactly the discrete 4-tap box response |sin(4πf) / (4 sin(πf))|.
    f, amplitude = 0.37, 100.0
    x = np.arange(256)
    grating = np.round(127.5 + amplitude * np.sin(2 * np.pi * f * x))[None, :].repeat(256, 0)
    image = np.repeat(grating[..., None], 3, axis=2).astype(np.uint8)
    box = amplitude * abs(np.sin(4 * np.pi * f) / (4 * np.sin(np.pi * f))) / np.sqrt(2)
    for key, spec in METHODS.items():
        left = resize(image, (64, 64), key)[8:-8, 8:-8].astype(float).std()
        if key in ("opencv-area", "pillow-box", "torch-area"):
            assert spec.antialias and left == pytest.approx(box, abs=1.0), key
        elif spec.antialias:
            assert left < 3.0, key            # a windowed filter widened by the scale factor
        else:
            assert left > 25.0, key           # a fixed number of taps: the grating aliases


# ---------------------------------------------------------------------------------- libraries

@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
@pytest.mark.parametrize("key", list(OPENCV))
def test_opencv_methods_equal_cv2_resize(key, size):
    image = _photo_like()
    expected = cv2.resize(image, (size[1], size[0]), interpolation=OPENCV[key]).reshape(*size, 3)
    assert np.array_equal(resize(image, size, key), expected)


@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
@pytest.mark.parametrize("key", list(PILLOW))
def test_pillow_methods_equal_pillow_resize(key, size):
    image = _photo_like()
    expected = np.asarray(Image.fromarray(image).resize((size[1], size[0]), PILLOW[key]))
    assert np.array_equal(resize(image, size, key), expected)


@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
@pytest.mark.parametrize("key", list(TORCH))
def test_torch_methods_equal_f_interpolate(key, size):
    mode, antialias, uint8 = TORCH[key]
    options = {} if antialias is None else {"antialias": antialias, "align_corners": False}
    image = _photo_like()
    ours = resize(image, size, key)
    if uint8:
        x = _nchw(image)
        if min(size) == 1:   # an NCHW uint8 tensor trips an internal assert on 1-pixel outputs
            x = x.contiguous(memory_format=torch.channels_last)
        assert np.array_equal(ours, F.interpolate(x, size=size, mode=mode, **options)[0].permute(1, 2, 0).numpy())
    x = _nchw(image).float()
    if antialias and size[1] == 1 and size[0] > 1:
        # PyTorch's float antialias kernels are wrong for one-pixel-wide outputs (see below).
        expected = F.interpolate(x.transpose(2, 3), size=size[::-1], mode=mode, **options).transpose(2, 3)
    else:
        expected = F.interpolate(x, size=size, mode=mode, **options)
    # The float computation rounded half up: at most one grey level from the 8-bit kernels.
    gap = np.abs(ours.astype(int) - _hwc_rounded(expected).astype(int))
    assert gap.max() <= (1 if uint8 else 0)


@pytest.mark.parametrize("key", ["torch-bilinear-antialias", "torch-bicubic-antialias", "pillow-bicubic"])
def test_a_one_pixel_wide_result_of_rows_that_are_constant_is_any_column_of_a_wider_one(key):
    # Each row holds one value, so shrinking the width changes nothing: the 9 × 1 result must
    # be a column of the 9 × 3 result. torch 2.13's float antialias kernels fail this (they
    # return the same value in every row); the wrapper computes the transposed problem.
    column = _photo_like(57, 1, seed=5)
    image = np.ascontiguousarray(np.repeat(column, 83, axis=1))
    narrow, wide = resize(image, (9, 1), key), resize(image, (9, 3), key)
    assert np.abs(narrow[:, 0].astype(int) - wide[:, 1].astype(int)).max() <= 1
    assert len(np.unique(narrow[:, 0, 0])) > 3


@pytest.mark.parametrize("shape, size, octaves", [((200, 300), (60, 90), 1), ((128, 128), (16, 16), 3),
                                                  ((151, 99), (75, 50), 1), ((80, 120), (50, 70), 0),
                                                  ((300, 451), (150, 226), 1)])
def test_pyramid_bilinear_is_a_cv2_pyrdown_chain_then_bilinear(shape, size, octaves):
    image = _photo_like(*shape, seed=3)
    level = image.astype(np.float32)
    for _ in range(octaves):
        level = cv2.pyrDown(level)
    x = torch.from_numpy(level).permute(2, 0, 1).unsqueeze(0).contiguous()
    expected = _hwc_rounded(F.interpolate(x, size=size, mode="bilinear", align_corners=False))
    ours = resize(image, size, "pyramid-bilinear")
    gap = np.abs(ours.astype(int) - expected.astype(int))
    assert gap.max() <= 1 and (gap > 0).mean() < 0.01     # float order of additions only


@pytest.mark.skipif(not HAS_DOWNSIZENET, reason=NO_DOWNSIZENET)
@pytest.mark.parametrize("size", [(17, 25), (29, 42), (12, 5), (1, 1)])
def test_downsizenet_bilinear_is_torch_bilinear(size):
    image = _photo_like()
    expected = _hwc_rounded(F.interpolate(_nchw(image).float(), size=size, mode="bilinear",
                                          align_corners=False))
    assert np.abs(resize(image, size, "downsizenet-bilinear").astype(int) - expected.astype(int)).max() <= 1


def test_trained_downsizenet_is_listed_only_when_weights_exist(tmp_path):
    assert not [k for k in registry([]) if k.startswith("downsizenet-") and k != "downsizenet-bilinear"]
    assert set(registry([])) == set(METHODS) - set(TRAINED)
    if importlib.util.find_spec("core.downsizenet.weights") is None:
        pytest.skip(NO_DOWNSIZENET)
    from core.downsizenet import DownsizeNet
    from core.downsizenet.weights import save_weights_file

    path = tmp_path / "downsizenet-stripes.safetensors"
    save_weights_file(DownsizeNet.as_bilinear(), path)      # weights of the bilinear special case
    (tmp_path / "downsizenet-broken.safetensors").write_bytes(b"not safetensors")
    assert trained_weights(tmp_path) == sorted(tmp_path.glob("downsizenet-*.safetensors"))
    methods = registry(trained_weights(tmp_path))
    assert {"downsizenet-stripes", "downsizenet-broken"} <= set(methods)   # read lazily, not here
    with pytest.raises(InvalidParameterError):
        resize_with(methods, "downsizenet-broken")
    image = _photo_like()
    expected = _hwc_rounded(F.interpolate(_nchw(image).float(), size=(17, 25), mode="bilinear",
                                          align_corners=False))
    out = methods["downsizenet-stripes"].run(image, (17, 25))
    assert out.shape == (17, 25, 3) and np.abs(out.astype(int) - expected.astype(int)).max() <= 1


def resize_with(methods, key):
    return methods[key].run(_photo_like(), (17, 25))


# ---------------------------------------------------------------------------------- conventions

def test_convention_nearest_top_left_against_pixel_centres():
    # Six columns 0..5 shrunk to two: top-left reads floor(i · 3) = 0, 3; the nearest centre
    # (i + 0.5) · 3 − 0.5 rounds to 1, 4.
    ramp = np.repeat(np.arange(6, dtype=np.uint8)[None, :, None], 3, axis=2) * 40
    for key in ("opencv-nearest", "torch-nearest"):
        assert resize(ramp, (1, 2), key)[0, :, 0].tolist() == [0, 120], key
    for key in ("pillow-nearest", "torch-nearest-exact"):
        assert resize(ramp, (1, 2), key)[0, :, 0].tolist() == [40, 160], key


def test_convention_bilinear_samples_at_pixel_centres():
    # Columns 0..3 → 2: centres (i + 0.5) · 2 − 0.5 = 0.5 and 2.5: averages of neighbours.
    ramp = np.repeat(np.array([0, 100, 200, 250], np.uint8)[None, :, None], 3, axis=2)
    for key in ("opencv-linear", "torch-bilinear"):
        assert resize(ramp, (1, 2), key)[0, :, 0].tolist() == [50, 225], key


def test_same_name_bilinears_differ_as_the_lesson_explains():
    result = same_name_agreement(_photo_like(120, 160), (36, 48))
    gap = dict(zip(result.keys, result.max_difference, strict=True))
    index = {k: i for i, k in enumerate(result.keys)}
    assert gap["opencv-linear"][index["torch-bilinear"]] <= 2                 # same grid, rounding
    assert gap["pillow-bilinear"][index["torch-bilinear-antialias"]] <= 1     # same scheme
    assert gap["opencv-linear"][index["pillow-bilinear"]] >= 20               # antialiasing
    assert np.array_equal(result.max_difference, result.max_difference.T)
    assert not result.max_difference.diagonal().any()


# ---------------------------------------------------------------------------------- reference

@pytest.mark.parametrize("shape, size, k", [((40, 64), (12, 20), (3, 7)), ((33, 50), (33, 15), (5, 14)),
                                            ((20, 21), (7, 9), (0, 8))])
def test_ideal_resize_keeps_a_cosine_the_new_grid_can_hold(shape, size, k):
    def basis(n_rows, n_cols):
        rows = np.cos(np.pi * k[0] * (np.arange(n_rows) + 0.5) / n_rows)
        cols = np.cos(np.pi * k[1] * (np.arange(n_cols) + 0.5) / n_cols)
        return 50 + 40 * np.outer(rows, cols)
    np.testing.assert_allclose(ideal_resize(basis(*shape), size), basis(*size), atol=1e-9)


def test_ideal_resize_removes_a_cosine_finer_than_the_new_grid():
    grating = _grating(24, 200, k=96)[..., 0]                # 0.24 cycles/px; at 0.3 it must go
    np.testing.assert_allclose(ideal_resize(grating, (7, 60)), 127.5, atol=1e-9)
    np.testing.assert_allclose(band_limited(grating, (7, 60)), 127.5, atol=1e-9)


def test_band_limited_parts_add_back_to_the_image():
    image = _photo_like(30, 44).astype(np.float64)
    low = band_limited(image, (9, 13))
    np.testing.assert_allclose(ideal_resize(low, (9, 13)), ideal_resize(image, (9, 13)), atol=1e-9)
    assert np.abs(image - low).mean() > 1                      # it did remove something


def test_reference_image_is_clipped_to_eight_bit_range():
    checker = ((np.indices((32, 32)).sum(0) // 4) % 2 * 255).astype(np.uint8)
    ringing = ideal_resize(np.repeat(checker[..., None], 3, axis=2), (13, 13))
    assert ringing.min() < 0 or ringing.max() > 255            # Gibbs overshoot
    clipped = reference_image(np.repeat(checker[..., None], 3, axis=2), (13, 13))
    assert clipped.min() >= 0 and clipped.max() <= 255


# ---------------------------------------------------------------------------------- metrics

def test_psnr_of_a_known_noise_level():
    reference = np.full((20, 30, 3), 100.0)
    signs = np.where(np.indices((20, 30)).sum(0) % 2 == 0, 1.0, -1.0)[..., None]
    noisy = (reference + 5.0 * signs).astype(np.uint8)          # every pixel off by exactly 5
    assert psnr(reference, noisy) == pytest.approx(10 * math.log10(255**2 / 25), abs=1e-9)
    assert psnr(reference.astype(np.uint8), noisy) == pytest.approx(cv2.PSNR(reference.astype(np.uint8), noisy))
    assert psnr(noisy, noisy) == math.inf


def test_ssim_in_float32_matches_scikit_images_float64_ssim():
    from skimage.metrics import structural_similarity

    photo = get_sample("coffee").load()
    blurred = cv2.GaussianBlur(photo, (5, 5), 1.5)
    exact = structural_similarity(photo.astype(np.float64), blurred.astype(np.float64), data_range=255.0,
                                  win_size=7, channel_axis=2)
    assert ssim(photo, blurred) == pytest.approx(exact, abs=1e-6)
    assert exact < 0.99   # the pair is not trivially alike


def test_ssim_is_one_for_identical_images_and_lower_otherwise():
    image = _photo_like(40, 40)
    assert ssim(image, image) == pytest.approx(1.0)
    assert ssim(image, np.clip(image.astype(int) + 30, 0, 255).astype(np.uint8)) < 0.99
    assert math.isnan(ssim(image[:2, :2], image[:2, :2]))       # no 3×3 window fits
    assert ssim(image[:5, :5], image[:5, :5]) == pytest.approx(1.0)


def test_fold_back_frequency_of_a_grating():
    assert fold_back_frequency(0.24, 0.3) == pytest.approx(0.2)   # 0.8 cycles per new pixel → 0.2
    assert fold_back_frequency(0.1, 0.3) == pytest.approx(1 / 3)  # below Nyquist: unchanged


@pytest.mark.parametrize("key", ["opencv-nearest", "pillow-nearest", "torch-nearest-exact",
                                 "opencv-linear", "torch-bilinear", "opencv-lanczos4"])
def test_unfiltered_methods_fold_a_grating_to_the_predicted_frequency(key):
    # 96 of 200 columns is 0.24 cycles/px; on 60 columns (scale 0.3) that is 0.8 cycles per new
    # pixel, above Nyquist: it must come back at 0.2, DCT coefficient 2 · 60 − 96 = 24.
    row = resize(_grating(10, 200, k=96).astype(np.uint8), (3, 60), key)[1, :, 0].astype(float)
    spectrum = np.abs(scipy_dct(row - row.mean()))
    assert int(spectrum.argmax()) == 24
    assert 24 / (2 * 60) == pytest.approx(fold_back_frequency(96 / 400, 0.3))


def scipy_dct(values: np.ndarray) -> np.ndarray:
    from scipy.fft import dct
    return dct(values, type=2, norm="ortho")


def test_aliasing_score_of_a_grating_above_the_new_nyquist():
    grating = _grating(40, 200, k=96).astype(np.uint8)
    size = (12, 60)
    for key in ("opencv-nearest", "pillow-nearest", "torch-nearest-exact"):
        assert 0.9 < aliasing_score(grating, size, key) < 1.1, key      # sampled, all of it folds
    for key in ("pillow-lanczos", "pillow-bilinear", "torch-bilinear-antialias", "torch-bicubic-antialias"):
        assert aliasing_score(grating, size, key) < 0.01, key          # kernels widened to the grid
    for key in ("opencv-area", "pyramid-bilinear"):
        assert aliasing_score(grating, size, key) < 0.06, key          # a box, a binomial: leakier
    assert aliasing_score(grating, size, "opencv-linear") > 0.3          # 2 taps are not a filter


def test_aliasing_score_follows_the_antialias_flag_on_the_zone_plate():
    size = (77, 77)
    for key, spec in METHODS.items():
        if (key.startswith("downsizenet") and not HAS_DOWNSIZENET) or key in TRAINED:
            continue          # a trained network learns its own filter: no flag to hold it to
        score = zone_plate_aliasing(size, key, side=256)
        assert (score < 0.05) if spec.antialias else (score > 0.3), (key, score)


def test_zone_plate_aliasing_equals_the_score_on_a_freshly_drawn_plate():
    assert zone_plate_aliasing((100, 120), "opencv-cubic") == pytest.approx(
        aliasing_score(zone_plate(512), (100, 120), "opencv-cubic"), rel=1e-12)
    assert zone_plate_size((90, 135), (300, 451)) == (154, 153)


def test_aliasing_score_is_undefined_without_fine_detail():
    assert math.isnan(aliasing_score(zone_plate(64), (64, 64), "opencv-linear"))


# ---------------------------------------------------------------------------------- reports

def test_evaluate_reports_the_resize_its_scores_and_spectrum():
    image = _photo_like()
    report = evaluate(image, (17, 25), "pillow-lanczos", repeats=2)
    assert np.array_equal(report.image, resize(image, (17, 25), "pillow-lanczos"))
    reference = reference_image(image, (17, 25))
    assert report.psnr == pytest.approx(psnr(reference, report.image))
    assert report.ssim == pytest.approx(ssim(reference, report.image))
    assert report.spectrum.shape == (17, 25) and report.time_ms > 0
    result, ms = timed_resize(image, (17, 25), "opencv-area", repeats=3)
    assert np.array_equal(result, resize(image, (17, 25), "opencv-area")) and ms > 0


def test_antialiased_methods_beat_nearest_against_the_reference():
    image = _photo_like(120, 160)
    reference = reference_image(image, (36, 48))
    nearest = psnr(reference, resize(image, (36, 48), "opencv-nearest"))
    lanczos = psnr(reference, resize(image, (36, 48), "pillow-lanczos"))
    assert lanczos > nearest + 5


def test_agreement_of_hand_made_results():
    zeros = np.zeros((2, 3, 3), np.uint8)
    bumped = zeros + 3
    bumped[1, 2, 0] = 10
    result = agreement({"a": zeros, "b": bumped, "c": zeros})
    assert result.max_difference.tolist() == [[0, 10, 0], [10, 0, 10], [0, 10, 0]]
    assert result.mean_difference[0, 1] == pytest.approx((17 * 3 + 10) / 18)
    with pytest.raises(InvalidParameterError):
        agreement({"a": zeros, "b": np.zeros((3, 3, 3), np.uint8)})


def test_signed_difference_and_wipe():
    a, b = np.full((2, 4, 3), 10, np.uint8), np.full((2, 4, 3), 4, np.uint8)
    assert signed_difference(a, b).tolist() == [[6.0] * 4] * 2
    assert wipe(a, b, 0.25)[:, :, 0].tolist() == [[10, 4, 4, 4]] * 2
    assert np.array_equal(wipe(a, b, 0.0), b) and np.array_equal(wipe(a, b, 1.0), a)
    with pytest.raises(InvalidParameterError):
        wipe(a, b, 1.5)


def test_aliasing_ignores_a_grating_below_the_new_nyquist_limit():
    # 0.2 cycles/px survives 0.5× (Nyquist 0.25): nothing folds. The DCT's mirror kink at the
    # borders and the rounding of the grating are all that lies above the limit: too little to
    # score, so NaN rather than nearest's 1.0–1.4 and Pillow bilinear's 0.11 of before.
    column = 127.5 + 100 * np.cos(2 * np.pi * 0.2 * np.arange(256))
    grating = np.repeat(np.tile(column, (256, 1))[..., None], 3, axis=2).round().astype(np.uint8)
    for key in ("opencv-nearest", "pillow-bilinear", "pillow-lanczos"):
        assert math.isnan(aliasing_score(grating, (128, 128), key))


def test_aliasing_of_a_grating_above_nyquist_follows_the_filter_response():
    # DCT basis k of 256 columns at 0.3 cycles/px, shrunk to 0.5×: above Nyquist 0.25. OpenCV area
    # at 2× is a 2-tap box [½, ½]: |H(f)|² = cos²(π f) passes cos²(0.3 π) = 0.345 of it (folded);
    # nearest keeps all of it.
    k = round(0.3 * 2 * 256)
    grating = _grating(256, 256, k).round().astype(np.uint8)
    expected = math.cos(math.pi * k / 512) ** 2
    assert aliasing_score(grating, (128, 128), "opencv-area") == pytest.approx(expected, abs=0.03)
    assert aliasing_score(grating, (128, 128), "opencv-nearest") == pytest.approx(1.0, abs=0.05)


# ---------------------------------------------------------------------------------- notes, pinned

def _keys(t: np.ndarray, a: float) -> np.ndarray:
    t = np.abs(t)
    return np.where(t <= 1, (a + 2) * t**3 - (a + 3) * t**2 + 1,
                    np.where(t < 2, a * t**3 - 5 * a * t**2 + 8 * a * t - 4 * a, 0.0))


def _antialiased_cubic_matrix(n_in: int, n_out: int, a: float) -> np.ndarray:
    """Brute force: output i at centre (i + 0.5) · s, the cubic stretched by s = n_in / n_out,
    each row normalised (Pillow's scheme), borders clamped by the normalisation."""
    scale = n_in / n_out
    matrix = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        matrix[i] = _keys((np.arange(n_in) + 0.5 - centre) / scale, a)
        matrix[i] /= matrix[i].sum()
    return matrix


def test_torch_bicubic_a_follows_the_antialias_flag_not_the_dtype():
    image = _photo_like(60, 90)
    rows, cols = _antialiased_cubic_matrix(60, 20, -0.5), _antialiased_cubic_matrix(90, 30, -0.5)
    rows75, cols75 = _antialiased_cubic_matrix(60, 20, -0.75), _antialiased_cubic_matrix(90, 30, -0.75)
    as_float = image.astype(np.float64)
    for key in ("torch-bicubic-antialias", "torch-bicubic-antialias-uint8"):
        out = resize(image, (20, 30), key).astype(np.float64)
        half = np.einsum("ij,jkc,lk->ilc", rows, as_float, cols)
        three_quarters = np.einsum("ij,jkc,lk->ilc", rows75, as_float, cols75)
        assert np.abs(out - half).max() <= 1.5, key                 # a = −0.5
        assert np.abs(out - three_quarters).max() > 2, key          # not a = −0.75
        assert np.abs(out - half).mean() < 0.5 * np.abs(out - three_quarters).mean(), key
    for key in ("torch-bicubic", "torch-bicubic-uint8"):           # antialias=False: a = −0.75
        up = resize(image, (120, 180), key).astype(int)
        opencv = cv2.resize(image, (180, 120), interpolation=cv2.INTER_CUBIC).astype(int)
        pillow = np.asarray(Image.fromarray(image).resize((180, 120), Image.Resampling.BICUBIC)).astype(int)
        # uint8 clips its intermediate pass to 0–255, so overshoots near black and white differ
        assert np.abs(up - opencv).mean() < 0.3 * np.abs(up - pillow).mean(), key
    assert "−0.75" in METHODS["torch-bicubic"].note and "−0.5" in METHODS["torch-bicubic-antialias"].note


def test_pillow_box_counts_whole_pixels_by_their_centre_and_opencv_area_is_the_exact_area():
    def centre_rule(n_in, n_out):
        matrix = np.zeros((n_out, n_in))
        for i in range(n_out):
            inside = [j for j in range(n_in) if i * n_in / n_out <= j + 0.5 < (i + 1) * n_in / n_out]
            matrix[i, inside] = 1 / len(inside)
        return matrix

    def exact_area(n_in, n_out):
        matrix = np.zeros((n_out, n_in))
        for i in range(n_out):
            lo, hi = i * n_in / n_out, (i + 1) * n_in / n_out
            for j in range(n_in):
                matrix[i, j] = max(0.0, min(hi, j + 1) - max(lo, j)) / (hi - lo)
        return matrix

    assert np.allclose(centre_rule(10, 3)[:, :].sum(axis=1), 1)
    assert [np.count_nonzero(r) for r in centre_rule(10, 3)] == [3, 4, 3]
    image = np.random.default_rng(1).integers(0, 256, (30, 10, 3), dtype=np.uint8)
    image[:, 3] = 255
    image[:, :3] = 0
    as_float = image.astype(np.float64)
    box = resize(image, (30, 3), "pillow-box").astype(np.float64)
    area = resize(image, (30, 3), "opencv-area").astype(np.float64)
    by_centre = np.einsum("jkc,lk->jlc", as_float, centre_rule(10, 3))
    by_area = np.einsum("jkc,lk->jlc", as_float, exact_area(10, 3))
    assert np.abs(box - by_centre).max() <= 1
    assert np.abs(area - by_area).max() <= 1
    assert np.abs(box - by_area).max() > 15                   # Pillow's box is not an area average
    assert "not an exact area average" in METHODS["pillow-box"].note
