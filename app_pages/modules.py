"""SPP, pyramid pooling and ASPP: what each branch of a pyramid module looks at."""

import streamlit as st

from core.errors import ScaleScopeError
from core.models import CLASSES, load_model_or_untrained, model_card
from core.modules import ASPP_RATES, trained
from core.modules import lesson as built
from core.modules.features import EXTRACTORS, STRIDES
from core.modules.maps import branch_views, most_responsive, pyramid_pooling_views
from core.modules.unit_erf import CLASSIFIER, trained_unit_fields_by_name, untrained_unit_fields_by_name
from ui import figures, modules_figures
from ui import modules_snippets as snippets
from ui.cache import cached
from ui.modules_weights import uploaded_weights
from ui.present import Lesson
from ui.snippets import snippet
from ui.widgets import current_image, show_figure, url_choice

EXTRACTOR_LABELS = {"filter-bank": "Hand-built filter bank (edges, corners, blobs)",
                    "random-cnn": "Small CNN, seeded random weights",
                    "trained-cnn": "Small CNN trained on the synthetic shapes task",
                    "uploaded": "Small CNN with your weights (safetensors)"}
ASK = [  # what a teacher asks the class before revealing each section
    "Five branches read the same trunk. If we switch one off, which shapes will the network lose first?",
    "Which branch would you expect small shapes to need most, and which the largest ones?",
    "The rate-9 branch's taps are 72 px apart. Does a trained unit really look that far, or only in theory?",
    "How can a network with a fully connected layer accept images of any size?",
    "What does a 1×1 bin know about a pixel that a 6×6 bin does not?",
    "Three 3×3 filters with holes of different sizes: do they see three different things?",
    "Near the border of the map, where do the outer taps of a large rate land?",
    "What happens to a 3×3 atrous filter once its rate is as large as the map?",
    "Three rate-2 convolutions in a row: which pixels of their field do they never read?",
]
HOW = "Each map is scaled to its own range and shown through its channel of largest spread (max − min)."

image = current_image()
height, width = image.pixels.shape[:2]

st.title("🧩 SPP · pyramid pooling · ASPP")
lesson = Lesson(["A trained segmenter: what each branch does", "Which branch matters for which size",
                 "Where a trained unit looks: effective receptive fields", "SPP: a fixed-length vector from any size",
                 "Pyramid pooling: pool, upsample, stack", "ASPP: parallel atrous convolutions",
                 "Where each atrous branch looks: taps in the padding", "When the rate approaches the map size",
                 "Gridding: stacking dilated convolutions"])
lesson.intro(
    "CNNs borrowed the image pyramid: pool one feature map at several scales and keep them all. "
    "**SPP** max-pools into 4×4, 2×2 and 1×1 bins and concatenates them into a vector whose length "
    "does not depend on the image size. **PSPNet** pools the same way, upsamples each result "
    "bilinearly and stacks it with the map. **ASPP** uses no pooling at all: parallel 3×3 "
    "convolutions with holes (atrous, dilated) look at several distances at once.")


def shows(*sections: int) -> bool:
    """Whether any of these sections (from 0) runs now: shared controls are drawn only for them."""
    return not lesson.present or lesson.step - 1 in sections


def aspp_stride() -> int:
    """The DeepLab output stride chosen in the ASPP section (kept in the URL); its rates are ASPP_RATES[...]."""
    return int(url_choice("aspp_os", "16", [str(s) for s in ASPP_RATES]))


