"""Which resize made this? Name the call behind a resized copy of an image.

Every key of :data:`core.resize.ALL_METHODS` (the lab's methods and the variants that commonly
make pipelines disagree) resizes the original to the copy's size; the candidates are ranked by
their mean, then largest, absolute difference from the copy, in grey levels.

Convention:
    * **exact match**: the largest difference is at most 1 grey level (rounding);
    * **ties**: candidates that give identical pixels are equivalent: they get equal differences
      and share a group number;
    * **JPEG**: when no candidate matches exactly, every candidate is stored as a JPEG at a few
      qualities, and the closest ones at qualities 50–100 (Pillow, 4:2:0 and 4:4:4). If one of
      those files is much closer to the copy than any raw candidate, the copy was re-encoded: the
      ranking is then by the difference after that re-encoding, while the differences reported
      stay those of the raw ``resize`` output.

    python -m core.resize.identify ORIGINAL RESIZED   (the command line: :func:`main`)
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from core.errors import InvalidParameterError, ScaleScopeError
from core.resize.methods import ALL_METHODS, get_method, resize

EXACT_LEVELS = 1
JPEG_QUALITIES = tuple(range(50, 101, 5))
JPEG_GAIN = 0.6      # re-encoding must bring the mean difference below this fraction of the raw one
_JPEG_TRIES = 3      # how many of the closest candidates are tried at every quality
_COARSE_QUALITIES = (75, 90, 95)


@dataclass(frozen=True)
class Candidate:
    """One resize call and how far its result is from the copy.

    Attributes:
        key: a key of :data:`core.resize.ALL_METHODS`.
        mean: mean ``|candidate − copy|`` in grey levels (over pixels and channels).
        max: largest ``|candidate − copy|``.
        group: candidates with the same number give identical pixels.
        jpeg_mean: mean difference after re-encoding the candidate as the copy's JPEG (NaN when
            the copy does not look re-encoded).
    """

    key: str
    mean: float
    max: int
    group: int
    jpeg_mean: float = float("nan")


@dataclass(frozen=True)
class Identification:
    """The full answer of :func:`identify_report`.

    Attributes:
        ranking: every candidate, best first.
        size: ``(h, w)`` of the copy.
        exact: the best candidate is within :data:`EXACT_LEVELS` of the copy everywhere.
        jpeg_quality: the JPEG quality the copy looks re-encoded at, or ``None``.
        best: the best candidate's pixels, ``(h, w, 3) uint8``.
        verdict: one sentence naming the call (or the closest one and how far it is).
        advice: sentences on how the copy differs from the closest candidates.
    """

    ranking: tuple[Candidate, ...]
    size: tuple[int, int]
    exact: bool
    jpeg_quality: int | None
    best: np.ndarray
    verdict: str
    advice: tuple[str, ...]

    def equivalents(self, key: str) -> list[str]:
        """The keys giving exactly the same pixels as ``key`` (``key`` included)."""
        group = next(c.group for c in self.ranking if c.key == key)
        return [c.key for c in self.ranking if c.group == group]

    def as_tuples(self) -> list[tuple[str, float, float]]:
        return [(c.key, c.mean, float(c.max)) for c in self.ranking]


def identify(original: np.ndarray, resized: np.ndarray) -> list[tuple[str, float, float]]:
    """Rank every known resize call by how closely it reproduces ``resized`` from ``original``.

    Shape:
        Input: two ``(H, W, 3)`` and ``(h, w, 3)`` uint8 RGB arrays, any sizes.
        Output: ``[(method_key, mean_abs_diff, max_abs_diff), ...]`` best first; every key
        works with :func:`core.resize.resize`, and keys giving identical pixels have equal
        differences.

    >>> import numpy as np
    >>> from core.resize import resize
    >>> image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    >>> ranking = identify(image, resize(image, (13, 17), "opencv-area"))
    >>> ranking[0][1:], "opencv-area" in [k for k, mean, _ in ranking if mean == 0]
    ((0.0, 0.0), True)
    """
    return identify_report(original, resized).as_tuples()


def identify_report(original: np.ndarray, resized: np.ndarray,
                    candidates: Sequence[str] | None = None) -> Identification:
    """:func:`identify` with the groups of equivalent calls, the JPEG guess and the sentences."""
    _check(original, "original")
    _check(resized, "resized copy")
    size = (int(resized.shape[0]), int(resized.shape[1]))
    outputs = _candidate_outputs(original, size, list(ALL_METHODS) if candidates is None else candidates)
    if not outputs:
        raise InvalidParameterError("No resize method could produce an image of this size.")
    copy = resized.astype(np.int16)
    groups: dict[str, int] = {}
    raw: dict[str, tuple[float, int, int]] = {}
    for key, image in outputs.items():
        group = groups.setdefault(hashlib.sha256(image.tobytes()).hexdigest(), len(groups))
        gap = np.abs(image.astype(np.int16) - copy)
        raw[key] = (float(gap.mean()), int(gap.max()), group)
    order = sorted(raw, key=lambda k: (raw[k][0], raw[k][1], raw[k][2]))
    best_raw = order[0]
    quality: int | None = None
    jpeg: dict[str, float] = {}
    if raw[best_raw][1] > EXACT_LEVELS:
        quality, jpeg = _jpeg_fit(outputs, order, raw, resized)
    if quality is not None:
        order = sorted(raw, key=lambda k: (jpeg[k], raw[k][0], raw[k][2]))
    ranking = tuple(Candidate(k, raw[k][0], raw[k][1], raw[k][2], jpeg.get(k, float("nan"))) for k in order)
    best = outputs[order[0]]
    exact = ranking[0].max <= EXACT_LEVELS
    verdict, advice = _sentences(ranking, exact, quality, original, resized, outputs)
    best.setflags(write=False)
    return Identification(ranking, size, exact, quality, best, verdict, tuple(advice))


def _check(image: np.ndarray, name: str) -> None:
    if not (isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] == 3
            and image.dtype == np.uint8 and image.shape[0] >= 1 and image.shape[1] >= 1):
        raise InvalidParameterError(
            f"The {name} must be an (H, W, 3) uint8 RGB image, got shape "
            f"{getattr(image, 'shape', None)} and dtype {getattr(image, 'dtype', type(image).__name__)}.")


def _candidate_outputs(original: np.ndarray, size: tuple[int, int],
                       keys: Sequence[str]) -> dict[str, np.ndarray]:
    outputs = {}
    for key in keys:
        try:
            outputs[key] = resize(original, size, key)
        except ScaleScopeError:
            continue          # e.g. a trained network whose weights file cannot be read
    return outputs


def _jpeg(image: np.ndarray, quality: int, subsampling: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality, subsampling=subsampling)
    with Image.open(buffer) as decoded:
        return np.asarray(decoded.convert("RGB"))


def _jpeg_fit(outputs: Mapping[str, np.ndarray], order: list[str], raw: Mapping[str, tuple[float, int, int]],
              resized: np.ndarray) -> tuple[int | None, dict[str, float]]:
    """The JPEG setting that brings the closest candidates nearest to the copy, and every
    candidate's mean difference after it; ``(None, {})`` when re-encoding does not help."""
    copy = resized.astype(np.int16)
    first: dict[int, str] = {}
    for key in order:                       # one candidate per group of identical pixels
        first.setdefault(raw[key][2], key)

    def distance(key: str, quality: int, subsampling: int) -> float:
        return float(np.abs(_jpeg(outputs[key], quality, subsampling).astype(np.int16) - copy).mean())

    # A coarse look at every group, then the closest groups over every quality and both
    # chroma layouts, then a fine step around the best quality.
    fits = [(distance(key, q, 2), q, 2, key) for key in first.values() for q in _COARSE_QUALITIES]
    tried = [key for _, _, _, key in sorted(fits)[:_JPEG_TRIES]]
    fits += [(distance(key, q, s), q, s, key) for key in dict.fromkeys(tried)
             for s in (2, 0) for q in JPEG_QUALITIES]
    _, quality, subsampling, key = min(fits)
    fits += [(distance(key, quality + step, subsampling), quality + step, subsampling, key)
             for step in (-4, -3, -2, -1, 1, 2, 3, 4) if 1 <= quality + step <= 100]
    best_mean, quality, subsampling, _ = min(fits)
    if best_mean >= JPEG_GAIN * raw[order[0]][0]:
        return None, {}
    by_group: dict[int, float] = {}
    scores = {}
    for key, image in outputs.items():
        group = raw[key][2]
        if group not in by_group:
            by_group[group] = float(np.abs(_jpeg(image, quality, subsampling).astype(np.int16) - copy).mean())
        scores[key] = by_group[group]
    return quality, scores


