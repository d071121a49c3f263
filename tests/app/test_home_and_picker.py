"""The home page and the sidebar image picker, driven by AppTest (no browser)."""

import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from markdown_it import MarkdownIt
from PIL import Image

from core.samples import SAMPLES
from tests.app.helpers import app, no_exception, open_page

REPO = Path(__file__).resolve().parents[2]

HOSTILE = ["[Session expired - sign in](http://evil.example/login)",
           "**bold** _it_ <b>x</b> http://evil.example"]
MARKUP = ("<a", "<strong", "<em", "<b>", "<img", "<code")


def _rendered(markdown_text: str) -> str:
    """HTML from an independent CommonMark parser with GFM autolinks, as Streamlit renders it."""
    return MarkdownIt("gfm-like", {"linkify": True}).render(markdown_text)


def _no_markup(texts) -> None:
    for text in texts:
        html = _rendered(text)
        assert not any(tag in html for tag in MARKUP), (text, html)
        # the browser's remark-gfm links bare addresses found in the text after escapes are resolved
        assert not re.search(r"(?i)https?://|www\.|@\w", html), (text, html)


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 90, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_home_links_every_lesson_page_on_disk_and_names_the_device():
    # The reference is the folder itself: every page file but home gets a link on the home page.
    at = app().run()
    no_exception(at)
    pages = {p.stem.replace("_", "-") for p in (REPO / "app_pages").glob("*.py")} - {"home"}
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    assert set(links) == pages
    assert all(label.strip() for label in links.values())
    assert f"torch {torch.__version__}" in " ".join(c.value for c in at.caption)


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
    assert any("no-such-thing" in MarkdownIt().renderInline(w.value) for w in at.sidebar.warning)


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
    assert any("bad.png" in MarkdownIt().renderInline(e.value) and "damaged" in e.value for e in at.error)


def test_a_huge_upload_is_shrunk_to_the_working_size_with_a_notice():
    at = app().run()
    at.file_uploader(key="uploader").set_value(("wide.png", _png(4000, 1000), "image/png")).run()
    no_exception(at)
    assert any("2048×512" in c.value for c in at.sidebar.caption)
    assert any("4000×1000" in i.value and "not changed" in i.value for i in at.sidebar.info)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_sample_name_in_the_link_is_shown_as_plain_text(hostile):
    at = app({"image": hostile}).run()
    no_exception(at)
    notices = [w.value for w in at.sidebar.warning]
    assert len(notices) == 1 and "evil" in notices[0]
    _no_markup(notices)
    assert "evil.example" in _rendered(notices[0])        # the words are there, as text


def test_a_ten_thousand_character_sample_name_is_cut_short():
    at = app({"image": "x" * 10_000}).run()
    notice = at.sidebar.warning[0].value
    assert "x" * 79 + "…" in notice and "x" * 81 not in notice
    assert len(notice) < 250


def test_a_rejected_upload_with_a_hostile_name_is_named_literally():
    at = app({"image": "coffee"}).run()
    name = "bad **bold** [link](http://evil.example).png"
    at.file_uploader(key="uploader").set_value((name, b"\x89PNG\r\n\x1a\n broken", "image/png")).run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "coffee"
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    _no_markup(errors)
    shown = MarkdownIt().renderInline(errors[0]).replace("\u2060", "")    # an invisible word joiner defuses links
    assert "bad **bold** [link](http://evil.example).png" in shown


def test_an_upload_keeps_only_its_working_copy_in_the_session():
    at = app().run()
    at.file_uploader(key="uploader").set_value(("mine.png", _png(300, 200), "image/png")).run()
    no_exception(at)
    held = at.session_state["uploaded_image"]
    assert held.pixels.shape == (200, 300, 3) and not held.pixels.flags.writeable
    assert [f.name for f in dataclasses.fields(held) if isinstance(getattr(held, f.name), np.ndarray)] == ["pixels"]
    at.run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "__upload__"
    assert any("300×200 px" in c.value for c in at.sidebar.caption)


