"""Downsizing lab: one image, any scale, every library's resize side by side — pixels, aliasing,
quality against an ideal reference, speed, and why "bilinear" is not one thing."""

import numpy as np
import pandas as pd
import streamlit as st

from core.device import describe_device
from core.errors import ScaleScopeError
from core.images import image_digest
from core.patterns import PATTERNS, draw_pattern
from core.resize import BILINEARS, DEFAULT_METHODS, METHODS, check_size, scaled_size
from core.resize.lesson import (
    ALIASING_SIDE,
    evaluate,
    reference_image,
    reference_view,
    same_name_agreement,
    signed_difference,
    wipe,
    zone_plate_aliasing,
    zone_plate_size,
)
from core.resize.ranking import spectrum_gaps
from ui import figures, resize_snippets
from ui.cache import cached
from ui.imaging import png_bytes, symmetric_limit, zip_of_pngs
from ui.present import Lesson
from ui.resize_figures import (
    difference_matrix_figure,
    pixel_grid_figure,
    spectra_figure,
    speed_quality_figure,
    wipe_figure,
)
from ui.resize_tools import (
    identify_section,
    methods_from_url,
    methods_table,
    pair_gap,
    same_name_text,
    several_images_section,
)
from ui.snippets import snippet
from ui.widgets import current_image, show_figure, url_bool, url_choice, url_float, url_int

PICKED = "picked"
SOURCE_PATTERNS = ("zone-plate", "siemens-star", "checkerboard", "text", "stripes")
PATTERN_SIDE = 512
MODES = {"scale": "a scale factor", "target": "a target width and height"}
REFERENCE = "ideal (reference)"
VIEWS = {"lab": "Compare methods", "identify": "Which resize made this?", "several": "Compare on several images"}
ASK = [  # what a teacher asks the class before revealing each section
    "Shrink a photo to a third of its width. Which libraries' results will look crisp, and which "
    "will show stripes that were never in the picture?",
    "A method that reads only 2×2 pixels is much faster than one that averages all of them. How "
    "much quality does the speed cost?",
    "Two methods both called bilinear: how many grey levels apart can their pixels be?",
    "If detail too fine for the new grid is not removed, where does its energy go?",
    "OpenCV, Pillow and PyTorch all offer bilinear resizing. Do they give the same image?",
]


def label(key: str) -> str:
    return REFERENCE if key == REFERENCE else METHODS[key].label


def number(value: float, digits: int) -> float | None:
    """Table cells: NaN stays empty, infinity stays infinity."""
    return None if np.isnan(value) else round(value, digits)


# ------------------------------------------------------------------------------------------
st.title("📐 Downsizing lab")
lesson = Lesson(["The results, pixel for pixel", "Quality, aliasing and speed", "A against B",
                 "Spectra: aliasing is folded energy", "Same name, different result"])
lesson.intro(
    "Every CNN input pipeline shrinks its images, and most call whatever resize their library "
    "offers. Shrinking throws detail away; **how** it is thrown away decides whether fine texture "
    "turns into smooth grey or into false patterns (aliasing). Here the libraries' methods run "
    "side by side on one image, at any scale, with their speed and their distance from an "
    "ideal result.")

picked = current_image()
view = "lab"
if not lesson.present:   # the engineers' tools stay out of the lesson
    view = st.radio("Tool", list(VIEWS), format_func=VIEWS.get, horizontal=True, key="view",
                    index=list(VIEWS).index(url_choice("view", "lab", list(VIEWS))),
                    help="The lab compares methods on one image; the other two tools answer an "
                         "engineer's questions about their own pipeline and data.")
    st.query_params.update(view=view)
if view == "identify":
    identify_section(picked)
    st.stop()
if view == "several":
    several_images_section()
    st.stop()
source_labels = {PICKED: f"The picked image ({picked.label})"} | {
    name: PATTERNS[name][0] for name in SOURCE_PATTERNS}
with lesson.more():
    left, right = st.columns([3, 2])
    source = left.selectbox("Image", list(source_labels), format_func=source_labels.get, key="source",
                            index=list(source_labels).index(url_choice("source", PICKED, list(source_labels))),
                            help="A test pattern makes aliasing easy to see; the zone plate's rings get "
                                 "finer towards its edges.")
    mode = right.radio("Size the result by", list(MODES), format_func=MODES.get, horizontal=True,
                       key="size_mode", index=list(MODES).index(url_choice("size", "scale", list(MODES))))
    methods = st.multiselect("Methods", list(METHODS), default=methods_from_url(DEFAULT_METHODS),
                             format_func=lambda k: METHODS[k].label, key="methods",
                             help="Each library's resize, called as you would call it yourself.")
if source == PICKED:
    pixels, digest, shown_name = picked.pixels, picked.digest, picked.label
