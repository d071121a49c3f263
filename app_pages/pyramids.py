"""Image pyramids: octaves, Laplacian bands, what is lost and why the blur comes first."""

import pandas as pd
import streamlit as st

from core.images import to_uint8
from core.pyramids import max_levels
from core.pyramids.bands import band_luminance, band_rms
from core.pyramids.lesson import (
    aliasing_demo,
    build_octaves,
    down_up,
    expand_octaves,
    octave_spectra,
    octave_spectrum,
    opencv_agreement,
)
from ui import figures, pyramids_figures, pyramids_snippets
from ui.cache import cached
from ui.imaging import png_bytes, symmetric_limit, zip_of_pngs
from ui.present import Lesson
from ui.snippets import snippet
from ui.widgets import current_image, show_figure, url_choice, url_float, url_int

KERNEL_LABELS = {"binomial": "OpenCV's 5-tap binomial [1 4 6 4 1]/16", "gaussian": "Gaussian with σ"}
VIEWS = {"stacked": "Stacked as a pyramid", "native": "Side by side at native size",
         "full": "Each resized back to full size"}

ASK = [  # what a teacher asks the class before revealing each section
    "Each octave has a quarter of the pixels of the one below. How much more memory do all octaves "
    "together need than the image alone?",
    "If a band stores only what the next octave could not guess, what do you expect to see in the finest "
    "band of a photo?",
    "Shrink by half and enlarge again: where will the picture lose detail, and can any method bring it "
    "back?",
    "What happens to stripes finer than the smaller grid can hold if we drop rows without blurring first?",
    "Two programs claim to compute the same pyrDown. How close must their numbers be to call them the "
    "same?",
]


image = current_image()
height, width = image.pixels.shape[:2]
deepest = max_levels(height, width)

st.title("🔺 Image pyramids")
lesson = Lesson(['The Gaussian pyramid', 'The Laplacian pyramid: what each octave adds',
                 'Down, then up: one octave loses detail for good', 'Why the blur comes before dropping rows',
                 "OpenCV's pyrDown beside ours"])
lesson.intro(
    "An image pyramid is the same picture at a series of resolutions, each half the size of the "
    "one below: the **octaves**. Each octave is made by *blurring, then dropping every other row "
    "and column* (OpenCV's `pyrDown`). Pyramids make searches coarse-to-fine, let blending work "
    "band by band, and are the idea behind SPP, PSPNet and ASPP in CNNs.")


if st.session_state.get("levels", 0) > deepest:
    st.session_state["levels"] = deepest   # a smaller image was picked: fewer octaves exist
left, middle, right = st.columns([2, 2, 2])
if deepest > 1:
    levels = left.slider("Levels (octaves)", 1, deepest, url_int("levels", min(5, deepest), 1, deepest),
                         key="levels", help=f"This {width}×{height} image halves {deepest - 1} times "
                                            "before its shorter side reaches one pixel.")
else:
    levels = 1
    left.info(f"This {width}×{height} image is one pixel thin: it has a single octave.")
kernel = middle.radio("Blur kernel", list(KERNEL_LABELS), format_func=KERNEL_LABELS.get,
                      index=list(KERNEL_LABELS).index(url_choice("kernel", "binomial", list(KERNEL_LABELS))),
                      key="kernel")
sigma = right.slider("σ of the Gaussian (pixels)", 0.5, 3.0, url_float("sigma", 1.0, 0.5, 3.0), 0.1,
                     key="sigma", disabled=kernel != "gaussian",
                     help="Small σ blurs too little (aliasing survives); large σ blurs away detail "
                          "the smaller grid could still hold.")
st.query_params.update(levels=str(levels), kernel=kernel, sigma=f"{sigma:g}")
if kernel == "binomial":
    sigma = 1.0   # ignored by the binomial kernel; one value, so results are shared

with st.spinner("Building the octaves…"):
    octaves = cached(build_octaves)(image.pixels, levels, kernel, sigma)

