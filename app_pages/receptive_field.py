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
from core.receptive_field.during_training import load as erf_during_training
from core.receptive_field.luo import fit_exponent, stack_erfs
from core.receptive_field.trained import SEGMENTERS, trunk_comparison
from ui import figures
from ui import receptive_field_snippets as snippets
from ui.cache import cached
from ui.present import Lesson
from ui.receptive_field_figures import (
    compare_fields_figure,
    luo_figure,
    profile_figure,
    size_jump_figure,
    trunk_erfs_figure,
    unit_field_figure,
)
from ui.widgets import current_image, show_figure, url_bool, url_choice, url_int

PRESET_LABELS = {"alexnet": "AlexNet", "vgg16": "VGG16", "resnet50": "ResNet-50 (torchvision, v1.5)",
                 "resnet50-v1": "ResNet-50 (original v1)", "tiny-vgg": "Tiny VGG (CNN Explainer)",
                 "deeplabv3-aspp": "DeepLabv3 ASPP head", "pspnet-head": "PSPNet head"}
NETWORKS = {"segmenter-aspp": "the ASPP segmenter", "segmenter-psp": "the pyramid-pooling segmenter"}
COLUMNS = ["name", "kind", "kernel", "stride", "padding", "dilation"]
CLICK = "rf-image"
LUO_DEPTHS = (2, 16)
TRUNK_SIDE, TRUNK_INPUTS = 128, 8
ASK = [
    "A 3×3 conv adds 2 pixels to the field. How much does the same 3×3 add after three stride-2 layers?",
    "Two neighbouring units of the last layer: how far apart are their centres, and how much do their "
    "fields overlap?", "Every pixel inside the square can change the unit. Do they all change it equally?",
    "Stack n 3×3 convolutions: the square grows as 2n + 1. How fast does the part that matters grow?",
    "After training on scenes with shapes of 4 to 160 px, will the trunk's units look further out, or closer in?", ]


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
lesson = Lesson(["Size, jump and start, layer by layer", "One unit's field on your image",
                 "Theoretical against effective field", "Luo et al. (2016): the effective field grows as √n",
                 "Trained networks: does training widen the effective field?"])
lesson.intro(
    "A unit deep in a CNN computes its value from a square of input pixels: its **receptive "
    "field**. Three numbers describe every layer: the field's **size**, the **jump** (how many "
    "input pixels apart neighbouring units are) and the **start** (where the first unit's field is "
    "centred). The gradient shows that a unit does not weigh all of that square alike.")

# ------------------------------------------------------------------------------------------ the stack
# Sections 1–3 study one stack; the last two do not need it (classroom mode leaves it out there).
if not lesson.present or lesson.step <= 3:
    if "rf_preset" not in st.session_state:
        st.session_state["rf_preset"] = url_choice("preset", "vgg16", list(PRESETS))
    left, right = st.columns(2)
    preset = left.selectbox("The layer stack: start from", list(PRESETS), format_func=PRESET_LABELS.get,
                            key="rf_preset")
    right.caption(PRESET_SOURCES[preset])
    with lesson.more():
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
                "dilation": st.column_config.NumberColumn("dilation", min_value=1, step=1, default=1), })
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
    sizes, misfit = cached(feature_sizes_that_fit)(layers_of(stack), (height, width))
    names = [layer.name for layer in layers]

    # The layer of sections 2 and 3: a new stack starts at its deepest layer that fits; the first run takes
    # the URL's.
    options = list(range(len(sizes))) if sizes else [len(layers) - 1]
    if st.session_state.get("rf_layer_for") != stack:
        first = "rf_layer_for" not in st.session_state
        st.session_state["rf_layer_for"] = stack
        named = url_choice("layer", names[options[-1]], [names[i] for i in options]) if first else names[options[-1]]
        st.session_state["rf_layer"] = next(i for i in options if names[i] == named)
    if st.session_state.get("rf_layer") not in options:   # not drawn on the last run: the URL has it
        st.session_state["rf_layer"] = next((i for i in options if names[i] == st.query_params.get("layer")),
                                            options[-1])
    if len(options) > 1:
        chosen = st.select_slider("Layer studied in sections 2 and 3", options, key="rf_layer",
                                  format_func=lambda i: f"{i + 1} · {names[i]}")
    else:
        chosen = options[0]
        st.caption(f"Layer studied: {chosen + 1} · {names[chosen]}")
    st.query_params.update(preset=preset, layer=names[chosen])

