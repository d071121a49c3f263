"""The downsizing lab through AppTest: picking methods, the scale, the source and the A/B view
change the table and figures the way the core says they should."""

import base64
import io
import json
import math

import numpy as np
import pytest
from PIL import Image

from core.resize import ALL_METHODS, DEFAULT_METHODS, METHODS, resize
from core.resize.lesson import psnr, reference_image
from core.samples import SAMPLES
from tests.app.helpers import figures, metric, no_exception, open_page, titles_too_wide

PAGE = "app_pages/resize.py"
FIGURES = ("results", "ab-wipe", "ab-difference", "spectra", "same-name")


def _table(at):
    """The lab's table, its method labels turned back into keys (the screen shows labels only)."""
    assert len(at.dataframe) >= 1
    table = at.dataframe[0].value.copy()
    by_label = {spec.label: key for key, spec in METHODS.items()}
    assert set(table["method"]) <= set(by_label)
    table["method"] = table["method"].map(by_label)
    return table


def _result_size(at) -> str:
    """The result size the lab states beside the scale slider, e.g. "135×90"."""
    lines = [m.value for m in at.markdown if m.value.startswith("Result  \n**")]
    assert len(lines) == 1, [m.value for m in at.markdown][:8]
    return lines[0].split("**")[1]


def _images(spec: dict) -> int:
    return len([t for t in spec["data"] if t["type"] == "image"])