if shows(0, 1, 2):
    names = list(trained.SEGMENTERS)
    segmenter = st.radio("Trained network", names, horizontal=True, key="segmenter",
                         index=names.index(url_choice("segmenter", names[0], names)),
                         format_func={"segmenter-aspp": "ASPP head (DeepLabv3)",
                                      "segmenter-psp": "Pyramid pooling head (PSPNet)"}.get)
    st.query_params["segmenter"] = segmenter
    model, is_trained, load_message = load_model_or_untrained(segmenter)   # loaded once per process
    if not is_trained:
        st.warning(f"**Untrained.** {load_message}")
    seen = cached(trained.segmenter_input)(image.pixels)   # at most SEGMENTER_SIDE px: what it learned on
    shrunk = None if seen.shape == image.pixels.shape else (seen.shape[1], seen.shape[0])
    st.caption(("Trained" if is_trained else "UNTRAINED (initial weights)") + f" {segmenter}: a five-layer trunk at "
               "output stride 8 with batch norm after every convolution, then the head."
               + (f" It sees this image shrunk to {shrunk[0]}×{shrunk[1]} px, near the 256-px scenes it learned on."
                  if shrunk else ""))

# ------------------------------------------------------------------------------------------
@lesson.live_section(0, ask=ASK[0])
def trained_segmenter() -> None:
    dropped = tuple(st.multiselect("Drop branches (live ablation)", list(model.branches), default=[], key="drop",
                                   help="The dropped branches' outputs are replaced by zeros before the projection."))
    full_pred, ablated_pred, changed = cached(trained.ablate_by_name)(segmenter, seen, dropped)
    panels = [("prediction, every branch", full_pred)]
    if dropped:
        panels.append((f"without {', '.join(dropped)}", ablated_pred))
    show_figure(lambda: cached(modules_figures.segmentation_figure)(seen, panels, list(CLASSES)),
                "segmentation")
    branch_maps = cached(trained.branch_maps_by_name)(segmenter, seen)
    show_figure(lambda: cached(figures.heatmap_grid_figure)(
        [m.scaled for m in branch_maps.values()], [m.title(n) for n, m in branch_maps.items()], cols=4,
        colorbar_title="activation (own range)", max_side=300), "trained-branches")
    st.caption(f"{HOW} A pooled branch of one bin (image pooling, bin 1) gives one value per channel, spread "
               "over the map, so its map is constant by construction.")
    shares = trained.class_shares(full_pred, len(CLASSES))
    shape = 1 + int(shares[1:].argmax())
    text = (f"The network calls {shares[0]:.0%} of this image background; its most frequent shape is "
            f"“{CLASSES[shape]}” ({shares[shape]:.1%} of the pixels).")
    if dropped:
        text += f" Dropping {', '.join(dropped)} changes the class of **{changed:.1%}** of the pixels."
    lesson.notice(text)
    lesson.reproduce(snippet(image, snippets.segmentation(segmenter, is_trained, dropped, shrunk)),
                     result=changed if dropped else shares, tolerance=1e-3)

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    try:
        card = model_card(segmenter) if is_trained else {}
    except (OSError, ScaleScopeError):
        card = {}
    bins_, rows_ = trained.ablation_rows(card)
    worst = trained.largest_loss(card)
    if rows_ and worst:
        st.dataframe([{"head": "full" if n == "full" else f"without {n}",
                       **{b: (None if v.get(b) is None else round(v[b], 3)) for b in bins_}}
                      for n, v in rows_.items()], hide_index=True)
        show_figure(lambda: cached(modules_figures.ablation_figure)(bins_, rows_), "ablation")
        st.markdown(trained.ablation_sentence(card) + " (IoU of the objects in each size bin, card's test scenes.)")
        lesson.notice(f"The costliest branch to lose is {worst[0]}: objects of {worst[1]} px lose "
                      f"{-worst[2]:.3f} IoU without it, measured on the card's test scenes.")
        lesson.reproduce(snippets.largest_loss(segmenter), result=worst[2], tolerance=1e-9)
    else:
        st.info("No ablation table: the model card is missing (the network is untrained or its card was not found).")
        lesson.notice("Without a model card there is no measured ablation to read: train the network first.")

