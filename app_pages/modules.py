"""SPP, pyramid pooling and ASPP: what each branch of a pyramid module looks at."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from core.errors import ScaleScopeError
from core.modules import ASPP_RATES, valid_tap_fraction
from core.modules.features import EXTRACTORS, STRIDES
from core.modules.lesson import (
    aspp_fields,
    aspp_taps,
    branch_erf,
    build_module,
    extract,
    feature_geometry,
    run_module,
    spp_grid,
    spp_lengths,
)
from core.receptive_field import effective_receptive_field
from ui import figures
from ui.modules_figures import spp_bins_figure, spp_vector_figure, taps_figure
from ui.widgets import current_image, show_figure, url_choice

MODULES = {"spp": "SPP (He et al.)", "pyramid-pooling": "Pyramid pooling (PSPNet)", "aspp": "ASPP (DeepLabv3)"}
EXTRACTOR_LABELS = {"filter-bank": "Hand-built filter bank (edges, corners, blobs)",
                    "random-cnn": "Small CNN, seeded random weights",
                    "trained-cnn": "Small CNN trained on the synthetic shapes task",
                    "uploaded": "Small CNN with your weights (safetensors)"}

image = current_image()
height, width = image.pixels.shape[:2]


@st.cache_data(max_entries=16, show_spinner="Extracting features…")
def cached_features(digest: str, extractor: str, stride: int, weights_digest: str, _weights, _pixels):
    return extract(_pixels, extractor, stride, weights=_weights)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_run(digest: str, extractor: str, stride: int, weights_digest: str, kind: str, options: tuple, _features):
    bins, mode, convention, rates, pooling = options
    module = build_module(kind, _features.shape[0], bins=bins, mode=mode, convention=convention, rates=rates,
                          image_pooling=pooling)
    return run_module(module, _features)


@st.cache_data(max_entries=32, show_spinner="Back-propagating from the unit…")
def cached_erf(extractor: str, stride: int, rate: int, size: tuple[int, int], unit: tuple[int, int]):
    return branch_erf(extractor, stride, rate, size, unit)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_spp_lengths(digest: str, extractor: str, stride: int, weights_digest: str, options: tuple,
                       _weights, _pixels):
    bins, mode, convention = options
    return spp_lengths(_pixels, extractor, stride, bins, mode, convention, weights=_weights)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_gridding(rates: tuple[int, ...]):
    """ERF of three stacked 3×3 convolutions with these dilations, and the share of its square reached."""
    torch.manual_seed(0)
    stack = torch.nn.Sequential(*[torch.nn.Conv2d(1, 1, 3, padding=r, dilation=r, bias=False) for r in rates])
    for conv in stack:
        torch.nn.init.constant_(conv.weight, 1.0)   # positive weights: no path cancels another
    erf = effective_receptive_field(stack, (41, 41), (20, 20)).numpy()
    span = sum(2 * r for r in rates) + 1
    window = erf[20 - span // 2:20 + span // 2 + 1, 20 - span // 2:20 + span // 2 + 1]
    return erf, float((window > 0).mean())


st.title("🧩 SPP · pyramid pooling · ASPP")
st.markdown(
    "CNNs borrowed the image pyramid: pool one feature map at several scales and keep them all. "
    "**SPP** max-pools into 4×4, 2×2 and 1×1 bins and concatenates them into a vector whose length "
    "does not depend on the image size. **PSPNet** pools the same way, upsamples each result "
    "bilinearly and stacks it with the map. **ASPP** uses no pooling at all: parallel 3×3 "
    "convolutions with holes (atrous, dilated) look at several distances at once, with 'same' "
    "padding so every branch keeps the map's size.")

c1, c2, c3 = st.columns([2, 3, 1])
kind = c1.radio("Module", list(MODULES), format_func=MODULES.get, key="module",
                index=list(MODULES).index(url_choice("module", "spp", list(MODULES))))
extractor = c2.selectbox("Features to pool", EXTRACTORS, format_func=EXTRACTOR_LABELS.get, key="extractor")
stride = c3.select_slider("Output stride", STRIDES, value=8, key="stride",
                          help="How many input pixels one feature unit steps (the extractor's jump).")
st.query_params.update(module=kind)

weights, weights_digest = None, ""
if extractor == "uploaded":
    upload = st.file_uploader("Small-CNN weights (.safetensors)", type=["safetensors"], key="weights",
                              help="Loaded as plain tensors with the safetensors format; nothing is unpickled.")
    if upload is not None:
        from safetensors import SafetensorError
        from safetensors.torch import load as load_safetensors

        try:
            weights = load_safetensors(upload.getvalue())
            weights_digest = upload.file_id
        except (SafetensorError, ValueError, OSError) as error:
            st.error(f"“{upload.name}” is not a readable safetensors file ({error}).")

try:
    features, names = cached_features(image.digest, extractor, stride, weights_digest, weights, image.pixels)
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
                         format_func={"adaptive": "PyTorch adaptive", "he": "He et al.: ⌈a/n⌉ window, ⌊a/n⌋ stride"}.get)
    run = cached_run(image.digest, extractor, stride, weights_digest, kind, (bins, mode, convention, (), False), features)
    levels = []
    for b_ in bins:
        rows, cols, missing_rows, missing_cols = spp_grid((feature_h, feature_w), b_, convention, geometry, (height, width))
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
    rows = cached_spp_lengths(image.digest, extractor, stride, weights_digest, (bins, mode, convention),
                              weights, image.pixels)
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
    run = cached_run(image.digest, extractor, stride, weights_digest, kind, (bins, "avg", "adaptive", (), False), features)
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
    run = cached_run(image.digest, extractor, stride, weights_digest, kind, ((), "", "", rates, pooling), features)
    names_ = list(run.branches)
    show_figure(lambda: figures.heatmap_grid_figure(
        [run.branches[n][channel % run.branches[n].shape[0]] for n in names_] + [run.output[channel % run.output.shape[0]]],
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

    def build_taps():
        fig = taps_figure(image.pixels, taps, boxes)
        step = max(1, int(np.ceil(np.sqrt(feature_h * feature_w / 3000))))
        ys, xs = np.mgrid[0:feature_h:step, 0:feature_w:step]
        fig.add_trace(go.Scatter(
            x=(geometry.start + xs * geometry.jump).ravel(), y=(geometry.start + ys * geometry.jump).ravel(),
            customdata=np.stack([ys.ravel(), xs.ravel()], axis=1), mode="markers", showlegend=False,
            marker=dict(size=max(4, geometry.jump * step), opacity=0), hovertemplate="unit (%{customdata[0]}, %{customdata[1]})<extra></extra>"))
        return fig

    show_figure(build_taps, "aspp-taps", (image.digest, extractor, stride, rates, row, col), select="points")
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
        erf, erf_unit = cached_erf(extractor, stride, erf_rate, erf_size, (row, col))
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
        rates_axis, {f"this {feature_w}×{feature_h} map": np.array([valid_tap_fraction(min(feature_h, feature_w), r) * 9 for r in rates_axis]),
                     "65×65 (DeepLabv3 Fig. 4)": np.array([valid_tap_fraction(65, r) * 9 for r in rates_axis])},
        title="Valid taps of a 3×3 atrous kernel, averaged over the map", x_title="rate",
        y_title="valid taps (of 9)", y_range=(0, 9.5)), "aspp-valid-taps", (feature_h, feature_w))
    st.markdown("With padding = rate, the taps of a large rate land in the padding for most units; "
                "once the rate reaches the map size only the centre tap reads the image and the 3×3 "
                "filter has become a 1×1. DeepLabv3 adds the image-pooling branch for exactly this reason.")

# ------------------------------------------------------------------------------------------
st.header("Gridding: stacking dilated convolutions")
st.markdown(
    "Three 3×3 convolutions that all use rate 2 only ever read every other pixel: their combined "
    "field is a checkerboard with holes. Hybrid rates such as 1, 2, 5 (Wang et al. 2018) cover "
    "every pixel of the same-size field.")
stacks = {"rates 2, 2, 2": (2, 2, 2), "rates 1, 2, 5": (1, 2, 5)}
maps = [cached_gridding(rates_) for rates_ in stacks.values()]
show_figure(lambda: figures.heatmap_grid_figure(
    [m[0] for m in maps], [f"{name}: {m[1]:.0%} of the field reached" for name, m in zip(stacks, maps)],
    cols=2, colorbar_title="|gradient| (max 1)", max_side=300), "gridding", tuple(stacks))
