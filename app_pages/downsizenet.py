"""DownsizeNet: a downsizer that looks at texture, trained by the task that uses its output."""

import pandas as pd
import streamlit as st

from core.downsizenet import DownsizeNet, output_size
from core.downsizenet.cards import TASKS
from core.downsizenet.lesson import (
    TEXTURE_IGNORED_BELOW,
    architecture,
    best_fixed,
    bilinear_check,
    card_rows,
    coefficient_view,
    finished,
    generalisation,
    shipped_network,
    snapshot,
    task_examples,
    training_estimate,
)
from core.downsizenet.opencv import opencv_gap
from core.downsizenet.tasks import TextureTask
from core.downsizenet.training import TrainConfig, train
from core.downsizenet.weights import load_weights, save_weights
from core.errors import ScaleScopeError
from ui import downsizenet_snippets as snippets
from ui import figures
from ui.cache import cached
from ui.downsizenet_figures import architecture_figure, examples_figure, training_curves_figure
from ui.imaging import png_bytes
from ui.present import Lesson
from ui.snippets import snippet
from ui.text import literal
from ui.widgets import current_image, show_figure, url_choice, url_float, url_int

TASK = TextureTask()
TRAINING_SCALE = 0.3
CHANCE = 1 / len(TASK.classes)
CURVE_EVERY = 10          # steps between two redraws of the live curves
CORNER = (24, 32)         # output pixels of the special case's maps shown, so the pattern is visible
TASK_TITLES = {"reconstruction": "reconstruction (downsize, fixed bicubic upsample, L1 against the original)",
               "texture": "texture classification (oriented gratings, trained with a classifier)"}
TASK_NAMES = {"reconstruction": "reconstruction", "texture": "texture classification"}
_NET, _RUN, _SEEN_UPLOAD = "dsn_net", "dsn_run", "dsn_seen_upload"
ASK = [
    "Bilinear mixes four pixels by distance alone. What else could a downsizer look at to choose the weights?",
    "If we feed the distance weights straight through, what must the network's result be?",
    "Where on a photograph should a texture-aware downsizer mix pixels differently from bilinear?",
    "A network trained to reconstruct photographs: will it beat area averaging, and by how much?",
    "Stripes finer than the small grid can hold: what will area averaging make of them? And bilinear?",
    "How many steps does a small network need before it beats chance at telling four orientations apart?",
]


def yours() -> tuple[DownsizeNet | None, str]:
    """The network trained or loaded on this page, if any."""
    entry = st.session_state.get(_NET)
    return (entry["net"], entry["label"]) if entry else (None, "")


def keep(net: DownsizeNet, label: str) -> None:
    st.session_state[_NET] = {"net": net, "label": label}


image = current_image()
height, width = image.pixels.shape[:2]

st.title("🧠 DownsizeNet")
lesson = Lesson(["The architecture", "Bilinear is a special case", "A trained DownsizeNet on your image",
                 "How the shipped network was trained, and how it scores", "The texture task",
                 "Train your own (exploration)"])
lesson.intro(
    "Bilinear interpolation mixes the four pixels around each projected point by **distance "
    "alone**: the same weights on a smooth sky and on a fine fabric. DownsizeNet (Ma & Li) lets "
    "the **texture** change those weights: a few convolutions look at the full-resolution image, "
    "and a small layer turns what they see, together with the distances, into the mixing "
    "coefficients. The loss of the task that uses the small image trains it.")
left, right = st.columns([2, 3])
scale = url_float("scale", 0.3, 0.1, 2.0)
if not lesson.present or lesson.step <= 3:      # sections 1–3 resize at this scale
    scale = left.slider("Output size ÷ input size", 0.1, 2.0, scale, 0.01, key="dsn_scale",
                        help="0.3 is the paper's setting. Above 1 the same network enlarges.")
task = url_choice("task", "reconstruction", list(TASKS))
if not lesson.present or lesson.step in (3, 4):  # sections 3 and 4 show the network trained for this task
    task = right.radio("Trained for", list(TASKS), index=list(TASKS).index(task), horizontal=True, key="dsn_task",
                       format_func=TASK_NAMES.__getitem__, help=" · ".join(TASK_TITLES.values()))
st.query_params.update(scale=f"{scale:g}", task=task)
size = output_size(height, width, scale)
try:
    shipped, card = shipped_network(task)
except ScaleScopeError as error:
    st.error(str(error))
    st.stop()

