"""The home page and the sidebar image picker, driven by AppTest (no browser)."""

import io

import numpy as np
from PIL import Image

from core.samples import SAMPLES
from tests.app.helpers import app, no_exception
from ui.catalogue import LESSONS


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 90, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_home_lists_every_lesson_and_the_device():
    at = app().run()
    no_exception(at)
    page_text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    for lesson in LESSONS:
        assert lesson.title in page_text or lesson.script, lesson.title
    assert "torch 2.13.0" in page_text
    assert sum("coming soon" in m.value for m in at.markdown) == sum(1 for l in LESSONS if not l.script)


def test_the_default_sample_is_named_in_the_url():
    at = app().run()
    assert at.selectbox(key="image_choice").value == "cat"
    assert at.query_params["image"] == ["cat"] or at.query_params["image"] == "cat"


def test_a_link_picks_its_sample_and_an_unknown_one_is_explained():
    at = app({"image": "zone-plate"}).run()
    assert at.selectbox(key="image_choice").value == "zone-plate"
    at = app({"image": "no-such-thing"}).run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "cat"
    assert any("no-such-thing" in e.value for e in at.error)


def test_every_sample_can_be_picked():
    at = app().run()
    for name in SAMPLES:
        at.selectbox(key="image_choice").select(name).run()
        no_exception(at)
        assert at.query_params["image"] in (name, [name])


def test_an_upload_becomes_the_image_and_leaves_the_url():
    at = app().run()
    at.file_uploader(key="uploader").set_value(("mine.png", _png(40, 30), "image/png")).run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "__upload__"
    assert "image" not in at.query_params
    assert any("40×30 px" in c.value for c in at.sidebar.caption)


def test_a_bad_upload_is_explained_and_the_previous_image_stays():
    at = app({"image": "coffee"}).run()
    at.file_uploader(key="uploader").set_value(("bad.png", _png(40, 30)[:70], "image/png")).run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "coffee"
    assert any("bad.png" in e.value and "damaged" in e.value for e in at.error)


def test_a_huge_upload_is_shrunk_to_the_working_size_with_a_notice():
    at = app().run()
    at.file_uploader(key="uploader").set_value(("wide.png", _png(4000, 1000), "image/png")).run()
    no_exception(at)
    assert any("2048×512" in c.value for c in at.sidebar.caption)
    assert any("4000×1000" in i.value and "not changed" in i.value for i in at.sidebar.info)