else:
    pixels = cached(draw_pattern)(source, PATTERN_SIDE)
    digest = image_digest(pixels)
    shown_name = PATTERNS[source][0].split(" — ")[0]
height, width = pixels.shape[:2]

a, b, c = st.columns([2, 1, 1])
scale = a.slider("Scale factor", 0.05, 1.0, url_float("scale", 0.3, 0.05, 1.0), 0.01, key="scale",
                 disabled=mode != "scale",
                 help="Any factor, not just halves: 0.3 is the factor the DownsizeNet paper uses.")
if mode == "target":
    default_h, default_w = scaled_size(height, width, scale)
    for key, url_key, limit, default in (("target_w", "w", width, default_w), ("target_h", "h", height, default_h)):
        if key not in st.session_state:   # a link's size first, else the scaled size
            st.session_state[key] = url_int(url_key, min(default, limit), 1, limit)
        elif st.session_state[key] > limit:   # a smaller image was picked since: start again from it
            st.session_state[key] = min(default, limit)
    target_w = b.number_input("Width (px)", 1, width, key="target_w")
    target_h = c.number_input("Height (px)", 1, height, key="target_h")
    size = check_size((int(target_h), int(target_w)))
    st.query_params.update(w=str(size[1]), h=str(size[0]))
else:
    size = scaled_size(height, width, scale)
    b.markdown(f"Result  \n**{size[1]}×{size[0]}** px")
    c.markdown(f"Pixels kept  \n**{size[0] * size[1] / (height * width):.1%}**")

st.query_params.update(scale=f"{scale:g}", source=source, size=mode, methods=",".join(methods))

if min(height, width) < 16:
    st.warning(f"This image is only {width}×{height} pixels, so the results are "
               f"{size[1]}×{size[0]}: there is hardly anything left to compare. Upload a larger "
               "picture or pick a test pattern above.")
elif min(size) < 7:
    st.warning(f"The results are only {size[1]}×{size[0]} pixels: SSIM needs at least 3 pixels "
               "each way (7 for its usual window), so some of its cells stay empty.")
if not methods:
    st.info("Pick at least one method above to compare.")
    st.stop()

reference = cached(reference_image)(pixels, size)
reports = {}
for key in methods:
    try:
        reports[key] = cached(evaluate)(pixels, size, key, reference)
    except ScaleScopeError as error:
        st.warning(f"{METHODS[key].label}: {error}")
keys = list(reports)
if not keys:
    st.stop()
reference_shown, reference_spectrum = cached(reference_view)(reference)
setting = (digest, size, tuple(keys))
kept = size[0] * size[1] / (height * width)
filtering = [k for k in keys if METHODS[k].antialias]


def reproduce(body: str, result: object, tolerance: float = 0.0) -> None:
    """The section's snippet, on the lab's image: the picked one, or a pattern drawn by name."""
    if source == PICKED:
        code = snippet(picked, body)
    else:
        code = (f"from core.patterns import draw_pattern\n\nimage = draw_pattern({source!r}, {PATTERN_SIDE})"
                "   # (H, W, 3) uint8 RGB\n\n" + body)
    lesson.reproduce(code, result=result, tolerance=tolerance)


