"""The downsizing lab's two tools for engineers, drawn by ``app_pages/resize.py`` when picked:
"Which resize made this?" and "Compare on several images", and the lab's own longer texts.
Widgets and text only; the work is :func:`core.resize.identify_report` and
:func:`core.resize.report.evaluate_array`."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import ScaleScopeError
from core.images import load_image
from core.resize import DEFAULT_METHODS, METHODS, get_method, identify_report, scaled_size
from core.resize.fingerprint import thumbnail_copy
from core.resize.lesson import Agreement, signed_difference
from core.resize.report import evaluate_array
from ui import figures
from ui.cache import cached
from ui.imaging import symmetric_limit
from ui.resize_report import distributions_figure, speed_table, summary, tradeoff_figure
from ui.text import literal
from ui.widgets import PickedImage, show_figure, url_float

MAX_FILES = 20
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "tif", "tiff", "bmp", "gif"]


def _load(upload) -> np.ndarray | None:
    """An upload's pixels, or ``None`` after saying in a sentence why it cannot be read."""
    try:
        return load_image(upload.getvalue())
    except ScaleScopeError as error:
        st.error(f"{literal(upload.name)}: {error}")
        return None


def identify_section(picked: PickedImage) -> None:
    st.header("Which resize made this?")
    st.markdown(
        "Training and serving pipelines that disagree often resize differently under the same "
        "name. Upload an original and the resized copy your pipeline made from it: every known "
        "call (OpenCV, Pillow, PyTorch, scikit-image, with their less common options) resizes the "
        "original to the copy's size, and the one that reproduces it is named.")
    left, right = st.columns(2)
    first = left.file_uploader("Original", type=UPLOAD_TYPES, key="id_original")
    second = right.file_uploader("Resized copy", type=UPLOAD_TYPES, key="id_resized")
    if first is None or second is None:
        st.info(f"Until both are uploaded, the original is the picked image ({literal(picked.label)}) "
                "and the copy is what Pillow's `Image.thumbnail()` makes of it.")
        original, copy = picked.pixels, cached(thumbnail_copy)(picked.pixels)
        names = (picked.label, "thumbnail")
    else:
        loaded_original, loaded_copy = _load(first), _load(second)
        names = (first.name, second.name)
        if loaded_original is None or loaded_copy is None:
            return
        original, copy = loaded_original, loaded_copy
    with st.spinner(f"Resizing {literal(names[0])} with every known call…"):
        try:
            result = cached(identify_report)(original, copy)
        except ScaleScopeError as error:
            st.error(str(error))
            return
    best = result.ranking[0]
    st.subheader(result.verdict)
    for sentence in result.advice:
        st.markdown(f"- {sentence}")
    code = get_method(best.key).code_for(result.size)
    if code:
        st.markdown("The one line that reproduces it (`image` is the original as an RGB uint8 array):")
        st.code(code, language="python")
    rank, previous, ranks = 0, None, []
    for candidate in result.ranking:
        rank += candidate.group != previous
        previous = candidate.group
        ranks.append(rank)
    st.dataframe(pd.DataFrame({
        "rank": ranks,
        "call": [get_method(c.key).label for c in result.ranking],
        "library": [get_method(c.key).library for c in result.ranking],
        "mean |difference|": [c.mean for c in result.ranking],
        "largest |difference|": [c.max for c in result.ranking],
    }), hide_index=True, column_config={
        "mean |difference|": st.column_config.NumberColumn(format="%.2f"),
        "largest |difference|": st.column_config.NumberColumn(format="%d")})
    st.caption(f"{literal(names[1])}: {result.size[1]}×{result.size[0]} pixels. Calls with the same "
               "rank give identical pixels. Differences are in grey levels of 255; an exact match "
               "is at most 1 everywhere (rounding).")
    difference = signed_difference(copy, result.best)
    limit = max(symmetric_limit(difference), 1.0)
    show_figure(lambda: figures.signed_bands_figure(
        [difference], [f"copy − {get_method(best.key).label} (±{limit:.1f} grey levels)"], [limit],
        cols=1, max_side=900), "identify-difference", (names, result.size, best.key, float(best.mean)))


