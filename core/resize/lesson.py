"""What the downsizing lesson measures about each resize method, as plain arrays and numbers.

The reference every method is scored against is the **ideal band-limited downsizing**: each
channel's discrete cosine transform (DCT-II) keeps every frequency the new grid can hold, drops
every one it cannot, and is inverted on the new grid — computed in float64, with no library
under test involved, so it favours none of them.

Convention:
    * the DCT treats the image as mirrored at its borders (half-sample symmetric, like Pillow's
      and OpenCV's reflecting borders), and its samples sit at pixel centres, so output pixel
      ``i`` of ``n`` lands at input position ``(i + 0.5) · N / n − 0.5`` — the same grid as
      every pixel-centre method in :mod:`core.resize`;
    * coefficient ``k`` of an ``N``-pixel axis is the frequency ``k / 2N`` cycles per pixel; an
      ``n``-pixel axis holds ``k < n``, i.e. everything below its Nyquist limit;
    * it is sharper than any practical filter: on hard edges it rings (Gibbs), so a method that
      blurs a little loses some PSNR for being smoother than the ideal, not for aliasing.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import torch
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from core.errors import InvalidParameterError
from core.images import to_tensor
from core.patterns import zone_plate
from core.resize import check_size, resize
from core.spectrum import log_magnitude_spectrum, luminance

ALIASING_SIDE = 512
MIN_OUT_OF_BAND_POWER = 4.0   # grey levels²: below, rounding and DCT leakage outweigh real detail
SSIM_WINDOW = 7               # scikit-image's default window
BORDER = 8                    # px left out of the aliasing powers at each border (the DCT's mirror kink)


# ---------------------------------------------------------------------------------- reference

def ideal_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The ideal band-limited resize: DCT-II per channel, keep ``k < n`` per axis, invert at the
    new size (zero-padding when growing). Not rounded and not clipped: it can ring past 0–255.

    Shape:
        Input: ``(H, W)`` or ``(H, W, C)``, any numeric dtype. Output: ``(h, w[, C])`` float64.

    >>> import numpy as np
    >>> n = np.arange(8)
    >>> wave = np.cos(np.pi * 2 * (n + 0.5) / 8)[None, :].repeat(3, 0)   # k = 2 of 8 columns
    >>> small = ideal_resize(wave, (3, 4))                                 # k = 2 of 4 columns
    >>> bool(np.allclose(small, np.cos(np.pi * 2 * (np.arange(4) + 0.5) / 4)))
    True
    """
    height, width = check_size(size)
    values = np.asarray(image, dtype=np.float64)
    if values.ndim not in (2, 3) or values.shape[0] < 1 or values.shape[1] < 1:
        raise InvalidParameterError(f"Expected an (H, W) or (H, W, C) image, got shape {values.shape}.")
    coefficients = scipy.fft.dctn(values, type=2, norm="ortho", axes=(0, 1), workers=-1)
    fitted = np.zeros((height, width) + values.shape[2:], np.float64)
    keep_h, keep_w = min(height, values.shape[0]), min(width, values.shape[1])
    fitted[:keep_h, :keep_w] = coefficients[:keep_h, :keep_w]
    gain = math.sqrt(height * width / (values.shape[0] * values.shape[1]))
    return scipy.fft.idctn(fitted, type=2, norm="ortho", axes=(0, 1), workers=-1) * gain