# ------------------------------------------------------------------------------------------
@lesson.live_section(0, ask=ASK[0])
def gaussian_pyramid() -> None:
    view = st.segmented_control("Show the octaves", list(VIEWS), format_func=VIEWS.get,
                                default=url_choice("view", "stacked", list(VIEWS)), key="view") or "stacked"
    st.query_params["view"] = view
    if view == "stacked":
        show_figure(lambda: cached(pyramids_figures.stacked_pyramid_figure)(octaves.gaussian), "pyramid-stacked")
    elif view == "native":
        show_figure(lambda: cached(pyramids_figures.side_by_side_figure)(octaves.gaussian), "pyramid-native")
    else:
        titles = [f"octave {i} ({g.shape[1]}×{g.shape[0]}) → {width}×{height}"
                  for i, g in enumerate(octaves.gaussian)]
        with st.spinner("Resizing every octave back to full size…"):
            expanded = cached(expand_octaves)(image.pixels, levels, kernel, sigma)
        show_figure(lambda: cached(figures.image_grid_figure)(expanded, titles, cols=3, match_axes=True),
                    "pyramid-full-size")
        st.caption("Each octave brought back to full size with repeated `pyrUp`, as DeepDream and "
                   "pyramid blending use them. Zoom into one panel: all of them follow.")

    a, b, c = st.columns(3)
    a.metric("Pixels stored, all octaves ÷ the image", f"{octaves.storage:.5f}")
    b.metric(f"Exact halving, {levels} levels: (1 − 4⁻ᴸ) ÷ ¾", f"{octaves.storage_ideal:.5f}")
    c.metric("The source text's bound: 1 + 1/3", f"{4 / 3:.5f}")
    st.caption(
        "Each octave has a quarter of the pixels of the one below, so the whole pyramid costs at most "
        "one third more than the image. Odd sides round *up* (a side of 451 becomes 226), so a real "
        "image can land a hair above 4/3 once many levels are kept.")
    lesson.notice(f"{levels} octaves of this image take {octaves.storage:.3f}× its pixels, "
                  f"{'above' if octaves.storage > 4 / 3 else 'within'} the 4/3 bound.")
    lesson.reproduce(snippet(image, pyramids_snippets.storage(levels, kernel, sigma)), result=octaves.storage,
                     tolerance=1e-12)

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    st.markdown(
        "A Laplacian band is an octave minus the next, smaller octave brought back up: the detail "
        "that exists at that scale only. Bands are **signed** — red is brighter than the blurred "
        "guess, blue darker — and the last level is the small Gaussian that everything rests on.")
    bands = cached(band_luminance)(octaves.laplacian)
    limits = [symmetric_limit(band) for band in bands]
    if bands:
        titles = [f"band {i} ({band.shape[1]}×{band.shape[0]}), ±{lim:.3f}"
                  for i, (band, lim) in enumerate(zip(bands, limits))]
        show_figure(lambda: cached(figures.signed_bands_figure)(bands, titles, limits), "laplacian-bands")
    else:
        st.info("With one level there is no band yet: the pyramid is just the image. Add a level.")
    coarsest = to_uint8(octaves.laplacian[-1])
    col_image, col_text = st.columns([1, 2])
    with col_image:
        show_figure(lambda: cached(figures.image_figure)(
            coarsest, title=f"coarsest level {coarsest.shape[1]}×{coarsest.shape[0]}", height=260),
            "laplacian-coarsest")
    with col_text:
        st.metric("Reconstruction: max |collapse(bands) − image|", f"{octaves.reconstruction_error:.1e}",
                  help="On the 0–1 scale. float32 keeps about 7 digits, so ~1e-7 means exact.")
        st.markdown(
            "Collapsing the pyramid — start from the coarsest level, `pyrUp`, add the band, repeat — "
            "gives the image back **exactly**, because each band stores precisely what `pyrUp` "
            "could not guess. (Subtracting in 8-bit integers, as some tutorials do, clips the "
            "negative half of every band and loses this.)")
    lesson.notice(f"Collapsing the {levels} levels gives the image back to within "
                  f"{octaves.reconstruction_error:.0e}: the bands lose nothing.")
    lesson.reproduce(snippet(image, pyramids_snippets.bands(levels, kernel, sigma)),
                     result=(*limits, octaves.reconstruction_error), tolerance=1e-6)

# ------------------------------------------------------------------------------------------
if lesson.section(2, ask=ASK[2]):
    loss = cached(down_up)(image.pixels, kernel, sigma)
    show_figure(lambda: cached(figures.image_grid_figure)(
        [image.pixels, loss.restored],
        ["original", f"pyrDown then pyrUp ({width}×{height} → "
                     f"{(width + 1) // 2}×{(height + 1) // 2} → {width}×{height})"],
        cols=2, match_axes=True, max_side=1024), "down-up")
    show_figure(lambda: cached(figures.heatmap_grid_figure)(
        [loss.error], ["|original − restored|, largest of R, G, B (grey levels)"], cols=1,
        colorbar_title="grey levels",
        max_side=1024), "down-up-error")
    a, b = st.columns(2)
    a.metric("Largest difference (grey levels of 255)", f"{loss.max_error:.0f}")
    b.metric("PSNR of the restored image", f"{loss.psnr:.1f} dB")
    st.caption("`pyrUp` inserts zero rows and columns and blurs them in: it can only interpolate. "
               "The error sits on edges and fine texture — exactly the first Laplacian band.")
    lesson.notice(f"One octave down and up loses up to {loss.max_error:.0f} grey levels "
                  f"(PSNR {loss.psnr:.1f} dB), on edges and texture: pyrUp can only interpolate.")
    lesson.reproduce(snippet(image, pyramids_snippets.down_up(kernel, sigma)), result=(loss.max_error, loss.psnr),
                     tolerance=1e-9)

