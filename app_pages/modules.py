"""SPP, pyramid pooling and ASPP: what each branch of a pyramid module looks at."""

import numpy as np
import streamlit as st

from core.errors import InvalidParameterError, ScaleScopeError
from core.models import CLASSES, load_model_or_untrained, model_card, validate_state_dict
from core.modules import ASPP_RATES, valid_tap_fraction, valid_taps
from core.modules.features import EXTRACTORS, STRIDES, small_cnn
from core.modules.lesson import (
    aspp_fields,
    aspp_taps,
    branch_erf,
    extract,
    feature_geometry,
    gridding,
    run_head,
    spp_grid,
    spp_lengths,
)
from core.modules.trained import SEGMENTERS, ablate_by_name, ablation_rows, ablation_sentence, branch_maps_by_name
from ui import figures
from ui.cache import cached
from ui.modules_figures import (
    ablation_figure,
    segmentation_figure,
    spp_bins_figure,
    spp_vector_figure,
    taps_units_figure,
)
from ui.text import literal
from ui.uploads import read_upload
from ui.widgets import current_image, show_figure, url_choice

MODULES = {"spp": "SPP (He et al.)", "pyramid-pooling": "Pyramid pooling (PSPNet)", "aspp": "ASPP (DeepLabv3)"}
EXTRACTOR_LABELS = {"filter-bank": "Hand-built filter bank (edges, corners, blobs)",
                    "random-cnn": "Small CNN, seeded random weights",
                    "trained-cnn": "Small CNN trained on the synthetic shapes task",
                    "uploaded": "Small CNN with your weights (safetensors)"}

image = current_image()
height, width = image.pixels.shape[:2]


st.title("🧩 SPP · pyramid pooling · ASPP")
st.markdown(
    "CNNs borrowed the image pyramid: pool one feature map at several scales and keep them all. "
    "**SPP** max-pools into 4×4, 2×2 and 1×1 bins and concatenates them into a vector whose length "
    "does not depend on the image size. **PSPNet** pools the same way, upsamples each result "
    "bilinearly and stacks it with the map. **ASPP** uses no pooling at all: parallel 3×3 "
    "convolutions with holes (atrous, dilated) look at several distances at once, with 'same' "
    "padding so every branch keeps the map's size.")

st.header("A trained segmenter: what each branch does")
segmenter = st.radio("Trained network", SEGMENTERS, horizontal=True, key="segmenter",
                     index=SEGMENTERS.index(url_choice("segmenter", SEGMENTERS[0], list(SEGMENTERS))),
                     format_func={"segmenter-aspp": "ASPP head (DeepLabv3)",
                                   "segmenter-psp": "Pyramid pooling head (PSPNet)"}.get)
model, trained, load_message = load_model_or_untrained(segmenter)   # loaded once per process
if not trained:
    st.warning(f"**Untrained.** {load_message}")
st.caption(("Trained" if trained else "UNTRAINED (initial weights)") + f" {segmenter}: a five-layer trunk at output "
           "stride 8 with batch norm after every convolution, then the head. The hand-built modules further down "
           "have no batch norm, and their ASPP has 16 filters per branch where DeepLabv3 has 256.")
names_all = list(model.branches)
dropped = tuple(st.multiselect("Drop branches (live ablation)", names_all, default=[], key="drop",
                               help="The dropped branches' outputs are replaced by zeros before the projection."))
full_pred, ablated_pred, changed = cached(ablate_by_name)(segmenter, image.pixels, dropped)
panels = [("prediction, every branch", full_pred)]
if dropped:
    panels.append((f"without {', '.join(dropped)}", ablated_pred))
show_figure(lambda: segmentation_figure(image.pixels, panels, list(CLASSES)), "segmentation",
            (image.digest, segmenter, trained, dropped))
if dropped:
    st.markdown(f"Dropping {', '.join(dropped)} changes the class of **{changed:.1%}** of this image's pixels.")
maps = cached(branch_maps_by_name)(segmenter, image.pixels)
show_figure(lambda: figures.heatmap_grid_figure(
    [m.values for m in maps.values()],
    [f"{name}: channel {m.channel}" + (" (constant on this image)" if m.constant else f", spread {m.spread:.2f}")
     for name, m in maps.items()], cols=min(4, len(maps)), colorbar_title="activation", max_side=300),
    "trained-branches", (image.digest, segmenter, trained))