# ------------------------------------------------------------------------------------------
@lesson.live_section(2, ask=ASK[2])
def effective_fields_of_trained_units() -> None:
    st.markdown("The gradient of one unit with respect to the input image (Luo et al. 2016): how strongly each "
                "pixel moves it, trained (top row) and at the initial weights (bottom), on this image. The spread "
                "is the RMS distance of that gradient from its centre, in pixels.")
    with lesson.more():
        a, b = st.columns(2)
        at_row = a.slider("Unit height (share of the map)", 0.0, 1.0, 0.5, 0.05, key="erf_unit_row")
        at_col = b.slider("Unit width (share of the map)", 0.0, 1.0, 0.5, 0.05, key="erf_unit_col")
    with st.spinner("Back-propagating from each branch's unit…"):
        fields = cached(trained_unit_fields_by_name)(segmenter, seen, (at_row, at_col))
        initial = cached(untrained_unit_fields_by_name)(segmenter, seen, (at_row, at_col))
    unit = next(iter(fields.values())).unit
    show_figure(lambda: cached(modules_figures.unit_fields_figure)(fields, initial), "trained-erf")
    branches = {name: f for name, f in fields.items() if name != CLASSIFIER}
    narrow, wide = min(branches, key=lambda n: branches[n].spread), max(branches, key=lambda n: branches[n].spread)
    every = ", ".join(f"{n} {f.spread:.0f}" for n, f in branches.items())
    lesson.notice(f"At unit {unit} the trained {narrow} branch looks {branches[narrow].spread:.0f} px around it "
                  f"and {wide} {branches[wide].spread:.0f} px; the classifier, which mixes them all, "
                  f"{fields[CLASSIFIER].spread:.0f} px, untrained {initial[CLASSIFIER].spread:.0f} px "
                  f"(spreads: {every}).")
    lesson.reproduce(snippet(image, snippets.unit_fields(
        segmenter, is_trained, unit, tuple(n for n, f in branches.items() if f.before_relu), shrunk)),
        result=[f.spread for f in branches.values()], tolerance=1e-2)

# ------------------------------------------------------------------------------------------
if shows(3, 4, 5, 6, 7):
    st.subheader("Hand-built modules on chosen features")
    st.caption("The modules below have seeded random weights and no batch norm; their ASPP has 16 filters per "
               "branch where DeepLabv3 has 256.")
    c1, c2 = st.columns([3, 1])
    extractor = c1.selectbox("Features to pool", EXTRACTORS, format_func=EXTRACTOR_LABELS.get, key="extractor",
                             index=EXTRACTORS.index(url_choice("features", "filter-bank", list(EXTRACTORS))))
    stride = c2.select_slider("Output stride", STRIDES, key="stride",
                              value=int(url_choice("stride", "8", [str(s) for s in STRIDES])),
                              help="How many input pixels one feature unit steps (the extractor's jump).")
    st.query_params.update(features=extractor, stride=str(stride))
    weights = uploaded_weights(stride) if extractor == "uploaded" else None
    try:
        with st.spinner("Extracting features…"):
            features, _ = cached(built.extract)(image.pixels, extractor, stride, weights=weights)
    except ScaleScopeError as error:
        st.warning(str(error))
        features = None
    if features is None:
        st.info("The sections on hand-built modules need features: pick another extractor or upload weights.")
    else:
        channels, feature_h, feature_w = features.shape
        geometry = built.feature_geometry(extractor, stride)
        st.caption(f"Feature map: {channels} channels × {feature_h}×{feature_w} units; one unit steps "
                   f"{geometry.jump:g} px and sees {geometry.size:g} px of the image.")
hand_built = shows(3, 4, 5, 6, 7) and features is not None

