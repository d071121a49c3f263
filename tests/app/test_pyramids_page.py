"""The image-pyramids lesson through AppTest: controls change the right numbers and figures."""

import pytest

from core.pyramids import geometric_storage_ratio, level_sizes, storage_ratio
from tests.app.helpers import app, figures, metric, no_exception, snippet_result


def _pyramids(query=None):
    at = app(query)
    at.switch_page("app_pages/pyramids.py")
    return at.run()


def test_the_page_renders_every_section_on_the_default_sample():
    at = _pyramids()
    no_exception(at)
    shown = figures(at)
    for name in ("pyramid-stacked", "laplacian-bands", "laplacian-coarsest", "down-up",
                 "down-up-error", "octave-spectra", "aliasing-images", "aliasing-spectra",
                 "opencv-comparison"):
        assert name in shown, name
    assert [h.value for h in at.header][:5] == [
        "1 · The Gaussian pyramid", "2 · The Laplacian pyramid: what each octave adds",
        "3 · Down, then up: one octave loses detail for good",
        "4 · Why the blur comes before dropping rows", "5 · OpenCV's pyrDown beside ours"]


def test_levels_change_the_storage_numbers_to_the_formula():
    at = _pyramids()
    for levels in (2, 3, 7):
        at.slider(key="levels").set_value(levels).run()
        no_exception(at)
        assert float(metric(at, "Pixels stored")) == pytest.approx(
            storage_ratio(level_sizes(300, 451, levels)), abs=1e-5)
        assert float(metric(at, "Exact halving")) == pytest.approx(geometric_storage_ratio(levels), abs=1e-5)
        assert at.query_params["levels"] in (str(levels), [str(levels)])
        stacked = figures(at)["pyramid-stacked"]
        assert len(stacked["layout"]["annotations"]) == levels
        assert float(metric(at, "Reconstruction")) < 1e-6


def test_the_kernel_choice_changes_the_down_up_error_and_enables_sigma():
    at = _pyramids()
    assert at.slider(key="sigma").disabled
    binomial_psnr = float(metric(at, "PSNR").split()[0])
    at.radio(key="kernel").set_value("gaussian").run()
    assert not at.slider(key="sigma").disabled
    narrow = float(metric(at, "PSNR").split()[0])
    at.slider(key="sigma").set_value(2.5).run()
    no_exception(at)
    wide = float(metric(at, "PSNR").split()[0])
    assert narrow != binomial_psnr
    assert wide < narrow            # a wider blur throws away more before the round trip
    assert float(metric(at, "Reconstruction")) < 1e-6   # exact whatever the kernel


def test_the_three_views_of_the_octaves():
    at = _pyramids()
    at.button_group(key="view").set_value("native").run()
    assert "pyramid-native" in figures(at) and "pyramid-stacked" not in figures(at)
    at.button_group(key="view").set_value("full").run()
    grid = figures(at)["pyramid-full-size"]
    assert len([t for t in grid["data"] if t["type"] == "image"]) == 5
    assert grid["layout"]["xaxis2"]["matches"] == "x"     # zoom one, zoom all
    no_exception(at)


def test_one_level_explains_that_there_is_no_band_yet():
    at = _pyramids()
    at.slider(key="levels").set_value(1).run()
    no_exception(at)
    assert any("no band yet" in i.value for i in at.info)


def test_a_link_sets_the_controls_and_bad_values_are_clamped():
    at = _pyramids({"image": "zone-plate", "levels": "3", "kernel": "gaussian", "sigma": "2"})
    assert at.slider(key="levels").value == 3
    assert at.radio(key="kernel").value == "gaussian"
    assert at.slider(key="sigma").value == 2.0
    at = _pyramids({"levels": "999", "kernel": "nonsense", "sigma": "nan"})
    no_exception(at)
    assert at.slider(key="levels").value == 10
    assert at.radio(key="kernel").value == "binomial"


