"""The image-pyramids lesson through AppTest: controls change the right numbers and figures."""

import pytest

from core.pyramids import geometric_storage_ratio, level_sizes, storage_ratio
from tests.app.helpers import app, figures, metric, no_exception


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
