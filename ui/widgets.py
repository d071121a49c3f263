"""Streamlit pieces shared by every page: the image picker, URL-backed controls and figures.

Whatever a person can type reaches the screen only through :func:`ui.text.literal`: file names
and URL values are data, never Markdown, and never longer than a line.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

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
from ui.cache import cached
from ui.imaging import fit_for_display
from ui.text import literal, shorten
from ui.uploads import read_upload


# The browser's Markdown renderer (remark-gfm) turns web addresses into links after escapes are
# resolved, so ``literal`` alone still shows "http://…", "www.…" and e-mail addresses as live
# links. A word joiner (U+2060, invisible) inside each such prefix leaves nothing to match.
def shown(text: object, limit: int | None = None) -> str:
    """User text for a Markdown element (:func:`ui.text.literal`, web addresses defused)."""
    return literal(text) if limit is None else literal(text, limit)


UPLOAD = "__upload__"
PREVIEW_SIDE = 400
_CHOICE, _UPLOADER, _UPLOADED, _SEEN_UPLOAD, _ERROR, _URL_NOTICE, _URL_READ = (
    "image_choice", "uploader", "uploaded_image", "seen_upload_id", "upload_error", "image_url_notice",
    "url_params_read")


@dataclass(frozen=True)
class PickedImage:
    """The image every page works on.

    Attributes:
        key: a sample name, or ``UPLOAD``.
        label: what to call it on screen: plain text (shortened); pass it through
            :func:`ui.text.literal` before putting it in any Markdown element.
        pixels: ``(H, W, 3) uint8`` RGB, read-only, at most ``WORKING_SIDE`` on its long side.
        digest: sha256 of ``pixels``: the key of every cache computed from it.
        notes: sentences about conversions and resizing, shown under the picker.
        credit: author and licence of a bundled photo; empty for uploads.
    """

    key: str
    label: str
    pixels: np.ndarray
    digest: str
    notes: tuple[str, ...]
    credit: str

    @property
    def preview(self) -> np.ndarray:
        """A copy at most ``PREVIEW_SIDE`` wide or tall, for the sidebar (cached, not kept per session)."""
        return cached(fit_for_display)(self.pixels, PREVIEW_SIDE)


@st.cache_resource(show_spinner=False)
def _sample(name: str) -> PickedImage:
    sample = SAMPLES[name]
    pixels = sample.load()
    pixels.setflags(write=False)
    return PickedImage(name, sample.title, pixels, image_digest(pixels), (), sample.credit)


# Text the browser would otherwise cut with "…" wraps instead: the uploader's list of formats in
# the narrow sidebar, and a metric's value in a narrow column (its type also shrinks with the window).
_APP_CSS = """<style>
[data-testid="stFileUploaderDropzoneInstructions"] * { white-space: normal !important;
  overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { white-space: normal !important;
  overflow-wrap: anywhere; text-overflow: clip !important; }
[data-testid="stMetricValue"] { font-size: clamp(1.25rem, 2.4vw, 2.25rem); }
</style>"""


def _labels() -> dict[str, str]:
    # The short name fits the sidebar's box; the full title is shown under the preview.
    labels = {name: f"{'📷' if sample.kind == 'photo' else '🧪'} {sample.title.split(' — ')[0]}"
              for name, sample in SAMPLES.items()}
    if _UPLOADED in st.session_state:
        labels[UPLOAD] = f"Your upload: {st.session_state[_UPLOADED].label}"   # an option: plain text
    return labels


def _take_new_upload() -> None:
    """Decode a file the person just chose; on failure keep the previous image and say why."""
    upload = st.session_state.get(_UPLOADER)
    if not isinstance(upload, UploadedFile) or upload.file_id == st.session_state.get(_SEEN_UPLOAD):
        return
    st.session_state[_SEEN_UPLOAD] = upload.file_id
    name = upload.name
    try:
        loaded = decode_image(read_upload(upload))
    except ImageLoadError as error:
        st.session_state[_ERROR] = f"“{shown(name)}” was not loaded. {error}"
        return
    height, width = loaded.pixels.shape[:2]
    notes = list(loaded.notes)
    pixels, scale = fit_working_size(loaded.pixels)
    del loaded                                         # a full-size original is not kept
    if scale < 1.0:
        notes.append(
            f"Your image is {width}×{height} pixels; ScaleScope works on a "
            f"{pixels.shape[1]}×{pixels.shape[0]} copy (long side {WORKING_SIDE} px) so every page "
            "stays interactive. Your file itself is not changed.")
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    st.session_state[_UPLOADED] = PickedImage(UPLOAD, shorten(name), pixels, image_digest(pixels),
                                              tuple(notes), "")
    st.session_state[_CHOICE] = UPLOAD


def _choice_from_url() -> None:
    if _CHOICE in st.session_state:
        return
    wanted = st.query_params.get("image", DEFAULT_SAMPLE)
    if wanted not in SAMPLES:
        st.session_state[_URL_NOTICE] = (f"The link asks for a sample called “{shown(wanted)}”, which "
                                         f"does not exist; showing “{DEFAULT_SAMPLE}” instead.")
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
        notice = st.session_state.pop(_URL_NOTICE, None)
        if notice:
            st.warning(notice, icon="🔗")
        picked = st.session_state[_UPLOADED] if choice == UPLOAD else _sample(choice)
        st.html(_APP_CSS)
        st.image(picked.preview, width="stretch")
        size = f"{picked.pixels.shape[1]}×{picked.pixels.shape[0]} px"
        st.caption(size if choice == UPLOAD else f"{picked.label} · {size}")   # a sample's title: our text
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


def _url_notice(key: str, raw: str, problem: str, used: object) -> None:
    """Say once per session that the link's ``key=raw`` was not used, and what is used instead.

    Only a parameter's first reading in a session comes from a link someone followed: after it
    the page has written the value it uses back into the URL, so later runs need no notice.
    """
    st.warning(f"The link sets {key} to “{shown(raw)}”, which {problem}; using {used} instead.",
               icon="🔗")


def _first_reading(key: str) -> bool:
    read: set[str] = st.session_state.setdefault(_URL_READ, set())
    if key in read:
        return False
    read.add(key)
    return True


def url_int(key: str, default: int, low: int, high: int) -> int:
    """An integer control's starting value from the URL, clamped into ``[low, high]``.

    A value that is not a whole number, or lies outside the range, is replaced (by ``default``
    or the nearest end of the range) with a one-line notice naming the parameter.
    """
    raw, first = st.query_params.get(key), _first_reading(key)
    value = min(max(default, low), high)
    if raw is None:
        return value
    try:
        wanted = int(raw.strip())
    except ValueError:
        if first:
            _url_notice(key, raw, "is not a whole number", value)
        return value
    if not low <= wanted <= high and first:
        _url_notice(key, raw, f"is outside {low}…{high}", min(max(wanted, low), high))
    return min(max(wanted, low), high)


def url_float(key: str, default: float, low: float, high: float) -> float:
    """A float control's starting value from the URL, clamped into ``[low, high]`` (with a notice)."""
    raw, first = st.query_params.get(key), _first_reading(key)
    value = min(max(default, low), high)
    if raw is None:
        return value
    try:
        wanted = float(raw.strip())
    except ValueError:
        wanted = math.nan
    if not math.isfinite(wanted):
        if first:
            _url_notice(key, raw, "is not a number", f"{value:g}")
        return value
    if not low <= wanted <= high and first:
        _url_notice(key, raw, f"is outside {low:g}…{high:g}", f"{min(max(wanted, low), high):g}")
    return min(max(wanted, low), high)


def url_choice(key: str, default: str, options: list[str]) -> str:
    """A choice's starting value from the URL, or ``default`` (with a notice) when it names none."""
    raw, first = st.query_params.get(key), _first_reading(key)
    if raw is None or raw in options:
        return default if raw is None else raw
    if first:
        _url_notice(key, raw, "is not one of the choices", f"“{default}”")
    return default


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def url_bool(key: str, default: bool) -> bool:
    """A switch's starting value from the URL (``1/true/yes/on`` or ``0/false/no/off``)."""
    raw, first = st.query_params.get(key), _first_reading(key)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE + _FALSE:
        return raw.strip().lower() in _TRUE
    if first:
        _url_notice(key, raw, "is neither on nor off", "on" if default else "off")
    return default


# The builder of the figure being made in this thread: ``cached`` keys on content only, and a
# builder is code, so the figure's name and key stand for it (a session is one thread).
_BUILDING = threading.local()


@cached
def _built_figure(name: str, key: tuple) -> go.Figure:
    return _BUILDING.build()


def show_figure(build: Callable[[], go.Figure], name: str, key: tuple = (),
                select: str | None = None) -> None:
    """Draw the figure ``build()`` makes; its toolbar camera saves ``scalescope-<name>.png``.

    With a ``key`` (the image digest and every parameter the figure depends on) the built figure
    is kept in the process-wide byte-bounded cache (:mod:`ui.cache`), so a rerun that changes
    something else does not encode its images again. Figures are shared read-only between
    sessions. ``select="box"`` lets the person drag a rectangle; the page reads it from
    ``st.session_state["figure-<name>"]`` on the next run.
    """
    if key:
        _BUILDING.build = build
        try:
            fig = _built_figure(name, key)
        finally:
            del _BUILDING.build
    else:
        fig = build()
    config = {"displaylogo": False,
              "toImageButtonOptions": {"format": "png", "filename": f"scalescope-{name}", "scale": 2}}
    if select:
        st.plotly_chart(fig, key=f"figure-{name}", on_select="rerun", selection_mode=select,  # type: ignore[call-overload]
                        config=config)
    else:
        st.plotly_chart(fig, key=f"figure-{name}", config=config)