def test_switching_to_a_smaller_image_clamps_the_levels():
    at = _pyramids()
    at.slider(key="levels").set_value(10).run()
    at.selectbox(key="image_choice").select("checkerboard").run()   # 512²: still 10 levels
    assert at.slider(key="levels").value == 10
    at.file_uploader(key="uploader").set_value(("tiny.png", _tiny_png(), "image/png")).run()
    no_exception(at)
    assert at.slider(key="levels").value == 3    # 4 x 3 -> 2 x 2 -> 1 x 1


def _tiny_png() -> bytes:
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.arange(36, dtype=np.uint8).reshape(3, 4, 3) * 7).save(buffer, "PNG")
    return buffer.getvalue()


def _label_boxes(fig: dict) -> list[tuple[float, float, float]]:
    """Each stacked-pyramid label's (screen y of its centre, screen x of its left edge, image width)
    in pixels, from the figure's own ranges and height (its scale is fixed by the figure)."""
    layout = fig["layout"]
    bottom, top = layout["yaxis"]["range"]
    plot_height = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    scale = plot_height / (bottom - top)
    return [((a["ay"] - top) * scale, a["ax"] * scale, a["font"]["size"]) for a in layout["annotations"]]


@pytest.mark.parametrize("side, levels", [(2048, 8), (2048, 12), (451, 9), (2048 // 4, 10)])
def test_stacked_pyramid_labels_never_overlap(side, levels):
    import numpy as np

    from ui.pyramids_figures import stacked_pyramid_figure

    sizes = level_sizes(side, side * 3 // 4 if side == 451 else side, levels)
    octaves = [np.zeros((h, w, 3), np.uint8) for h, w in sizes]
    fig = stacked_pyramid_figure(octaves).to_plotly_json()
    boxes = _label_boxes(fig)
    assert len(boxes) == levels
    ys = [y for y, _, _ in boxes]
    assert all(upper < lower for lower, upper in zip(ys, ys[1:]))        # octave 0 lowest, in order
    font = boxes[0][2]
    assert min(lower - upper for lower, upper in zip(ys, ys[1:])) >= 1.2 * font   # a line of text apart
    plot_height = fig["layout"]["height"] - 50
    assert all(font / 2 <= y <= plot_height for y in ys)                 # inside the figure
    canvas_width = max(w for _, w in sizes)
    x_range = fig["layout"]["xaxis"]["range"]
    scale = (fig["layout"]["height"] - 50) / (fig["layout"]["yaxis"]["range"][0] - fig["layout"]["yaxis"]["range"][1])
    assert all(x >= canvas_width * scale for _, x, _ in boxes)            # beside the pyramid, not on it
    assert (x_range[1] - x_range[0]) * scale <= 640                       # fits the page at this scale
    assert fig["layout"]["height"] <= 720


def test_the_spectra_axes_label_decades_only():
    shown = figures(_pyramids())["octave-spectra"]["layout"]
    for axis in ("xaxis", "yaxis"):
        assert shown[axis]["type"] == "log" and shown[axis]["dtick"] == 1, shown[axis]


def test_the_view_of_the_octaves_is_in_the_link():
    at = _pyramids({"view": "native"})
    no_exception(at)
    assert "pyramid-native" in figures(at)
    at.button_group(key="view").set_value("full").run()
    assert at.query_params["view"] in ("full", ["full"])
    at = _pyramids({"view": "sideways"})
    no_exception(at)
    assert any("view" in w.value for w in at.warning) and "pyramid-stacked" in figures(at)


def test_the_snippets_of_a_gaussian_kernel_reproduce_every_section():
    import numpy as np

    from ui.present import REPRODUCED

    at = _pyramids({"kernel": "gaussian", "sigma": "1.7", "levels": "4", "alias": "3"})
    no_exception(at)
    snippets = at.session_state[REPRODUCED]
    assert [s["section"] for s in snippets] == [0, 1, 2, 3, 4]
    for entry in snippets:
        found_result = snippet_result(entry)
        np.testing.assert_allclose(np.asarray(found_result, float), np.asarray(entry["result"], float),
                                   rtol=max(entry["tolerance"], 1e-9), atol=max(entry["tolerance"], 1e-9))
    largest, psnr = snippets[2]["result"]
    assert f"{largest:.0f}" == metric(at, "Largest difference") and f"{psnr:.1f} dB" == metric(at, "PSNR")
