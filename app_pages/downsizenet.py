"""DownsizeNet: a downsizer that looks at texture, trained by the task that uses its output."""

import hashlib

import pandas as pd
import streamlit as st

from core.downsizenet import DownsizeNet, output_size
from core.downsizenet.lesson import architecture, bilinear_check, coefficient_view, finished, snapshot, task_examples
from core.downsizenet.tasks import TextureTask
from core.downsizenet.compare import compare
from core.downsizenet.training import DEFAULT_METHODS, METHODS, TrainConfig, train
from core.downsizenet.weights import load_weights, save_weights
from core.errors import ScaleScopeError
from ui import figures
from ui.downsizenet_figures import architecture_figure, comparison_figure, examples_figure, training_curves_figure
from ui.imaging import png_bytes
from ui.widgets import current_image, show_figure, url_float

TASK = TextureTask()
TRAINING_SCALE = 0.3
CHANCE = 1 / len(TASK.classes)
CURVE_EVERY = 10          # steps between two redraws of the live curves
CORNER = (24, 32)         # output pixels of the special case's maps shown, so the pattern is visible
_NET, _RUN, _COMPARISON, _SEEN_UPLOAD = "dsn_net", "dsn_run", "dsn_comparison", "dsn_seen_upload"


def weights_digest(net: DownsizeNet) -> str:
    return hashlib.sha256(save_weights(net)).hexdigest()


@st.cache_data(max_entries=16, show_spinner=False)
def cached_bilinear_check(digest: str, scale: float, _pixels):
    return bilinear_check(_pixels, scale)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_view(digest: str, net_digest: str, scale: float, _net, _pixels):
    return coefficient_view(_net, _pixels, scale)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_examples(net_digest: str, _net):
    return task_examples(TASK, TRAINING_SCALE, _net)


@st.cache_data(max_entries=4, show_spinner=False)
def cached_weights(net_digest: str, _net) -> bytes:
    return save_weights(_net)


def learned() -> tuple[DownsizeNet | None, str]:
    """The network the later sections show: the last one trained or loaded."""
    entry = st.session_state.get(_NET)
    return (entry["net"], entry["label"]) if entry else (None, "")


def keep(net: DownsizeNet, label: str) -> None:
    st.session_state[_NET] = {"net": net, "label": label, "digest": weights_digest(net)}


image = current_image()
height, width = image.pixels.shape[:2]

st.title("🧠 DownsizeNet")
st.markdown(
    "Bilinear interpolation mixes the four pixels around each projected point by **distance "
    "alone**: the same weights on a smooth sky and on a fine fabric. DownsizeNet (Ma & Li) lets "
    "the **texture** change those weights: a few convolutions look at the full-resolution image, "
    "and a small layer turns what they see, together with the distances, into the mixing "
    "coefficients. Nothing tells it what a good small image is — the loss of the task that uses "
    "the small image trains it.")

# ------------------------------------------------------------------------------------------
st.header("1 · The architecture")
scale = st.slider("Output size ÷ input size", 0.1, 2.0, url_float("scale", 0.3, 0.1, 2.0), 0.01, key="dsn_scale",
                  help="0.3 is the paper's setting. Above 1 the same network enlarges.")
layers = st.radio("3×3 convolution layers", [2, 3, 4], horizontal=True, key="dsn_layers",
                  help="The paper uses 2 to 4 layers of 16 channels; 2 costs least.")
st.query_params["scale"] = f"{scale:g}"
size = output_size(height, width, scale)
shown_net = DownsizeNet(layers=layers)
stages = [(s.name, s.shape, s.parameters) for s in architecture(shown_net, height, width, size)]
show_figure(lambda: architecture_figure(stages, layers), "architecture", (height, width, size, layers))
st.caption(
    f"For this {width}×{height} image at {scale:g}×: every output pixel Q is projected onto the "
    "input (PyTorch's convention, src = (i + ½) · in/out − ½). P is the top-left of its 2×2 "
    "neighbours; the **selection pooling** takes the feature vector at P, the **distance map** "
    "holds where Q falls between the neighbours. "
    f"The whole network has {sum(p.numel() for p in shown_net.parameters()):,} parameters.")
if min(size) < 8:
    st.info(f"This image is tiny: at {scale:g}× it becomes {size[1]}×{size[0]} pixels, so the maps "
            "below have very few pixels. Pick a larger image or a larger scale to see more.")