st.caption("Each branch is shown through its channel with the largest spread (max − min) on this image. "
           "A pooled branch of one bin (image pooling, bin 1) gives one value per channel, spread over the map, "
           "so its map is constant by construction.")
try:
    card = model_card(segmenter) if trained else {}
except (OSError, ScaleScopeError):
    card = {}
bins_, rows_ = ablation_rows(card)
if rows_:
    st.subheader("Which branch matters for which size")
    st.dataframe([{"head": "full" if n == "full" else f"without {n}",
                   **{b: (None if v.get(b) is None else round(v[b], 3)) for b in bins_}} for n, v in rows_.items()],
                 hide_index=True)
    show_figure(lambda: ablation_figure(bins_, rows_), "ablation", (segmenter, trained))
    st.markdown(ablation_sentence(card) + " (IoU of the objects in each size bin on the card's fixed test scenes.)")
else:
    st.info("No ablation table: the model card is missing (the network is untrained or its card was not found).")

st.header("Hand-built modules on chosen features")
c1, c2, c3 = st.columns([2, 3, 1])
kind = c1.radio("Module", list(MODULES), format_func=MODULES.get, key="module",
                index=list(MODULES).index(url_choice("module", "spp", list(MODULES))))
extractor = c2.selectbox("Features to pool", EXTRACTORS, format_func=EXTRACTOR_LABELS.get, key="extractor",
                         index=EXTRACTORS.index(url_choice("features", "filter-bank", list(EXTRACTORS))))
stride = c3.select_slider("Output stride", STRIDES, key="stride",
                          value=int(url_choice("stride", "8", [str(s) for s in STRIDES])),
                          help="How many input pixels one feature unit steps (the extractor's jump).")
st.query_params.update(module=kind, segmenter=segmenter, features=extractor, stride=str(stride))

weights, weights_digest = None, ""
if extractor == "uploaded":
    upload = st.file_uploader("Small-CNN weights (.safetensors)", type=["safetensors"], key="weights",
                              help="Loaded as plain tensors with the safetensors format; nothing is unpickled.")
    if upload is not None and upload.file_id != st.session_state.get("weights_id"):
        from safetensors import SafetensorError
        from safetensors.torch import load as load_safetensors

        st.session_state["weights_id"] = upload.file_id
        try:
            tensors = load_safetensors(read_upload(upload))
            st.session_state["weights_ok"] = validate_state_dict(tensors, small_cnn(stride=stride).state_dict())
            st.session_state["weights_note"] = ("success", f"Using the weights in “{literal(upload.name)}”.")
        except (SafetensorError, ValueError, OSError, InvalidParameterError) as error:
            st.session_state["weights_note"] = (
                "error", f"“{literal(upload.name)}” was not used: {literal(error, 300)}")
    note = st.session_state.get("weights_note")
    if note:
        (st.success if note[0] == "success" else st.error)(note[1])
    weights = st.session_state.get("weights_ok")
    weights_digest = str(st.session_state.get("weights_id", "")) if weights is not None else ""

try:
    with st.spinner("Extracting features…"):
        features, names = cached(extract)(image.pixels, extractor, stride, weights=weights)
except ScaleScopeError as error:
    st.warning(str(error))
    st.stop()
channels, feature_h, feature_w = features.shape
geometry = feature_geometry(extractor, stride)
st.caption(f"Feature map: {channels} channels × {feature_h}×{feature_w} units; one unit steps "
           f"{geometry.jump:g} px and sees {geometry.size:g} px of the image.")
channel = st.selectbox("Channel to show", range(channels), format_func=lambda c: names[c], key="channel")

