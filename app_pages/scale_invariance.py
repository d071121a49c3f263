"""Scale invariance: where a CNN's tolerance to size comes from — pooling, augmentation, pyramids."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import ScaleScopeError
from core.models import load_model_or_untrained
from core.samples import get_sample
from core.scale_invariance.cat_scales import feature_similarity, segmenter_similarity
from core.scale_invariance.near_far import near_and_far
from core.scale_invariance.shift import POOLS, SHIFTS, shift_study_of_image
from core.scale_invariance.shipped import shipped_models, shipped_study, what_to_notice
from core.scale_invariance.squares import (
    CORNER_BIAS,
    DEFAULT_SIDES,
    MATCH,
    corner_detectors,
    invariance_by_shift,
    run_squares_experiment,
    sweep_squares,
)
from core.scale_invariance.study import SHAPES, VARIANTS, estimate_seconds, run_study
from ui import figures, scale_invariance_snippets
from ui import scale_invariance_figures as si_figures
from ui.cache import cached
from ui.present import Lesson
from ui.snippets import snippet
from ui.widgets import current_image, show_figure, url_bool, url_float, url_int

SIDE_CHOICES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)
SHORT = {"no-pooling": "no pooling", "max-pooling": "max pool + dense", "global-max": "global max",
         "spp": "SPP", "zoom-augmentation": "zoom augment", "input-pyramid": "input pyramid"}
SEGMENTERS = ("segmenter-aspp", "segmenter-psp")
BIASES = tuple(-0.25 * i for i in range(11))      # 0 down to −2.5, the bias figure's points
OFFSETS = tuple(range(1, 32))                      # every offset at which the 32-px square still fits
FOCUS = 16                                         # the square that needs both tuned numbers

ASK = [
    "Five squares, 2 to 32 px. After four rounds of 2×2 max pooling, which of them will look the same?",
    "The detectors subtract a bias before the ReLU. What goes wrong without it — and does it matter "
    "where each square starts?",
    "A far cat is four times smaller. How many more rounds of pooling must the near one go through "
    "before the two maps can be compared?",
    "Train on 12-px shapes only. Which network still recognises them at 3 px, or at 48 px?",
    "The same cat's face from 6 px to 96 px: which network describes it the same way at every size?",
    "Move the picture one pixel to the right. Does 2×2 max pooling's output move by half a pixel?", ]


def cat_pixels():
    return get_sample("cat").load()


image = current_image()

st.title("🐈 Scale invariance")
lesson = Lesson(["The squares experiment", "What the squares need: a tuned bias and a lucky offset",
                 "Near and far", "Learned scale invariance", "The cat, near and far, through each network",
                 "Shift, the sibling of scale"])
lesson.intro(
    "*How does a CNN deal with a cat close to the camera and one far away?* A convolution filter "
    "has one size, so it does not see the two alike. What helps is **pooling** (a little, if the "
    "alignment is lucky), **training on many sizes**, and **looking at several scales of the "
    "input**. This page measures each.")

# ------------------------------------------------------------------------------------------
@lesson.live_section(0, ask=ASK[0])
def squares_experiment() -> None:
    st.markdown(
        "Grey squares of several sizes, two corner detectors (upper-left and bottom-right; a bias "
        f"of {CORNER_BIAS:g} and a ReLU keep only true corners), then 2×2 max pooling again and again. "
        "The claim from the forum thread: after enough pooling *all but the largest square end with "
        "the same activation* — both corners active in one unit. Each square starts 16 px into its "
        "64-px slot; section 2 shows why that and the bias matter.")
    depth = st.slider("Rounds of 2×2 max pooling", 0, 5, url_int("depth", 4, 0, 5), key="depth")
    with lesson.more():
        c1, c2 = st.columns([2, 1])
        sides = tuple(sorted(c1.multiselect("Square sides (pixels)", SIDE_CHOICES, default=list(DEFAULT_SIDES),
                                            key="sides"))) or DEFAULT_SIDES
        shift = c2.slider("Shift the squares (pixels)", 0, 7, 0, key="shift",
                          help="0 puts every square's corner on a pooling-cell border: the lucky alignment.")
    st.query_params.update(depth=str(depth))
    experiment = cached(run_squares_experiment)(sides, depth, shift=shift)
    held_by_shift = cached(invariance_by_shift)(sides, depth)

    show_figure(lambda: si_figures.small_matrices_figure(
        {f"{name} detector": k.numpy() for name, k in corner_detectors().items()}), "corner-detectors", ())
    maps, titles = [], []
    for d in sorted({0, max(0, depth - 1), depth}):
        for name, activation in experiment.maps[d].items():
            maps.append(activation)
            titles.append(f"{name} · depth {d} ({activation.shape[1]}×{activation.shape[0]})")
    show_figure(lambda: figures.heatmap_grid_figure(maps, titles, cols=2, colorbar_title="activation",
                                                    max_side=640), "squares-activations", (sides, depth, shift))
    names = [f"{s} px" for s in sides]
    smallest = int(np.argmin(sides))
    cosines = experiment.similarity[depth, smallest]
    show_figure(lambda: figures.lines_figure(
        list(range(depth + 1)), {n: experiment.similarity[:, smallest, i] for i, n in enumerate(names)},
        title=f"Similarity of each square's pattern to the {min(sides)}-px square's, by depth",
        x_title="rounds of pooling", y_title="cosine similarity", y_range=(0, 1.05)),
        "squares-similarity", (sides, depth, shift))
    same = [n for n, ok in zip(names, experiment.matches_smallest[depth], strict=True) if ok]
    st.markdown(f"At depth {depth}, these squares leave the same pattern: **{', '.join(same)}**. "
                f"A square whose corners share one pooled unit (its side fits inside a "
                f"{2 ** depth}-pixel cell without crossing a border) collapses to that pattern.")
    show_figure(lambda: si_figures.boolean_grid_figure(
        held_by_shift, [f"shift {s}" for s in SHIFTS], names,
        title=f"Same pattern as the smallest square at depth {depth}, for every shift"),
        "squares-by-shift", (sides, depth))
    st.caption("Over the 8 shifts the invariance holds this often: " + ", ".join(
        f"{n} {held_by_shift[:, i].mean():.0%}" for i, n in enumerate(names))
        + ". Pooling gives a little scale invariance — if you get lucky with the alignment.")
    apart = [f"{n} (cosine {c:.2f})" for n, c in zip(names, cosines, strict=True) if c < MATCH]
    largest = max((s for s, ok in zip(sides, experiment.matches_smallest[depth], strict=True) if ok), default=0)
    lesson.notice(f"After {depth} rounds of pooling {len(same)} of {len(sides)} squares end with the "
                  f"{min(sides)}-px square's pattern (cosine ≥ {MATCH})"
                  + (f"; {', '.join(apart)} {'does' if len(apart) == 1 else 'do'} not" if apart else "")
                  + (f". Shifted by 0 to 7 px, the {largest}-px square keeps it "
                     f"{held_by_shift[:, sides.index(largest)].mean():.0%} of the time." if largest else "."))
    lesson.reproduce(scale_invariance_snippets.squares(sides, depth, 16 + shift, CORNER_BIAS), result=cosines,
                     tolerance=1e-5)

# ------------------------------------------------------------------------------------------
@lesson.live_section(1, ask=ASK[1])
def what_the_squares_need() -> None:
    st.markdown(
        "On squares of grey 0.5 a detector scores 2 at a corner, 1 along an edge and −0.5 inside. "
        "The **bias** decides what survives the ReLU: the experiment needs one that silences edges "
        "but keeps corners. The **offset** decides where each square starts in its slot: a square "
        "collapses only if it starts and ends inside one pooled cell. Four rounds of pooling, as in "
        "the thread; the squares of 2 to 32 px.")
    c1, c2 = st.columns(2)
    bias = c1.slider("Bias of both corner detectors", -2.5, 0.0, url_float("bias", CORNER_BIAS, -2.5, 0.0), 0.25,
                     key="bias", help=f"The experiment's tuned value is {CORNER_BIAS:g}.")
    offset = c2.slider("Offset of each square in its 64-px slot (pixels)", 1, 31, url_int("offset", 16, 1, 31),
                       key="offset", help="16 = 2⁴, a multiple of every pooled cell up to depth 4.")
    st.query_params.update(bias=f"{bias:g}", offset=str(offset))
    other = offset if offset != 16 else 17
    chosen = cached(sweep_squares)(DEFAULT_SIDES, 4, biases=(bias, 0.0, CORNER_BIAS), offsets=(offset, 16, other))
    by_bias = cached(sweep_squares)(DEFAULT_SIDES, 4, biases=BIASES, offsets=(offset,))
    by_offset = cached(sweep_squares)(DEFAULT_SIDES, 4, biases=(bias,), offsets=OFFSETS)
    focus = DEFAULT_SIDES.index(FOCUS)
    left, right = st.columns(2)
    with left:
        show_figure(lambda: si_figures.sweep_figure(
            list(BIASES), {f"{s} px": by_bias.similarity[:, 0, i] for i, s in enumerate(DEFAULT_SIDES)},
            chosen=bias, title=f"Cosine to the 2-px square's pattern, offset {offset}",
            x_title="bias of the corner detectors", y_title="cosine similarity", y_range=(-0.02, 1.05)),
            "squares-bias", (bias, offset))
    with right:
        show_figure(lambda: si_figures.sweep_figure(
            list(OFFSETS), {"squares with both corners in one unit": by_offset.together[0].sum(axis=1)},
            chosen=offset, title=f"Squares that collapse, bias {bias:g}", x_title="offset in the slot (pixels)",
            y_title="squares (of 5)", y_range=(0, 5.2)), "squares-offset", (bias,))
    window = [b for b, row in zip(BIASES, by_bias.similarity[:, 0, :focus + 1], strict=True) if row.min() >= MATCH]
    counts = dict(zip(OFFSETS, by_offset.together[0].sum(axis=1).tolist(), strict=True))
    best = max(counts.values())
    st.markdown(
        (f"At offset {offset} every square up to {FOCUS} px matches for a bias from **{min(window):g} to "
         f"{max(window):g}**. " if window else f"At offset {offset} no bias makes the {FOCUS}-px square match. ")
        + f"The most squares that collapse at any offset from 1 to 31 is **{best}**, at offset "
        + ", ".join(str(o) for o, c in counts.items() if c == best) + ".")
    cos_bias, cos_zero, cos_tuned = chosen.similarity[:, 0, focus]
    if not chosen.similarity[0, 0].any():
        why = " At this bias even the corners are silenced: every pattern is zero."
    elif cos_bias < MATCH:
        why = " Edges still pass the ReLU at this bias, and a larger square's edges reach more pooled units."
    else:
        why = " Without a bias the edges pass the ReLU, and a larger square's edges reach more pooled units."
    lesson.notice(f"With bias {bias:g} the {FOCUS}-px square's pattern has cosine {cos_bias:.3f} with the 2-px square's"
        + (f"; with no bias, {cos_zero:.3f}" if bias != 0 else "")
        + (f"; with the tuned {CORNER_BIAS:g}, {cos_tuned:.3f}" if bias != CORNER_BIAS else "") + "." + why
        + f" At offset 16 = 2⁴, {int(chosen.together[0, 1].sum())} of 5 squares close both corners in one "
          f"pooled unit; at offset {other}, {int(chosen.together[0, 2].sum())}.")
    lesson.reproduce(scale_invariance_snippets.bias_and_offset(DEFAULT_SIDES, 4, offset, bias, FOCUS),
                     result=(float(cos_bias), float(cos_zero)), tolerance=1e-5)

# ------------------------------------------------------------------------------------------
@lesson.live_section(2, ask=ASK[2])
def near_and_far_section() -> None:
    st.markdown(
        "The picked image (the near cat) and a copy shrunk 4× (the far cat) share one canvas. One "
        "vertical-edge filter runs over both, then max pooling repeats. The far copy's edges are 4× "
        "closer together, so the near image needs two more rounds of pooling to look the same size.")
    factor = st.radio("The far copy is smaller by", [2, 4, 8], index=1, horizontal=True, key="far_factor",
                      format_func=lambda f: f"{f}×")
    try:
        pair = cached(near_and_far)(image.pixels, factor)
    except ScaleScopeError as error:
        st.warning(str(error))
        lesson.notice("This image is too small to shrink and pool: pick a larger one.")
    else:
        shown = [0, 2, 4] if len(pair.maps) > 4 else list(range(len(pair.maps)))
        show_figure(lambda: figures.heatmap_grid_figure(
            [pair.maps[d] for d in shown], [f"edge filter, {d} rounds of pooling" for d in shown], cols=1,
            colorbar_title="activation", max_side=900), "near-far", (image.digest, factor))
        step = int(np.log2(factor))
        st.markdown("Cosine similarity between the far copy's map after *d* poolings and the near "
                    f"image's after *d* + {step}: " + ", ".join(
                        f"d = {d}: **{s:.2f}**" for d, s in enumerate(pair.similarity))
                    + ". Pooling discards where exactly an edge was, so the two grow more alike.")
        lesson.notice(f"Right after the filter the far and the near maps agree with cosine "
                      f"{pair.similarity[0]:.2f}; after {len(pair.similarity) - 1} more poolings, "
                      f"{pair.similarity[-1]:.2f}.")
        lesson.reproduce(snippet(image, scale_invariance_snippets.near_far(factor)), result=tuple(pair.similarity),
                         tolerance=1e-9)

# ------------------------------------------------------------------------------------------
if lesson.section(3, ask=ASK[3]):
    st.markdown(
        f"A tiny CNN learns to tell {len(SHAPES)} shapes apart ({', '.join(SHAPES)}), drawn 12 px wide "
        "at a random place in a 64×64 canvas. It is trained at **one** size and tested from 0.25× "
        "(3 px) to 4× (48 px). Variants: no pooling (a dense layer over every position), max pooling "
        "then a dense layer, global max pooling, an SPP head, zoom augmentation during training "
        "(0.5×–2×, on the global-max network), and an input pyramid at test time (the global-max "
        "network run at ½, 1 and 2× and its probabilities averaged).")
    shipped, shipped_data = shipped_study()
    study = st.session_state.get("scale_study") or shipped
    live = study is not shipped
    st.markdown(("**Your live study.** " if live else "**The shipped study**, produced by ")
                + ("" if live else f"`{shipped_data['command']}` in {shipped_data['seconds'] / 60:.0f} minutes "
                   f"on a 2-core CPU ({shipped.steps} steps per network; seeds "
                   f"{', '.join(str(s) for s in shipped.seeds)}). "))
    available = [v for v in study.accuracy if np.isfinite(study.accuracy[v]).any()]
    with lesson.more():
        picked = st.pills("Variants shown", available, selection_mode="multi", default=available,
                          format_func=SHORT.get, key="shown_variants")
    shown_variants = [v for v in available if v in picked] or available
    spread_text = "mean ± std over seeds" if len(study.seeds) > 1 else "one seed, no spread"
    show_figure(lambda: si_figures.scale_curves_figure(
        list(study.scales), {v: study.mean(v) for v in shown_variants},
        spread={v: study.spread(v) for v in shown_variants} if len(study.seeds) > 1 else None,
        title=f"Accuracy against test scale (trained at 1×; {spread_text})",
        x_title="test scale (1 = the training size, 12 px)", y_title="accuracy"),
        "scale-accuracy", (tuple(shown_variants), study.seeds, study.scales, live))
    table = pd.DataFrame({v: [f"{m:.2f} ± {d:.2f}" if len(study.seeds) > 1 else f"{m:.2f}"
                              for m, d in zip(study.mean(v), study.spread(v), strict=True)]
                          for v in shown_variants}, index=[f"{s:g}×" for s in study.scales]).T
    st.dataframe(table)
    notes = what_to_notice(study)
    st.markdown("\n".join(f"- {line}" for line in notes[1:]))
    lesson.notice(notes[0] if notes else "Only the training scale was tested.")
    if not live:
        lesson.reproduce(scale_invariance_snippets.study(tuple(shown_variants)),
                         result=np.array([study.mean(v) for v in shown_variants]), tolerance=1e-12)
    if not lesson.present:
        st.download_button("Accuracies (CSV)", table.to_csv(), "scale-invariance.csv", "text/csv")
        with st.expander("Train your own study (optional)"):
            variants = tuple(st.pills("Variants to train", VARIANTS, selection_mode="multi", format_func=SHORT.get,
                                      default=["global-max", "zoom-augmentation", "input-pyramid"], key="variants"))
            c2, c3 = st.columns(2)
            seed_count = c2.slider("Seeds", 1, 5, 1, key="seeds", help="Each variant is trained once per seed.")
            steps = c3.slider("Training steps", 50, 1000, 400, 50, key="steps")
            seconds = estimate_seconds(variants, seed_count, steps, shipped.step_seconds)
            st.caption(f"Estimated time: about {seconds:.0f} s (measured cost per step of each network × {steps} "
                       f"steps × {seed_count} seed{'s' if seed_count > 1 else ''}); the result replaces the "
                       "shipped one when it ends.")
            needed = int(shipped_data["steps_to_converge"])
            if steps < needed:
                st.warning(f"{steps} steps are fewer than the {needed} the shipped study needed before every "
                           "variant's accuracy at 1× stopped changing (by 3 points): some variants will still "
                           "be learning.")
            run, stop = st.columns([1, 5])
            if run.button("Train and test", type="primary", key="train") and variants:
                progress = st.progress(0.0, text="Preparing the data…")
                stop.button("Stop", key="stop_training", help="Stops the run; the shipped results stay.")

                def report(fraction: float, message: str) -> bool:
                    progress.progress(min(1.0, fraction), text=message)
                    return True

                try:
                    result = run_study(variants, tuple(range(seed_count)), steps=steps, on_progress=report)
                except ScaleScopeError as error:
                    st.error(str(error))
                else:
                    if result.complete:
                        st.session_state["scale_study"] = result
                        st.rerun()
                progress.empty()
            if live and st.button("Show the shipped study again", key="shipped_again"):
                del st.session_state["scale_study"]
                st.rerun()

# ------------------------------------------------------------------------------------------
@lesson.live_section(4, ask=ASK[4])
def cat_near_and_far() -> None:
    st.markdown(
        "The bundled cat's face is placed, centred, in a black 128-px canvas at 0.25× to 4× of 24 px. "
        "Each shipped seed-0 network of the study (trained on grey shapes) and the two trained "
        "segmenters of the modules lesson (trained in colour on shapes of 4 to 160 px, dashed) read "
        "it; their pooled features at each size are compared with those at 1×.")
    measure = lesson.present or st.toggle("Measure the networks on the cat", url_bool("networks", False),
                                          key="networks", help="Runs seven networks on nine canvases "
                                                               "(a few seconds, once per server).")
    if measure and not lesson.present:
        st.query_params["networks"] = "1"
    elif "networks" in st.query_params:
        del st.query_params["networks"]
    if measure:
        with st.spinner("Running the networks on the cat at every size…"):
            similarity = cached(feature_similarity)(cat_pixels(), shipped_models())
            loaded = {name: load_model_or_untrained(name) for name in SEGMENTERS}
            segmented = cached(segmenter_similarity)(cat_pixels(), {n: m for n, (m, _, _) in loaded.items()})
        labels = {n: f"{n} ({'trained' if ok else 'untrained'} segmenter)" for n, (_, ok, _) in loaded.items()}
        curves = dict(similarity.similarity) | {labels[n]: v for n, v in segmented.similarity.items()}
        show_figure(lambda: si_figures.scale_curves_figure(
            list(similarity.scales), curves, dashed=tuple(labels.values()),
            title="Cosine similarity of the pooled features to those at 1×, the cat's face at 0.25×–4×",
            x_title="size of the face (1 = 24 px in a 128-px canvas)", y_title="cosine similarity"),
            "cat-near-far", (tuple(curves),))
        for _, ok, message in loaded.values():
            if not ok and message:
                st.warning(message)
        st.caption("1 means the network's summary of the far cat is the same as of the near one. The study's "
                   "networks are read before their dense layer; the segmenters at their head's projection "
                   "(what the classifier reads), max-pooled over the canvas.")
        lowest = {n: float(v.min()) for n, v in curves.items()}
        worst, steadiest = min(lowest, key=lowest.__getitem__), max(lowest, key=lowest.__getitem__)
        aspp = labels["segmenter-aspp"]
        lesson.notice(f"Over 0.25×–4×, {steadiest} never drops below cosine {lowest[steadiest]:.2f}, "
                      f"{worst} falls to {lowest[worst]:.2f}; the ASPP segmenter's lowest is {lowest[aspp]:.2f}.")
        lesson.reproduce(scale_invariance_snippets.segmenter_near_far("segmenter-aspp"),
                         result=segmented.similarity["segmenter-aspp"], tolerance=1e-5)
    else:
        lesson.notice("Switch on the measurement to see which networks describe the near and the far cat alike.")

# ------------------------------------------------------------------------------------------
if lesson.section(5, ask=ASK[5]):
    st.markdown(
        "Move the picture (its grey version) right by 0 to 7 pixels. A stride-2 layer should move "
        "its output by half as "
        "much. 2×2 max pooling does so exactly for even shifts and jumps for odd ones; blur pooling "
        "(Zhang 2019, *Making convolutional networks shift-invariant again*) blurs before it "
        "subsamples and changes smoothly.")
    try:
        with st.spinner("Shifting and pooling the image…"):
            shifts = cached(shift_study_of_image)(image.pixels)
    except ScaleScopeError as error:
        st.warning(str(error))
        lesson.notice("This image is too small to shift by 7 pixels and pool: pick a larger one.")
    else:
        show_figure(lambda: figures.lines_figure(
            list(SHIFTS), {name: shifts.change[name] for name in POOLS},
            title="How much the pooled output changes against the input shift",
            x_title="shift (pixels)", y_title="relative change (0 = moved exactly with the input)"),
            "shift-change", (image.digest,))
        st.metric("Shifts that leave 2×2 max pooling's output exactly in step",
                  f"{shifts.shifts_leaving_max_pool_unchanged:.0%}",
                  help="Exactly the even shifts. For odd shifts only this fraction of output units is "
                       "unchanged: " + ", ".join(f"{k}: {f:.0%}" for k, f in enumerate(shifts.unchanged_fraction)))
        max_name, blur_name = list(POOLS)[:2]
        exact = [str(k) for k in SHIFTS if k and shifts.unchanged_fraction[k] == 1.0]
        lesson.notice(f"A one-pixel shift changes max pooling's output by {shifts.change[max_name][1]:.3f} "
                      f"(only {shifts.unchanged_fraction[1]:.0%} of its units stay in step), blur pooling's by "
                      f"{shifts.change[blur_name][1]:.3f}. Shifts that leave max pooling's output exactly in "
                      f"step: {', '.join(exact) or 'none'} px.")
        lesson.reproduce(snippet(image, scale_invariance_snippets.shift_unchanged()),
                         result=shifts.unchanged_fraction, tolerance=1e-9)