# ------------------------------------------------------------------------------------------
if lesson.section(0, ask=ASK[0]):
    table = pd.DataFrame(field_rows(layers, fields, sizes))
    with lesson.more():
        st.dataframe(table, hide_index=True, width="stretch", height=300,
                     column_config={"start": st.column_config.NumberColumn(format="%.1f"),
                                    "effective padding": st.column_config.NumberColumn(format="%.1f")})
    show_figure(lambda: size_jump_figure(names, [f.size for f in fields], [f.jump for f in fields]),
                "rf-size-jump", (stack,))
    last = fields[-1]
    a, b, c = st.columns(3)
    a.metric("Field of the last layer", f"{last.size} px")
    b.metric("Jump of the last layer", f"{last.jump} px")
    c.metric("Start of the last layer", f"{last.start:g} px",
             help="Centre of the first unit's field; pixel i is centred at i.")
    st.caption("Each layer adds `(kernel − 1) × dilation` *of the previous jump* to the size, and the jump "
               "changes only at strided layers. Dilation widens a layer's reach without a stride.")
    strided = [layer for layer in layers[:-1] if layer.stride > 1]
    grow = [fields[i].size - (fields[i - 1].size if i else 1) for i in range(len(layers))]
    lesson.notice(f"The {len(layers)} layers reach {last.size} px with a jump of {last.jump} px. The first layer adds "
                  f"{grow[0]} px; the last adds {grow[-1]} px, because {len(strided)} strided layer(s) before it "
                  f"multiplied the jump to {fields[-2].jump if len(fields) > 1 else 1}.")
    lesson.reproduce(snippets.recurrence(stack), result=(last.size, last.jump, last.start))
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
    if not lesson.present:
        left, right = st.columns(2)
        left.download_button("Layer table (CSV)", lambda: table[COLUMNS].to_csv(index=False),
                             "layers.csv", "text/csv")
        right.download_button("Fields per layer (CSV)", lambda: table.to_csv(index=False),
                              "receptive-fields.csv", "text/csv")