# ------------------------------------------------------------------------------------------
if kind == "spp":
    st.header("SPP: a fixed-length vector from any size")
    a, b, c = st.columns(3)
    bins = tuple(sorted(a.multiselect("Bins per side", [1, 2, 3, 4, 6, 8], default=[4, 2, 1], key="spp_bins"),
                        reverse=True)) or (4, 2, 1)
    mode = b.radio("Pooling", ["max", "avg"], horizontal=True, key="spp_mode")
    convention = c.radio("Bin convention", ["adaptive", "he"], horizontal=True, key="spp_convention",
                         format_func={"adaptive": "PyTorch adaptive",
                                       "he": "He et al.: ⌈a/n⌉ window, ⌊a/n⌋ stride"}.get)
    run = cached(run_head)(kind, features, bins=bins, mode=mode,
                             convention=convention, rates=(), image_pooling=False)
    levels = []
    for b_ in bins:
        rows, cols, missing_rows, missing_cols = spp_grid((feature_h, feature_w), b_, convention, geometry,
                                                          (height, width))
        bands = [("rows", geometry.start + (r - 0.5) * geometry.jump, geometry.start + (r + 0.5) * geometry.jump)
                 for r in missing_rows]
        bands += [("cols", geometry.start + (c_ - 0.5) * geometry.jump, geometry.start + (c_ + 0.5) * geometry.jump)
                  for c_ in missing_cols]
        note = f", {len(missing_rows)} rows + {len(missing_cols)} cols unpooled" if bands else ""
        levels.append((f"{b_}×{b_} bins{note}", rows, cols, bands))
    show_figure(lambda: spp_bins_figure(image.pixels, levels), "spp-bins",
                (image.digest, extractor, stride, bins, convention))
    lengths = [channels * b_ * b_ for b_ in bins]
    show_figure(lambda: spp_vector_figure(run.output, [f"{b_}×{b_}" for b_ in bins], lengths), "spp-vector",
                (image.digest, extractor, stride, weights_digest, bins, mode, convention))
    st.markdown(f"{channels} channels × ({' + '.join(f'{b_}²' for b_ in bins)}) = **{len(run.output)}** "
                "numbers, whatever the size of the image:")
    rows = cached(spp_lengths)(image.pixels, extractor, stride, bins, mode, convention, weights=weights)
    st.dataframe(rows, hide_index=True)
    st.caption("He et al. size each level's window ⌈a/n⌉ and stride ⌊a/n⌋. For some sizes the n "
               "windows stop short and the last rows are never pooled (a = 10, n = 6: rows 7–9) — shaded "
               "above when it happens. PyTorch's adaptive pooling spreads the bins so every row counts.")

# ------------------------------------------------------------------------------------------
elif kind == "pyramid-pooling":
    st.header("Pyramid pooling: pool, upsample, stack")
    bins = tuple(sorted(st.multiselect("Bins per side", [1, 2, 3, 4, 6, 8], default=[1, 2, 3, 6], key="psp_bins")))
    bins = bins or (1, 2, 3, 6)
    if channels % len(bins):
        st.warning(f"{channels} channels cannot be shared evenly by {len(bins)} branches; pick "
                   f"{', '.join(str(n) for n in range(1, 9) if channels % n == 0)} bin sizes.")
        st.stop()
    run = cached(run_head)(kind, features, bins=bins, mode="avg",
                             convention="adaptive", rates=(), image_pooling=False)
    reduced = channels // len(bins)
    shown_channel = min(channel, reduced - 1)
    pooled = [run.branches[f"bin{b_}"][shown_channel] for b_ in bins]
    upsampled = [run.output[channels + i * reduced + shown_channel] for i in range(len(bins))]
    show_figure(lambda: figures.heatmap_grid_figure(
        pooled + upsampled,
        [f"{b_}×{b_} pooled (branch channel {shown_channel})" for b_ in bins]
        + [f"{b_}×{b_} upsampled to {feature_w}×{feature_h}" for b_ in bins],
        cols=len(bins), colorbar_title="activation", max_side=400),
        "psp-branches", (image.digest, extractor, stride, weights_digest, bins, shown_channel))
    st.markdown(f"Output: the {channels} input channels plus {len(bins)} × {reduced} pooled ones = "
                f"**{run.output.shape[0]} channels** at {feature_w}×{feature_h} — twice the input, as in "
                "PSPNet. The 1×1 bin carries the whole image's context to every unit; the 6×6 bins, "
                "the context of its neighbourhood.")

