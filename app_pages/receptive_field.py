"""Receptive fields: how much of the image one unit of a layer sees, in theory and in practice."""

from dataclasses import astuple

import pandas as pd
import streamlit as st

from core.errors import ScaleScopeError
from core.receptive_field import (
    KINDS,
    PRESET_BRANCHES,
    PRESET_SOURCES,
    PRESETS,
    Layer,
    branch_fields,
    compare_fields,
    feature_sizes_that_fit,
    field_rows,
    layers_from_rows,
    receptive_field,
    unit_at,
    unit_centres,
    unit_field,
)
from core.receptive_field.luo import fit_exponent, stack_erfs
from ui.cache import cached
from ui.receptive_field_figures import (
    compare_fields_figure,
    luo_figure,
    profile_figure,
    size_jump_figure,
    unit_field_figure,
)
from ui.widgets import current_image, show_figure, url_choice, url_int

PRESET_LABELS = {"alexnet": "AlexNet", "vgg16": "VGG16", "resnet50": "ResNet-50 (torchvision, v1.5)",
                 "resnet50-v1": "ResNet-50 (original v1)", "tiny-vgg": "Tiny VGG (CNN Explainer)",
                 "deeplabv3-aspp": "DeepLabv3 ASPP head", "pspnet-head": "PSPNet head"}
COLUMNS = ["name", "kind", "kernel", "stride", "padding", "dilation"]
CLICK = "rf-image"


def layers_of(stack: tuple) -> list[Layer]:
    return [Layer(*row) for row in stack]


def clicked_point() -> tuple[float, float] | None:
    """The ``(y, x)`` of the unit last clicked on the image, from the chart's selection."""
    state = st.session_state.get(f"figure-{CLICK}") or {}
    points = (state.get("selection") or {}).get("points") or []
    return (float(points[0]["y"]), float(points[0]["x"])) if points else None


image = current_image()
height, width = image.pixels.shape[:2]

st.title("🎯 Receptive fields")
st.markdown(
    "A unit deep in a CNN computes its value from a square of input pixels: its **receptive "
    "field**. Three numbers describe every layer: the field's **size**, the **jump** (how many "
    "input pixels apart neighbouring units are) and the **start** (where the first unit's field is "
    "centred). They decide what scale of structure a layer can respond to — and the gradient shows "
    "that a unit does not weigh all of that square alike.")

# ------------------------------------------------------------------------------------------
st.header("1 · The layer stack")
if "rf_preset" not in st.session_state:
    st.session_state["rf_preset"] = url_choice("preset", "vgg16", list(PRESETS))
preset = st.selectbox("Start from", list(PRESETS), format_func=PRESET_LABELS.get, key="rf_preset")
st.caption(PRESET_SOURCES[preset])
st.markdown("Edit any cell, add a row at the bottom or delete rows to try your own stack. "
            "Kinds: `conv`, `max-pool`, `avg-pool`.")
edited = st.data_editor(
    pd.DataFrame([astuple(layer) for layer in PRESETS[preset]],
                 columns=["name", "kernel", "stride", "padding", "dilation", "kind"])[COLUMNS],
    key=f"rf_table-{preset}", num_rows="dynamic", hide_index=True, width="stretch", height=260,
    column_config={
        "name": st.column_config.TextColumn("name"),
        "kind": st.column_config.SelectboxColumn("kind", options=list(KINDS), default="conv"),
        "kernel": st.column_config.NumberColumn("kernel", min_value=1, step=1),
        "stride": st.column_config.NumberColumn("stride", min_value=1, step=1, default=1),
        "padding": st.column_config.NumberColumn("padding", min_value=0, step=1, default=0),
        "dilation": st.column_config.NumberColumn("dilation", min_value=1, step=1, default=1),
    })
try:
    layers = layers_from_rows(edited.to_dict("records"))
except ScaleScopeError as error:
    st.error(f"{error} Fix the row to see its receptive fields.")
    st.stop()