# ------------------------------------------------------------------------------------------
@lesson.live_section(1, ask=ASK[1])
def one_unit_on_your_image() -> None:
    st.markdown(
        f"Your {width}×{height} image is the input. Pick one unit of the layer (or click on the image): "
        "the solid box is what that unit sees; the dashed box is its whole field, which reaches into "
        "the zero padding at the border.")
    if misfit:
        st.warning(f"Your image is {width}×{height} px, too small for the whole stack: {misfit} "
                   f"Only the first {len(sizes)} layer(s) can be drawn.")
    if not sizes:
        st.warning(f"Your image is {width}×{height} px: not even the first layer fits. {misfit}")
        lesson.notice(f"A {width}×{height} image is smaller than the first layer's window: no unit exists.")
    else:
        field, grid = fields[chosen], sizes[chosen]
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
        row = a.slider("Unit row", 0, rows - 1, key="rf_row") if rows > 1 else 0
        col = b.slider("Unit column", 0, cols - 1, key="rf_col") if cols > 1 else 0
        st.query_params.update(row=str(row), col=str(col))

        seen = unit_field(field, (row, col), (height, width), grid, layers=layers[:chosen + 1])
        click_points = unit_centres(field, grid, (height, width))
        show_figure(lambda: unit_field_figure(
            image.pixels, astuple(seen.unclipped), None if seen.clipped is None else astuple(seen.clipped),
            seen.centre, click_points=click_points,
            title=f"{names[chosen]}: unit ({row}, {col}) of a {rows}×{cols} map — click to pick another"),
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
        on_image = "none" if inside is None else f"{inside.height}×{inside.width} px"
        wider = field.size >= max(height, width)
        lesson.notice(f"Neighbouring units are {field.jump} px apart but each sees {field.size} px, so their fields "
                      f"overlap by {max(field.size - field.jump, 0)} px. This unit sees {on_image} of the image"
                      + (f"; its field is wider than the {width}×{height} picture, so it could use all of it."
                         if wider else "."))
        lesson.reproduce(snippets.unit_box(field.size, field.jump, field.start, row, col), result=astuple(whole))

# ------------------------------------------------------------------------------------------
@lesson.live_section(2, ask=ASK[2])
def theoretical_against_effective() -> None:
    st.markdown(
        f"The theoretical field says which pixels *can* change a unit; the **effective** field measures how "
        f"much each *does*: the gradient of the unit with respect to the input (Luo et al. 2016). The stack up "
        f"to **{names[chosen]}** is built with random Kaiming weights (16 channels per conv, ReLU after each "
        "but the last), fed 4 random noise inputs, and the gradient of its centre unit is averaged over them.")
    side = st.slider("Input side (px)", 64, 320, url_int("side", 256, 64, 320), 16, key="rf_side",
                     help="A small noise input keeps the backward pass fast; the gradient is computed live.")
    with lesson.more():
        relu = st.toggle("ReLU after each conv", value=url_bool("relu", True), key="rf_relu",
                        help="Off: every conv is linear (pooling still is not).")
    st.query_params.update(side=str(side), relu="1" if relu else "0")
    try:
        with st.spinner("Back-propagating from one unit…"):
            comparison = cached(compare_fields)(layers_of(stack[:chosen + 1]), (side, side), relu=relu)
    except ScaleScopeError as error:
        st.warning(f"The stack up to {names[chosen]} does not work on a {side}×{side} input: {error}")
        lesson.notice(f"No unit of {names[chosen]} exists on a {side}×{side} input: raise the side.")
    else:
        box = comparison.rectangle
        if comparison.field.size >= side:
            st.info(f"The theoretical field ({comparison.field.size} px) is wider than this {side}×{side} "
                    "input, so every input pixel lies inside it. Raise the input side or pick an earlier "
                    "layer to see the effective field inside its square.")
        show_figure(lambda: compare_fields_figure(comparison.theoretical, comparison.region, comparison.erf,
                                                  astuple(box), mass=comparison.mass),
                    "rf-theory-vs-effective", (stack[:chosen + 1], side, relu))
        held = int(comparison.region.sum())
        a, b, c = st.columns(3)
        a.metric("Theoretical field on the input", f"{box.height}×{box.width} px",
                 help=f"Clipped to the {side}×{side} input; the whole field is {comparison.field.size} px.")
        b.metric(f"Pixels holding {comparison.mass:.0%} of the effective field", f"{held:,} px")
        c.metric("Effective ÷ theoretical area", f"{comparison.area_fraction:.3f}",
                 help="The fewest pixels holding 95% of the gradient, divided by the theoretical field's "
                      "pixels on the input.")
        centre_row = (box.top + box.bottom) // 2
        with lesson.more():
            show_figure(lambda: profile_figure(comparison.erf[centre_row], comparison.theoretical[centre_row],
                                               centre_row), "rf-profile", (stack[:chosen + 1], side, relu))
        st.caption("The centre pixels reach the unit through many more paths than the border ones. Every ReLU "
                   "passes or blocks the gradient, so the map depends on the inputs and the random weights; "
                   "switch ReLU off to see the smooth field of a linear stack.")
        lesson.notice(f"{comparison.mass:.0%} of the gradient sits in {held:,} px, {comparison.area_fraction:.1%} "
                      f"of the {box.height}×{box.width}-px theoretical square; {comparison.mass_inside:.1%} lies "
                      "inside it.")
        lesson.reproduce(snippets.effective_pixels(stack[:chosen + 1], side, relu), result=held, tolerance=1)

# ------------------------------------------------------------------------------------------
if lesson.section(3, ask=ASK[3]):
    luo = cached(stack_erfs)(tuple(range(LUO_DEPTHS[0], LUO_DEPTHS[1] + 1)), 3)
    exponent = fit_exponent(luo["depth"], luo["std"])
    share_exponent = fit_exponent(luo["depth"], luo["share"])
    a, b = st.columns(2)
    with a:
        show_figure(lambda: luo_figure(luo["depth"], luo["std"], luo["analytic"],
                                       title="ERF std of n uniform 3×3 convs", y_title="std (px)"), "luo-std", ())
    with b:
        show_figure(lambda: luo_figure(luo["depth"], luo["share"], 2 * luo["analytic"] / luo["field"],
                                       title="ERF share of the theoretical field", y_title="2·std / field"),
                    "luo-share", ())
    st.markdown(f"For n = {LUO_DEPTHS[0]} … {LUO_DEPTHS[1]} linear 3×3 convolutions with every weight 1, the "
                f"measured standard deviation grows as n^**{exponent:.3f}** (the exact law is √(n (k² − 1) / 12), "
                "exponent 0.5), while the theoretical field 2n + 1 grows linearly.")
    lesson.notice(f"The effective field grows as n^{exponent:.2f}, the square as n¹: its share falls as "
                  f"n^{share_exponent:.2f}, from {luo['share'][0]:.0%} at n = {LUO_DEPTHS[0]} to "
                  f"{luo['share'][-1]:.0%} at n = {LUO_DEPTHS[1]}.")
    lesson.reproduce(snippets.luo_exponent(*LUO_DEPTHS), result=exponent, tolerance=1e-6)

# ------------------------------------------------------------------------------------------
@lesson.live_section(4, ask=ASK[4])
def trained_networks() -> None:
    network = st.radio("Network", list(NETWORKS), format_func=NETWORKS.get, horizontal=True, key="rf_net",
                       index=list(NETWORKS).index(url_choice("net", SEGMENTERS[0], list(NETWORKS))))
    st.query_params["net"] = network
    with st.spinner("Back-propagating through both trunks…"):
        trunks = cached(trunk_comparison)(network, TRUNK_SIDE, TRUNK_INPUTS)
    if trunks.message:
        st.warning(trunks.message)
    field = trunks.field
    st.markdown(
        f"The trunk of {NETWORKS[network]} (five 3×3 conv–BN–ReLU layers, three of stride 2) as shipped, beside "
        f"the **same trunk at the initial weights its training started from**. Its theoretical field, by the "
        f"recurrence of section 1, is {field.size} px with a jump of {field.jump} px. Each map is the gradient of "
        f"the centre unit, averaged over {TRUNK_INPUTS} noise inputs of {TRUNK_SIDE}×{TRUNK_SIDE} px.")
    show_figure(lambda: trunk_erfs_figure(
        trunks.trained.erf, trunks.untrained.erf, astuple(trunks.rectangle),
        [f"{'trained' if trunks.trained_loaded else 'trained weights missing: untrained'}, std "
         f"{trunks.trained.std:.1f} px", f"untrained (initial weights), std {trunks.untrained.std:.1f} px"]),
        "rf-trained-untrained", (network, TRUNK_SIDE, TRUNK_INPUTS, trunks.trained_loaded))
    a, b = st.columns(2)
    a.metric("ERF std, trained", f"{trunks.trained.std:.1f} px",
             help=f"2·std ÷ the {field.size}-px field: {trunks.trained.share:.1%}.")
    b.metric("ERF std, untrained", f"{trunks.untrained.std:.1f} px",
             help=f"2·std ÷ the {field.size}-px field: {trunks.untrained.share:.1%}.")
    change = trunks.trained.std / trunks.untrained.std - 1
    verdict = ("grew, as Luo et al. report" if change > 0.02 else
               "shrank: the opposite of what Luo et al. report for their classifiers" if change < -0.02 else
               "barely changed")
    history = erf_during_training()
    if history and history["name"] == network:
        rows = history["checkpoints"]
        show_figure(lambda: figures.lines_figure(
            [r["step"] for r in rows], {"ERF std (px)": [r["std"] for r in rows]},
            title=f"During training: the ERF std of the {history['name']} trunk",
            x_title="training steps done", y_title="input pixels"), "rf-during-training")
        low = min(rows, key=lambda r: r["std"])
        st.markdown(f"Measured while the shipped recipe retrains ({history['steps']} steps, seed {history['seed']}; "
                    f"`{history['command']}`, {history['seconds'] / 60:.0f} min): the std goes from "
                    f"{rows[0]['std']:.1f} px to {rows[-1]['std']:.1f} px, lowest {low['std']:.1f} px after "
                    f"{low['step']} steps.")
    lesson.notice(f"Training moved the ERF's std from {trunks.untrained.std:.1f} to {trunks.trained.std:.1f} px "
                  f"({change:+.0%}, {trunks.untrained.share:.0%} → {trunks.trained.share:.0%} of the {field.size}-px "
                  f"field), so the effective field {verdict}. "
                  f"{min(trunks.trained.inside, trunks.untrained.inside):.1%} of both maps lies inside the square."
                  + (f" During training it first shrank to {low['std']:.1f} px (step {low['step']}), then grew "
                     f"back to {rows[-1]['std']:.1f} px." if history and history["name"] == network
                     and low["step"] not in (0, history["steps"]) else ""))
    lesson.reproduce(snippets.trunk_stds(network, TRUNK_SIDE, TRUNK_INPUTS),
                     result=(trunks.trained.std, trunks.untrained.std), tolerance=1e-4)