# ------------------------------------------------------------------------------------------
st.header("2 · Bilinear is a special case")
st.markdown(
    "Put the bilinear weights (1−dx)(1−dy), dx(1−dy), (1−dx)dy and dx·dy in the distance map, "
    "let the 1×1 convolution copy them to the coefficients, drop the sigmoid — and DownsizeNet "
    "*is* bilinear interpolation. Here it is on your image, against PyTorch's own "
    "`F.interpolate(mode=\"bilinear\", align_corners=False)`:")
try:
    check = cached_bilinear_check(image.digest, scale, image.pixels)
    special = cached_view(image.digest, "bilinear", scale, DownsizeNet.as_bilinear(), image.pixels)
except ScaleScopeError as error:
    st.error(str(error))
    st.stop()
a, b = st.columns(2)
a.metric("max |DownsizeNet.as_bilinear() − F.interpolate|", f"{check.max_difference:.1e}",
         help="On the 0–1 scale, float32. PyTorch's own CPU kernels differ by about 3e-5 between "
              "instruction sets, so anything below 1e-4 means the same image.")
b.metric("Output size", f"{check.size[1]}×{check.size[0]}")
corner = tuple(special.bilinear[:, :CORNER[0], :CORNER[1]])
show_figure(lambda: figures.heatmap_grid_figure(
    list(corner), [f"{name} weight" for name in special.names], cols=4, low=0.0, high=1.0,
    colorbar_title="weight", max_side=400), "bilinear-weights", (image.digest, scale))
st.caption(f"The four coefficient maps of the special case (the top-left {corner[0].shape[1]}×"
           f"{corner[0].shape[0]} output pixels; zoom in). They depend only on *where* each output "
           "pixel lands, never on what the image shows: a regular pattern set by the scale.")

# ------------------------------------------------------------------------------------------
st.header("3 · A task where texture matters")
net, label = learned()
examples = cached_examples(st.session_state[_NET]["digest"] if net else "", net)
st.markdown(
    f"Images of {TASK.size}×{TASK.size} pixels hold a fine grating; its **orientation** is the "
    f"class ({', '.join(TASK.classes)}, each ±{TASK.jitter:g}°). Its frequency, "
    f"{TASK.frequencies[0]:g}–{TASK.frequencies[1]:g} cycles per pixel, lies just above what the "
    f"{TRAINING_SCALE}× image can hold ({examples.nyquist:.2f}). Area averaging blurs it away; "
    "bilinear and bicubic sample it and fold it into coarser stripes whose direction depends on the "
    "exact frequency. A small CNN classifies the downsized images; it is trained together with the "
    "downsizer.")
show_figure(lambda: examples_figure(examples.originals, examples.labels, examples.downsized),
            "task-examples", (st.session_state[_NET]["digest"] if net else "",))

# ------------------------------------------------------------------------------------------
st.header("4 · Train it")
c1, c2 = st.columns([3, 1])
steps = c1.slider("Training steps (batches of 32)", 20, 600, 150, 10, key="dsn_steps",
                  help="150 steps take a few seconds; the classifier keeps improving well past 300.")
seed = c2.number_input("Seed", 0, 99, 0, key="dsn_seed",
                       help="Fixes the starting weights and the training images.")
run_col, stop_col = st.columns([1, 5])
if run_col.button("Train DownsizeNet", type="primary", key="dsn_train"):
    stop_col.button("Stop", key="dsn_stop", help="Stops the run and keeps what it has learned so far.")
    progress = st.progress(0.0, text="Drawing the first batch…")
    live = st.empty()

    def on_step(p) -> bool:
        progress.progress(p.step / p.steps, text=f"step {p.step}/{p.steps} · loss {p.loss:.3f}")
        if p.step % CURVE_EVERY == 0 or p.step == p.steps:
            # Kept before drawing: a press on Stop ends this script run at the next drawing call.
            st.session_state[_RUN] = snapshot(p, seed)
            keep(st.session_state[_RUN].net, f"trained for {p.step} of {p.steps} steps, seed {seed}")
            live.plotly_chart(training_curves_figure(p.loss_steps, p.losses, p.accuracy_steps, p.accuracies,
                                                     steps=p.steps, chance=CHANCE), key=f"dsn-live-{p.step}")
        return True

    try:
        result = train(TASK, TrainConfig(steps=steps, seed=int(seed), layers=layers,
                                          scale=TRAINING_SCALE), on_step=on_step)
    except ScaleScopeError as error:
        st.error(str(error))
    else:
        st.session_state[_RUN] = finished(result)
        keep(result.downsizer, f"trained for {result.config.steps} steps, seed {result.config.seed}")
    progress.empty()
    live.empty()