is_preset = layers == PRESETS[preset]
if not is_preset:
    st.info(f"Your edited stack ({len(layers)} layers), started from {PRESET_LABELS[preset]}.")
stack = tuple(astuple(layer) for layer in layers)
fields = cached(receptive_field)(layers_of(stack))

# ------------------------------------------------------------------------------------------
st.header("2 · Size, jump and start, layer by layer")
sizes, misfit = cached(feature_sizes_that_fit)(layers_of(stack), (height, width))
table = pd.DataFrame(field_rows(layers, fields, sizes))
st.dataframe(table, hide_index=True, width="stretch", height=300,
             column_config={"start": st.column_config.NumberColumn(format="%.1f"),
                            "effective padding": st.column_config.NumberColumn(format="%.1f")})
show_figure(lambda: size_jump_figure([layer.name for layer in layers], [f.size for f in fields],
                                     [f.jump for f in fields]), "rf-size-jump", (stack,))
last = fields[-1]
a, b, c = st.columns(3)
a.metric("Field of the last layer", f"{last.size} px")
b.metric("Jump of the last layer", f"{last.jump} px")
c.metric("Start of the last layer", f"{last.start:g} px",
         help="Centre of the first unit's field; pixel i is centred at i.")
st.markdown(
    "**What to notice.** Each layer adds `(kernel − 1) × dilation` *of the previous jump* to the "
    "size: after a stride-2 layer every 3×3 conv adds twice as much as before, so downsampling "
    "early makes fields grow fast. The jump only changes at strided layers. Dilation widens a "
    "layer's reach without a stride, so the jump stays small (the map stays fine).")
left, right = st.columns(2)
left.download_button("Layer table (CSV)", lambda: table[COLUMNS].to_csv(index=False),
                     "layers.csv", "text/csv")
right.download_button("Fields per layer (CSV)", lambda: table.to_csv(index=False),
                      "receptive-fields.csv", "text/csv")

if is_preset and preset in PRESET_BRANCHES:
    trunk, branches = PRESET_BRANCHES[preset]
    per_branch = branch_fields(trunk, branches)
    st.subheader("One field per branch")
    st.dataframe(pd.DataFrame([{"branch": name, "size": f.size, "jump": f.jump, "start": f.start}
                               for name, f in per_branch.items()]), hide_index=True)
    st.caption("The branches run side by side on the same backbone output and are concatenated: "
               "each has its own field, and the concatenation sees the widest. "
               + ("ASPP's image-pooling branch averages the whole map, so it sees the whole image."
                  if preset == "deeplabv3-aspp" else
                  "Each pooled cell is shown before the bilinear upsampling that blends neighbouring "
                  "cells; bin 1 pools the whole map, so it sees the whole image."))

# ------------------------------------------------------------------------------------------
st.header("3 · One unit's field on your image")
st.markdown(
    f"Your {width}×{height} image is the input. Pick a layer and one of its units (or click on "
    "the image): the solid box is what that unit sees; the dashed box is its whole field, which "
    "reaches into the zero padding at the border.")
if misfit:
    st.warning(f"Your image is {width}×{height} px, too small for the whole stack: {misfit} "
               f"Only the first {len(sizes)} layer(s) can be drawn.")
