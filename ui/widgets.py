"""Streamlit pieces shared by every page: the image picker and URL-backed controls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from core.errors import ImageLoadError
from core.images import (
    ACCEPTED_EXTENSIONS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_PIXELS,
    WORKING_SIDE,
    decode_image,
    fit_working_size,
    image_digest,
)
from core.samples import DEFAULT_SAMPLE, SAMPLES
from ui.imaging import fit_for_display

UPLOAD = "__upload__"
PREVIEW_SIDE = 400
_CHOICE, _UPLOADER, _UPLOADED, _SEEN_UPLOAD, _ERROR = (
    "image_choice", "uploader", "uploaded_image", "seen_upload_id", "upload_error")


@dataclass(frozen=True)
class PickedImage:
    """The image every page works on.

    Attributes:
        key: a sample name, or ``UPLOAD``.
        label: what to call it on screen.
        pixels: ``(H, W, 3) uint8`` RGB, read-only, at most ``WORKING_SIDE`` on its long side.
        digest: sha256 of ``pixels``: the key of every cache computed from it.
        notes: sentences about conversions and resizing, shown under the picker.
        credit: author and licence of a bundled photo; empty for uploads.
        preview: a copy at most ``PREVIEW_SIDE`` wide or tall, for the sidebar.
    """

    key: str
    label: str
    pixels: np.ndarray
    digest: str
    notes: tuple[str, ...]
    credit: str
    preview: np.ndarray


@st.cache_resource(show_spinner=False)
def _sample(name: str) -> PickedImage:
    sample = SAMPLES[name]
    pixels = sample.load()
    pixels.setflags(write=False)
    return PickedImage(name, sample.title, pixels, image_digest(pixels), (), sample.credit,
                       fit_for_display(pixels, PREVIEW_SIDE))


def _labels() -> dict[str, str]:
    labels = {name: f"{'📷' if sample.kind == 'photo' else '🧪'} {sample.title}"
              for name, sample in SAMPLES.items()}
    if _UPLOADED in st.session_state:
        labels[UPLOAD] = f"Your upload: {st.session_state[_UPLOADED].label}"
    return labels


def _take_new_upload() -> None:
    """Decode a file the person just chose; on failure keep the previous image and say why."""
    upload = st.session_state.get(_UPLOADER)
    if upload is None or upload.file_id == st.session_state.get(_SEEN_UPLOAD):
        return
    st.session_state[_SEEN_UPLOAD] = upload.file_id
    try:
        loaded = decode_image(upload.getvalue())
    except ImageLoadError as error:
        st.session_state[_ERROR] = f"“{upload.name}” was not loaded. {error}"
        return
    original = loaded.pixels
    pixels, scale = fit_working_size(original)
    notes = list(loaded.notes)
    if scale < 1.0:
        notes.append(
            f"Your image is {original.shape[1]}×{original.shape[0]} pixels; ScaleScope works on a "
            f"{pixels.shape[1]}×{pixels.shape[0]} copy (long side {WORKING_SIDE} px) so every page "
            "stays interactive. Your file itself is not changed.")
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    st.session_state[_UPLOADED] = PickedImage(UPLOAD, upload.name, pixels, image_digest(pixels),
                                              tuple(notes), "", fit_for_display(pixels, PREVIEW_SIDE))
    st.session_state[_CHOICE] = UPLOAD


def _choice_from_url() -> None:
    if _CHOICE in st.session_state:
        return
    wanted = st.query_params.get("image", DEFAULT_SAMPLE)
    if wanted not in SAMPLES:
        st.session_state[_ERROR] = (f"The link asks for a sample called “{wanted}”, which does not "
                                    f"exist; showing “{DEFAULT_SAMPLE}” instead.")
        wanted = DEFAULT_SAMPLE
    st.session_state[_CHOICE] = wanted


def image_picker() -> PickedImage:
    """Draw the sidebar picker and return the current image. Call once per run, from ``app.py``."""
    _choice_from_url()
    _take_new_upload()
    labels = _labels()
    with st.sidebar:
        st.subheader("Image")
        choice = st.selectbox("Sample or your upload", list(labels), key=_CHOICE,
                              format_func=labels.__getitem__)
        st.file_uploader(
            "Upload your own", type=list(ACCEPTED_EXTENSIONS), key=_UPLOADER,
            help=(f"PNG, JPEG, WebP, BMP, TIFF or GIF; up to {DEFAULT_MAX_BYTES // 2**20} MB and "
                  f"{DEFAULT_MAX_PIXELS // 1_000_000} megapixels. It stays in your session only."))
        error = st.session_state.pop(_ERROR, None)
        if error:
            st.error(error)
        picked = st.session_state[_UPLOADED] if choice == UPLOAD else _sample(choice)
        st.image(picked.preview, width="stretch")
        st.caption(f"{picked.pixels.shape[1]}×{picked.pixels.shape[0]} px")
        for note in picked.notes:
            st.info(note)
        if picked.credit:
            st.caption(picked.credit)
    if choice == UPLOAD:
        st.query_params.pop("image", None)
    else:
        st.query_params["image"] = choice
    return picked


def current_image() -> PickedImage:
    """The image picked in the sidebar this run (``app.py`` stores it before the page runs)."""
    return st.session_state["picked_image"]


def url_int(key: str, default: int, low: int, high: int) -> int:
    """An integer control's starting value from the URL, clamped into ``[low, high]``."""
    try:
        value = int(st.query_params.get(key, default))
    except ValueError:
        value = default
    return min(max(value, low), high)


def url_choice(key: str, default: str, options: list[str]) -> str:
    """A choice's starting value from the URL, or ``default`` when the URL names no valid option."""
    value = st.query_params.get(key, default)
    return value if value in options else default


def url_float(key: str, default: float, low: float, high: float) -> float:
    """A float control's starting value from the URL, clamped into ``[low, high]``."""
    try:
        value = float(st.query_params.get(key, default))
    except ValueError:
        value = default
    return min(max(value, low), high) if np.isfinite(value) else default


@st.cache_resource(max_entries=64, show_spinner=False)
def _built_figure(name: str, key: tuple, _build: Callable[[], go.Figure]) -> go.Figure:
    return _build()


def show_figure(build: Callable[[], go.Figure], name: str, key: tuple = (),
                select: str | None = None) -> None:
    """Draw the figure ``build()`` makes; its toolbar camera saves ``scalescope-<name>.png``.

    With a ``key`` (the image digest and every parameter the figure depends on) the built figure
    is kept, so a rerun that changes something else does not encode its images again. Figures
    are shared read-only between sessions: the key holds a sha256 of the pixels, never the
    pixels themselves. ``select="box"`` lets the person drag a rectangle; the page reads it from
    ``st.session_state["figure-<name>"]`` on the next run.
    """
    fig = _built_figure(name, key, build) if key else build()
    selection = dict(on_select="rerun", selection_mode=select) if select else {}
    st.plotly_chart(fig, key=f"figure-{name}", **selection, config={
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": f"scalescope-{name}", "scale": 2},
    })