def _array(value) -> np.ndarray:
    """A Plotly array from a figure spec: a plain list, or Plotly's base64 typed array."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.array(value)


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def test_the_default_page_shows_every_section_and_a_row_per_default_method():
    at = open_page(PAGE)
    no_exception(at)
    assert set(FIGURES) <= set(figures(at))
    assert [h.value for h in at.header] == [
        "1 · The results, pixel for pixel", "2 · Quality, aliasing and speed", "3 · A against B",
        "4 · Spectra: aliasing is folded energy", "5 · Same name, different result"]
    table = _table(at)
    assert table["method"].tolist() == list(DEFAULT_METHODS)
    assert (table["time (ms)"] > 0).all()
    assert _result_size(at) == "135×90"                       # cat 451 × 300 at 0.3
    # the numbers are the core's, on the picked image against the stated reference
    cat = SAMPLES["cat"].load()
    expected = psnr(reference_image(cat, (90, 135)), resize(cat, (90, 135), "pillow-lanczos"))
    row = table.set_index("method").loc["pillow-lanczos"]
    assert row["PSNR (dB)"] == pytest.approx(expected, abs=0.01)
    aliasing = table.set_index("method")["aliasing (zone plate)"]
    assert aliasing["opencv-nearest"] > 0.9 and aliasing["pillow-lanczos"] < 0.02
    assert _images(figures(at)["results"]) == len(DEFAULT_METHODS) + 1    # + the reference
    assert figures(at)["results"]["layout"]["xaxis2"]["matches"] == "x"


def test_picking_methods_changes_the_rows_and_the_grid():
    at = open_page(PAGE)
    picked = ["opencv-cubic", "torch-bicubic", "torch-area", "pillow-box"]
    at.multiselect(key="methods").set_value(picked).run()
    no_exception(at)
    assert _table(at)["method"].tolist() == picked
    assert _images(figures(at)["results"]) == len(picked) + 1
    assert _images(figures(at)["spectra"]) == len(picked) + 1
    assert at.query_params["methods"] in (",".join(picked), [",".join(picked)])
    # OpenCV and PyTorch bicubic share a = −0.75 and pixel centres: same quality, same aliasing
    rows = _table(at).set_index("method")
    assert rows.loc["opencv-cubic", "PSNR (dB)"] == pytest.approx(rows.loc["torch-bicubic", "PSNR (dB)"], abs=0.1)


def test_changing_the_scale_changes_the_size_and_the_numbers():
    at = open_page(PAGE)
    before = _table(at).set_index("method")
    at.slider(key="scale").set_value(0.5).run()
    no_exception(at)
    after = _table(at).set_index("method")
    assert _result_size(at) == "226×150"
    assert (before["PSNR (dB)"] != after["PSNR (dB)"]).all()
    assert (before["aliasing (zone plate)"] != after["aliasing (zone plate)"]).any()
    # halving: 2-tap bilinear is a 2×2 average and aliases less than at 0.3
    assert after.loc["opencv-linear", "aliasing (zone plate)"] < before.loc["opencv-linear", "aliasing (zone plate)"]
    assert at.query_params["scale"] in ("0.5", ["0.5"])


def test_a_test_pattern_and_a_target_size():
    at = open_page(PAGE)
    at.selectbox(key="source").set_value("zone-plate").run()
    no_exception(at)
    assert _result_size(at) == "154×154"
    rows = _table(at).set_index("method")
    # On the zone plate, unfiltered sampling is far from the band-limited ideal.
    assert rows.loc["opencv-nearest", "PSNR (dB)"] < rows.loc["pillow-lanczos", "PSNR (dB)"] - 5
    at.radio(key="size_mode").set_value("target").run()
    assert at.slider(key="scale").disabled
    at.number_input(key="target_w").set_value(100).run()
    at.number_input(key="target_h").set_value(40).run()
    no_exception(at)
    assert at.caption[0].value.startswith("Zone plate: 512×512 → 100×40")


def test_the_a_b_comparison_follows_its_controls():
    at = open_page(PAGE)
    assert at.selectbox(key="ab_a").value == "opencv-nearest"       # first unfiltered
    assert at.selectbox(key="ab_b").value == "opencv-area"          # first antialiased
    at.selectbox(key="ab_a").set_value("torch-bilinear-antialias")
    at.selectbox(key="ab_b").set_value("pillow-bilinear").run()
    no_exception(at)
    assert int(metric(at, "Largest |A − B|")) <= 1                   # PyTorch's kernel is Pillow's
    at.selectbox(key="ab_a").set_value("opencv-linear").run()
    assert int(metric(at, "Largest |A − B|")) > 20
    wipe_before = figures(at)["ab-wipe"]
    at.slider(key="wipe").set_value(20).run()
    at.toggle(key="flicker").set_value(True).run()
    no_exception(at)
    assert figures(at)["ab-wipe"]["data"][0]["source"] != wipe_before["data"][0]["source"]
    assert figures(at)["ab-wipe"]["layout"]["uirevision"] == "ab-compare"


def test_the_same_name_matrix_matches_the_explanation():
    at = open_page(PAGE)
    spec = figures(at)["same-name"]
    z = _array(spec["data"][0]["z"])
    labels = spec["data"][0]["x"]
    assert labels == [METHODS[k].label for k in ("opencv-linear", "pillow-bilinear", "torch-bilinear",
                                                  "torch-bilinear-antialias")]
    assert z[0, 2] <= 2 and z[1, 3] <= 1 and z[0, 1] > 20
    assert any("Parmar" in m.value for m in at.markdown)


def test_no_methods_asks_for_one():
    at = open_page(PAGE)
    at.multiselect(key="methods").set_value([]).run()
    no_exception(at)
    assert any("Pick at least one method" in i.value for i in at.info)
    assert not at.dataframe


@pytest.mark.parametrize("side", [12, 1])
def test_a_tiny_upload_gets_a_sentence(side):
    at = open_page(PAGE)
    tiny = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    at.file_uploader(key="uploader").set_value(("tiny.png", _png(tiny), "image/png")).run()
    no_exception(at)
    assert any(f"only {side}×{side} pixels" in w.value for w in at.warning)
    table = _table(at)
    assert len(table) == len(DEFAULT_METHODS)
    # 12 × 12 at 0.3 is 4 × 4: SSIM shrinks its window to 3 × 3; a single pixel has none
    assert table["SSIM"].isna().all() == (side == 1)


def test_a_link_sets_the_controls_and_ignores_bad_values():
    at = open_page(PAGE, {"scale": "0.25", "source": "checkerboard", "methods": "opencv-area,nope,pillow-box"})
    no_exception(at)
    assert at.slider(key="scale").value == 0.25
    assert at.selectbox(key="source").value == "checkerboard"
    assert _table(at)["method"].tolist() == ["opencv-area", "pillow-box"]
    at = open_page(PAGE, {"scale": "nan", "source": "nonsense", "methods": "nope"})
    no_exception(at)
    assert at.slider(key="scale").value == 0.3
    assert _table(at)["method"].tolist() == list(DEFAULT_METHODS)
    assert not math.isnan(_table(at)["PSNR (dB)"].iloc[0])


def test_a_target_size_survives_a_switch_to_a_smaller_image():
    at = open_page(PAGE)
    at.radio(key="size_mode").set_value("target").run()
    assert at.number_input(key="target_w").value == 135 and at.number_input(key="target_h").value == 90
    at.number_input(key="target_w").set_value(400).run()
    at.selectbox(key="source").set_value("checkerboard").run()        # 512 × 512: still fits
    assert at.number_input(key="target_w").value == 400
    at.selectbox(key="source").set_value("picked").run()
    tiny = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    at.file_uploader(key="uploader").set_value(("small.png", _png(tiny), "image/png")).run()
    no_exception(at)
    # A different image starts the target again from its own scaled size (0.3 × 30 = 9).
    assert at.number_input(key="target_w").value == 9 and at.number_input(key="target_h").value == 6
    assert _table(at)["method"].tolist() == list(DEFAULT_METHODS)
    assert not at.warning or all("widget" not in w.value for w in at.warning)


def test_which_resize_made_this_names_pillows_thumbnail_on_the_picked_image():
    at = open_page(PAGE, {"view": "identify"})
    no_exception(at)
    assert [h.value for h in at.header] == ["Which resize made this?"]
    assert at.subheader[0].value.startswith("Exact match: Pillow bicubic")
    assert "Image.Resampling.BICUBIC" in at.code[0].value
    ranking = at.dataframe[0].value
    assert ranking["rank"].iloc[0] == 1 and ranking["largest |difference|"].iloc[0] == 0
    assert "identify-difference" in figures(at)
    assert not set(ranking["call"]) & set(ALL_METHODS)                 # labels on screen, not keys


def test_which_resize_made_this_on_two_uploads_and_a_bad_one():
    at = open_page(PAGE, {"view": "identify"})
    cat = SAMPLES["cat"].load()
    copy = resize(cat, (101, 150), "opencv-area")
    at.file_uploader(key="id_original").set_value(("my **cat**.png", _png(cat), "image/png"))
    at.file_uploader(key="id_resized").set_value(("small.png", _png(copy), "image/png")).run()
    no_exception(at)
    assert at.subheader[0].value.startswith("Exact match: OpenCV area")
    assert "cv2.INTER_AREA" in at.code[0].value and "(150, 101)" in at.code[0].value
    at.file_uploader(key="id_resized").set_value(("broken.png", b"not a png", "image/png")).run()
    no_exception(at)
    assert any("broken\\.png" in e.value for e in at.error)


def test_compare_on_several_images_plots_every_upload():
    at = open_page(PAGE, {"view": "several"})
    no_exception(at)
    assert any("Upload a few images" in i.value for i in at.info)
    files = [(f"{name}.png", _png(SAMPLES[name].load()), "image/png") for name in ("cat", "grass")]
    at.file_uploader(key="many").set_value(files)
    at.multiselect(key="many_methods").set_value(["opencv-area", "opencv-nearest"]).run()
    no_exception(at)
    assert {"many-tradeoff", "many-psnr", "many-aliasing"} <= set(figures(at))
    table = at.dataframe[0].value
    assert table["method"].tolist() == [METHODS["opencv-area"].label, METHODS["opencv-nearest"].label]
    scatter = figures(at)["many-tradeoff"]["data"][0]
    assert scatter["text"] == [METHODS["opencv-area"].label, METHODS["opencv-nearest"].label]


def test_panel_titles_fit_three_to_a_row_on_an_800_pixel_page():
    at = open_page(PAGE, {"methods": ",".join(METHODS)})
    no_exception(at)
    shown = figures(at)
    assert _images(shown["results"]) == len(METHODS) + 1
    for name in ("results", "spectra"):
        assert not titles_too_wide(shown[name]), name
        titles = [a["text"] for a in shown[name]["layout"]["annotations"] if a.get("yanchor") == "bottom"]
        assert not set(titles) & set(METHODS) and " ms" not in " ".join(titles)   # labels only


def test_the_time_axis_is_labelled_at_decades_only():
    at = open_page(PAGE)
    spec = figures(at)["speed-quality"]
    axis = spec["layout"]["xaxis"]
    assert axis["type"] == "log"
    exponents = np.log10(np.array(axis["tickvals"], dtype=float))
    assert np.allclose(exponents, np.round(exponents)) and np.all(np.diff(exponents) == 1)
    assert all(text in ("0.001", "0.01", "0.1", "1", "10", "100", "1000") for text in axis["ticktext"])
    times = _array(spec["data"][0]["x"])
    assert min(axis["tickvals"]) <= times.min() and times.max() <= max(axis["tickvals"])


def test_the_table_keeps_one_number_format_per_column():
    at = open_page(PAGE)
    config = json.loads(at.dataframe[0].proto.columns)
    for column, fmt in (("time (ms)", "%.2f"), ("PSNR (dB)", "%.2f"), ("SSIM", "%.4f"),
                        ("aliasing (zone plate)", "%.4f")):
        assert config[column]["type_config"]["format"] == fmt, column


def test_every_control_of_the_lab_is_in_the_url_and_a_link_sets_it():
    at = open_page(PAGE)
    at.radio(key="size_mode").set_value("target").run()
    at.number_input(key="target_w").set_value(100).run()
    at.selectbox(key="ab_a").set_value("opencv-linear")
    at.selectbox(key="ab_b").set_value("pillow-bilinear")
    at.slider(key="wipe").set_value(30)
    at.toggle(key="flicker").set_value(True)
    at.selectbox(key="code_method").set_value("pillow-lanczos").run()
    no_exception(at)
    wanted = {"size": "target", "w": "100", "h": "90", "a": "opencv-linear", "b": "pillow-bilinear",
              "wipe": "30", "flicker": "1", "code": "pillow-lanczos", "source": "picked", "view": "lab"}
    found = {key: at.query_params[key] for key in wanted}
    assert found in (wanted, {k: [v] for k, v in wanted.items()})
    at = open_page(PAGE, wanted)
    no_exception(at)
    assert at.radio(key="size_mode").value == "target" and at.number_input(key="target_w").value == 100
    assert (at.selectbox(key="ab_a").value, at.selectbox(key="ab_b").value) == ("opencv-linear", "pillow-bilinear")
    assert at.slider(key="wipe").value == 30 and at.toggle(key="flicker").value
    assert "Image.Resampling.LANCZOS" in at.code[0].value and "(100, 90)" in at.code[0].value


@pytest.mark.parametrize("key, value", [("methods", "opencv-area,nope"), ("a", "nope"), ("code", "nope"),
                                        ("size", "huge"), ("wipe", "x"), ("flicker", "maybe"), ("view", "x")])
def test_an_unknown_value_in_a_link_is_named(key, value):
    at = open_page(PAGE, {key: value})
    no_exception(at)
    assert any(key in w.value and "nope" in w.value or f"sets {key} to" in w.value for w in at.warning), \
        [w.value for w in at.warning]


def test_classroom_mode_shows_the_lesson_without_the_tools_and_with_numbers_in_its_notices():
    at = open_page(PAGE, {"present": "1", "step": "5", "view": "identify"})
    no_exception(at)
    assert not any(r.label == "Tool" for r in at.radio)
    assert [h.value for h in at.header] == ["5 · Same name, different result"]
    z = _array(figures(at)["same-name"]["data"][0]["z"])
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    assert f"up to {int(z.max())} grey levels" in notice and f"differ by {int(z[0, 1])}" in notice
    cat = SAMPLES["cat"].load()
    gap = np.abs(resize(cat, (90, 135), "opencv-linear").astype(int) - resize(cat, (90, 135), "pillow-bilinear"))
    assert int(z[0, 1]) == gap.max()
    at = open_page(PAGE, {"present": "1", "step": "2"})
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    rows = _table(at).set_index("method")
    best = rows["PSNR (dB)"].idxmax()
    assert f"{METHODS[best].label}, {rows.loc[best, 'PSNR (dB)']:.2f} dB" in notice


def test_compare_on_several_images_keeps_its_controls_in_the_link():
    at = open_page(PAGE, {"view": "several", "many_scale": "0.4", "many_methods": "pillow-box,nope,opencv-area"})
    no_exception(at)
    assert at.slider(key="many_scale").value == 0.4
    assert at.multiselect(key="many_methods").value == ["pillow-box", "opencv-area"]
    assert any("many_methods" in w.value and "nope" in w.value for w in at.warning)
    at.slider(key="many_scale").set_value(0.5).run()
    assert at.query_params["many_scale"] in ("0.5", ["0.5"])
    assert at.query_params["many_methods"] in ("pillow-box,opencv-area", ["pillow-box,opencv-area"])
