"""Coarse-to-fine search: find a patch at the top octave first, then refine down the pyramid."""

import streamlit as st

from core.errors import ScaleScopeError
from core.pyramids import level_sizes
from core.samples import SAMPLES
from core.search.lesson import TIMING_NOTE, compare_searches, cut_patch, max_search_levels, patch_from_box
from ui import figures, search_figures, search_snippets
from ui.cache import cached
from ui.present import Lesson
from ui.snippets import snippet
from ui.text import literal
from ui.widgets import current_image, show_figure, url_float, url_int

ASK = [  # what a teacher asks the class before revealing each section
    "Sliding a 66-pixel patch over a 451×300 photo, how many positions must an exhaustive search score? "
    "How few could a search down a pyramid get away with?",
    "At the smallest octave the patch is a few pixels wide. Where should the next, finer octave look, "
    "and how big a window does it need?",
    "Each extra level divides the top octave's positions by about 4. Why not use as many levels as "
    "possible?",
]

image = current_image()
height, width = image.pixels.shape[:2]


def default_patch() -> tuple[int, int, int]:
    """The sample's preset patch (the cat's eye), else a centred square; a link's patch wins."""
    sample = SAMPLES.get(image.key)
    if sample is not None and sample.patch is not None:
        top, left, side = sample.patch
    else:
        side = max(4, min(height, width) // 6)
        top, left = (height - side) // 2, (width - side) // 2
    side = url_int("side", side, 4, max(4, min(height, width) // 2))
    return url_int("top", top, 0, max(0, height - side)), url_int("left", left, 0, max(0, width - side)), side


st.title("🔎 Coarse-to-fine search")
lesson = Lesson(["Every position, or a pyramid's few", "Octave by octave: where the search looks",
                 "What more levels buy"])
lesson.intro(
    "To find the cat's eye by sliding a patch over the photo, an exhaustive search scores **every** "
    "position. A coarse-to-fine search scores every position only in the smallest octave, where "
    "there are 4× fewer per level, then looks again one octave finer in a small window around the "
    "best guess — and again, down to full resolution.")

if min(height, width) < 8:
    st.warning("This image is too small to search in: pick one at least 8 pixels on each side.")
    st.stop()


# Keep the patch inside this image even after another image is picked.
if st.session_state.get("patch_for") != image.digest:
    st.session_state["patch_top"], st.session_state["patch_left"], st.session_state["patch_side"] = default_patch()
    st.session_state["patch_for"] = image.digest
# A rectangle dragged on the image (previous run) becomes the patch.
dragged = ((st.session_state.get("figure-search-found") or {}).get("selection") or {}).get("box") or []
if dragged and dragged[-1] != st.session_state.get("applied_box"):
    st.session_state["applied_box"] = dragged[-1]
    patch = patch_from_box(dragged[-1], height, width)
    if patch is not None:
        st.session_state["patch_top"], st.session_state["patch_left"], st.session_state["patch_side"] = patch
largest = max(5, min(height, width) // 2)
st.session_state["patch_side"] = min(max(4, st.session_state["patch_side"]), largest)

with lesson.more():
    st.markdown("**The patch to look for** (or drag a box on the image in section 1)")
    c1, c2, c3 = st.columns(3)
    side = c3.slider("Side (pixels)", 4, largest, key="patch_side")
    st.session_state["patch_top"] = min(st.session_state["patch_top"], height - side)
    st.session_state["patch_left"] = min(st.session_state["patch_left"], width - side)
    top = c1.slider("Top", 0, height - side, key="patch_top")
    left = c2.slider("Left", 0, width - side, key="patch_left")
    c1, c2, c3 = st.columns(3)
    noise = c1.slider("Noise σ (grey levels)", 0.0, 60.0, url_float("noise", 0.0, 0.0, 60.0), 5.0, key="noise",
                      help="Perturb the patch so the search has to cope with a noisy copy.")
    brightness = c2.slider(
        "Brightness shift", -80.0, 80.0, url_float("brightness", 0.0, -80.0, 80.0), 10.0, key="brightness",
        help="NCC subtracts each window's mean and divides by its spread, so a brightness shift alone would "
             "change nothing — but the patch is clipped to 0…255, and pixels pushed past either end lose "
             "their detail, so a large shift lowers the score.")
    keep = c3.slider("Candidates kept (top-k)", 1, 8, url_int("keep", 1, 1, 8), key="keep",
                     help="Keep several guesses at each octave: it rescues repeated textures and small patches.")
deepest = max_search_levels(side)
levels = st.slider("Pyramid levels", 1, deepest, url_int("levels", min(4, deepest), 1, deepest), key="levels",
                   help=f"A {side}-pixel patch survives {deepest - 1} halvings with at least 2 pixels left.")
st.query_params.update(levels=str(levels), top=str(top), left=str(left), side=str(side),
                       noise=f"{noise:g}", brightness=f"{brightness:g}", keep=str(keep))
top_side = level_sizes(side, side, levels)[-1][0]
if top_side < 8 and levels > 1:
    st.info(f"At the top octave the patch is only {top_side}×{top_side} pixels: so little that it "
            "may look like many places. Watch whether both searches still agree.")

try:
    with st.spinner("Searching…"):
        template = cached(cut_patch)(image.pixels, top, left, side, noise=noise, brightness=brightness)
        report = cached(compare_searches)(image.pixels, template, levels, keep)
except ScaleScopeError as error:
    st.error(literal(error, limit=400))
    st.stop()

ex, c2f = report.exhaustive, report.coarse_to_fine
patch_args = (top, left, side, noise, brightness)

# ------------------------------------------------------------------------------------------
if lesson.section(0, ask=ASK[0]):
    show_figure(lambda: figures.add_selection_grid(cached(search_figures.boxes_figure)(image.pixels, [
        (top, left, side, side, "patch (cut here)", "#ffcc00", "inside"),
        (ex.y, ex.x, side, side, f"exhaustive · {ex.score:.3f}", "#00c853", "below"),
        (c2f.y, c2f.x, side, side, f"coarse-to-fine · {c2f.score:.3f}", "#ff2d55", "above"),
    ], title="Where each search found the patch"), height, width), "search-found", select="box")
    st.caption("Drag a box on the image to pick another patch.")   # a long figure title is cut at 800 px
    a, b, c = st.columns(3)
    a.metric("Positions scored, exhaustive", f"{ex.total_evaluations:,}")
    b.metric("Positions scored, coarse-to-fine", f"{c2f.total_evaluations:,}",
             delta=f"{report.evaluation_ratio:.2f}× of exhaustive", delta_color="off", delta_arrow="off")
    c.metric("Same place?", "yes" if report.same_place else "no")
    if not report.same_place:
        st.warning(
            "The coarse-to-fine search settled somewhere else: at the top octave the patch was too "
            "small or too much like another place, and the best guess there was wrong. Keep more "
            "candidates (top-k) or use fewer levels.")
    where = ("the same place" if report.same_place
             else f"another place, ({c2f.x}, {c2f.y}) with score {c2f.score:.3f}")
    lesson.notice(f"Exhaustive search scored {ex.total_evaluations:,} positions and found the patch at "
                  f"({ex.x}, {ex.y}) with score {ex.score:.3f}; coarse-to-fine scored "
                  f"{c2f.total_evaluations:,} ({report.evaluation_ratio:.1%} of them) and found {where}.")
    lesson.reproduce(snippet(image, search_snippets.exhaustive(*patch_args)),
                     result=(ex.y, ex.x, ex.score, ex.total_evaluations), tolerance=1e-5)

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    st.markdown(
        "Each map shows the score of every position evaluated at that octave (grey: not evaluated). "
        "Red boxes are the windows searched; crosses are the candidates passed down to the next octave.")
    trace = c2f.trace
    show_figure(lambda: cached(search_figures.score_maps_figure)(
        [t.scores for t in trace],
        [f"octave {t.level}: {t.evaluations:,} positions" for t in trace],
        [t.windows for t in trace], [[(y, x) for y, x, _ in t.candidates] for t in trace],
        cols=min(3, len(trace))), "search-octaves")
    st.caption("Path of the best candidate, coarsest first: " + " → ".join(
        f"({t.candidates[0][1]}, {t.candidates[0][0]}) at octave {t.level}" for t in trace if t.candidates))
    finer = (f"; the {len(trace) - 1} finer octave{'s' if len(trace) > 2 else ''} scored only "
             + ", ".join(f"{t.evaluations:,}" for t in trace[1:]) if len(trace) > 1 else
             "; with one level there is nothing to refine")
    lesson.notice(f"At the top octave {trace[0].level} every one of its {trace[0].evaluations:,} positions was "
                  f"scored{finer}, in windows around {keep} candidate{'s' if keep > 1 else ''}.")
    lesson.reproduce(snippet(image, search_snippets.coarse_to_fine(*patch_args, levels, keep)),
                     result=(c2f.y, c2f.x, c2f.score, *c2f.evaluations), tolerance=1e-9)

# ------------------------------------------------------------------------------------------
if lesson.section(2, ask=ASK[2]):
    show_figure(lambda: cached(search_figures.evaluations_figure)(
        report.levels_tried, report.evaluations_by_levels, ex.total_evaluations), "search-cost")
    st.markdown(
        "Each extra level divides the top octave's positions by about 4; the refinement windows add a "
        "fixed ~25 positions per candidate per level. Past a point the patch is so small at the top "
        "that it matches anything — try the brick wall (a repeated texture), or a small patch with "
        "many levels, and watch the searches disagree until you keep more candidates.")
    with lesson.more():
        a, b, c = st.columns(3)
        a.metric("Time, exhaustive", f"{report.exhaustive_ms:.1f} ms",
                 delta=f"± {report.exhaustive_spread_ms:.1f} ms", delta_color="off", delta_arrow="off")
        b.metric("Time, coarse-to-fine", f"{report.coarse_to_fine_ms:.1f} ms",
                 delta=f"± {report.coarse_to_fine_spread_ms:.1f} ms", delta_color="off", delta_arrow="off")
        c.metric("Time, coarse-to-fine ÷ exhaustive", f"{report.time_ratio:.2f}×")
        st.caption(TIMING_NOTE)
    fewest = min(report.evaluations_by_levels)
    best_levels = report.levels_tried[report.evaluations_by_levels.index(fewest)]
    lesson.notice(f"From 1 to {report.levels_tried[-1]} levels the positions scored fall from "
                  f"{report.evaluations_by_levels[0]:,} to {report.evaluations_by_levels[-1]:,}; the fewest, "
                  f"{fewest:,}, come with {best_levels} level{'s' if best_levels > 1 else ''} "
                  f"({fewest / max(ex.total_evaluations, 1):.2%} of exhaustive).")
    lesson.reproduce(snippet(image, search_snippets.cost_by_levels(*patch_args, report.levels_tried[-1], keep)),
                     result=report.evaluations_by_levels)