# ------------------------------------------------------------------------------------------
if lesson.section(0, ask=ASK[0]):
    shown_net = DownsizeNet.as_bilinear()
    stages = [(s.name, s.shape, s.parameters) for s in architecture(shown_net, height, width, size)]
    show_figure(lambda: architecture_figure(stages, shown_net.layers), "architecture", (height, width, size))
    parameters = sum(p.numel() for p in shown_net.parameters())
    st.caption(
        f"For this {width}×{height} image at {scale:g}×: every output pixel Q is projected onto the "
        "input (PyTorch's convention, src = (i + ½) · in/out − ½). P is the top-left of its 2×2 "
        "neighbours; the **selection pooling** takes the feature vector at P, the **distance map** "
        f"holds where Q falls between the neighbours. The whole network has {parameters:,} parameters.")
    if min(size) < 8:
        st.info(f"This image is tiny: at {scale:g}× it becomes {size[1]}×{size[0]} pixels, so the maps "
                "below have very few pixels. Pick a larger image or a larger scale to see more.")
    lesson.notice(f"At {scale:g}× this {width}×{height} image becomes {size[1]}×{size[0]}: each of the "
                  f"{size[0] * size[1]:,} output pixels mixes its {shown_net.taps} neighbours with weights that "
                  f"{parameters:,} parameters compute from the texture around it.")
    lesson.reproduce(snippet(image, snippets.architecture(scale)), result=(*size, parameters))

# ------------------------------------------------------------------------------------------
if lesson.section(1, ask=ASK[1]):
    st.markdown(
        "Put the bilinear weights (1−dx)(1−dy), dx(1−dy), (1−dx)dy and dx·dy in the distance map, "
        "let the 1×1 convolution copy them to the coefficients, drop the sigmoid — and DownsizeNet "
        "*is* bilinear interpolation. Here it is on your image, against PyTorch's own "
        "`F.interpolate(mode=\"bilinear\", align_corners=False)` and OpenCV's `cv2.resize(INTER_LINEAR)`:")
    try:
        with st.spinner("Resizing…"):
            check = cached(bilinear_check)(image.pixels, scale)
            special = cached(coefficient_view)(DownsizeNet.as_bilinear(), image.pixels, scale)
            gap = cached(opencv_gap)(check.ours, image.pixels)
    except ScaleScopeError as error:
        st.error(str(error))
        st.stop()
    a, b, c = st.columns(3)
    a.metric("max |DownsizeNet.as_bilinear() − F.interpolate|", f"{check.max_difference:.1e}",
             help="On the 0–1 scale, float32. PyTorch's own CPU kernels differ by about 3e-5 between "
                  "instruction sets, so anything below 1e-4 means the same image.")
    b.metric("max |as_bilinear() − cv2 INTER_LINEAR| (grey levels)", f"{gap.linear_max}",
             help="OpenCV computes 8-bit bilinear in fixed point, so one grey level is rounding.")
    c.metric("Output size", f"{check.size[1]}×{check.size[0]}")
    corner = tuple(special.bilinear[:, :CORNER[0], :CORNER[1]])
    with lesson.more():
        show_figure(lambda: figures.heatmap_grid_figure(
            list(corner), [f"{name} weight" for name in special.names], cols=4, low=0.0, high=1.0,
            colorbar_title="weight", max_side=400), "bilinear-weights", (image.digest, scale))
        st.caption(f"The four coefficient maps of the special case (the top-left {corner[0].shape[1]}×"
                   f"{corner[0].shape[0]} output pixels; zoom in). They depend only on *where* each output "
                   "pixel lands, never on what the image shows: a regular pattern set by the scale.")
    lesson.notice(f"With the bilinear weights DownsizeNet matches F.interpolate to {check.max_difference:.0e} and "
                  f"OpenCV's INTER_LINEAR to {gap.linear_max} grey level(s): the same interpolation, "
                  "three implementations.")
    lesson.reproduce(snippet(image, snippets.special_case(scale)),
                     result=(check.max_difference, gap.linear_max), tolerance=1e-5)