# ------------------------------------------------------------------------------------------
else:
    st.header("ASPP: parallel atrous convolutions")
    a, b = st.columns(2)
    output_stride = a.radio("DeepLab output stride", list(ASPP_RATES), horizontal=True, key="aspp_os",
                            help="Output stride 16 uses rates 6, 12, 18; output stride 8 doubles them.")
    rates = ASPP_RATES[output_stride]
    pooling = b.checkbox("Image-pooling branch", value=True, key="aspp_pool")
    run = cached(run_head)(kind, features, bins=(), mode="",
                             convention="", rates=rates, image_pooling=pooling)
    names_ = list(run.branches)
    show_figure(lambda: figures.heatmap_grid_figure(
        [run.branches[n][channel % run.branches[n].shape[0]] for n in names_]
        + [run.output[channel % run.output.shape[0]]],
        names_ + ["projected output"], cols=3, colorbar_title="activation", max_side=400),
        "aspp-branches", (image.digest, extractor, stride, weights_digest, rates, pooling, channel))

    st.subheader("Where each branch looks")
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
    taps = aspp_taps((row, col), rates, (feature_h, feature_w), geometry)
    fields = aspp_fields(extractor, stride, rates)
    centre = (geometry.start + row * geometry.jump, geometry.start + col * geometry.jump)
    boxes = {name: (centre[0], centre[1], fov.size) for name, fov in fields.items()}

    show_figure(lambda: taps_units_figure(image.pixels, taps, boxes, (feature_h, feature_w), geometry),
                "aspp-taps", (image.digest, extractor, stride, rates, row, col), select="points")
    st.caption("Click the image (or use the sliders) to move the unit. Each rate-r branch reads 9 "
               "units spread 2r + 1 units wide; dotted squares are each branch's theoretical receptive field.")
    invalid = {name: sum(not ok for *_, ok in points) for name, points in taps.items()}
    st.markdown("Taps that fall into the zero padding at this unit: " + ", ".join(
        f"{name}: **{count} of 9**" for name, count in invalid.items()) + ".")

    erf_rate = st.select_slider("Effective receptive field of branch", [0, *rates], value=rates[0], key="erf_rate",
                                format_func=lambda r: "1×1" if r == 0 else f"rate {r}")
    # The gradient is taken on an input of the image's size (capped, to keep the click fast).
    erf_size = (min(height, 768), min(width, 768))
    try:
        with st.spinner("Back-propagating from the unit…"):
            erf, erf_unit = cached(branch_erf)(extractor, stride, erf_rate, erf_size, (row, col))
    except ScaleScopeError as error:
        st.warning(f"No effective receptive field for this image: {error}")
    else:
        show_figure(lambda: figures.heatmap_grid_figure(
            [erf], [f"gradient of unit {erf_unit} w.r.t. a {erf_size[1]}×{erf_size[0]} input"], cols=1,
            colorbar_title="|∂unit/∂pixel| (max 1)", max_side=400),
            "aspp-erf", (extractor, stride, erf_rate, erf_size, erf_unit))
        st.caption("The effective receptive field (Luo et al. 2016): how strongly each input pixel "
                   "moves this unit, for randomly initialised weights averaged over a few random "
                   "inputs. It fills only the middle of the theoretical square, and the dilated taps "
                   "show as separate islands.")

    st.subheader("When the rate approaches the map size")
    rates_axis = list(range(1, max(2, max(feature_h, feature_w) + 8)))
    show_figure(lambda: figures.lines_figure(
        rates_axis, {f"this {feature_w}×{feature_h} map":
                     np.array([valid_taps(feature_h, feature_w, r) for r in rates_axis]),
                     "65×65 (DeepLabv3 Fig. 4)": np.array([valid_tap_fraction(65, r) * 9 for r in rates_axis])},
        title="Valid taps of a 3×3 atrous kernel, averaged over the map", x_title="rate",
        y_title="valid taps (of 9)", y_range=(0, 9.5)), "aspp-valid-taps", (feature_h, feature_w))
    st.markdown("With padding = rate, the taps of a large rate land in the padding for most units; "
                "once the rate reaches the map size only the centre tap reads the image and the 3×3 "
                "filter has become a 1×1. DeepLabv3 adds the image-pooling branch for exactly this reason.")

# ------------------------------------------------------------------------------------------
st.header("Gridding: stacking dilated convolutions")
stacks = {"rates 2, 2, 2": (2, 2, 2), "rates 1, 2, 5": (1, 2, 5)}
maps_ = [gridding(rates_) for rates_ in stacks.values()]
st.markdown(
    f"Three 3×3 convolutions that all use rate 2 only ever read every other row and every other column: "
    f"they reach **{maps_[0][1]:.0%}** of their {maps_[0][2]}-px square (a checkerboard would be 50%). "
    f"Hybrid rates such as 1, 2, 5 (Wang et al. 2018) reach **{maps_[1][1]:.0%}** of a larger, "
    f"{maps_[1][2]}-px field.")
show_figure(lambda: figures.heatmap_grid_figure(
    [m[0] for m in maps_], [f"{name}: {m[1]:.0%} of the {m[2]}-px field reached" for name, m in zip(stacks, maps_)],
    cols=2, colorbar_title="paths (max 1)", max_side=300), "gridding", tuple(stacks))