run = st.session_state.get(_RUN)
if run is None:
    st.info(f"Press **Train DownsizeNet**: {steps} steps take a few seconds on a 2-core CPU. The "
            "loss and the accuracy on held-out images are drawn as it learns.")
else:
    show_figure(lambda: training_curves_figure(run.loss_steps, run.losses, run.accuracy_steps, run.accuracies,
                                               steps=run.steps, chance=CHANCE),
                "training-curves", (run.seed, run.steps, run.steps_done, run.losses[-1] if run.losses else 0))
    a, b, c = st.columns(3)
    if run.test_accuracy is None:
        a.metric("Stopped at step", f"{run.steps_done} of {run.steps}")
    else:
        a.metric("Test accuracy (1000 images)", f"{run.test_accuracy:.1%}",
                 help=f"Chance is {CHANCE:.0%}. Section 6 trains bilinear, bicubic and area with the same budget.")
    b.metric("Last validation accuracy", f"{run.accuracies[-1]:.1%}" if run.accuracies else "—")
    c.metric("Training time", f"{run.seconds:.1f} s" if run.seconds is not None else "—")

# ------------------------------------------------------------------------------------------
st.header("5 · Where it departs from bilinear")
net, label = learned()
if net is None:
    st.info("Train (or load) a network first: its coefficients on your image appear here.")
else:
    try:
        view = cached_view(image.digest, st.session_state[_NET]["digest"], scale, net, image.pixels)
    except ScaleScopeError as error:
        st.error(str(error))
    else:
        key = (image.digest, st.session_state[_NET]["digest"], scale)
        st.markdown(f"The network {label}, run on **your image** at {scale:g}×. Each map is one "
                    "neighbour's coefficient (0 to 1); compare them with the regular bilinear maps "
                    "of section 2.")
        show_figure(lambda: figures.heatmap_grid_figure(
            list(view.coefficients), [f"{name} coefficient" for name in view.names], cols=4, low=0.0, high=1.0,
            colorbar_title="coefficient", max_side=400), "learned-coefficients", key)
        show_figure(lambda: figures.heatmap_grid_figure(
            [view.departure, view.texture_effect],
            ["departure from bilinear", "what the texture changes (against a flat image)"], cols=2,
            low=0.0, high=1.0, colorbar_title="½ Σ |difference|", max_side=600), "departure", key)
        a, b = st.columns(2)
        a.metric("Mean departure from bilinear", f"{view.mean_departure:.3f}",
                 help="½ Σ |coefficient − bilinear weight|: 0 mixes exactly like bilinear; 1 moves "
                      "all the weight to other neighbours.")
        b.metric("Mean change caused by the texture", f"{view.mean_texture_effect:.3f}",
                 help="½ Σ |coefficient − coefficient on a flat image of the same size|: how much "
                      "the picture's content, not the pixel's position, moves the weights.")
        st.markdown(
            "Read the two maps together. The left one is everything that differs from bilinear. "
            "The right one keeps only what the **content** causes: the same network run on a "
            "featureless image gives the coefficients that depend on position alone. A regular "
            "grid on the left with a dark right map means the network has learned a different "
            "*fixed* rule (for instance: take one neighbour instead of blending); bright edges "
            "and texture on the right are where it reacts to what it sees.")
        show_figure(lambda: figures.image_grid_figure(
            [view.bilinear_output, view.output], ["bilinear", f"DownsizeNet ({label})"], cols=2,
            match_axes=True, max_side=1024), "outputs", key)
        st.caption("Zoom into one: both follow.")
        st.download_button("DownsizeNet result (PNG)", lambda: png_bytes(view.output), "downsizenet.png",
                           "image/png", key="dsn_download_png")

# ------------------------------------------------------------------------------------------
st.header("6 · Against fixed resizes")
st.markdown(
    "One run proves little. This trains the **same classifier** with each downsizer — the learned "
    "one and fixed PyTorch resizes — for the same "
    f"number of steps ({steps}, from the slider above), on the same images, once per seed — the "
    "seed is the only other thing that changes — and tests each on the same 1000 images.")
