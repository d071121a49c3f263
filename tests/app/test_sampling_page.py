"""The down- and upsampling lesson through AppTest: the calculator, the image figures, the
checkerboard and the 6×6 grid follow their controls."""

import base64
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from core.samples import SAMPLES
from core.sampling import conv_output_size, conv_transpose_output_size
from tests.app.helpers import app, figures, metric, no_exception, titles_too_wide

FIGURES = ("down-true-size", "shift-change", "up-true-size", "up-close", "overlap-counts",
           "checkerboard-images", "grid-view")


def _sampling(query=None):
    at = app(query)
    at.switch_page("app_pages/sampling.py")
    return at.run()


def _labels(spec: dict) -> list[str]:
    return [a["text"] for a in spec["layout"].get("annotations", [])]


def _heatmaps(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t["type"] == "heatmap"]


def _array(value) -> np.ndarray:
    """A Plotly array from a figure spec: a plain list, or Plotly's base64 typed array."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.array(value)


def _pytorch_side(layer: nn.Module, n: int) -> str:
    with torch.no_grad():
        return "×".join(map(str, layer(torch.zeros(1, 1, n, n)).shape[-2:]))


def _pytorch_says(at, layer: str) -> str:
    """What the page says PyTorch's ``layer`` gives: "16×16", or "refuses"."""
    lines = [m.value for m in at.markdown if m.value.startswith(f"PyTorch's `{layer}`")]
    assert len(lines) == 1, [m.value for m in at.markdown]
    return lines[0].split("` ", 1)[1].removeprefix("gives ")


def test_the_page_renders_every_section_on_the_default_sample():
    at = _sampling()
    no_exception(at)
    assert set(FIGURES) <= set(figures(at))
    assert [h.value for h in at.header] == [
        "1 · How big is the output?", "2 · Downsampling your image",
        "3 · Does a one-pixel shift change the result?", "4 · Upsampling back", "5 · Checkerboard artifacts",
        "6 · A 6×6 grid, number by number"]
    down = " ".join(_labels(figures(at)["down-true-size"]))
    # 451 × 300: pools floor to 225, the padded convolution and blur pooling keep 226
    assert "original<br>451×300 px" in down
    assert down.count("225×150 px") == 2 and down.count("226×150 px") == 2
    up = _labels(figures(at)["up-true-size"])
    assert any(label.startswith("max-unpool") and label.endswith("451×300 px") for label in up)
    assert sum(label.endswith("450×300 px") for label in up) == 3


def test_the_first_slider_does_not_start_at_its_minimum():
    at = _sampling()
    first = at.slider[0]
    assert first.value > first.min


@pytest.mark.parametrize("n, k, s, p, d, output_padding", [
    (224, 7, 2, 3, 1, 1), (227, 11, 4, 0, 1, 0), (17, 3, 1, 2, 2, 1), (64, 4, 2, 1, 1, 0),
])
def test_calculator_inputs_change_both_sizes_to_the_formulas_and_to_pytorch(n, k, s, p, d, output_padding):
    at = _sampling()
    at.number_input(key="calc_n").set_value(n)
    for key, value in (("calc_k", k), ("calc_s", s), ("calc_p", p), ("calc_d", d),
                       ("calc_op", output_padding)):
        at.slider(key=key).set_value(value)
    at.run()
    no_exception(at)
    conv = conv_output_size(n, k, s, p, d)
    transposed = conv_transpose_output_size(n, k, s, p, output_padding, d)
    assert metric(at, "Conv formula") == str(conv)
    assert _pytorch_says(at, "nn.Conv2d") == _pytorch_side(
        nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d), n) == f"{conv}×{conv}"
    assert metric(at, "Transposed formula") == str(transposed)
    assert _pytorch_says(at, "nn.ConvTranspose2d") == _pytorch_side(nn.ConvTranspose2d(
        1, 1, k, stride=s, padding=p, output_padding=output_padding, dilation=d), n)
    assert at.query_params["n"] in (str(n), [str(n)])
    assert not at.warning or all("disagree" not in w.value for w in at.warning)


