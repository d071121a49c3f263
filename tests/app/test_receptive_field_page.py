"""The receptive-field lesson through AppTest: presets give the published fields, edits and unit
choices change what is drawn, links restore the view, tiny images get a sentence."""

import io

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import figures, metric, no_exception, open_page

PAGE = "app_pages/receptive_field.py"
FIGURES = ("rf-size-jump", "rf-image", "rf-theory-vs-effective", "rf-profile")


def _page(query: dict[str, str] | None = None):
    # A 64-pixel input keeps the gradient section quick.
    return open_page(PAGE, {"side": "64", **(query or {})})


def _results(at):
    (table,) = [t.value for t in at.dataframe if "effective padding" in t.value.columns]
    return table.set_index("name")


def _box(at, name: str) -> dict:
    (shape,) = [s for s in figures(at)["rf-image"]["layout"]["shapes"] if s.get("name") == name]
    return shape


def _png(height: int, width: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 120, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_page_renders_every_section_with_vgg16s_published_field():
    at = _page()
    no_exception(at)
    assert set(FIGURES) <= set(figures(at))
    assert [h.value for h in at.header] == [
        "1 · Size, jump and start, layer by layer", "2 · One unit's field on your image",
        "3 · Theoretical against effective field", "4 · Luo et al. (2016): the effective field grows as √n",
        "5 · Trained networks: does training widen the effective field?"]
    assert metric(at, "Field of the last layer") == "212 px"      # VGG16 pool5 (Araujo et al. 2019)
    assert metric(at, "Jump of the last layer") == "32 px"
    results = _results(at)
    assert results.loc["conv5_3", "size"] == 196
    assert results.loc["pool5", "effective padding"] == 90
    assert 0 < float(metric(at, "Effective ÷ theoretical area")) < 1


def test_a_preset_change_shows_the_published_values():
    at = _page()
    at.select_slider(key="rf_layer").set_value(3).run()
    at.selectbox(key="rf_preset").select("alexnet").run()
    no_exception(at)
    assert at.select_slider(key="rf_layer").value == 7             # a new stack starts at its last layer
    results = _results(at)
    assert (results.loc["pool5", "size"], results.loc["pool5", "jump"]) == (195, 32)
    assert results.loc["pool5", "effective padding"] == 64
    assert at.query_params["preset"] in ("alexnet", ["alexnet"])
    assert "pool5" in figures(at)["rf-image"]["layout"]["title"]["text"]
    at.selectbox(key="rf_preset").select("resnet50-v1").run()
    no_exception(at)
    assert metric(at, "Field of the last layer") == "483 px"


def test_the_aspp_preset_lists_one_field_per_branch():
    at = _page({"preset": "deeplabv3-aspp"})
    no_exception(at)
    (branches,) = [t.value for t in at.dataframe if "branch" in t.value.columns]
    sizes = dict(zip(branches["branch"], branches["size"]))
    for rate in (6, 12, 18):     # a rate-r 3×3 on a jump-16 map reaches r·16 px further each way
        assert sizes[f"3×3 rate {rate}"] - sizes["1×1"] == 2 * rate * 16
    assert set(branches["jump"]) == {16}


def test_editing_a_row_changes_the_result():
    at = _page({"preset": "alexnet"})
    at.session_state["rf_table-alexnet"] = {"edited_rows": {7: {"kernel": 5}}, "added_rows": [],
                                            "deleted_rows": []}
    at.run()
    no_exception(at)
    # pool5 now adds 4 units of jump 16 to conv5's 163 px instead of 2.
    assert metric(at, "Field of the last layer") == f"{163 + 4 * 16} px"
    assert any("edited" in i.value for i in at.info)


def test_a_bad_row_is_named_in_a_sentence():
    at = _page({"preset": "alexnet"})
    at.session_state["rf_table-alexnet"] = {"edited_rows": {2: {"kernel": 0}}, "added_rows": [],
                                            "deleted_rows": []}
    at.run()
    no_exception(at)
    (error,) = [e.value for e in at.error]
    assert error.startswith("Row 3 (“conv2”)") and "kernel" in error
    assert not figures(at)


def test_the_unit_sliders_move_the_drawn_rectangle_by_one_jump():
    at = _page()
    before = _box(at, "unclipped")
    assert before["x1"] - before["x0"] == 212                       # VGG16 pool5
    at.slider(key="rf_col").set_value(at.slider(key="rf_col").value + 1).run()
    after = _box(at, "unclipped")
    assert (after["x0"] - before["x0"], after["y0"] - before["y0"]) == (32, 0)   # published jump
    at.slider(key="rf_row").set_value(0).run()
    top = _box(at, "unclipped")
    assert top["y0"] == 15.5 - 105.5 - 0.5                           # start 15.5 ± (212 − 1) / 2
    assert _box(at, "clipped")["y0"] == -0.5                         # cut at the image's top row
    assert at.query_params["row"] in ("0", ["0"])
    no_exception(at)


def test_the_layer_slider_draws_that_layers_field():
    at = _page()
    at.select_slider(key="rf_layer").set_value(16).run()            # conv5_3 (17th layer)
    no_exception(at)
    box = _box(at, "unclipped")
    assert box["x1"] - box["x0"] == 196
    assert at.query_params["layer"] in ("conv5_3", ["conv5_3"])


def test_a_click_on_the_image_picks_the_unit_under_it():
    at = _page()
    # VGG16 pool5: unit (r, c) is centred at 15.5 + 32 r, 15.5 + 32 c.
    at.session_state["figure-rf-image"] = {"selection": {
        "points": [{"x": 15.5 + 32 * 2 + 3, "y": 15.5 + 32 * 1 - 4}], "point_indices": [], "box": [],
        "lasso": []}}
    at.run()
    no_exception(at)
    assert (at.slider(key="rf_row").value, at.slider(key="rf_col").value) == (1, 2)
    assert _box(at, "unclipped")["x0"] == 15.5 + 64 - 105.5 - 0.5


def test_a_link_restores_the_preset_and_the_unit():
    at = _page({"preset": "alexnet", "layer": "conv5", "row": "2", "col": "3"})
    no_exception(at)
    assert at.selectbox(key="rf_preset").value == "alexnet"
    assert at.select_slider(key="rf_layer").value == 6
    assert (at.slider(key="rf_row").value, at.slider(key="rf_col").value) == (2, 3)
    assert (at.query_params["preset"], at.query_params["row"]) in (("alexnet", "2"), (["alexnet"], ["2"]))
    box = _box(at, "unclipped")
    assert box["x1"] - box["x0"] == 163                              # AlexNet conv5


def test_the_relu_switch_changes_the_effective_field():
    at = _page({"preset": "tiny-vgg"})
    with_relu = float(metric(at, "Effective ÷ theoretical area"))
    at.toggle(key="rf_relu").set_value(False).run()
    no_exception(at)
    assert float(metric(at, "Effective ÷ theoretical area")) != with_relu
    assert metric(at, "Theoretical field on the input") == "16×16 px"   # CNN Explainer's Tiny VGG


@pytest.mark.parametrize("size", [(12, 12), (1, 1)])
def test_a_tiny_upload_gets_a_sentence_and_the_rest_of_the_lesson_stays(size):
    at = _page()
    at.file_uploader(key="uploader").set_value(("tiny.png", _png(*size), "image/png")).run()
    no_exception(at)
    warning = " ".join(w.value for w in at.warning)
    assert f"{size[1]}×{size[0]} px" in warning and "too small" in warning
    shown = figures(at)
    assert {"rf-size-jump", "rf-theory-vs-effective"} <= set(shown)
    assert metric(at, "Field of the last layer") == "212 px"


def _is_power_of_two(value: float) -> bool:
    exponent = np.log2(value)
    return bool(np.isclose(exponent, np.round(exponent)))


def test_log_axes_are_labelled_only_at_powers_of_two():
    at = _page()
    shown = figures(at)
    checked = 0
    for name in ("rf-size-jump", "luo-std", "luo-share"):
        layout = shown[name]["layout"]
        for axis in [v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))]:
            if axis.get("type") != "log":
                continue
            checked += 1
            assert axis["tickmode"] == "array", name             # no automatic "2, 5" minor labels
            assert len(axis["tickvals"]) >= 2 and all(_is_power_of_two(v) for v in axis["tickvals"]), name
            assert axis["ticktext"] == [f"{v:g}" for v in axis["tickvals"]]
    assert checked == 5                                            # size-jump's y, both Luo figures' x and y
    size_jump = shown["rf-size-jump"]
    assert max(max(trace["y"]) for trace in size_jump["data"]) <= size_jump["layout"]["yaxis"]["tickvals"][-1]