# ------------------------------------------------------------------------------------------
@lesson.live_section(2, ask=ASK[2])
def trained_network_on_your_image() -> None:
    own, own_label = yours()
    which = "shipped"
    if own is not None:
        with lesson.more():
            which = st.radio("Network shown", ["shipped", "yours"], horizontal=True, key="dsn_which",
                             format_func=lambda w: f"the shipped {task} network" if w == "shipped"
                             else f"yours ({own_label})")
    net, label = (own, own_label) if which == "yours" and own is not None else (shipped, f"trained for {task}")
    try:
        with st.spinner("Running the network on your image…"):
            view = cached(coefficient_view)(net, image.pixels, scale)
            gap = cached(opencv_gap)(view.output, image.pixels)
    except ScaleScopeError as error:
        st.error(str(error))
        lesson.notice("This network cannot run on this image at this scale; the message above says why.")
    else:
        key = (image.digest, which, task, scale, own_label)
        st.markdown(f"The network {label}, run on **your image** at {scale:g}×. Each map is one "
                    "neighbour's coefficient (0 to 1); compare them with the regular bilinear maps of section 2.")
        with lesson.more():
            show_figure(lambda: figures.heatmap_grid_figure(
                list(view.coefficients), [f"{name} coefficient" for name in view.names], cols=4, low=0.0,
                high=1.0, colorbar_title="coefficient", max_side=400), "learned-coefficients", key)
        show_figure(lambda: figures.heatmap_grid_figure(
            [view.departure, view.texture_effect],
            ["departure from bilinear", "what the texture changes (against a flat image)"], cols=2,
            low=0.0, high=max(0.05, float(view.texture_effect.max()), float(view.departure.max())),
            colorbar_title="½ Σ |difference|", max_side=600), "departure", key)
        a, b = st.columns(2)
        a.metric("Mean departure from bilinear", f"{view.mean_departure:.3f}",
                 help="½ Σ |coefficient − bilinear weight|: 0 mixes exactly like bilinear; 1 moves "
                      "all the weight to other neighbours.")
        b.metric("Mean change caused by the texture", f"{view.mean_texture_effect:.3f}",
                 help="½ Σ |coefficient − coefficient on a flat image of the same size|: how much "
                      "the picture's content, not the pixel's position, moves the weights.")
        a, b = st.columns(2)
        a.metric("Mean |result − cv2 INTER_AREA| (grey levels)", f"{gap.area_mean:.2f}")
        b.metric("Mean |result − cv2 INTER_LINEAR| (grey levels)", f"{gap.linear_mean:.2f}")
        if view.mean_texture_effect < TEXTURE_IGNORED_BELOW:
            st.warning(f"On this image the network {label} **ignores the texture**: its coefficients move "
                       f"by {view.mean_texture_effect:.4f} on average between this image and a flat one "
                       f"(below {TEXTURE_IGNORED_BELOW}). It has learned a fixed rule of position, not a "
                       "texture-aware one." + (" Trained on gratings, it reacts to gratings, not to photographs; "
                                               "the reconstruction network does." if which == "shipped"
                                               and task == "texture" else ""))
        else:
            st.caption("The left map is everything that differs from bilinear; the right one keeps only what the "
                       "**content** causes (the same network on a featureless image gives the coefficients that "
                       "depend on position alone). Bright edges and texture on the right are where it reacts.")
        with lesson.more():
            show_figure(lambda: figures.image_grid_figure(
                [view.bilinear_output, view.output], ["bilinear", f"DownsizeNet ({label})"], cols=2,
                match_axes=True, max_side=1024), "outputs", key)
            if not lesson.present:
                st.download_button("DownsizeNet result (PNG)", lambda: png_bytes(view.output), "downsizenet.png",
                                   "image/png", key="dsn_download_png")
        nearer = "INTER_LINEAR" if gap.linear_mean < gap.area_mean else "INTER_AREA"
        lesson.notice(f"The network {label} departs from bilinear by {view.mean_departure:.3f} on average, "
                      f"{view.mean_texture_effect:.3f} of it caused by the content; its result lies nearer "
                      f"OpenCV's {nearer} ({min(gap.linear_mean, gap.area_mean):.2f} grey levels) than its "
                      f"{'INTER_AREA' if nearer == 'INTER_LINEAR' else 'INTER_LINEAR'} "
                      f"({max(gap.linear_mean, gap.area_mean):.2f}).")
        if which == "shipped":
            lesson.reproduce(snippet(image, snippets.trained(task, scale)),
                             result=(view.mean_texture_effect, gap.area_mean, gap.linear_mean), tolerance=1e-3)