c1, c2 = st.columns([3, 1])
methods = c1.multiselect("Methods", METHODS, default=list(DEFAULT_METHODS), key="dsn_methods")
seeds = c2.slider("Seeds", 1, 5, 3, key="dsn_seeds")
run_col, stop_col = st.columns([1, 5])
if run_col.button("Run the comparison", key="dsn_compare"):
    stop_col.button("Stop", key="dsn_compare_stop", help="Stops the comparison; nothing is kept.")
    progress = st.progress(0.0, text="Starting…")

    def report(fraction: float, message: str) -> bool:
        progress.progress(min(1.0, fraction), text=message)
        return True

    try:
        st.session_state[_COMPARISON] = compare(
            TASK, tuple(methods), tuple(range(seeds)),
            TrainConfig(steps=steps, layers=layers, scale=TRAINING_SCALE), on_progress=report)
    except ScaleScopeError as error:
        st.error(str(error))
    progress.empty()
comparison = st.session_state.get(_COMPARISON)
if comparison is None:
    st.info(f"Press **Run the comparison**: {len(methods)} methods × {seeds} seeds × {steps} steps. "
            "At the defaults that is under half a minute on a 2-core CPU; a DownsizeNet run costs "
            "about four fixed-method runs.")
else:
    show_figure(lambda: comparison_figure(list(comparison.methods), comparison.accuracy, list(comparison.seeds),
                                          chance=CHANCE),
                "comparison", (comparison.methods, comparison.seeds, comparison.config, comparison.accuracy.tobytes()))
    rows = comparison.table()
    table = pd.DataFrame({
        "method": [r["method"] for r in rows],
        "test accuracy (mean ± std)": [f"{r['mean accuracy']:.3f} ± {r['std over seeds']:.3f}" for r in rows],
        **{f"seed {s}": [r[f"seed {s}"] for r in rows] for s in comparison.seeds},
        "seconds per run": [r["seconds per run"] for r in rows],
    }).set_index("method")
    st.dataframe(table)
    st.download_button("Comparison (CSV)", pd.DataFrame(rows).to_csv(index=False), "downsizenet-comparison.csv",
                       "text/csv", key="dsn_download_csv")
    st.caption(
        f"Standard deviation over {len(comparison.seeds)} seeds (n − 1). Chance is {CHANCE:.0%}. "
        f"Steps: {comparison.config.steps}; batch {comparison.config.batch}; Adam, learning rate "
        f"{comparison.config.lr:g}. The DownsizeNet rows cost more time per step: its convolutions "
        "run on the full-resolution images.")
    st.markdown(
        "What to notice: area (and any antialiased resize) removes the grating before the "
        "classifier sees it, so it stays near chance — right for a photo, wrong for this task. "
        "Bilinear and bicubic blend neighbours and keep a weakened, folded trace. **Nearest** "
        "neither blends nor looks at texture: if DownsizeNet and nearest are close, most of the "
        "learned downsizer's gain over bilinear comes from *not blending*, not from reading the "
        "texture — section 5's texture map shows which. How much the seeds disagree is part of "
        "the answer.")

# ------------------------------------------------------------------------------------------
st.header("Save and load weights")
st.markdown("Weights travel as **safetensors**: tensors and a few lines of text, never pickled "
            "Python objects, so loading a file cannot run code.")
net, label = learned()
a, b = st.columns(2)
if net is not None:
    net_digest = st.session_state[_NET]["digest"]
    a.download_button("Download weights (.safetensors)", lambda: cached_weights(net_digest, net),
                      "downsizenet.safetensors", "application/octet-stream", key="dsn_download_weights")
    a.caption(f"The network {label}.")
else:
    a.caption("Train a network to download its weights.")
upload = b.file_uploader("Load weights (.safetensors)", type=["safetensors"], key="dsn_upload")
if upload is not None and upload.file_id != st.session_state.get(_SEEN_UPLOAD, (None,))[0]:
    try:
        loaded = load_weights(upload.getvalue(), in_channels=3)
    except ScaleScopeError as error:
        st.session_state[_SEEN_UPLOAD] = (upload.file_id, f"“{upload.name}” was not loaded. {error}")
    else:
        keep(loaded, f"loaded from {upload.name}")
        st.session_state[_SEEN_UPLOAD] = (upload.file_id, None)
        st.rerun()      # sections above this one show the loaded network
if upload is not None:
    problem = st.session_state.get(_SEEN_UPLOAD, (None, None))[1]
    if problem:
        b.error(problem)
    elif net is not None:
        b.success(f"Using {label}: {net.layers} layers of {net.channels} channels, K = {net.taps}, "
                  f"{net.activation}.")
