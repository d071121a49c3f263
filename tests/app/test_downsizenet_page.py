"""The DownsizeNet lesson through AppTest: the special case, a short training run, weights."""

import io
import re

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save

from core.downsizenet import DownsizeNet
from core.downsizenet.weights import save_weights
from tests.app.helpers import figures, metric, no_exception, open_page

MAX_DIFFERENCE = "max |DownsizeNet.as_bilinear()"


def _page(query=None):
    return open_page("app_pages/downsizenet.py", query)


def test_the_page_opens_on_the_shipped_network_with_a_visible_texture_effect():
    at = _page()
    no_exception(at)
    shown = figures(at)
    assert {"architecture", "bilinear-weights", "learned-coefficients", "departure", "outputs",
            "task-examples"} <= set(shown)
    assert float(metric(at, MAX_DIFFERENCE)) < 1e-4
    assert metric(at, "Output size") == "135×90"           # the 451×300 cat at 0.3×
    assert float(metric(at, "Mean change caused by the texture")) > 0.02     # reconstruction net on the cat
    assert not at.warning
    table = at.dataframe[0].value
    assert list(table.index)[0] == "DownsizeNet (trained)" and "bilinear" in table.index
    assert "3 seeds" in table.iloc[0, 0]
    assert any("--task reconstruction" in c.value for c in at.code)
    # diagram text large enough to project
    annotations = shown["architecture"]["layout"]["annotations"]
    assert min(a["font"]["size"] for a in annotations if a.get("text")) >= 16


def test_the_texture_network_is_said_to_ignore_texture_on_a_photo_with_its_number():
    at = _page({"task": "texture"})
    no_exception(at)
    assert len(at.warning) == 1 and "ignores the texture" in at.warning[0].value
    assert float(metric(at, "Mean change caused by the texture")) < 0.005


def test_other_scales_keep_the_special_case_exact_and_reach_the_url():
    at = _page()
    for scale, size in ((0.77, "347×231"), (0.5, "226×150"), (1.5, "677×450")):
        at.slider(key="dsn_scale").set_value(scale).run()
        no_exception(at)
        assert metric(at, "Output size") == size
        assert float(metric(at, MAX_DIFFERENCE)) < 1e-4
    assert at.query_params["scale"] in ("1.5", ["1.5"])


def _estimate(at) -> float:
    caption = next(c.value for c in at.caption if c.value.startswith("Estimated time"))
    return float(caption.split("about ")[1].split(" s")[0])


def test_the_estimate_follows_the_settings_and_a_short_run_fills_the_curves():
    at = _page()
    default = _estimate(at)
    assert 0 < default <= 10
    at.slider(key="dsn_steps").set_value(600).run()
    assert _estimate(at) > 3 * default
    at.slider(key="dsn_steps").set_value(20).run()
    at.button(key="dsn_train").click().run(timeout=120)
    no_exception(at)
    shown = figures(at)
    assert "training-curves" in shown
    curves = shown["training-curves"]["data"]
    assert len(curves[0]["x"]) == 20 and len(curves[1]["x"]) == 1      # loss per step, accuracy at the end
    accuracy = float(metric(at, "Test accuracy").rstrip("%")) / 100
    assert 0 <= accuracy <= 1
    at.radio(key="dsn_which").set_value("yours").run()
    no_exception(at)
    assert any("trained for 20 of 20 steps" in m.value or "trained for 20 steps" in m.value for m in at.markdown)


def test_weights_load_from_a_safetensors_upload_and_bad_files_get_a_sentence():
    at = _page()
    torch.manual_seed(0)
    net = DownsizeNet(layers=3, neighbourhood=4, activation="softmax", init="random")   # K = 16
    at.file_uploader(key="dsn_upload").set_value(("mine.safetensors", save_weights(net),
                                                  "application/octet-stream")).run()
    no_exception(at)
    assert any("loaded from mine\\.safetensors" in s.value for s in at.success)
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
        assert len(fresh.error) == 1 and "was not loaded" in fresh.error[0].value
        assert fresh.error[0].value.startswith("“" + name.replace(".", "\\."))


def test_a_one_pixel_upload_gets_sentences_not_tracebacks():
    for side in (1, 12):
        buffer = io.BytesIO()
        Image.fromarray(np.full((side, side, 3), 90, np.uint8)).save(buffer, "PNG")
        at = _page()
        at.file_uploader(key="uploader").set_value(("tiny.png", buffer.getvalue(), "image/png")).run()
        no_exception(at)
        assert any("tiny" in i.value for i in at.info) or at.error
        assert float(metric(at, MAX_DIFFERENCE)) < 1e-4


def test_the_diagram_reads_at_1280_by_720():
    shown = figures(_page())["architecture"]
    layout = shown["layout"]
    # With the sidebar open a 1280-px screen leaves about 880 px for the chart.
    x0, x1 = layout["xaxis"]["range"]
    px_per_unit = 880 / (x1 - x0)
    boxes = [s for s in layout["shapes"] if s["type"] == "rect"]
    assert len(boxes) == 7 and len({round(b["x0"], 3) for b in boxes}) <= 5      # five columns at most
    width_px = min(b["x1"] - b["x0"] for b in boxes) * px_per_unit
    for note in layout["annotations"]:
        if not note.get("text"):
            continue
        assert note["font"]["size"] >= 16
        if note.get("showarrow") is False and "<br>" in note["text"]:           # a box's label
            longest = max(len(re.sub("<[^>]+>", "", line)) for line in note["text"].split("<br>"))
            assert longest * 0.55 * note["font"]["size"] <= width_px, note["text"]   # bold Arial: ~0.5 em a glyph


def test_opencv_agrees_with_the_special_case_and_places_the_trained_result():
    at = _page()
    assert int(metric(at, "max |as_bilinear() − cv2 INTER_LINEAR|")) <= 1       # fixed-point rounding only
    area = float(metric(at, "Mean |result − cv2 INTER_AREA|"))
    linear = float(metric(at, "Mean |result − cv2 INTER_LINEAR|"))
    assert 0 < linear < area < 10


def test_the_training_controls_come_from_the_link_and_nothing_trains_on_its_own():
    at = _page({"steps": "40", "seed": "7", "layers": "3"})
    no_exception(at)
    assert (at.slider(key="dsn_steps").value, at.number_input(key="dsn_seed").value,
            at.radio(key="dsn_layers").value) == (40, 7, 3)
    assert "training-curves" not in figures(at) and "dsn_run" not in at.session_state
    at.radio(key="dsn_layers").set_value(4).run()
    assert at.query_params["layers"] in ("4", ["4"]) and at.query_params["steps"] in ("40", ["40"])


@pytest.mark.parametrize("key,value", [("task", "denoise"), ("scale", "big"), ("steps", "9000"),
                                       ("layers", "seven"), ("seed", "300")])
def test_an_unknown_value_in_a_link_is_named_in_a_notice(key, value):
    at = _page({key: value})
    no_exception(at)
    assert any(f"sets {key} to “{value}”" in w.value for w in at.warning), [w.value for w in at.warning]


def test_classroom_slides_show_the_task_only_where_it_matters_and_read_it_from_the_link():
    card = _page({"present": "1", "step": "4", "task": "texture"})
    no_exception(card)
    assert card.radio(key="dsn_task").value == "texture"
    assert any("bicubic" in i.value for i in card.info)                   # the texture card's best fixed method
    training = _page({"present": "1", "step": "6", "task": "texture"})
    no_exception(training)
    assert "dsn_task" not in [r.key for r in training.radio] and "dsn_scale" not in [s.key for s in training.slider]