def test_a_layer_pytorch_refuses_is_refused_by_the_formula_too():
    at = _sampling()
    at.slider(key="calc_s").set_value(2)
    at.slider(key="calc_d").set_value(1)
    at.slider(key="calc_op").set_value(2).run()
    no_exception(at)
    assert metric(at, "Transposed formula") == "refused"
    assert _pytorch_says(at, "nn.ConvTranspose2d") == "refuses"
    assert any("output_padding must be smaller" in e.value for e in at.error)
    assert metric(at, "Conv formula") == "16"       # the convolution is still fine


def test_a_link_sets_the_calculator_and_out_of_range_values_are_clamped():
    at = _sampling({"n": "224", "k": "7", "s": "2", "p": "3"})
    assert metric(at, "Conv formula") == "112"
    at = _sampling({"k": "99", "n": "nonsense"})
    no_exception(at)
    assert at.slider(key="calc_k").value == 11
    assert at.number_input(key="calc_n").value == 32


def test_factor_and_kernel_change_the_image_figures():
    at = _sampling()
    at.slider(key="factor").set_value(3).run()
    no_exception(at)
    down = " ".join(_labels(figures(at)["down-true-size"]))
    assert "151×100 px" in down and "150×100 px" in down     # conv pads, pools floor
    assert "450×300 px" in " ".join(_labels(figures(at)["up-true-size"]))   # 150 × 3
    bars_box = figures(at)["shift-change"]["data"][0]["y"]
    at.radio(key="conv_kernel").set_value("sobel-x").run()
    no_exception(at)
    assert "Sobel" in figures(at)["down-true-size"]["layout"]["title"]["text"]
    bars_sobel = figures(at)["shift-change"]["data"][0]["y"]
    assert bars_sobel[0] != bars_box[0]           # the strided convolution changed …
    assert bars_sobel[1:] == bars_box[1:]         # … the pools did not


def test_checkerboard_kernel_and_stride_change_the_count_map():
    at = _sampling()
    counts = _array(_heatmaps(figures(at)["overlap-counts"])[0]["z"])
    assert counts.shape == (11, 11) and metric(at, "Stamps per interior pixel") == "1, 2, 4"
    assert any("Uneven" in w.value for w in at.warning)
    at.slider(key="cb_kernel").set_value(4).run()
    no_exception(at)
    counts = _array(_heatmaps(figures(at)["overlap-counts"])[0]["z"])
    assert counts.shape == (14, 14) and metric(at, "Stamps per interior pixel") == "4"
    assert any("Even" in s.value for s in at.success)
    at.slider(key="cb_stride").set_value(3).run()
    no_exception(at)
    assert metric(at, "Stamps per interior pixel") == "1, 2, 4"
    titles = [t["name"] for t in figures(at)["checkerboard-images"]["data"] if t["type"] == "image"]
    assert any("k=4, s=3" in title for title in titles)


def test_the_grid_view_shows_the_numbers_of_the_chosen_operation():
    at = _sampling()
    unpooled = _heatmaps(figures(at)["grid-view"])
    assert len(unpooled) == 3                                # input, max pool, max-unpool
    source, result = _array(unpooled[0]["z"]), _array(unpooled[2]["z"])
    assert np.count_nonzero(result) == 9
    block_max = source.reshape(3, 2, 3, 2).max(axis=(1, 3))
    assert sorted(result[result > 0].tolist()) == sorted(block_max.ravel().tolist())
    at.button_group(key="grid_op").set_value("avg-pool").run()
    no_exception(at)
    pooled = _heatmaps(figures(at)["grid-view"])
    assert len(pooled) == 2
    assert np.allclose(_array(pooled[1]["z"]), source.reshape(3, 2, 3, 2).mean(axis=(1, 3)))
    assert pooled[1]["text"][0][0] == f"{source[:2, :2].mean():g}"