# ------------------------------------------------------------------------------------------
if lesson.section(3, ask=ASK[3]):
    metrics = card["metrics"]
    lower = metrics["lower_is_better"]
    st.markdown(f"**Task:** {TASK_TITLES[task]}. **Metric:** {metrics['name']} "
                f"({'lower' if lower else 'higher'} is better); {metrics['test']}.")
    rows = card_rows(card)
    st.dataframe(pd.DataFrame({
        "method": [r.method for r in rows],
        f"{'error' if lower else 'accuracy'} (mean ± std over seeds)": [
            f"{r.mean:.3f} ± {r.std:.3f} ({r.seeds} seeds)" if r.std is not None else f"{r.mean:.3f} (one value: no "
            "training, same test set)" for r in rows]}).set_index("method"))
    st.code(card["command"], language="bash")
    st.caption(f"Seeds {', '.join(str(s) for s in card['seeds'])} (the file holds seed {card['seed']}, which "
               f"scores {metrics['downsizenet']['per_seed'][0]:.3f}); {card['steps']} steps of {card['batch_size']}; "
               f"{card['train_seconds']:.0f} s of training in all on {card['machine']}.")
    with lesson.more():
        textures = metrics["texture_change_per_photo"]
        st.markdown("**Texture change per bundled photo** (mean over the 3 trained seeds, at 0.3×): " + ", ".join(
            f"{name} {v['mean']:.3f}" for name, v in textures.items()) + ".")
        st.markdown(generalisation(card, shipped_network("texture")[1]))
    learned, best = best_fixed(card)
    wins = learned.mean < best.mean if lower else learned.mean > best.mean
    lesson.notice(f"DownsizeNet scores {learned.mean:.3f} ± {learned.std or 0:.3f}; the best fixed method, "
                  f"{best.method}, {best.mean:.3f}: the learned downsizer {'wins' if wins else 'does not win'} by "
                  f"{abs(learned.mean - best.mean):.3f}, {abs(learned.mean - best.mean) / (learned.std or 1):.1f} "
                  "times its spread over seeds.")
    if task == "reconstruction":
        lesson.reproduce(snippets.scores(), result=(metrics["downsizenet"]["per_seed"][0],
                                                    metrics["fixed"]["bilinear"]["mean"]), tolerance=1e-3)

# ------------------------------------------------------------------------------------------
if lesson.section(4, ask=ASK[4]):
    examples = cached(task_examples)(TASK, TRAINING_SCALE, shipped_network("texture")[0])
    st.markdown(
        f"Images of {TASK.size}×{TASK.size} pixels hold a fine grating; its **orientation** is the "
        f"class ({', '.join(TASK.classes)}, each ±{TASK.jitter:g}°). Area averaging blurs it away; bilinear and "
        "bicubic fold it into coarser stripes. The DownsizeNet column is the shipped texture network.")
    show_figure(lambda: examples_figure(examples.originals, examples.labels, examples.downsized), "task-examples")
    lesson.notice(f"The gratings have {TASK.frequencies[0]:g}–{TASK.frequencies[1]:g} cycles per pixel, above the "
                  f"{examples.nyquist:.2f} that the {TRAINING_SCALE:g}× image can hold: every fixed method must "
                  "blur them away or fold them into false stripes.")
    lesson.reproduce(snippets.nyquist(TASK.size, TRAINING_SCALE), result=examples.nyquist, tolerance=1e-12)