# ------------------------------------------------------------------------------------------
@lesson.live_section(0, ask=ASK[0])
def results_pixel_for_pixel() -> None:
    show_figure(lambda: pixel_grid_figure([reference_shown] + [reports[k].image for k in keys],
                                          [REFERENCE] + [METHODS[k].label for k in keys], cols=3),
                "results", setting)
    st.caption(
        f"{shown_name}: {width}×{height} → {size[1]}×{size[0]}. Each result pixel is drawn as a "
        "square. Zoom or pan one panel and the others follow. The first panel is the ideal "
        "reference described in section 2.")
    st.markdown(
        "Methods that only read a few neighbours (nearest, OpenCV linear and cubic, PyTorch without "
        "antialias) keep the image crisp but turn fine texture into jagged edges and false stripes. "
        "Methods that average everything under each new pixel (area, box, Pillow, PyTorch with "
        "antialias, the pyramid) are a little softer and do not invent patterns. Pick the zone "
        "plate to see it at once.")
    lesson.notice(f"{width}×{height} → {size[1]}×{size[0]} keeps {kept:.1%} of the pixels: {len(filtering)} "
                  f"of these {len(keys)} methods average all the pixels under each new one, the other "
                  f"{len(keys) - len(filtering)} read a few neighbours and let the rest alias.")
    with lesson.more():
        shown_key = st.selectbox("Code below for", keys, format_func=label, key="code_method",
                                 index=keys.index(url_choice("code", keys[0], keys)))
    st.query_params.update(code=shown_key)
    reproduce(resize_snippets.pixels(shown_key, size), reports[shown_key].image)
    if not lesson.present:
        st.download_button(f"All results at {size[1]}×{size[0]} (zip of PNGs)",
                           lambda: zip_of_pngs({k: reports[k].image for k in keys}),
                           f"resized-{size[1]}x{size[0]}.zip", "application/zip", key="download_results")

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    zone_size = zone_plate_size(size, (height, width))
    aliasing = {k: cached(zone_plate_aliasing)(zone_size, k) for k in keys}
    table = pd.DataFrame({
        "method": [METHODS[k].label for k in keys],
        "library": [METHODS[k].library for k in keys],
        "antialiased": [METHODS[k].antialias for k in keys],
        "time (ms)": [round(reports[k].time_ms, 2) for k in keys],
        "PSNR (dB)": [number(reports[k].psnr, 2) for k in keys],
        "SSIM": [number(reports[k].ssim, 4) for k in keys],
        "aliasing (zone plate)": [number(aliasing[k], 4) for k in keys],
    })
    st.dataframe(table, hide_index=True, column_config={
        "time (ms)": st.column_config.NumberColumn(format="%.2f"),
        "PSNR (dB)": st.column_config.NumberColumn(format="%.2f"),
        "SSIM": st.column_config.NumberColumn(format="%.4f"),
        "aliasing (zone plate)": st.column_config.NumberColumn(format="%.4f")})
    show_figure(lambda: speed_quality_figure([METHODS[k].label for k in keys],
                                             [reports[k].time_ms for k in keys],
                                             [reports[k].psnr for k in keys]), "speed-quality")
    with st.expander("How the reference, the aliasing and the times are measured"):
        st.markdown(
            "**The reference** is the ideal band-limited result: each colour channel's cosine "
            "transform keeps every frequency the new grid can hold, drops everything finer, and is "
            f"turned back into a {size[1]}×{size[0]} image in 64-bit floating point, sampled at the "
            "same pixel centres as the methods. No library under test computes it, so it favours none "
            "of them. It is sharper than any practical filter and rings slightly at hard edges, so "
            "methods that blur a little lose some PSNR for that, not only for aliasing. PSNR and SSIM "
            "come from scikit-image.")
        st.markdown(
            f"**Aliasing** is measured on a {ALIASING_SIDE}×{ALIASING_SIDE} zone plate shrunk by the "
            f"same factor (to {zone_size[1]}×{zone_size[0]}): of the detail too fine for the new grid, "
            "the fraction of its energy that comes back in the result as false, coarser rings. 0 means "
            "all of it was filtered away; 1 means all of it folded back, as plain sampling does. At "
            "scale 1 nothing is too fine and the column stays empty.")
        st.caption(
            f"Times are the median of five runs after a warm-up (a method whose first run takes over 0.2 s: "
            f"that run alone; {describe_device()}), measured the first time a result is computed (later visits reuse "
            "it). Other people's work on the same machine can make single numbers noisy.")
    scored = [k for k in keys if np.isfinite(reports[k].psnr)] or keys
    best = max(scored, key=lambda k: reports[k].psnr)
    fastest = min(keys, key=lambda k: reports[k].time_ms)
    measured = [k for k in keys if not np.isnan(aliasing[k])]
    folds = (f"; {label(max(measured, key=aliasing.get))} folds back the most "
             f"({max(aliasing[k] for k in measured):.2f} of the too-fine detail)") if measured else ""
    lesson.notice(f"Closest to the reference: {label(best)}, {reports[best].psnr:.2f} dB; fastest: "
                  f"{label(fastest)}, {reports[fastest].time_ms:.2f} ms{folds}.")
    reproduce(resize_snippets.psnr(best, size, (height, width)), reports[best].psnr, tolerance=1e-6)
    if not lesson.present:
        st.download_button("This table (CSV)", table.to_csv(index=False), "resize-methods.csv", "text/csv",
                           key="download_table")

