"""Hostile text through every URL parameter, an upload name and weight-file names, in a real browser.

Whatever someone puts in a shared link or a file name must reach the screen as the characters
typed: no link to another site inside the app's own alert boxes, no bold or italic text. The URL
parameters are found in the pages' source, so a parameter added later is covered too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO, wait_idle
from ui.catalogue import LESSONS

pytestmark = pytest.mark.e2e
HOSTILE = ["[Session expired - sign in](http://evil.example/login)",
           "**bold** _it_ <b>x</b> http://evil.example"]
HOSTILE_NAME = "bad **bold** [link](http://evil.example).png"
EMPHASISED_WORDS = {"bold", "it", "x", "link", "Session expired - sign in"}
APP_AREAS = '[data-testid="stMain"], [data-testid="stSidebar"]'
EXCEPTION = '[data-testid="stException"]'
_READS = re.compile(r"""url_(?:int|float|choice|bool)\(\s*["'](\w+)["']|query_params\.get\(\s*["'](\w+)["']""")
_WRITES = re.compile(r"query_params\.update\(([^)]*)\)")


def page_parameters() -> dict[str, list[str]]:
    """URL path → the query parameters its page reads or writes (from the page's source)."""
    found: dict[str, list[str]] = {}
    scripts = [("app_pages/home.py", "")] + [(lesson.script, lesson.url_path) for lesson in LESSONS if lesson.script]
    for script, url_path in scripts:
        source = (REPO / script).read_text(encoding="utf-8")
        names = {a or b for a, b in _READS.findall(source)}
        for call in _WRITES.findall(source):
            names |= set(re.findall(r"(\w+)\s*=", call))
        found["/" + (url_path or "")] = sorted(names | {"image"})
    ui_source = (REPO / "ui/present.py").read_text(encoding="utf-8") if (REPO / "ui/present.py").exists() else ""
    shared = {a or b for a, b in _READS.findall(ui_source)}
    names_line = re.search(r"^PRESENT, STEP = (.+)$", ui_source, re.M)      # presentation mode, every page
    shared |= set(re.findall(r"\w+", names_line.group(1))) if names_line else set()
    return {path: sorted(set(names) | shared) for path, names in found.items()}


def _assert_no_markup_from(page, where: str) -> None:
    areas = page.locator(APP_AREAS)
    links = areas.locator('a[href*="evil.example"]')
    assert links.count() == 0, f"{where}: a link to evil.example: {links.first.evaluate('e => e.outerHTML')}"
    for element in areas.locator("strong, em, b").all():
        text = " ".join(element.inner_text().split())
        tag = element.evaluate("e => e.tagName")
        assert text not in EMPHASISED_WORDS, f"{where}: user text rendered as <{tag}>{text}"
    for link in areas.locator("a").all():
        assert "Session expired" not in link.inner_text(), f"{where}: user text rendered as a link"


def _goto(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)


PARAMETERS = page_parameters()


def test_every_page_reads_some_url_parameter():   # the source scan finds what it should
    assert len(PARAMETERS) >= 5
    assert {"levels", "kernel", "sigma"} <= set(PARAMETERS["/pyramids"]), PARAMETERS["/pyramids"]


@pytest.mark.parametrize("path", sorted(PARAMETERS))
@pytest.mark.parametrize("hostile", HOSTILE, ids=["link", "emphasis"])
def test_hostile_url_values_show_no_link_and_no_emphasis(page, path, hostile):
    from urllib.parse import urlencode

    _goto(page, f"{path}?{urlencode(dict.fromkeys(PARAMETERS[path], hostile))}")
    expect(page.locator(EXCEPTION)).to_have_count(0)
    _assert_no_markup_from(page, f"{path} with every parameter set to {hostile!r}")
    # the sample name at least is answered with a notice that shows the text literally
    expect(page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').first).to_contain_text(
        "evil.example")


def test_a_ten_thousand_character_sample_name_is_shown_cut_short(page):
    _goto(page, "/?image=" + "x" * 10_000)
    notice = page.locator('[data-testid="stSidebar"] [data-testid="stAlert"]').first
    expect(notice).to_contain_text("x" * 79 + "…")
    assert "x" * 81 not in notice.inner_text()


def test_a_refused_upload_with_a_hostile_name_is_named_literally(page):
    _goto(page, "/?image=coffee")
    page.locator('[data-testid="stSidebarUserContent"] [data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        {"name": HOSTILE_NAME, "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n not really a picture"})
    error = page.locator('[data-testid="stSidebar"] [data-testid="stAlertContentError"]')
    expect(error).to_contain_text("was not loaded")
    wait_idle(page)
    assert HOSTILE_NAME in error.inner_text().replace("\u2060", "")   # as typed (less an invisible word joiner)
    _assert_no_markup_from(page, "sidebar after a refused upload")
    expect(page.get_by_role("combobox", name="Sample or your upload")).to_have_value(re.compile("Coffee", re.I))


@pytest.mark.parametrize("path", ["/modules", "/downsizenet"])
def test_a_weights_file_with_a_hostile_name_is_named_literally(page, path):
    name = "bad **bold** [link](http://evil.example).safetensors"
    _goto(page, path + ("?features=uploaded" if path == "/modules" else ""))   # the link opens the uploader
    uploaders = page.locator('[data-testid="stMain"] [data-testid="stFileUploaderDropzoneInput"]')
    expect(uploaders.first).to_be_attached()
    uploaders.last.set_input_files({"name": name, "mimeType": "application/octet-stream",
                                    "buffer": b"\x10\x00\x00\x00\x00\x00\x00\x00{}"})
    expect(page.locator('[data-testid="stMain"] [data-testid="stAlert"]').filter(   # "bad" shows either way
        has_text="bad").first).to_be_visible()
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    _assert_no_markup_from(page, f"{path} after a weights file named {name!r}")


def test_the_scan_covers_the_files_it_names():
    assert all((REPO / Path(lesson.script)).exists() for lesson in LESSONS if lesson.script)