# ------------------------------------------------------------------------------------------
@lesson.live_section(3, ask=ASK[3])
def blur_before_dropping_rows() -> None:
    spectra = octave_spectra(octaves.gaussian, spectrum=cached(octave_spectrum))   # one level computed per new level
    if spectra.power:
        show_figure(lambda: cached(pyramids_figures.radial_spectra_figure)(
            spectra.frequencies, spectra.power, [f"octave {i}" for i in range(len(spectra.power))]),
            "octave-spectra")
    st.markdown(
        "A grid with half the pixels can only hold frequencies up to half as high (its Nyquist "
        "limit, dotted). Each octave's spectrum stops at its limit: the blur removed what lay beyond "
        "*before* rows were dropped. Skip the blur and that energy does not vanish — it **folds back** "
        "as false, coarser patterns (aliasing). Compare both ways:")
    steps = st.slider("Octaves down", 1, 3, url_int("alias", 2, 1, 3), key="alias_steps")
    st.query_params["alias"] = str(steps)
    demo = cached(aliasing_demo)(image.pixels, steps)
    show_figure(lambda: cached(figures.image_grid_figure)(
        [demo.naive, demo.blurred], [f"rows dropped {steps}× without blur", f"pyrDown {steps}×"],
        cols=2, match_axes=True), "aliasing-images")
    show_figure(lambda: cached(figures.heatmap_grid_figure)(
        [demo.naive_spectrum, demo.blurred_spectrum],
        ["spectrum without blur (log₁₀ magnitude)", "spectrum with pyrDown"], cols=2,
        colorbar_title="log₁₀ |F|"), "aliasing-spectra")
    st.caption(f"{demo.source_high_fraction:.1%} of this image's energy lies above the smaller grid's "
               "Nyquist limit. Without the blur, all of it is folded into the spectrum on the left. "
               "Try the zone plate or the stripes sample.")
    lesson.notice(f"{demo.source_high_fraction:.1%} of the energy is too fine for the smaller grid: "
                  "without the blur it folds back as false patterns.")
    lesson.reproduce(snippet(image, pyramids_snippets.high_fraction(steps)), result=demo.source_high_fraction,
                     tolerance=1e-6)

# ------------------------------------------------------------------------------------------
if lesson.section(4, ask=ASK[4]):
    agreement = cached(opencv_agreement)(image.pixels)
    show_figure(lambda: cached(figures.image_grid_figure)(
        [to_uint8(agreement.ours / 255), to_uint8(agreement.theirs / 255)],
        ["ScaleScope's torch pyr_down", "cv2.pyrDown"], cols=2, match_axes=True),
        "opencv-comparison")
    st.metric("max |ours − OpenCV| (grey levels, float32)", f"{agreement.max_difference:.2e}")
    st.caption(
        "ScaleScope's own torch implementation (the one that runs on a GPU and carries gradients) "
        "uses OpenCV's conventions: the 5-tap binomial kernel, reflect-101 borders and sizes that "
        "round up. kornia rounds odd sides down (451 → 225) and resamples at half-pixel offsets; "
        "scikit-image's `pyramid_reduce` rounds up like OpenCV (451 → 226) but blurs with its own "
        "Gaussian and resamples differently. Either way their levels differ from OpenCV's by many "
        "grey levels.")
    lesson.notice(f"Ours and OpenCV's differ by at most {agreement.max_difference:.1e} grey levels: "
                  "the same operation, up to float rounding.")
    lesson.reproduce(snippet(image, pyramids_snippets.opencv_difference()), result=agreement.max_difference,
                     tolerance=1e-4)

# ------------------------------------------------------------------------------------------
if not lesson.present:
    st.header("Downloads")
    table = pd.DataFrame({
        "octave": range(levels),
        "width": [g.shape[1] for g in octaves.gaussian],
        "height": [g.shape[0] for g in octaves.gaussian],
        "pixels": [g.shape[0] * g.shape[1] for g in octaves.gaussian],
        "laplacian_band_rms": band_rms(octaves.laplacian),
    })
    a, b, c = st.columns(3)
    # Files are encoded only when a button is pressed, not on every rerun.
    a.download_button("Octaves (zip of PNGs)",
                      lambda: zip_of_pngs({f"octave-{i}": g for i, g in enumerate(octaves.gaussian)}),
                      "octaves.zip", "application/zip")
    b.download_button("Numbers (CSV)", table.to_csv(index=False), "pyramid.csv", "text/csv")
    c.download_button("Restored image (PNG)",
                      lambda: png_bytes(cached(down_up)(image.pixels, kernel, sigma).restored),
                      "down-up.png", "image/png")
    st.caption("Every chart has its own PNG download: the camera icon in its toolbar.")