# ------------------------------------------------------------------------------------------
@lesson.live_section(2, ask=ASK[2])
def a_against_b() -> None:
    if len(keys) < 2:
        st.info("Pick a second method above to compare two of them.")
        lesson.notice("With a single method there is nothing to compare it with.")
    else:
        # By default: the first method that aliases against the first one that filters.
        default_a = next((k for k in keys if not METHODS[k].antialias), keys[0])
        others = [k for k in keys if k != default_a]
        default_b = next((k for k in others if METHODS[k].antialias), others[0])
        for slot, url_key, default in (("ab_a", "a", default_a), ("ab_b", "b", default_b)):
            if st.session_state.get(slot) not in keys:
                st.session_state[slot] = url_choice(url_key, default, keys)
        a, b = st.columns(2)
        first = a.selectbox("A (left)", keys, format_func=label, key="ab_a")
        second = b.selectbox("B (right)", keys, format_func=label, key="ab_b")
        with lesson.more():
            a, b = st.columns([3, 1])
            split = a.slider("Wipe: where B starts (% of the width)", 0, 100, url_int("wipe", 50, 0, 100),
                             key="wipe")
            flicker = b.toggle("Show B everywhere", url_bool("flicker", False), key="flicker",
                               help="Flick this on and off to see what changes at the spot you zoomed in on.")
        st.query_params.update(a=first, b=second, wipe=str(split), flicker=str(int(flicker)))
        image_a, image_b = reports[first].image, reports[second].image
        fraction = 0.0 if flicker else split / 100
        composite = wipe(image_a, image_b, fraction)
        show_figure(lambda: wipe_figure(composite, round(fraction * size[1]), f"A: {label(first)}",
                                        f"B: {label(second)}"),
                    "ab-wipe", setting + (first, second, fraction))
        difference = signed_difference(image_a, image_b)
        limit = symmetric_limit(difference)
        show_figure(lambda: figures.signed_bands_figure(
            [difference], [f"A − B, mean over the channels (±{limit:.1f} grey levels)"], [limit], cols=1,
            max_side=900), "ab-difference", setting + (first, second))
        gap = np.abs(image_a.astype(np.int16) - image_b.astype(np.int16))
        differ = np.any(gap > 0, axis=2).mean()
        m1, m2, m3 = st.columns(3)
        m1.metric("Largest |A − B| (grey levels)", f"{int(gap.max())}")
        m2.metric("Mean |A − B| (grey levels)", f"{gap.mean():.2f}")
        m3.metric("Pixels that differ", f"{differ:.1%}")
        st.caption("Red: A is brighter; blue: B is brighter. Differences gather on edges and fine "
                   "texture, where the methods disagree about detail finer than the new grid.")
        lesson.notice(f"{label(first)} and {label(second)} differ by up to {int(gap.max())} grey levels, "
                      f"{gap.mean():.2f} on average, at {differ:.1%} of the pixels.")
        reproduce(resize_snippets.a_against_b(first, second, size), (int(gap.max()), float(gap.mean())),
                  tolerance=1e-9)
        if not lesson.present:
            st.download_button(f"A: {label(first)} (PNG)", lambda: png_bytes(image_a),
                               f"{first}-{size[1]}x{size[0]}.png", "image/png", key="download_a")

# ------------------------------------------------------------------------------------------
if lesson.section(3, ask=ASK[3]):
    show_figure(lambda: spectra_figure([reference_spectrum] + [reports[k].spectrum for k in keys],
                                       [REFERENCE] + [METHODS[k].label for k in keys]), "spectra", setting)
    st.markdown(
        "Each panel is the log magnitude spectrum of a result: zero frequency in the centre, the new "
        "grid's Nyquist limit at the edges. Detail finer than that limit cannot be shown as it is; a "
        "method that does not filter it out **folds** it back inside, where it lands on frequencies "
        "that were never there. Compare each panel with the reference: extra arcs, rings and bright "
        "spots are folded energy. On the zone plate the folded copies of its rings are unmistakable.")
    gaps = spectrum_gaps({k: reports[k].spectrum for k in keys}, reference_spectrum)
    st.caption("Mean distance from the reference's spectrum (log₁₀ |F|): "
               + ", ".join(f"{label(k)} {gaps[k]:.2f}" for k in keys) + ".")
    far, near = max(keys, key=gaps.get), min(keys, key=gaps.get)
    lesson.notice(f"{label(far)}'s spectrum is farthest from the reference's ({gaps[far]:.2f} on average), "
                  f"{label(near)}'s closest ({gaps[near]:.2f}).")
    reproduce(resize_snippets.spectrum(far, size), reports[far].spectrum, tolerance=1e-4)

# ------------------------------------------------------------------------------------------
if lesson.section(4, ask=ASK[4]):
    try:
        same = cached(same_name_agreement)(pixels, size)
    except ScaleScopeError as error:
        st.error(str(error))
        same = None
    if same is not None:
        show_figure(lambda: difference_matrix_figure(
            same.max_difference, [METHODS[k].label for k in same.keys],
            title="Largest difference between two “bilinear” results (grey levels of 255)"),
            "same-name", (digest, size))
        same_name_text(same)
        lesson.notice(f"Four functions called bilinear, up to {int(same.max_difference.max())} grey levels "
                      f"apart: OpenCV and Pillow differ by {pair_gap(same, 'opencv-linear', 'pillow-bilinear')} "
                      f"(antialiasing), OpenCV and PyTorch by {pair_gap(same, 'opencv-linear', 'torch-bilinear')} "
                      "(rounding only).")
        reproduce(resize_snippets.same_name(same.keys, size), same.max_difference)
    else:
        lesson.notice("The four bilinear results could not be computed at this size.")

if not lesson.present:
    with st.expander("What each method does"):
        methods_table(BILINEARS)