# ------------------------------------------------------------------------------------------
@lesson.live_section(3, ask=ASK[3], when=hand_built)
def spp() -> None:
    bins = tuple(sorted(st.multiselect("Bins per side", [1, 2, 3, 4, 6, 8], default=[4, 2, 1], key="spp_bins"),
                        reverse=True)) or (4, 2, 1)
    with lesson.more():
        b, c = st.columns(2)
        mode = b.radio("Pooling", ["max", "avg"], horizontal=True, key="spp_mode")
        convention = c.radio("Bin convention", ["adaptive", "he"], horizontal=True, key="spp_convention",
                             format_func={"adaptive": "PyTorch adaptive",
                                          "he": "He et al.: ⌈a/n⌉ window, ⌊a/n⌋ stride"}.get)
    run = cached(built.run_head)("spp", features, bins=bins, mode=mode, convention=convention, rates=(),
                           image_pooling=False)
    levels = cached(built.spp_levels)((feature_h, feature_w), bins, convention, geometry, (height, width))
    show_figure(lambda: cached(modules_figures.spp_bins_figure)(image.pixels, levels), "spp-bins")
    show_figure(lambda: cached(modules_figures.spp_vector_figure)(run.output, [f"{n}×{n}" for n in bins],
                                                  [channels * n * n for n in bins]), "spp-vector")
    st.markdown(f"{channels} channels × ({' + '.join(f'{n}²' for n in bins)}) = **{len(run.output)}** "
                "numbers, whatever the size of the image:")
    rows = cached(built.spp_lengths)(image.pixels, extractor, stride, bins, mode, convention, weights=weights)
    st.dataframe(rows, hide_index=True)
    st.caption("He et al. size each level's window ⌈a/n⌉ and stride ⌊a/n⌋. For some sizes the n "
               "windows stop short and the last rows are never pooled (a = 10, n = 6: rows 7–9) — shaded "
               "above when it happens. PyTorch's adaptive pooling spreads the bins so every row counts.")
    sized = [r for r in rows if r["vector length"] is not None]
    lesson.notice(f"Inputs of {' and '.join(str(r['input (px)']) for r in sized)} px all give "
                  f"{len(run.output)} numbers: the bins shrink with the map, the vector does not.")
    lesson.reproduce(snippet(image, snippets.spp(extractor, stride, bins, mode, convention)), result=run.output,
                     tolerance=1e-5)

# ------------------------------------------------------------------------------------------
@lesson.live_section(4, ask=ASK[4], when=hand_built)
def pyramid_pooling() -> None:
    bins = tuple(sorted(st.multiselect("Bins per side", [1, 2, 3, 4, 6, 8], default=[1, 2, 3, 6], key="psp_bins")))
    bins = bins or (1, 2, 3, 6)
    if channels % len(bins):
        st.warning(f"{channels} channels cannot be shared evenly by {len(bins)} branches; pick "
                   f"{', '.join(str(n) for n in range(1, 9) if channels % n == 0)} bin sizes.")
        lesson.notice(f"PSPNet gives each of the N branches C / N channels: {channels} / {len(bins)} is not whole.")
    else:
        run = cached(built.run_head)("pyramid-pooling", features, bins=bins, mode="avg", convention="adaptive",
                               rates=(), image_pooling=False)
        views = pyramid_pooling_views(run.output, run.branches, channels)
        show_figure(lambda: cached(figures.heatmap_grid_figure)(
            [v[1].scaled for v in views] + [v[2].scaled for v in views],
            [v[1].title(f"{v[0]} pooled") for v in views]
            + [v[2].title(f"{v[0]} upsampled to {feature_w}×{feature_h}") for v in views],
            cols=len(bins), colorbar_title="activation (own range)", max_side=400), "psp-branches")
        st.caption(HOW)
        st.markdown(f"Output: the {channels} input channels plus {len(bins)} × {channels // len(bins)} pooled "
                    f"ones = **{run.output.shape[0]} channels** at {feature_w}×{feature_h} — twice the input, "
                    "as in PSPNet.")
        flat = [v[0] for v in views if v[2].constant]
        lesson.notice(f"{run.output.shape[0]} channels out of {channels}: the map is kept and each branch adds its "
                      "context. " + (f"{', '.join(flat)} is one value everywhere: the whole image's context. "
                                     if flat else "") + f"The {max(bins)}×{max(bins)} bins vary across the map.")
        lesson.reproduce(snippet(image, snippets.pyramid_pooling(extractor, stride, bins)),
                         result=tuple(run.output.shape))