if sizes:
    options = list(range(len(sizes)))
    # A new stack starts at its deepest layer that fits; the first run takes the URL's.
    if st.session_state.get("rf_layer_for") != stack:
        first = "rf_layer_for" not in st.session_state
        st.session_state["rf_layer_for"] = stack
        named = [i for i in options if first and layers[i].name == st.query_params.get("layer")]
        st.session_state["rf_layer"] = named[0] if named else options[-1]
    if st.session_state.get("rf_layer") not in options:
        st.session_state["rf_layer"] = options[-1]
    if len(options) > 1:
        chosen = st.select_slider("Layer", options, format_func=lambda i: f"{i + 1} · {layers[i].name}",
                                  key="rf_layer")
    else:
        chosen = options[0]
        st.caption(f"Layer: 1 · {layers[0].name}")
    field = fields[chosen]
    grid = sizes[chosen]
    rows, cols = grid

    # A new stack, layer or image starts at the centre unit; the first run takes the URL's.
    context = (stack, chosen, grid)
    if st.session_state.get("rf_unit_for") != context:
        first = "rf_unit_for" not in st.session_state
        st.session_state["rf_unit_for"] = context
        st.session_state["rf_row"] = url_int("row", rows // 2, 0, rows - 1) if first else rows // 2
        st.session_state["rf_col"] = url_int("col", cols // 2, 0, cols - 1) if first else cols // 2
    point = clicked_point()
    if point is not None and point != st.session_state.get("rf_applied_click"):
        st.session_state["rf_applied_click"] = point
        st.session_state["rf_row"], st.session_state["rf_col"] = unit_at(field, point, grid)
    st.session_state["rf_row"] = min(max(st.session_state.get("rf_row", rows // 2), 0), rows - 1)
    st.session_state["rf_col"] = min(max(st.session_state.get("rf_col", cols // 2), 0), cols - 1)
    a, b = st.columns(2)
    if rows > 1:
        row = a.slider("Unit row", 0, rows - 1, key="rf_row")
    else:
        row = 0
        a.caption("The map has a single row.")
    if cols > 1:
        col = b.slider("Unit column", 0, cols - 1, key="rf_col")
    else:
        col = 0
        b.caption("The map has a single column.")
    st.query_params.update(preset=preset, layer=layers[chosen].name, row=str(row), col=str(col))

    seen = unit_field(field, (row, col), (height, width), grid, layers=layers[:chosen + 1])
    click_points = unit_centres(field, grid, (height, width))
    show_figure(lambda: unit_field_figure(
        image.pixels, astuple(seen.unclipped), None if seen.clipped is None else astuple(seen.clipped),
        seen.centre, click_points=click_points,
        title=f"{layers[chosen].name}: unit ({row}, {col}) of a {rows}×{cols} map — click to pick another"),
        CLICK, (image.digest, stack, chosen, row, col), select="points")
    a, b, c = st.columns(3)
    a.metric("Feature map", f"{rows}×{cols} units")
    whole = seen.unclipped
    b.metric("Field, whole", f"{whole.height}×{whole.width} px",
             help=f"Rows {whole.top}…{whole.bottom}, columns {whole.left}…{whole.right}.")
    inside = seen.clipped
    c.metric("Field, on the image", "none" if inside is None else f"{inside.height}×{inside.width} px",
             help=None if inside is None else f"Rows {inside.top}…{inside.bottom}, "
                                              f"columns {inside.left}…{inside.right}.")
    if inside is None:
        st.warning("This unit's field lies entirely in the padding: it never sees the image.")
    st.markdown(
        f"**What to notice.** Neighbouring units are {field.jump} px apart but each sees "
        f"{field.size} px, so their fields overlap by {max(field.size - field.jump, 0)} px. Units "
        "at the border see part padding: their solid box is smaller than the dashed one. A field "
        "larger than the image means every unit of this layer could, in principle, use the whole "
        "picture.")
else:
    st.query_params.update(preset=preset)
    chosen = len(layers) - 1
    st.warning(f"Your image is {width}×{height} px: not even the first layer fits. {misfit}")

# ------------------------------------------------------------------------------------------
st.header("4 · Theoretical against effective field")
st.markdown(
    f"The theoretical field says which pixels *can* change a unit; the **effective** field "
    f"measures how much each *does*: the gradient of the unit with respect to the input (Luo et al. "
    f"2016). Here the stack up to **{layers[chosen].name}** is built with random Kaiming weights "
    f"(16 channels per conv, ReLU after each but the last), fed 4 random noise inputs, and the "
    f"gradient of the centre unit of its last map is averaged over them.")
a, b = st.columns(2)
side = a.slider("Input side (px)", 64, 320, url_int("side", 256, 64, 320), 16, key="rf_side",
                help="A small noise input keeps the backward pass fast; the gradient is computed live.")
relu = b.toggle("ReLU after each conv", value=True, key="rf_relu",
                help="Off: every conv is linear (pooling still is not).")
st.query_params.update(side=str(side))
try:
    with st.spinner("Back-propagating from one unit…"):
        comparison = cached(compare_fields)(layers_of(stack[:chosen + 1]), (side, side), relu=relu)
except ScaleScopeError as error:
    st.warning(f"The stack up to {layers[chosen].name} does not work on a {side}×{side} input: {error}")
    comparison = None
if comparison is not None:
    box = comparison.rectangle
    if comparison.field.size >= side:
        st.info(f"The theoretical field ({comparison.field.size} px) is wider than this {side}×{side} "
                "input, so every input pixel lies inside it. Raise the input side or pick an earlier "
                "layer to see the effective field inside its square.")
    show_figure(lambda: compare_fields_figure(comparison.theoretical, comparison.region, comparison.erf,
                                              astuple(box), mass=comparison.mass),
                "rf-theory-vs-effective", (stack[:chosen + 1], side, relu))
    a, b, c = st.columns(3)
    a.metric("Theoretical field on the input", f"{box.height}×{box.width} px",
             help=f"Clipped to the {side}×{side} input; the whole field is {comparison.field.size} px.")
    b.metric(f"Pixels holding {comparison.mass:.0%} of the effective field",
             f"{int(comparison.region.sum()):,} px")
    c.metric("Effective ÷ theoretical area", f"{comparison.area_fraction:.3f}",
             help="The fewest pixels holding 95% of the gradient, divided by the theoretical field's "
                  "pixels on the input.")
    centre_row = (box.top + box.bottom) // 2
    show_figure(lambda: profile_figure(comparison.erf[centre_row], comparison.theoretical[centre_row],
                                       centre_row), "rf-profile", (stack[:chosen + 1], side, relu))
    st.markdown(
        "**What to notice.** The effective field is a bump, not a square: the centre pixels reach "
        "the unit through many more paths than the border ones, so most of the gradient sits in a "
        "small part of the theoretical field and nothing lies outside it. Luo et al. show the bump "
        "widens only like the square root of the depth while the theoretical field grows linearly, "
        "so deeper layers use an ever smaller share of their square. Training widens it again. "
        "The map depends on the inputs and the random weights, because every ReLU passes or blocks "
        "the gradient; switch ReLU off to see the smooth field of a linear stack.")

st.header("Luo et al. (2016), reproduced: the effective field grows as √n")
luo = cached(stack_erfs)(tuple(range(2, 17)), 3)
exponent = fit_exponent(luo["depth"], luo["std"])
share_exponent = fit_exponent(luo["depth"], luo["share"])
a, b = st.columns(2)
with a:
    show_figure(lambda: luo_figure(luo["depth"], luo["std"], luo["analytic"], title="ERF std of n uniform 3×3 convs",
                                   y_title="std (px)"), "luo-std", ())
with b:
    show_figure(lambda: luo_figure(luo["depth"], luo["share"], 2 * luo["analytic"] / luo["field"],
                                   title="ERF share of the theoretical field", y_title="2·std / field"),
                "luo-share", ())
st.markdown(f"For n = 2 … 16 linear 3×3 convolutions with every weight 1, the measured standard deviation "
            f"grows as n^**{exponent:.3f}** (the exact law is √(n (k² − 1) / 12), exponent 0.5), while the "
            f"theoretical field 2n + 1 grows linearly: the share falls as n^{share_exponent:.2f}, "
            "tending to 1/√n as n grows.")
