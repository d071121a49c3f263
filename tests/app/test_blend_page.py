"""The pyramid-blending lesson through AppTest."""

import io

import numpy as np
from PIL import Image

from tests.app.helpers import app, figures, metric, no_exception


def _blend(query=None):
    at = app(query)
    at.switch_page("app_pages/blend.py")
    return at.run()


def test_three_blends_and_the_pyramid_one_has_the_smoothest_seam_of_the_two_joins():
    at = _blend()
    no_exception(at)
    shown = figures(at)
    assert {"blends", "seams", "mask-pyramid"} <= set(shown)
    assert len([t for t in shown["blends"]["data"] if t["type"] == "image"]) == 3
    assert float(metric(at, "Laplacian pyramid")) < float(metric(at, "hard cut")) / 2


def test_levels_mask_and_partner_change_the_result():
    at = _blend()
    before = metric(at, "Laplacian pyramid")
    at.slider(key="levels").set_value(2).run()
    assert metric(at, "Laplacian pyramid") != before
    masks = [t for t in figures(at)["mask-pyramid"]["data"] if t["type"] == "image"]
    assert len(masks) == 2
    at.radio(key="mask").set_value("circle").run()
    assert not at.slider(key="radius").disabled
    at.selectbox(key="partner").select("grass").run()
    no_exception(at)
    assert at.query_params["b"] in ("grass", ["grass"])


def test_a_bad_partner_upload_is_explained_and_the_sample_stays():
    at = _blend()
    at.file_uploader(key="partner_upload").set_value(("nope.png", b"<html></html>", "image/png")).run()
    no_exception(at)
    # the name arrives escaped (nope\\.png): shown literally, never as Markdown
    assert any(r"nope\.png" in e.value and "web page" in e.value for e in at.error)
    assert "blends" in figures(at)


def test_an_uploaded_partner_of_another_size_is_resized_to_match():
    buffer = io.BytesIO()
    Image.fromarray(np.full((50, 70, 3), 200, np.uint8)).save(buffer, "PNG")
    at = _blend()
    at.file_uploader(key="partner_upload").set_value(("b.png", buffer.getvalue(), "image/png")).run()
    no_exception(at)
    assert "blends" in figures(at)