# ------------------------------------------------------------------------------------------
if lesson.section(5, ask=ASK[5]) and hand_built:
    a, b = st.columns(2)
    output_stride = a.radio("DeepLab output stride", list(ASPP_RATES), horizontal=True, key="aspp_os",
                            index=list(ASPP_RATES).index(aspp_stride()),
                            help="Output stride 16 uses rates 6, 12, 18; output stride 8 doubles them.")
    st.query_params["aspp_os"] = str(output_stride)
    with lesson.more():
        pooling = b.checkbox("Image-pooling branch", value=True, key="aspp_pool")
    rates = ASPP_RATES[output_stride]
    run = cached(built.run_head)("aspp", features, bins=(), mode="max", convention="adaptive", rates=rates,
                           image_pooling=pooling)
    views = {**branch_views(run.branches), "projected output": most_responsive(run.output)}
    show_figure(lambda: cached(figures.heatmap_grid_figure)(
        [v.scaled for v in views.values()], [v.title(n) for n, v in views.items()], cols=3,
        colorbar_title="activation (own range)", max_side=400), "aspp-branches")
    st.caption(HOW)
    flat = [n for n, v in views.items() if v.constant]
    lesson.notice(f"Same features, {len(run.branches)} branches: " + ", ".join(
        f"{n} spreads {v.spread:.2f}" for n, v in views.items() if not v.constant) + "."
        + (f" {', '.join(flat)} is constant: one value for the whole map." if flat else ""))
    lesson.reproduce(snippet(image, snippets.aspp_spreads(extractor, stride, rates, pooling)),
                     result=[v.spread for v in views.values()], tolerance=1e-4)