def test_the_trained_trunk_is_shown_beside_the_untrained_one_with_numbers():
    at = _page()
    no_exception(at)
    assert "rf-trained-untrained" in figures(at)
    trained = float(metric(at, "ERF std, trained").removesuffix(" px"))
    untrained = float(metric(at, "ERF std, untrained").removesuffix(" px"))
    # A 47-px field (the recurrence on five 3×3 convs, strides 2, 2, 2, 1, 1): a uniform 47-px
    # square would have std 47/√12 ≈ 13.6 px, a single pixel 0.
    assert 3 < trained < 47 / np.sqrt(12) and 3 < untrained < 47 / np.sqrt(12)
    (notice,) = [i.value for i in at.info if "Training moved" in i.value]
    assert f"from {untrained:.1f} to {trained:.1f} px" in notice and "47-px field" in notice
    assert not [w for w in at.warning if "could not be loaded" in w.value]


def test_every_control_reaches_the_url_and_a_link_restores_it():
    at = _page({"preset": "tiny-vgg", "relu": "0", "net": "segmenter-psp", "side": "96"})
    no_exception(at)
    assert at.toggle(key="rf_relu").value is False
    assert at.radio(key="rf_net").value == "segmenter-psp"
    assert at.slider(key="rf_side").value == 96
    for key, value in (("relu", "0"), ("net", "segmenter-psp"), ("side", "96"), ("preset", "tiny-vgg")):
        assert at.query_params[key] in (value, [value])
    at.toggle(key="rf_relu").set_value(True).run()
    assert at.query_params["relu"] in ("1", ["1"])


