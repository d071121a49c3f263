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
from ui import figures
from ui.cache import cached
from ui.imaging import png_bytes, symmetric_limit, zip_of_pngs
from ui.resize_figures import difference_matrix_figure, pixel_grid_figure, wipe_figure
from ui.resize_tools import identify_section, several_images_section
from ui.widgets import current_image, show_figure, url_choice, url_float

PICKED = "picked"
SOURCE_PATTERNS = ("zone-plate", "siemens-star", "checkerboard", "text", "stripes")
PATTERN_SIDE = 512
MODES = {"scale": "a scale factor", "target": "a target width and height"}
REFERENCE = "ideal (reference)"
VIEWS = {"lab": "Compare methods", "identify": "Which resize made this?", "several": "Compare on several images"}


def label(key: str) -> str:
    return REFERENCE if key == REFERENCE else METHODS[key].label


def ms_text(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 1 else f"{ms:.1f} ms"


def number(value: float, digits: int) -> float | None:
    """Table cells: NaN stays empty, infinity stays infinity."""
    return None if np.isnan(value) else round(value, digits)


# ------------------------------------------------------------------------------------------
st.title("📐 Downsizing lab")
st.markdown(
    "Every CNN input pipeline shrinks its images, and most call whatever resize their library "
    "offers. Shrinking throws detail away; **how** it is thrown away decides whether fine texture "
    "turns into smooth grey or into false patterns (aliasing). Here the libraries' methods run "
    "side by side on one image, at any scale, with their speed and their distance from an "
    "ideal result.")

picked = current_image()
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
left, right = st.columns([3, 2])
source = left.selectbox("Image", list(source_labels), format_func=source_labels.get, key="source",
                        index=list(source_labels).index(url_choice("source", PICKED, list(source_labels))),
                        help="A test pattern makes aliasing easy to see; the zone plate's rings get "
                             "finer towards its edges.")
if source == PICKED:
    pixels, digest, shown_name = picked.pixels, picked.digest, picked.label
else:
    pixels = cached(draw_pattern)(source, PATTERN_SIDE)
    digest = image_digest(pixels)
    shown_name = PATTERNS[source][0].split(" — ")[0]
height, width = pixels.shape[:2]
mode = right.radio("Size the result by", list(MODES), format_func=MODES.get, horizontal=True,
                   key="size_mode")

a, b, c = st.columns([2, 1, 1])
scale = a.slider("Scale factor", 0.05, 1.0, url_float("scale", 0.3, 0.05, 1.0), 0.01, key="scale",
                 disabled=mode != "scale",
                 help="Any factor, not just halves: 0.3 is the factor the DownsizeNet paper uses.")
if mode == "target":
    default_h, default_w = scaled_size(height, width, scale)
    for key, limit, default in (("target_w", width, default_w), ("target_h", height, default_h)):
        # Start from the scaled size; a smaller image picked since caps the value.
        if key not in st.session_state or st.session_state[key] > limit:
            st.session_state[key] = min(default, limit)
    target_w = b.number_input("Width (px)", 1, width, key="target_w")
    target_h = c.number_input("Height (px)", 1, height, key="target_h")
    size = check_size((int(target_h), int(target_w)))
else:
    size = scaled_size(height, width, scale)
    b.metric("Result size", f"{size[1]}×{size[0]}")
    c.metric("Pixels kept", f"{size[0] * size[1] / (height * width):.1%}")

url_methods = [k for k in st.query_params.get("methods", "").split(",") if k in METHODS]
methods = st.multiselect("Methods", list(METHODS), default=url_methods or list(DEFAULT_METHODS),
                         format_func=lambda k: METHODS[k].label, key="methods",
                         help="Each library's resize, called as you would call it yourself.")
st.query_params.update(scale=f"{scale:g}", source=source, methods=",".join(methods))

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
zone_size = zone_plate_size(size, (height, width))
setting = (digest, size, tuple(keys))

# ------------------------------------------------------------------------------------------
st.header("1 · The results, pixel for pixel")
show_figure(lambda: pixel_grid_figure(
    [reference_shown] + [reports[k].image for k in keys],
    [REFERENCE] + [f"{METHODS[k].label} · {ms_text(reports[k].time_ms)}" for k in keys], cols=3),
    "results", setting)
st.caption(
    f"{shown_name}: {width}×{height} → {size[1]}×{size[0]}. Each result pixel is drawn as a "
    "square. Zoom or pan one panel and the others follow. The first panel is the ideal "
    "reference described in section 2.")
st.markdown(
    "**What to notice.** Methods that only read a few neighbours (nearest, OpenCV linear and "
    "cubic, PyTorch without antialias) keep the image crisp but turn fine texture into jagged "
    "edges and false stripes. Methods that average everything under each new pixel (area, box, "
    "Pillow, PyTorch with antialias, the pyramid) are a little softer and do not invent patterns. "
    "Pick the zone plate above to see it at once.")
st.download_button(f"All results at {size[1]}×{size[0]} (zip of PNGs)",
                   lambda: zip_of_pngs({k: reports[k].image for k in keys}),
                   f"resized-{size[1]}x{size[0]}.zip", "application/zip", key="download_results")

# ------------------------------------------------------------------------------------------
st.header("2 · Quality, aliasing and speed")
table = pd.DataFrame({
    "method": [METHODS[k].label for k in keys],
    "library": [METHODS[k].library for k in keys],
    "antialiased": [METHODS[k].antialias for k in keys],
    "time (ms)": [round(reports[k].time_ms, 2) for k in keys],
    "PSNR (dB)": [number(reports[k].psnr, 2) for k in keys],
    "SSIM": [number(reports[k].ssim, 4) for k in keys],
    "aliasing (zone plate)": [number(cached(zone_plate_aliasing)(zone_size, k), 4) for k in keys],
})
st.dataframe(table, hide_index=True, column_config={
    "time (ms)": st.column_config.NumberColumn(format="%.2f"),
    "PSNR (dB)": st.column_config.NumberColumn(format="%.2f"),
    "SSIM": st.column_config.NumberColumn(format="%.4f"),
    "aliasing (zone plate)": st.column_config.NumberColumn(format="%.4f")})
st.download_button("This table (CSV)", table.to_csv(index=False), "resize-methods.csv", "text/csv",
                   key="download_table")
st.markdown(
    "**The reference** is the ideal band-limited result: each colour channel's cosine transform "
    "keeps every frequency the new grid can hold, drops everything finer, and is turned back into "
    f"a {size[1]}×{size[0]} image in 64-bit floating point, sampled at the same pixel centres as "
    "the methods. No library under test computes it, so it favours none of them. It is sharper "
    "than any practical filter and rings slightly at hard edges, so methods that blur a little "
    "lose some PSNR for that, not only for aliasing. PSNR and SSIM come from scikit-image.")
st.markdown(
    f"**Aliasing** is measured on a {ALIASING_SIDE}×{ALIASING_SIDE} zone plate shrunk by the same "
    f"factor (to {zone_size[1]}×{zone_size[0]}): of the detail too fine for the new grid, the "
    "fraction of its energy that comes back in the result as false, coarser rings. 0 means all of "
    "it was filtered away; 1 means all of it folded back, as plain sampling does. At scale 1 "
    "nothing is too fine and the column stays empty.")
st.caption(
    f"Times are the median of five runs after a warm-up (two for methods slower than 0.2 s; "
    f"{describe_device()}), measured the "
    "first time a result is computed (later visits reuse it). Other "
    "people's work on the same machine can make single numbers noisy.")

# ------------------------------------------------------------------------------------------
st.header("3 · A against B")
if len(keys) < 2:
    st.info("Pick a second method above to compare two of them.")
else:
    # By default: the first method that aliases against the first one that filters.
    default_a = next((k for k in keys if not METHODS[k].antialias), keys[0])
    others = [k for k in keys if k != default_a]
    default_b = next((k for k in others if METHODS[k].antialias), others[0])
    for slot, default in (("ab_a", default_a), ("ab_b", default_b)):
        if st.session_state.get(slot) not in keys:
            st.session_state[slot] = default
    a, b = st.columns(2)
    first = a.selectbox("A (left)", keys, format_func=label, key="ab_a")
    second = b.selectbox("B (right)", keys, format_func=label, key="ab_b")
    a, b = st.columns([3, 1])
    split = a.slider("Wipe: where B starts (% of the width)", 0, 100, 50, key="wipe")
    flicker = b.toggle("Show B everywhere", key="flicker",
                       help="Flick this on and off to see what changes at the spot you zoomed in on.")
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
    m1, m2, m3 = st.columns(3)
    m1.metric("Largest |A − B| (grey levels)", f"{int(gap.max())}")
    m2.metric("Mean |A − B| (grey levels)", f"{gap.mean():.2f}")
    m3.metric("Pixels that differ", f"{np.any(gap > 0, axis=2).mean():.1%}")
    st.caption("Red: A is brighter; blue: B is brighter. Differences gather on edges and fine "
               "texture, where the methods disagree about detail finer than the new grid.")
    st.download_button(f"A: {label(first)} (PNG)", lambda: png_bytes(image_a),
                       f"{first}-{size[1]}x{size[0]}.png", "image/png", key="download_a")

# ------------------------------------------------------------------------------------------
st.header("4 · Spectra: aliasing is folded energy")
show_figure(lambda: figures.heatmap_grid_figure(
    [reference_spectrum] + [reports[k].spectrum for k in keys],
    [REFERENCE] + [METHODS[k].label for k in keys], cols=3, colorbar_title="log₁₀ |F|"),
    "spectra", setting)
st.markdown(
    "Each panel is the log magnitude spectrum of a result: zero frequency in the centre, the new "
    "grid's Nyquist limit at the edges. Detail finer than that limit cannot be shown as it is; a "
    "method that does not filter it out **folds** it back inside, where it lands on frequencies "
    "that were never there. Compare each panel with the reference: extra arcs, rings and bright "
    "spots are folded energy. On the zone plate the folded copies of its rings are unmistakable.")

# ------------------------------------------------------------------------------------------
st.header("5 · Same name, different result")
try:
    same = cached(same_name_agreement)(pixels, size)
except ScaleScopeError as error:
    st.error(str(error))
    same = None
if same is not None:
    names = [METHODS[k].label for k in same.keys]
    show_figure(lambda: difference_matrix_figure(
        same.max_difference, names, title="Largest difference between two “bilinear” results "
                                          "(grey levels of 255)"),
        "same-name", (digest, size))
    position = {k: i for i, k in enumerate(same.keys)}

    def gap_between(a: str, b: str) -> int:
        return int(same.max_difference[position[a], position[b]])

    st.markdown(
        "OpenCV, Pillow and PyTorch each call their method *bilinear*, yet on this image the "
        f"results differ by up to **{int(same.max_difference.max())} grey levels**. Two "
        "conventions explain almost all of it:")
    st.markdown(
        f"* **Antialiasing.** Pillow always widens its triangle kernel by the shrink factor, so "
        f"every input pixel under an output pixel counts; OpenCV and PyTorch (by default) read "
        f"only the 2×2 pixels around each sample point. OpenCV against Pillow: "
        f"{gap_between('opencv-linear', 'pillow-bilinear')} levels. PyTorch with "
        f"`antialias=True` uses Pillow's scheme (its 8-bit kernel was ported from Pillow): "
        f"{gap_between('pillow-bilinear', 'torch-bilinear-antialias')} level(s) from Pillow.\n"
        f"* **Pixel centres and rounding.** All four sample at pixel centres (`align_corners=False` "
        f"in PyTorch), so OpenCV and PyTorch without antialias land on the same points and differ "
        f"only by OpenCV's 11-bit fixed-point weights: "
        f"{gap_between('opencv-linear', 'torch-bilinear')} level(s). `align_corners=True` (the old "
        "default in PyTorch and TensorFlow 1) pins the corner pixels instead and shifts every "
        "sample in between: yet another image.")
    st.markdown(
        "It matters beyond looks. Parmar, Zhang and Zhu (*On Aliased Resizing and Surprising "
        "Subtleties in GAN Evaluation*, CVPR 2022) resized the FFHQ faces with the bicubic of "
        "OpenCV, PyTorch and TensorFlow and compared them with Pillow's antialiased bicubic: the "
        "FID between the *same* images resized two ways was 6 or more, as large as the gaps "
        "papers report between models; Pillow's own filters (Lanczos, bilinear, box) stayed "
        "below 0.75 of each other's. A network trained on one library's resize and deployed with "
        "another sees inputs it was not trained on.")

with st.expander("What each method does"):
    st.dataframe(pd.DataFrame({
        "method": [m.label for m in METHODS.values()], "library": [m.library for m in METHODS.values()],
        "convention": [m.note for m in METHODS.values()],
    }), hide_index=True)
    st.caption(f"The {len(BILINEARS)} “bilinear”s compared in section 5: "
               f"{', '.join(METHODS[k].label for k in BILINEARS)}.")