def test_a_tiny_upload_is_explained_and_the_rest_of_the_lesson_stays():
    at = _sampling()
    at.file_uploader(key="uploader").set_value(("tiny.png", _tiny_png(), "image/png")).run()
    no_exception(at)
    assert "down-true-size" in figures(at)                  # 4 × 3 still halves
    at.slider(key="factor").set_value(4).run()
    no_exception(at)
    assert any("does not fit" in e.value for e in at.error)
    shown = figures(at)
    assert "down-true-size" not in shown and {"overlap-counts", "grid-view"} <= set(shown)


def _tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.arange(36, dtype=np.uint8).reshape(3, 4, 3) * 7).save(buffer, "PNG")
    return buffer.getvalue()


def test_panel_titles_fit_their_panels_on_an_800_pixel_page():
    at = _sampling({"factor": "4", "up": "4", "cb_k": "8", "cb_s": "4"})
    shown = figures(at)
    for name in ("up-close", "checkerboard-images", "grid-view"):
        assert not titles_too_wide(shown[name]), name
    for op in ("strided-conv", "blur-pool", "max-unpool", "transposed-conv"):
        at.button_group(key="grid_op").set_value(op).run()
        assert not titles_too_wide(figures(at)["grid-view"]), op
    assert titles_too_wide({"layout": {"margin": {}, "xaxis": {"domain": [0, 0.2]},
                                   "annotations": [{"xref": "paper", "yanchor": "bottom", "x": 0.1,
                                                    "text": "a title far too long for a fifth of the page"}]}})


def test_every_control_is_in_the_url_and_a_link_sets_it():
    at = _sampling()
    at.radio(key="conv_kernel").set_value("sobel-y")
    at.slider(key="up_factor").set_value(3)
    at.slider(key="cb_kernel").set_value(5)
    at.slider(key="cb_stride").set_value(3)
    at.button_group(key="grid_op").set_value("bilinear").run()
    no_exception(at)
    wanted = {"kernel": "sobel-y", "up": "3", "cb_k": "5", "cb_s": "3", "grid": "bilinear", "factor": "2",
              "n": "32", "k": "3", "s": "2", "p": "1", "d": "1", "op": "1"}
    assert {key: at.query_params[key] for key in wanted} in (wanted, {k: [v] for k, v in wanted.items()})
    at = _sampling(wanted)
    no_exception(at)
    assert at.radio(key="conv_kernel").value == "sobel-y" and at.slider(key="up_factor").value == 3
    assert at.button_group(key="grid_op").value == "bilinear"
    assert "451×300 px" in " ".join(_labels(figures(at)["up-true-size"]))   # 150 × 3 unpooled


@pytest.mark.parametrize("key, value", [("kernel", "emboss"), ("grid", "median"), ("up", "9"), ("cb_s", "x")])
def test_an_unknown_value_in_a_link_is_named_and_replaced(key, value):
    at = _sampling({key: value})
    no_exception(at)
    assert any(f"sets {key} to" in w.value for w in at.warning), [w.value for w in at.warning]


def test_classroom_notices_are_made_of_the_numbers_on_screen():
    at = _sampling({"present": "1", "step": "2", "factor": "3"})
    no_exception(at)
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    labels = " ".join(_labels(figures(at)["down-true-size"]))
    assert "150×100 px" in notice and "150×100 px" in labels and "151×100 px" in notice
    at = _sampling({"present": "1", "step": "5", "cb_k": "4", "cb_s": "2"})
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    assert "same 4 stamps" in notice and metric(at, "Stamps per interior pixel") == "4"
    at = _sampling({"present": "1", "step": "4", "up": "2"})
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    x = torch.from_numpy(SAMPLES["cat"].load().copy()).permute(2, 0, 1)[None].float()
    pooled, where = F.max_pool2d(x, 2, return_indices=True)
    black = (F.max_unpool2d(pooled, where, 2, output_size=x.shape[-2:]).amax(dim=1) == 0).float().mean()
    assert f"leaves {black:.0%} of the pixels black" in notice