# ------------------------------------------------------------------------------------------
if lesson.section(5, ask=ASK[5]):
    texture_card = shipped_network("texture")[1]
    c1, c2, c3 = st.columns([3, 1, 1])
    steps = c1.slider("Training steps (batches of 32)", 20, 600, url_int("steps", 150, 20, 600), 10, key="dsn_steps",
                      help="The shipped texture network had 300 steps per seed.")
    seed = c2.number_input("Seed", 0, 99, url_int("seed", 0, 0, 99), key="dsn_seed",
                           help="Fixes the starting weights and the training images.")
    layers = c3.radio("Conv layers", [2, 3, 4], index=url_int("layers", 2, 2, 4) - 2, horizontal=True,
                      key="dsn_layers")
    st.query_params.update(steps=str(steps), seed=str(int(seed)), layers=str(layers))
    estimate = training_estimate(texture_card, steps, layers=layers)
    st.caption(f"Estimated time: about {estimate:.0f} s (measured {texture_card['train_seconds']:.0f} s for "
               f"{texture_card['steps']} steps × {len(texture_card['seeds'])} seeds when the shipped network was "
               "trained, scaled to these steps and layers; a busy machine takes longer).")
    run_col, stop_col = st.columns([1, 5])
    if run_col.button("Train DownsizeNet", type="primary", key="dsn_train"):
        stop_col.button("Stop", key="dsn_stop", help="Stops the run and keeps what it has learned so far.")
        progress = st.progress(0.0, text="Drawing the first batch…")
        live = st.empty()

        def on_step(p) -> bool:
            progress.progress(p.step / p.steps, text=f"step {p.step} of {p.steps} · loss {p.loss:.3f}")
            if p.step % CURVE_EVERY == 0 or p.step == p.steps:
                # Kept before drawing: a press on Stop ends this script run at the next drawing call.
                st.session_state[_RUN] = snapshot(p, seed)
                keep(st.session_state[_RUN].net, f"trained for {p.step} of {p.steps} steps, seed {seed}")
                live.plotly_chart(training_curves_figure(p.loss_steps, p.losses, p.accuracy_steps, p.accuracies,
                                                         steps=p.steps, chance=CHANCE), key=f"dsn-live-{p.step}")
            return True

        try:
            result = train(TASK, TrainConfig(steps=steps, seed=int(seed), layers=layers, scale=TRAINING_SCALE),
                           on_step=on_step)
        except ScaleScopeError as error:
            st.error(str(error))
        else:
            st.session_state[_RUN] = finished(result)
            keep(result.downsizer, f"trained for {result.config.steps} steps, seed {result.config.seed}")
        progress.empty()
        live.empty()
        st.rerun()          # section 3 offers the new network
    run = st.session_state.get(_RUN)
    if run is None:
        st.info(f"Press **Train DownsizeNet**: {steps} steps on the texture task. The loss and the accuracy on "
                "held-out images are drawn as it learns; section 3 then shows your network beside the shipped one.")
        lesson.notice(f"Nothing trains until you press the button: {steps} steps with {layers} conv layers should "
                      f"take about {estimate:.0f} s; chance on four orientations is {CHANCE:.0%}.")
    else:
        show_figure(lambda: training_curves_figure(run.loss_steps, run.losses, run.accuracy_steps, run.accuracies,
                                                   steps=run.steps, chance=CHANCE),
                    "training-curves", (run.seed, run.steps, run.steps_done, run.losses[-1] if run.losses else 0))
        a, b, c = st.columns(3)
        if run.test_accuracy is None:
            a.metric("Stopped at step", f"{run.steps_done} of {run.steps}")
        else:
            a.metric("Test accuracy (1000 images)", f"{run.test_accuracy:.1%}", help=f"Chance is {CHANCE:.0%}.")
        b.metric("Last validation accuracy", f"{run.accuracies[-1]:.1%}" if run.accuracies else "—")
        c.metric("Training time", f"{run.seconds:.1f} s" if run.seconds is not None else "—")
        last = run.accuracies[-1] if run.accuracies else CHANCE
        lesson.notice(f"After {run.steps_done} of {run.steps} steps the validation accuracy is {last:.0%}, "
                      f"{'above' if last > CHANCE + 0.05 else 'near'} the {CHANCE:.0%} of chance.")
        if run.test_accuracy is not None:
            lesson.reproduce(snippets.training(run.steps, run.seed, layers, TRAINING_SCALE),
                             result=run.test_accuracy, tolerance=0.01)

    with lesson.more():
        st.subheader("Save and load weights")
        st.markdown("Weights travel as **safetensors**: tensors and a few lines of text, never pickled "
                    "Python objects, so loading a file cannot run code.")
        own, own_label = yours()
        a, b = st.columns(2)
        if own is not None:
            a.download_button("Download weights (.safetensors)", lambda: cached(save_weights)(own),
                              "downsizenet.safetensors", "application/octet-stream", key="dsn_download_weights")
            a.caption(f"The network {own_label}.")
        else:
            a.caption("Train a network to download its weights.")
        upload = b.file_uploader("Load weights (.safetensors)", type=["safetensors"], key="dsn_upload")
        if upload is not None and upload.file_id != st.session_state.get(_SEEN_UPLOAD, (None,))[0]:
            try:
                loaded = load_weights(upload.getvalue(), in_channels=3)
            except ScaleScopeError as error:
                problem = f"“{literal(upload.name)}” was not loaded. {literal(error, 400)}"
                st.session_state[_SEEN_UPLOAD] = (upload.file_id, problem)
            else:
                keep(loaded, f"loaded from {literal(upload.name)}")
                st.session_state[_SEEN_UPLOAD] = (upload.file_id, None)
                st.session_state["dsn_which"] = "yours"
                st.rerun()      # sections above this one show the loaded network
        if upload is not None:
            problem = st.session_state.get(_SEEN_UPLOAD, (None, None))[1]
            if problem:
                b.error(problem)
            elif own is not None:
                b.success(f"Using the network {own_label}: {own.layers} layers of {own.channels} channels, "
                          f"K = {own.taps}, {own.activation}.")
