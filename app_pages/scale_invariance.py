"""Scale invariance: where a CNN's tolerance to size comes from — pooling, augmentation, pyramids."""

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import ScaleScopeError
from core.samples import get_sample
from core.scale_invariance.cat_scales import feature_similarity
from core.scale_invariance.near_far import near_and_far
from core.scale_invariance.shift import POOLS, SHIFTS, shift_study_of_image
from core.scale_invariance.shipped import shipped_models, shipped_study, what_to_notice
from core.scale_invariance.squares import DEFAULT_SIDES, corner_detectors, invariance_by_shift, run_squares_experiment
from core.scale_invariance.study import SHAPES, VARIANTS, estimate_seconds, run_study
from ui import figures, scale_invariance_figures
from ui.cache import cached
from ui.widgets import current_image, show_figure, url_int

SIDE_CHOICES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32)











def cat_pixels():
    return get_sample("cat").load()


image = current_image()

st.title("🐈 Scale invariance")
st.markdown(
    "*How does a CNN deal with a cat close to the camera and one far away?* A convolution filter "
    "has one size, so it does not see the two alike. What helps is **pooling** (a little, if the "
    "alignment is lucky), **training on many sizes**, and **looking at several scales of the "
    "input**. This page measures each.")

# ------------------------------------------------------------------------------------------
st.header("1 · The squares experiment")
st.markdown(
    "Grey squares of several sizes, two corner detectors (upper-left and bottom-right; a bias "
    "and ReLU keep only true corners), then 2×2 max pooling again and again. The claim from the "
    "forum thread: after enough pooling *all but the largest square end with the same activation* "
    "— both corners active in one unit.")
c1, c2, c3 = st.columns([2, 1, 1])
sides = tuple(sorted(c1.multiselect("Square sides (pixels)", SIDE_CHOICES, default=list(DEFAULT_SIDES),
                                    key="sides"))) or DEFAULT_SIDES
depth = c2.slider("Rounds of 2×2 max pooling", 0, 5, url_int("depth", 4, 0, 5), key="depth")
shift = c3.slider("Shift the squares (pixels)", 0, 7, 0, key="shift",
                  help="0 puts every square's corner on a pooling-cell border: the lucky alignment.")
st.query_params.update(depth=str(depth))
experiment = cached(run_squares_experiment)(sides, depth, shift=shift)
held_by_shift = cached(invariance_by_shift)(sides, depth)