def band_limited(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The part of ``image`` that a ``size`` grid can hold, kept at the image's own size.

    ``image − band_limited(image, size)`` is the detail finer than the new grid's Nyquist limit:
    all of it must go, and whatever of it a method lets through folds back as aliasing.

    Shape:
        Input: ``(H, W[, C])``. Output: ``(H, W[, C])`` float64.
    """
    height, width = check_size(size)
    values = np.asarray(image, dtype=np.float64)
    coefficients = scipy.fft.dctn(values, type=2, norm="ortho", axes=(0, 1), workers=-1)
    coefficients[height:] = 0.0
    coefficients[:, width:] = 0.0
    return scipy.fft.idctn(coefficients, type=2, norm="ortho", axes=(0, 1), workers=-1)


def reference_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """:func:`ideal_resize` clipped to ``[0, 255]`` (no 8-bit result can go beyond): what PSNR
    and SSIM are measured against.

    Shape:
        Input: ``(H, W, 3)`` uint8. Output: ``(h, w, 3)`` float64 in grey levels.
    """
    return np.clip(ideal_resize(image, size), 0.0, 255.0)


# ---------------------------------------------------------------------------------- metrics

def psnr(reference: np.ndarray, result: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB on the 0–255 scale (scikit-image); ``inf`` when equal."""
    reference, result = _pair(reference, result)
    if np.array_equal(reference, result):
        return math.inf
    return float(peak_signal_noise_ratio(reference, result, data_range=255.0))


def ssim(reference: np.ndarray, result: np.ndarray) -> float:
    """Structural similarity (scikit-image, 7×7 uniform windows, averaged over the channels).

    An image narrower than 7 pixels uses the largest odd window that fits; under 3 pixels SSIM
    is not defined and the result is NaN. Computed in float32: scikit-image then filters in
    float32, three times faster than in float64 (0.04 s against 0.14 s at 614²×3), and the
    score moves by about 1e-7, far below the four decimals shown.
    """
    reference, result = _pair(reference, result)
    side = min(reference.shape[:2])
    window = min(SSIM_WINDOW, side if side % 2 else side - 1)
    if window < 3:
        return math.nan
    return float(structural_similarity(reference.astype(np.float32), result.astype(np.float32), data_range=255.0,
                                       win_size=window, channel_axis=2 if reference.ndim == 3 else None))


def aliasing_score(image: np.ndarray, size: tuple[int, int], method: str) -> float:
    """The fraction of the detail too fine for the new grid that ``method`` folds back into it.

    The image splits into the part the ``size`` grid can hold (:func:`band_limited`) and the rest,
    which lies above the new Nyquist limit. The ideal result contains none of the rest. The
    method resizes the image and, separately, its band-limited part; the difference is what the
    too-fine detail left in the result, and any of it is aliasing, since the new grid cannot
    show those frequencies as they are. The score is its power divided by the power of the
    too-fine detail (both per pixel): 0 for a perfect antialiasing filter, about 1 for sampling
    without a filter, which keeps every bit of it, folded.

    Convention: both powers leave out a :data:`BORDER` px frame (scaled to the result): the
    DCT mirrors the image at its borders, and the kink it makes there is "too-fine" power that no
    method sees the same way.

    Returns NaN when the image has less than :data:`MIN_OUT_OF_BAND_POWER` grey levels² above
    the new Nyquist limit (nothing to fold, e.g. at scale 1).
    """
    return _folded_fraction(image, *_split(image, check_size(size)), check_size(size), method)


def aliasing_scores(image: np.ndarray, size: tuple[int, int], methods: Sequence[str]) -> dict[str, float]:
    """:func:`aliasing_score` of several methods on one image, splitting the image once."""
    size = check_size(size)
    low_image, fine_power = _split(image, size)
    return {key: _folded_fraction(image, low_image, fine_power, size, key) for key in methods}


def _interior(array: np.ndarray, margin: int) -> np.ndarray:
    if min(array.shape[:2]) <= 4 * margin:
        return array
    return array[margin:-margin, margin:-margin] if margin else array


def _split(image: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, float]:
    """The band-limited part rounded to an 8-bit image (what a method can take) and the power of
    the detail above the new Nyquist limit, away from the borders."""
    source = np.asarray(image, dtype=np.float64)
    low = band_limited(source, size)
    fine_power = float(np.mean(_interior(source - low, BORDER) ** 2))
    return np.clip(np.floor(low + 0.5), 0, 255).astype(np.uint8), fine_power


def _folded_fraction(image: np.ndarray, low_image: np.ndarray, fine_power: float,
                     size: tuple[int, int], method: str) -> float:
    if fine_power < MIN_OUT_OF_BAND_POWER:
        return math.nan
    folded = (resize(image, size, method).astype(np.float64)
              - resize(low_image, size, method).astype(np.float64))
    margin = math.ceil(BORDER * min(size[0] / image.shape[0], size[1] / image.shape[1]))
    return float(np.mean(_interior(folded, margin) ** 2)) / fine_power


def fold_back_frequency(frequency: float, scale: float) -> float:
    """Where a frequency (cycles per input pixel) lands after sampling at ``scale``, in cycles per
    output pixel: ``f / scale`` folded into ``[0, 0.5]``.

    >>> fold_back_frequency(0.1, 0.5), fold_back_frequency(0.4, 0.5), fold_back_frequency(0.24, 0.3)
    (0.2, 0.2, 0.2)
    """
    relative = frequency / scale
    return round(abs(relative - round(relative)), 12)


def zone_plate_size(size: tuple[int, int], source_shape: tuple[int, int],
                    side: int = ALIASING_SIDE) -> tuple[int, int]:
    """The size a ``side``² zone plate shrinks to at the same scale as ``source_shape → size``.

    >>> zone_plate_size((90, 135), (300, 451))
    (154, 153)
    """
    height, width = check_size(size)
    return max(1, round(side * height / source_shape[0])), max(1, round(side * width / source_shape[1]))


def zone_plate_aliasing(size: tuple[int, int], method: str, side: int = ALIASING_SIDE) -> float:
    """:func:`aliasing_score` on the ``side``² zone plate resized to ``size``."""
    size = check_size(size)
    plate, low_image, fine_power = _zone_plate_split(side, size)
    return _folded_fraction(plate, low_image, fine_power, size, method)


@lru_cache(maxsize=32)
def _zone_plate_split(side: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, float]:
    # The plate is grey: one channel's transform serves all three.
    plate = zone_plate(side)
    low_image, fine_power = _split(plate[..., :1], size)
    low_image = np.repeat(low_image, 3, axis=2)
    for array in (plate, low_image):
        array.setflags(write=False)
    return plate, low_image, fine_power


# ---------------------------------------------------------------------------------- timing

def timed_resize(image: np.ndarray, size: tuple[int, int], method: str,
                 repeats: int = 5) -> tuple[np.ndarray, float]:
    """The result and the median ms of ``repeats`` runs after a warm-up; over 200 ms, the warm-up's own."""
    if repeats < 1:
        raise InvalidParameterError(f"repeats must be at least 1, got {repeats}.")
    start = time.perf_counter()
    result = resize(image, size, method)
    first_ms = (time.perf_counter() - start) * 1e3
    if first_ms > 200:
        return result, first_ms
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        resize(image, size, method)
        times.append((time.perf_counter() - start) * 1e3)
    return result, statistics.median(times)


# ---------------------------------------------------------------------------------- reports

@dataclass(frozen=True)
class MethodReport:
    """One method on one image at one size.

    Attributes:
        key: the method's key in :data:`core.resize.METHODS`.
        image: ``(h, w, 3) uint8`` result.
        time_ms: median time of a resize (:func:`timed_resize`).
        psnr: dB against :func:`reference_image` (``inf`` when equal).
        ssim: against the same reference, NaN under 3 pixels.
        spectrum: ``(h, w) float32`` log10 magnitude spectrum of the result's luminance, DC in
            the centre (:func:`core.spectrum.log_magnitude_spectrum`).
    """

    key: str
    image: np.ndarray
    time_ms: float
    psnr: float
    ssim: float
    spectrum: np.ndarray


def evaluate(image: np.ndarray, size: tuple[int, int], method: str,
             reference: np.ndarray | None = None, repeats: int = 5) -> MethodReport:
    """Resize, time, score against the reference (computed here unless given) and take the
    spectrum."""
    size = check_size(size)
    result, ms = timed_resize(image, size, method, repeats)
    if reference is None:
        reference = reference_image(image, size)
    return MethodReport(method, result, ms, psnr(reference, result), ssim(reference, result),
                        spectrum(result))


def spectrum(image: np.ndarray) -> np.ndarray:
    """Log10 magnitude spectrum of an ``(h, w, 3) uint8`` image's luminance, as float32."""
    with torch.no_grad():
        gray = luminance(to_tensor(image, device="cpu"))[0]
        return log_magnitude_spectrum(gray).float().numpy()


@dataclass(frozen=True)
class Agreement:
    """How far apart the results of several methods are, pair by pair.

    Attributes:
        keys: the methods, in order.
        max_difference: ``(n, n)`` int, the largest ``|a − b|`` over pixels and channels (0–255).
        mean_difference: ``(n, n)`` float, the mean ``|a − b|`` in grey levels.
    """

    keys: tuple[str, ...]
    max_difference: np.ndarray
    mean_difference: np.ndarray


def agreement(results: Mapping[str, np.ndarray]) -> Agreement:
    """Pairwise max and mean absolute differences between same-sized uint8 results."""
    keys = tuple(results)
    shapes = {results[k].shape for k in keys}
    if len(shapes) > 1:
        raise InvalidParameterError(f"The results to compare differ in shape: {sorted(shapes)}.")
    n = len(keys)
    largest, mean = np.zeros((n, n), np.int64), np.zeros((n, n), np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            gap = np.abs(results[keys[i]].astype(np.int16) - results[keys[j]].astype(np.int16))
            largest[i, j] = largest[j, i] = int(gap.max()) if gap.size else 0
            mean[i, j] = mean[j, i] = float(gap.mean()) if gap.size else 0.0
    return Agreement(keys, largest, mean)


def same_name_agreement(image: np.ndarray, size: tuple[int, int],
                        keys: Sequence[str] = ("opencv-linear", "pillow-bilinear", "torch-bilinear",
                                               "torch-bilinear-antialias")) -> Agreement:
    """:func:`agreement` of the libraries' "bilinear" methods on one image."""
    return agreement({key: resize(image, size, key) for key in keys})


# ---------------------------------------------------------------------------------- comparing two

def signed_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a − b`` in grey levels, averaged over the channels.

    Shape:
        Input: two ``(h, w, 3)`` uint8. Output: ``(h, w)`` float32.
    """
    a, b = _pair(a, b)
    return (a - b).mean(axis=2).astype(np.float32)


def wipe(a: np.ndarray, b: np.ndarray, fraction: float) -> np.ndarray:
    """``a`` on the left, ``b`` from ``round(fraction · w)`` columns onwards: an A/B wipe.

    >>> import numpy as np
    >>> wipe(np.zeros((1, 4, 3), np.uint8), np.ones((1, 4, 3), np.uint8), 0.5)[0, :, 0].tolist()
    [0, 0, 1, 1]
    """
    if a.shape != b.shape:
        raise InvalidParameterError(f"Both images must have the same shape, got {a.shape} and {b.shape}.")
    if not 0.0 <= fraction <= 1.0:
        raise InvalidParameterError(f"The wipe position must be between 0 and 1, got {fraction}.")
    split = round(fraction * a.shape[1])
    out = a.copy()
    out[:, split:] = b[:, split:]
    return out


def _pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise InvalidParameterError(f"The two images differ in shape: {a.shape} and {b.shape}.")
    return a, b


def reference_view(reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The band-limited reference as a displayable uint8 image (rounded half up) and its spectrum."""
    shown = np.floor(reference + 0.5).astype(np.uint8)
    return shown, spectrum(shown)