def test_reading_an_upload_drops_streamlits_copy_of_its_bytes(monkeypatch):
    from streamlit.proto.Common_pb2 import FileURLs
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    import ui.uploads as widgets

    manager = MemoryUploadedFileManager("/upload")
    record = UploadedFileRec("f1", "cat.png", "image/png", b"x" * 1000)
    manager.add_file("s1", record)
    manager.add_file("s1", UploadedFileRec("f2", "other.png", "image/png", b"y" * 10))
    context = type("Ctx", (), {"session_id": "s1", "uploaded_file_mgr": manager})()
    monkeypatch.setattr(widgets, "get_script_run_ctx", lambda: context)
    upload = UploadedFile(record, FileURLs())
    assert widgets.read_upload(upload) == b"x" * 1000
    assert [r.file_id for r in manager.get_files("s1", ["f1", "f2"])] == ["f2"]   # only this file went


@pytest.mark.parametrize(("script", "query", "key", "used"), [
    ("app_pages/pyramids.py", {"levels": "abc"}, "levels", "using 5 instead"),
    ("app_pages/pyramids.py", {"levels": "99"}, "levels", "outside 1…"),
    ("app_pages/pyramids.py", {"sigma": "nan"}, "sigma", "not a number"),
    ("app_pages/pyramids.py", {"sigma": "9"}, "sigma", "using 3 instead"),
    ("app_pages/pyramids.py", {"kernel": "nope"}, "kernel", "not one of the choices"),
])
def test_a_bad_url_value_gets_a_notice_naming_the_parameter_and_the_value_used(script, query, key, used):
    at = open_page(script, query)
    no_exception(at)
    notices = [w.value for w in at.warning if w.value.startswith(f"The link sets {key} to")]
    assert len(notices) == 1 and used in notices[0], [w.value for w in at.warning]
    at.run()                       # the page wrote the value it uses into the URL: said once
    assert not [w.value for w in at.warning if w.value.startswith("The link sets")]


def test_good_url_values_get_no_notice():
    at = open_page("app_pages/pyramids.py", {"levels": "3", "sigma": "1.5", "kernel": "binomial"})
    no_exception(at)
    assert not [w.value for w in at.warning if w.value.startswith("The link sets")]
    assert at.slider(key="levels").value == 3


def test_files_no_page_reads_are_dropped_past_the_per_session_budget_and_after_the_session_is_gone(monkeypatch):
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    import ui.uploads as widgets

    manager = MemoryUploadedFileManager("/upload")
    live = {"connected"}
    runtime = type("Runtime", (), {"uploaded_file_mgr": manager,
                                   "get_app_session": lambda self, sid: object() if sid in live else None})()
    monkeypatch.setattr(widgets, "Runtime", type("R", (), {"exists": staticmethod(lambda: True),
                                                          "instance": staticmethod(lambda: runtime)}))
    monkeypatch.setattr(widgets, "_NO_CONNECTION_SINCE", {})
    mb = 2**20
    for i in range(5):                                  # 5 × 30 MB sent by a connected session
        manager.add_file("connected", UploadedFileRec(f"c{i}", f"{i}.png", "image/png", bytes(30 * mb)))
    manager.add_file("closed", UploadedFileRec("x", "x.png", "image/png", bytes(10 * mb)))

    freed = widgets.limit_pending_uploads(now=1000.0)
    held = [r.file_id for r in manager.get_files("connected", [f"c{i}" for i in range(5)])]
    assert held == ["c2", "c3", "c4"] and 3 * 30 * mb <= widgets.PENDING_UPLOAD_BYTES   # the newest 90 MB
    assert freed == 2 * 30 * mb
    assert manager.get_files("closed", ["x"])            # just disconnected: it may still come back
    assert widgets.limit_pending_uploads(now=1000.0 + widgets.ORPHANED_AFTER_S - 1) == 0
    assert widgets.limit_pending_uploads(now=1000.0 + widgets.ORPHANED_AFTER_S) == 10 * mb
    assert not manager.get_files("closed", ["x"])
