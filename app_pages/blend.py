"""Pyramid blending: join two images so the seam disappears, band by band."""

import streamlit as st

from core.blend import MASKS, compare_blends, max_blend_levels
from core.blend.lesson import changed_fraction, mask_previews, match_size, seam_widths, seam_window
from core.errors import ImageLoadError
from core.images import ACCEPTED_EXTENSIONS, decode_image
from core.samples import SAMPLES, get_sample
from ui import blend_snippets, figures
from ui.cache import cached
from ui.imaging import png_bytes
from ui.present import Lesson
from ui.snippets import snippet
from ui.text import literal
from ui.widgets import current_image, show_figure, url_choice, url_float, url_int

MASK_LABELS = {"left-right": "Left | right", "top-bottom": "Top / bottom", "circle": "Circle"}
ASK = [  # what a teacher asks the class before revealing each section
    "Cut two photos in half and glue them: why does the seam jump out? Would blurring the cut fix it?",
    "How could we measure how visible a seam is, with one number per picture?",
    "Fine detail wants a narrow seam, broad colour a wide one. How can one blend give each what it wants?",
]

image = current_image()
height, width = image.pixels.shape[:2]


st.title("🌗 Pyramid blending")
lesson = Lesson(["Hard cut, feathered alpha, pyramid blend", "The seam, up close",
                 "How the mask is spread per octave"])
lesson.intro(
    "Cut two photos along a line and the seam jumps out. Blur the cut (feathering) and fine detail "
    "ghosts where both overlap. **Laplacian-pyramid blending** (Burt & Adelson, 1983) joins each "
    "octave's band separately: fine detail over a narrow seam, broad colour over a wide one.")

if min(height, width) < 4:
    st.warning("This image is too small to blend: pick one at least 4 pixels on each side.")
    st.stop()


left, right = st.columns(2)
others = [name for name in SAMPLES if name != image.key]
partner = left.selectbox("Image B (image A is the one picked in the sidebar)", others,
                         index=others.index(url_choice("b", "coffee" if "coffee" in others else others[0], others)),
                         format_func=lambda n: SAMPLES[n].title, key="partner")
upload = right.file_uploader("…or upload image B", type=list(ACCEPTED_EXTENSIONS), key="partner_upload")
b_pixels, b_name = get_sample(partner).load(), partner
if upload is not None:
    try:
        b_pixels, b_name = decode_image(upload.getvalue()).pixels, None
    except ImageLoadError as error:
        right.error(f"“{literal(upload.name)}” was not loaded. {error} "
                    f"Image B stays “{SAMPLES[partner].title}”.")
b = cached(match_size)(b_pixels, (height, width))

c1, c2 = st.columns(2)
kind = c1.radio("Mask", list(MASKS), format_func=MASK_LABELS.get, key="mask", horizontal=True,
                index=list(MASKS).index(url_choice("mask", "left-right", list(MASKS))))
deepest = max_blend_levels(height, width)
levels = c2.slider("Pyramid levels", 1, deepest, url_int("levels", min(6, deepest), 1, deepest), key="levels",
                   help="More levels blend the coarse colour over a wider seam.")
with lesson.more():
    c1, c2 = st.columns(2)
    feather = c1.slider("Feather width for the alpha blend (px)", 1, 128, url_int("feather", 24, 1, 128),
                        key="feather")
    radius = c2.slider("Circle radius (× shorter side)", 0.1, 0.5, url_float("radius", 0.3, 0.1, 0.5), 0.05,
                       key="radius", disabled=kind != "circle")
st.query_params.update(mask=kind, levels=str(levels), b=partner, feather=str(feather), radius=f"{radius:g}")

with st.spinner("Blending…"):
    result = cached(compare_blends)(image.pixels, b, kind, levels, feather=float(feather), radius=float(radius))
titles = ["hard cut", f"feathered alpha ({feather} px)", f"Laplacian pyramid ({levels} levels)"]
b_args = (b_name, b_pixels.shape, (height, width), kind)

