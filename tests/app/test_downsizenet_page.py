"""The DownsizeNet lesson through AppTest: the special case, a short training run, weights."""

import io

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save

from core.downsizenet import DownsizeNet
from core.downsizenet.weights import save_weights
from tests.app.helpers import figures, metric, no_exception, open_page

MAX_DIFFERENCE = "max |DownsizeNet.as_bilinear()"


def _page(query=None):
    return open_page("app_pages/downsizenet.py", query)


def test_the_page_renders_and_the_special_case_matches_bilinear():
    at = _page()
    no_exception(at)
    assert {"architecture", "bilinear-weights", "task-examples"} <= set(figures(at))
    assert float(metric(at, MAX_DIFFERENCE)) < 1e-4
    assert metric(at, "Output size") == "135×90"           # the 451×300 cat at 0.3×
    assert any("Train DownsizeNet" in i.value for i in at.info)
    # the drawing has a box per stage: 2 convolutions by default, 4 when asked
    boxes = len(figures(at)["architecture"]["layout"]["shapes"])
    at.radio(key="dsn_layers").set_value(4).run()
    assert len(figures(at)["architecture"]["layout"]["shapes"]) == boxes + 2


def test_other_scales_keep_the_special_case_exact_and_reach_the_url():
    at = _page()
    for scale, size in ((0.77, "347×231"), (0.5, "226×150"), (1.5, "677×450")):
        at.slider(key="dsn_scale").set_value(scale).run()
        no_exception(at)
        assert metric(at, "Output size") == size
        assert float(metric(at, MAX_DIFFERENCE)) < 1e-4
    assert at.query_params["scale"] in ("1.5", ["1.5"])


def test_a_short_training_run_fills_the_curves_maps_and_comparison():
    at = _page()
    at.slider(key="dsn_steps").set_value(20).run()
    at.button(key="dsn_train").click().run(timeout=120)
    no_exception(at)
    shown = figures(at)
    assert {"training-curves", "learned-coefficients", "departure", "outputs"} <= set(shown)
    curves = shown["training-curves"]["data"]
    assert len(curves[0]["x"]) == 20 and len(curves[1]["x"]) == 1      # loss per step, accuracy at the end
    accuracy = float(metric(at, "Test accuracy").rstrip("%")) / 100
    assert 0 <= accuracy <= 1
    assert len(shown["learned-coefficients"]["data"]) == 4 + 1        # K maps and the colour bar
    assert 0 <= float(metric(at, "Mean departure")) <= 1

    at.multiselect(key="dsn_methods").set_value(["downsizenet", "bilinear", "area"])
    at.slider(key="dsn_seeds").set_value(2).run()
    at.button(key="dsn_compare").click().run(timeout=180)
    no_exception(at)
    table = at.dataframe[0].value
    assert list(table.index) == ["downsizenet", "bilinear", "area"]
    assert {"seed 0", "seed 1"} <= set(table.columns)
    assert table["seed 0"].between(0, 1).all()
    assert "comparison" in figures(at)


def test_weights_load_from_a_safetensors_upload_and_bad_files_get_a_sentence():
    at = _page()
    torch.manual_seed(0)
    net = DownsizeNet(layers=3, neighbourhood=4, activation="softmax", init="random")   # K = 16
    at.file_uploader(key="dsn_upload").set_value(("mine.safetensors", save_weights(net),
                                                  "application/octet-stream")).run()
    no_exception(at)
    assert any("loaded from mine.safetensors" in s.value for s in at.success)
    shown = figures(at)
    assert {"departure", "outputs"} <= set(shown)
    assert len(shown["learned-coefficients"]["data"]) == 16 + 1      # K maps and the colour bar
    assert any(b.label.startswith("Download weights") for b in at.get("download_button"))

    state = {k: v.contiguous() for k, v in DownsizeNet().state_dict().items()}
    state["head.weight"] = torch.zeros(4, 7, 1, 1)
    for name, data in (("shape.safetensors", save(state)), ("junk.safetensors", b"\x00" * 40)):
        fresh = _page()
        fresh.file_uploader(key="dsn_upload").set_value((name, data, "application/octet-stream")).run()
        no_exception(fresh)
        assert len(fresh.error) == 1 and fresh.error[0].value.startswith(f"“{name}” was not loaded.")
        assert "learned-coefficients" not in figures(fresh)


def test_a_one_pixel_upload_gets_sentences_not_tracebacks():
    for side in (1, 12):
        buffer = io.BytesIO()
        Image.fromarray(np.full((side, side, 3), 90, np.uint8)).save(buffer, "PNG")
        at = _page()
        at.file_uploader(key="uploader").set_value(("tiny.png", buffer.getvalue(), "image/png")).run()
        no_exception(at)
        assert any("tiny" in i.value for i in at.info)
        assert float(metric(at, MAX_DIFFERENCE)) < 1e-4
