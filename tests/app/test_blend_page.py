"""The pyramid-blending lesson through AppTest."""

import io

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import app, figures, metric, no_exception, snippet_result


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


def test_every_control_is_in_the_link_and_a_bad_value_is_explained():
    at = _blend({"mask": "circle", "levels": "4", "b": "grass", "feather": "40", "radius": "0.4"})
    no_exception(at)
    assert (at.radio(key="mask").value, at.slider(key="levels").value, at.selectbox(key="partner").value) == \
        ("circle", 4, "grass")
    assert (at.slider(key="feather").value, at.slider(key="radius").value) == (40, 0.4)
    at.slider(key="feather").set_value(12).run()
    assert at.query_params["feather"] in ("12", ["12"])
    at = _blend({"feather": "wide", "radius": "9", "mask": "star"})
    no_exception(at)
    notices = " ".join(w.value for w in at.warning)
    assert "feather" in notices and "radius" in notices and "mask" in notices
    assert (at.slider(key="feather").value, at.slider(key="radius").value) == (24, 0.5)


def test_the_snippets_reproduce_a_circle_blend_with_a_resized_partner():
    from ui.present import REPRODUCED

    at = _blend({"image": "astronaut", "mask": "circle", "levels": "5", "radius": "0.25", "b": "grass"})
    no_exception(at)
    snippets = at.session_state[REPRODUCED]
    assert [s["section"] for s in snippets] == [0, 1, 2]
    for entry in snippets:
        found_result = snippet_result(entry)
        found, shown = np.asarray(found_result, float), np.asarray(entry["result"], float)
        assert found.shape == shown.shape
        assert np.abs(found - shown).max() <= entry["tolerance"] * (1 + np.abs(shown).max())
    rough = snippets[1]["result"]
    assert rough[0] == pytest.approx(float(metric(at, "hard cut")), abs=0.006)   # the metric shown, 2 decimals


def test_classroom_mode_shows_one_section_with_its_notice():
    at = _blend({"present": "1", "step": "3"})
    no_exception(at)
    assert [h.value for h in at.header] == ["3 · How the mask is spread per octave"]
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    titles = [a["text"] for a in figures(at)["mask-pyramid"]["layout"]["annotations"]]
    assert titles[-1].endswith(notice.split("about ")[1].split(" px")[0] + " px")   # same width as the last title