@pytest.mark.parametrize("key,value", [("relu", "maybe"), ("net", "resnet"), ("layer", "conv9"),
                                       ("preset", "lenet"), ("side", "ten")])
def test_an_unknown_value_in_a_link_is_named_in_a_notice(key, value):
    at = _page({key: value})
    no_exception(at)
    assert any(f"sets {key} to “{value}”" in w.value for w in at.warning), [w.value for w in at.warning]


def test_classroom_slides_take_the_layer_from_the_link_and_leave_the_stack_off_the_last_two():
    at = _page({"present": "1", "step": "3", "preset": "alexnet", "layer": "conv3", "side": "160"})
    no_exception(at)
    assert any("**conv3**" in m.value for m in at.markdown)
    assert metric(at, "Theoretical field on the input") == "99×99 px"     # AlexNet conv3 (Araujo et al.)
    luo = _page({"present": "1", "step": "4"})
    no_exception(luo)
    assert "rf_preset" not in [s.key for s in luo.selectbox] and not luo.get("select_slider")   # no stack here


def test_the_trained_networks_section_plots_the_erf_during_training():
    from core.receptive_field.during_training import load
    from tests.app.helpers import figures, open_page

    history = load()
    at = open_page("app_pages/receptive_field.py", {"present": "1", "step": "5"})
    shown = figures(at)
    if history is None:
        assert "rf-during-training" not in shown
        return
    trace = shown["rf-during-training"]["data"][0]
    assert trace["x"] == [row["step"] for row in history["checkpoints"]]
    notice = [i.value for i in at.info if i.value.startswith("**What to notice.**")][0]
    low = min(history["checkpoints"], key=lambda r: r["std"])
    assert f"first shrank to {low['std']:.1f} px (step {low['step']})" in notice