def several_images_section() -> None:
    st.header("Compare on several images")
    st.markdown(
        f"Which method is best on *your* data? Upload up to {MAX_FILES} images: every chosen "
        "method shrinks each of them, and the plots show quality, aliasing and speed over all of "
        "them, as `python -m core.resize.report` does for a whole folder.")
    uploads = st.file_uploader("Images", type=UPLOAD_TYPES, accept_multiple_files=True, key="many")
    a, b = st.columns([1, 3])
    scale = a.slider("Scale factor", 0.05, 1.0, url_float("many_scale", 0.25, 0.05, 1.0), 0.01, key="many_scale")
    methods = b.multiselect("Methods", list(METHODS), default=methods_from_url(DEFAULT_METHODS, "many_methods"),
                            format_func=lambda k: METHODS[k].label, key="many_methods")
    st.query_params.update(many_scale=f"{scale:g}", many_methods=",".join(methods))
    if not uploads:
        st.info("Upload a few images above to compare the methods on them.")
        return
    if len(uploads) > MAX_FILES:
        st.warning(f"{len(uploads)} files: only the first {MAX_FILES} are compared here; the "
                   "command line has no limit.")
    if not methods:
        st.info("Pick at least one method above.")
        return
    rows = []
    bar = st.progress(0.0, text="Resizing…")
    chosen = uploads[:MAX_FILES]
    for i, upload in enumerate(chosen):
        image = _load(upload)
        if image is not None:
            size = scaled_size(image.shape[0], image.shape[1], scale)
            try:
                rows += [{"image": upload.name, **row}
                         for row in cached(evaluate_array)(image, size, tuple(methods))]
            except ScaleScopeError as error:
                st.error(f"{literal(upload.name)}: {error}")
        bar.progress((i + 1) / len(chosen), text=f"Resized {i + 1} of {len(chosen)}")
    bar.empty()
    if not rows:
        return
    table = pd.DataFrame(rows)
    stats = summary(table)
    key = (tuple(upload.file_id for upload in chosen), scale, tuple(methods))
    show_figure(lambda: tradeoff_figure(stats), "many-tradeoff", key)
    for metric in ("psnr", "aliasing"):
        show_figure(partial(distributions_figure, table, metric), f"many-{metric}", key + (metric,))
    st.dataframe(speed_table(stats), hide_index=True)
    st.caption("Medians over the images. Aliasing is empty where an image has too little detail "
               "finer than the new grid to measure it.")


# ---------------------------------------------------------------------------------- the lab's pieces

_METHODS_READ = "resize-methods-url-read"


def methods_from_url(default: tuple[str, ...], key: str = "methods") -> list[str]:
    """Methods from the link's ``key=`` (comma-separated method keys), or ``default``.

    Names the link gives that are not methods here are left out, and said so once per session.
    """
    raw = st.query_params.get(key)
    if raw is None:
        return list(default)
    wanted = [k for k in raw.split(",") if k]
    unknown = [k for k in wanted if k not in METHODS]
    read: set[str] = st.session_state.setdefault(_METHODS_READ, set())
    if unknown and key not in read:
        st.warning(f"The link sets {key} to names this lab does not have "
                   f"({literal(', '.join(unknown))}); they are left out.", icon="🔗")
    read.add(key)
    return [k for k in wanted if k in METHODS] or list(default)


def pair_gap(same: Agreement, first: str, second: str) -> int:
    """The largest difference between two of the "bilinear" results, in grey levels."""
    position = {k: i for i, k in enumerate(same.keys)}
    return int(same.max_difference[position[first], position[second]])


def same_name_text(same: Agreement) -> None:
    """Why four functions called bilinear disagree, with this image's numbers."""
    st.markdown(
        "OpenCV, Pillow and PyTorch each call their method *bilinear*, yet on this image the "
        f"results differ by up to **{int(same.max_difference.max())} grey levels**. Two "
        "conventions explain almost all of it:")
    st.markdown(
        f"* **Antialiasing.** Pillow always widens its triangle kernel by the shrink factor, so "
        f"every input pixel under an output pixel counts; OpenCV and PyTorch (by default) read "
        f"only the 2×2 pixels around each sample point. OpenCV against Pillow: "
        f"{pair_gap(same, 'opencv-linear', 'pillow-bilinear')} levels. PyTorch with "
        f"`antialias=True` uses Pillow's scheme (its 8-bit kernel was ported from Pillow): "
        f"{pair_gap(same, 'pillow-bilinear', 'torch-bilinear-antialias')} level(s) from Pillow.\n"
        f"* **Pixel centres and rounding.** All four sample at pixel centres (`align_corners=False` "
        f"in PyTorch), so OpenCV and PyTorch without antialias land on the same points and differ "
        f"only by OpenCV's 11-bit fixed-point weights: "
        f"{pair_gap(same, 'opencv-linear', 'torch-bilinear')} level(s). `align_corners=True` (the old "
        "default in PyTorch and TensorFlow 1) pins the corner pixels instead and shifts every "
        "sample in between: yet another image.")
    with st.expander("Why it matters beyond looks"):
        st.markdown(
            "Parmar, Zhang and Zhu (*On Aliased Resizing and Surprising Subtleties in GAN "
            "Evaluation*, CVPR 2022) resized the FFHQ faces with the bicubic of OpenCV, PyTorch and "
            "TensorFlow and compared them with Pillow's antialiased bicubic: the FID between the "
            "*same* images resized two ways was 6 or more, as large as the gaps papers report "
            "between models; Pillow's own filters (Lanczos, bilinear, box) stayed below 0.75 of "
            "each other's. A network trained on one library's resize and deployed with another sees "
            "inputs it was not trained on.")


def methods_table(bilinears: tuple[str, ...]) -> None:
    """Every method in plain words: its library, whether it filters first, and where it samples."""
    st.dataframe(pd.DataFrame({
        "method": [m.label for m in METHODS.values()], "library": [m.library for m in METHODS.values()],
        "antialiased": [m.antialias for m in METHODS.values()],
        "what it does": [m.note for m in METHODS.values()],
    }), hide_index=True)
    st.caption(f"The {len(bilinears)} functions called bilinear that section 5 compares: "
               f"{', '.join(METHODS[k].label for k in bilinears)}.")