# ------------------------------------------------------------------------------------------
if lesson.section(0, ask=ASK[0]):
    show_figure(lambda: cached(figures.image_grid_figure)([result.hard, result.feathered, result.pyramid], titles,
                                                          cols=3, match_axes=True), "blends")
    st.caption("Zoom into any panel (drag a box): the other two follow, so the seams can be compared.")
    feathered, pyramid = (cached(changed_fraction)(result.hard, x) for x in (result.feathered, result.pyramid))
    lesson.notice(f"Against the hard cut, the {feather}-px feather changes {feathered:.1%} of the pixels and the "
                  f"{levels}-level pyramid blend {pyramid:.1%} (by more than 4 grey levels): the pyramid reaches "
                  f"{'further' if pyramid > feathered else 'less far'} from the seam, yet only with broad colour.")
    lesson.reproduce(snippet(image, blend_snippets.pyramid_blend(*b_args[:3], kind, levels, radius)),
                     result=result.pyramid / 255, tolerance=1 / 255)

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    crop = seam_window(kind, height, width, radius)
    show_figure(lambda: cached(figures.image_grid_figure)(
        [result.hard[crop], result.feathered[crop], result.pyramid[crop]], titles, cols=3, match_axes=True,
        max_side=256), "seams")
    st.caption("Seam roughness: the mean squared gradient within 3 px of the seam, ×1000. A visible "
               "seam is a jump there, so the hard cut scores far above either image alone.")
    rough = {name: value * 1e3 for name, value in result.roughness.items()}
    for row in (list(rough)[:3], list(rough)[3:]):
        for column, name in zip(st.columns(3), row):
            column.metric(name, f"{rough[name]:.2f}")
    st.markdown(
        "The hard cut adds a jump at the seam. Feathering removes the jump but, over its width, shows "
        "both images at half strength — ghosting. The pyramid blend keeps the seam as rough as the "
        "images themselves are, and no wider than each band needs.")
    lesson.notice(f"At the seam the hard cut scores {rough['hard cut']:.2f}, the pyramid blend "
                  f"{rough['Laplacian pyramid']:.2f} and the feather {rough['feathered alpha']:.2f}, against "
                  f"{rough['image A alone']:.2f} and {rough['image B alone']:.2f} for the images alone: "
                  f"only the hard cut is far rougher than the photos themselves.")
    lesson.reproduce(snippet(image, blend_snippets.roughness(*b_args, radius)),
                     result=(rough["hard cut"], rough["image A alone"], rough["image B alone"]), tolerance=1e-4)

# ------------------------------------------------------------------------------------------
if lesson.section(2, ask=ASK[2]):
    st.caption("Light: the weight of image A (1); dark: image B (0).")
    widths = cached(seam_widths)(result.mask_levels)
    show_figure(lambda: cached(figures.image_grid_figure)(
        mask_previews(result.mask_levels),
        [f"octave {i}: {m.shape[1]}×{m.shape[0]}, seam ≈ {w:.0f} px" for i, (m, w) in
         enumerate(zip(result.mask_levels, widths))],
        cols=min(4, len(result.mask_levels))), "mask-pyramid")
    st.markdown(
        f"Each Laplacian band is weighted by the Gaussian pyramid of the hard mask: at octave *i* the "
        f"edge is blurred over about 2^i pixels of the original. Collapsing the bands is exact — "
        f"rebuilding image A from its own pyramid is off by at most **{result.reconstruction_error:.1e}** "
        f"(float32), so every difference you see comes from the blend, not from the pyramid.")
    lesson.notice(f"At octave 0 the weight jumps from A to B in one pixel; by octave {len(widths) - 1} the zone "
                  f"that mixes both is about {widths[-1]:.0f} px of the original wide, so the coarsest colour "
                  "is joined over the widest seam.")
    lesson.reproduce(snippet(image, blend_snippets.seam_widths(kind, levels, radius)), result=widths,
                     tolerance=1e-9)

if not lesson.present:
    st.download_button("Pyramid blend (PNG)", lambda: png_bytes(result.pyramid), "pyramid-blend.png", "image/png")