# ------------------------------------------------------------------------------------------
@lesson.live_section(6, ask=ASK[6], when=hand_built)
def taps_in_the_padding() -> None:
    rates = ASPP_RATES[aspp_stride()]
    selection = ((st.session_state.get("figure-aspp-taps") or {}).get("selection") or {}).get("points") or []
    if selection and selection[-1].get("customdata") is not None:
        picked = tuple(int(v) for v in selection[-1]["customdata"])
        if picked != st.session_state.get("applied_unit"):
            st.session_state["applied_unit"] = picked
            st.session_state["unit_row"], st.session_state["unit_col"] = picked
    r1, r2 = st.columns(2)
    row = r1.slider("Unit row", 0, max(1, feature_h - 1), min(feature_h // 2, feature_h - 1), key="unit_row")
    col = r2.slider("Unit column", 0, max(1, feature_w - 1), min(feature_w // 2, feature_w - 1), key="unit_col")
    row, col = min(row, feature_h - 1), min(col, feature_w - 1)
    taps = built.aspp_taps((row, col), rates, (feature_h, feature_w), geometry)
    centre = (geometry.start + row * geometry.jump, geometry.start + col * geometry.jump)
    fields_ = built.aspp_fields(extractor, stride, rates)
    boxes = {name: (centre[0], centre[1], fov.size) for name, fov in fields_.items()}
    show_figure(lambda: cached(modules_figures.taps_units_figure)(
        image.pixels, taps, boxes, (feature_h, feature_w), geometry), "aspp-taps", select="points")
    st.caption("Click the image (or use the sliders) to move the unit. Each rate-r branch reads 9 "
               "units spread 2r + 1 units wide; dotted squares are each branch's theoretical receptive field.")
    invalid = {name: sum(not ok for *_, ok in points) for name, points in taps.items()}
    st.markdown("Taps that fall into the zero padding at this unit: " + ", ".join(
        f"{name}: **{count} of 9**" for name, count in invalid.items()) + ".")
    with lesson.more():
        erf_rate = st.select_slider("Effective receptive field of branch", [0, *rates], value=rates[0],
                                    key="erf_rate", format_func=lambda r: "1×1" if r == 0 else f"rate {r}")
    erf_size = (min(height, 768), min(width, 768))   # the gradient is taken on an input of the image's size
    try:
        with st.spinner("Back-propagating from the unit…"):
            erf, erf_unit = cached(built.branch_erf)(extractor, stride, erf_rate, erf_size, (row, col))
    except ScaleScopeError as error:
        st.warning(f"No effective receptive field for this image: {error}")
    else:
        show_figure(lambda: cached(figures.heatmap_grid_figure)(
            [erf], [f"gradient of unit {erf_unit} w.r.t. a {erf_size[1]}×{erf_size[0]} input"], cols=1,
            colorbar_title="|∂unit/∂pixel| (max 1)", max_side=400), "aspp-erf")
        st.caption("The effective receptive field (Luo et al. 2016) of this branch on a stack with the "
                   "extractor's geometry and random weights, averaged over a few random inputs: the dilated "
                   "taps show as separate islands. Section 3 shows it for the trained network.")
    lesson.notice(f"At unit ({row}, {col}) of the {feature_w}×{feature_h} map, " + ", ".join(
        f"{name} reads {count} of its 9 taps from padding" for name, count in invalid.items()) + ".")
    lesson.reproduce(snippet(image, snippets.padded_taps(stride, (row, col), rates)),
                     result=tuple(invalid.values()))

# ------------------------------------------------------------------------------------------
if lesson.section(7, ask=ASK[7]) and hand_built:
    rates = ASPP_RATES[aspp_stride()]
    axis, curves = cached(built.valid_tap_curves)((feature_h, feature_w))
    show_figure(lambda: cached(figures.lines_figure)(
        axis, curves, title="Valid taps of a 3×3 atrous kernel, averaged over the map", x_title="rate",
        y_title="valid taps (of 9)", y_range=(0, 9.5)), "aspp-valid-taps")
    st.markdown("With padding = rate, the taps of a large rate land in the padding for most units; "
                "once the rate reaches the map size only the centre tap reads the image and the 3×3 "
                "filter has become a 1×1. DeepLabv3 adds the image-pooling branch for exactly this reason.")
    this_map = next(iter(curves.values()))
    valid = tuple(float(this_map[r - 1]) if r <= len(this_map) else 1.0 for r in rates)
    lesson.notice(f"On this {feature_w}×{feature_h} map a unit's 3×3 kernel reads on average " + ", ".join(
        f"{v:.2f} of 9 taps at rate {r}" for r, v in zip(rates, valid)) + " — the rest is zero padding.")
    lesson.reproduce(snippet(image, snippets.valid_taps(stride, rates)), result=valid, tolerance=1e-6)

# ------------------------------------------------------------------------------------------
if lesson.section(8, ask=ASK[8]):
    stacks = {"rates 2, 2, 2": (2, 2, 2), "rates 1, 2, 5": (1, 2, 5)}
    maps_ = [cached(built.gridding)(rates_) for rates_ in stacks.values()]
    st.markdown(
        f"Three 3×3 convolutions that all use rate 2 only ever read every other row and every other column: "
        f"they reach **{maps_[0][1]:.0%}** of their {maps_[0][2]}-px square (a checkerboard would be 50%). "
        f"Hybrid rates such as 1, 2, 5 (Wang et al. 2018) reach **{maps_[1][1]:.0%}** of a larger, "
        f"{maps_[1][2]}-px field.")
    show_figure(lambda: cached(figures.heatmap_grid_figure)(
        [m[0] for m in maps_], [f"{name}: {m[1]:.0%} of the {m[2]}-px field reached" for name, m in zip(stacks, maps_)],
        cols=2, colorbar_title="paths (max 1)", max_side=300), "gridding")
    lesson.notice(f"Equal rates leave {1 - maps_[0][1]:.0%} of the field unread (gridding); rates 1, 2, 5 "
                  f"reach {maps_[1][1]:.0%} of a field {maps_[1][2]} px wide.")
    lesson.reproduce(snippets.gridding(tuple(stacks.values())), result=tuple(m[1] for m in maps_), tolerance=1e-9)