show_figure(lambda: scale_invariance_figures.small_matrices_figure(
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
show_figure(lambda: figures.lines_figure(
    list(range(depth + 1)), {n: experiment.similarity[:, smallest, i] for i, n in enumerate(names)},
    title=f"Similarity of each square's pattern to the {min(sides)}-px square's, by depth",
    x_title="rounds of pooling", y_title="cosine similarity", y_range=(0, 1.05)),
    "squares-similarity", (sides, depth, shift))
same = [n for n, ok in zip(names, experiment.matches_smallest[depth], strict=True) if ok]
st.markdown(f"At depth {depth}, these squares leave the same pattern: **{', '.join(same)}**. "
            f"A square whose corners share one pooled unit (its side fits inside a "
            f"{2 ** depth}-pixel cell without crossing a border) collapses to that pattern.")
show_figure(lambda: scale_invariance_figures.boolean_grid_figure(
    held_by_shift, [f"shift {s}" for s in SHIFTS], names,
    title=f"Same pattern as the smallest square at depth {depth}, for every shift"),
    "squares-by-shift", (sides, depth))
st.caption("Over the 8 shifts the invariance holds this often: " + ", ".join(
    f"{n} {held_by_shift[:, i].mean():.0%}" for i, n in enumerate(names))
    + ". Pooling gives a little scale invariance — if you get lucky with the alignment.")

# ------------------------------------------------------------------------------------------
st.header("2 · Near and far")
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

# ------------------------------------------------------------------------------------------
st.header("3 · Learned scale invariance")
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
            + ("" if live else f"`{shipped_data['command']}` in {shipped_data['seconds'] / 60:.0f} minutes on a 2-core "
               f"CPU ({shipped.steps} steps per network; seeds {', '.join(str(s) for s in shipped.seeds)}). "))
spread_text = "mean ± std over seeds" if len(study.seeds) > 1 else "one seed, no spread"
shown_variants = [v for v in study.accuracy if np.isfinite(study.accuracy[v]).any()]
show_figure(lambda: figures.lines_figure(
    list(study.scales), {v: study.mean(v) for v in shown_variants},
    spread={v: study.spread(v) for v in shown_variants} if len(study.seeds) > 1 else None, log_x=True,
    y_range=(0, 1.05), title=f"Accuracy against test scale (trained at 1×; {spread_text})",
    x_title="test scale (1 = the training size, 12 px)", y_title="accuracy"),
    "scale-accuracy", (tuple(shown_variants), study.seeds, study.scales, live))
table = pd.DataFrame({v: [f"{m:.2f} ± {d:.2f}" if len(study.seeds) > 1 else f"{m:.2f}"
                          for m, d in zip(study.mean(v), study.spread(v), strict=True)]
                      for v in shown_variants}, index=[f"{s:g}×" for s in study.scales]).T
st.dataframe(table)
st.download_button("Accuracies (CSV)", table.to_csv(), "scale-invariance.csv", "text/csv")
notice = "\n".join(f"- {line}" for line in what_to_notice(study))
st.markdown("**What to notice** (from the numbers above):\n\n" + notice)

st.subheader("The cat, near and far, through each network")
similarity = cached(feature_similarity)(cat_pixels(), shipped_models())
show_figure(lambda: figures.lines_figure(
    list(similarity.scales), dict(similarity.similarity), log_x=True, y_range=(0, 1.05),
    title="Cosine similarity of the pooled features to those at 1×, the cat's face at 0.25×–4×",
    x_title="size of the face (1 = 24 px in a 128-px canvas)", y_title="cosine similarity"), "cat-near-far", ())
st.caption("The shipped seed-0 networks, trained on shapes, read the bundled cat's face placed at each size. "
           "1 means the network's summary of the far cat is the same as of the near one.")

with st.expander("Train your own study (optional)"):
    c1, c2, c3 = st.columns([3, 1, 1])
    variants = tuple(c1.multiselect("Variants", VARIANTS, default=["global-max", "zoom-augmentation",
                                                                    "input-pyramid"], key="variants"))
    seed_count = c2.slider("Seeds", 1, 5, 1, key="seeds", help="Each variant is trained once per seed.")
    steps = c3.slider("Training steps", 50, 1000, 400, 50, key="steps")
    seconds = estimate_seconds(variants, seed_count, steps, shipped.step_seconds)
    st.caption(f"Estimated time: about {seconds:.0f} s (measured cost per step of each network × {steps} steps × "
               f"{seed_count} seed{'s' if seed_count > 1 else ''}); the result replaces the shipped one when it ends.")
    needed = int(shipped_data["steps_to_converge"])
    if steps < needed:
        st.warning(f"{steps} steps are fewer than the {needed} the shipped study needed before every variant's "
                   "accuracy at 1× stopped changing (by 3 points): some variants will still be learning.")
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
st.header("4 · Shift, the sibling of scale")
st.markdown(
    "Move the input right by 0 to 7 pixels. A stride-2 layer should move its output by half as "
    "much. 2×2 max pooling does so exactly for even shifts and jumps for odd ones; blur pooling "
    "(Zhang 2019, *Making convolutional networks shift-invariant again*) blurs before it "
    "subsamples and changes smoothly.")
try:
    shifts = cached(shift_study_of_image)(image.pixels)
except ScaleScopeError as error:
    st.warning(str(error))
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