# ---------------------------------------------------------------------------------- sentences

def detail_energy(image: np.ndarray) -> float:
    """Mean squared Laplacian of the luminance: how much fine detail (sharpness) an image keeps."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.mean(cv2.Laplacian(grey, cv2.CV_32F, borderType=cv2.BORDER_REFLECT) ** 2))


def _sentences(ranking: Sequence[Candidate], exact: bool, quality: int | None, original: np.ndarray,
               resized: np.ndarray, outputs: Mapping[str, np.ndarray]) -> tuple[str, list[str]]:
    best = ranking[0]
    label = get_method(best.key).label
    same = [c.key for c in ranking if c.group == best.group]
    others = len(same) - 1
    also = "" if not others else (" (1 other call gives the same pixels)" if others == 1
                                  else f" ({others} other calls give the same pixels)")
    if exact:
        near = [get_method(c.key).label for c in ranking if c.group != best.group and c.max <= EXACT_LEVELS]
        close = f" Also within {EXACT_LEVELS} grey level: {', '.join(near)}." if near else ""
        return f"Exact match: {label}{also}.{close}", _offset(resized, outputs[best.key])
    if quality is not None:
        return (f"{label}{also}, then saved as a JPEG at quality about {quality}: the difference "
                f"left ({best.mean:.2f} grey levels on average, up to {best.max}) looks like JPEG "
                "noise, and re-encoding the candidate at that quality brings it to "
                f"{best.jpeg_mean:.2f}."), []
    verdict = (f"No exact match. The closest is {label}{also}, still {best.mean:.2f} grey levels "
               f"off on average and up to {best.max}.")
    return verdict, _advice(ranking, original, resized, outputs)


def _advice(ranking: Sequence[Candidate], original: np.ndarray, resized: np.ndarray,
            outputs: Mapping[str, np.ndarray]) -> list[str]:
    advice = []
    best = outputs[ranking[0].key]
    shrinking = resized.shape[0] * resized.shape[1] < original.shape[0] * original.shape[1]
    if shrinking and min(resized.shape[:2]) >= 3:
        energy = detail_energy(resized)
        smoothed = [detail_energy(outputs[k]) for k in outputs if get_method(k).antialias]
        sharp = [detail_energy(outputs[k]) for k in outputs if not get_method(k).antialias]
        if smoothed and energy > 1.05 * max(smoothed):
            advice.append("Your pipeline blurs less than any antialiased method: it is not antialiased.")
        elif sharp and energy < 0.95 * min(sharp):
            advice.append("Your pipeline blurs more than any method without antialiasing: it filters "
                          "before sampling (it is antialiased), or blurs afterwards.")
        if smoothed and energy < 0.8 * min(smoothed):
            advice.append("It is softer than every candidate: an extra blur, or a low-quality JPEG.")
    if min(resized.shape[:2]) >= 8:
        a = cv2.cvtColor(resized, cv2.COLOR_RGB2GRAY).astype(np.float64)
        b = cv2.cvtColor(best, cv2.COLOR_RGB2GRAY).astype(np.float64)
        (dx, dy), _ = cv2.phaseCorrelate(b, a)
        if max(abs(dx), abs(dy)) >= 0.25:
            advice.append(f"Its pixels sit {dx:+.2f} px across and {dy:+.2f} px down from "
                          f"{get_method(ranking[0].key).label}'s: another pixel-centre convention "
                          "(align_corners=True, top-left sampling) or a crop or pad before resizing.")
    return advice + _offset(resized, best)


def _offset(resized: np.ndarray, best: np.ndarray) -> list[str]:
    offset = float(np.mean(resized.astype(np.float64) - best.astype(np.float64)))
    if abs(offset) < 0.3:
        return []
    darker = "darker" if offset < 0 else "brighter"
    hint = (": a float result cast to uint8 without rounding (truncation) does this" if offset < 0
            else ": a brightness or gamma change, or rounding up")
    return [f"It is {abs(offset):.2f} grey levels {darker} on average{hint}."]


def thumbnail_copy(image: np.ndarray, factor: float = 3.5) -> np.ndarray:
    """What ``Image.thumbnail`` makes of ``image`` in a box ``factor`` times smaller: a copy to
    try :func:`identify` on (Pillow's bicubic, ``reducing_gap=2``).

    >>> import numpy as np
    >>> thumbnail_copy(np.zeros((70, 140, 3), np.uint8)).shape
    (20, 40, 3)
    """
    picture = Image.fromarray(image)
    picture.thumbnail((max(1, round(image.shape[1] / factor)), max(1, round(image.shape[0] / factor))))
    return np.asarray(picture.convert("RGB")).copy()


# ---------------------------------------------------------------------------------- CLI

def format_ranking(result: Identification, top: int = 12) -> str:
    """The ranking as a fixed-width table, with the verdict and the line of code."""
    lines = [result.verdict, *result.advice, ""]
    lines.append(f"{'rank':>4}  {'method':<36} {'mean':>7} {'max':>4}  same pixels as")
    previous_group, rank = None, 0
    for candidate in result.ranking[:top]:
        if candidate.group != previous_group:
            rank += 1
        tied = "" if candidate.group != previous_group else "↑ (identical)"
        lines.append(f"{rank:>4}  {candidate.key:<36} {candidate.mean:>7.2f} {candidate.max:>4}  {tied}")
        previous_group = candidate.group
    code = get_method(result.ranking[0].key).code_for(result.size)
    if code:
        lines += ["", "Reproduce it with:", f"    {code}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from core.images import ImageLoadError, load_image

    parser = argparse.ArgumentParser(prog="python -m core.resize.identify",
                                     description="Which resize made this? Rank every known resize "
                                                 "call by how closely it reproduces RESIZED from ORIGINAL.")
    parser.add_argument("original", help="the image before resizing")
    parser.add_argument("resized", help="the resized copy your pipeline produced")
    parser.add_argument("--top", type=int, default=12, help="how many candidates to print (default 12)")
    args = parser.parse_args(argv)
    try:
        original, resized = load_image(args.original), load_image(args.resized)
        result = identify_report(original, resized)
    except (ImageLoadError, ScaleScopeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_ranking(result, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
