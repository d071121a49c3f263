"""Every page in a real browser: opens, takes an upload, reacts to a control, never shows a traceback."""

import os
import re
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import running_server, screenshot, server_pid, wait_idle
from ui.catalogue import LESSONS

pytestmark = pytest.mark.e2e
EXCEPTION = '[data-testid="stException"]'
UPLOAD_INPUT = '[data-testid="stSidebarUserContent"] [data-testid="stFileUploaderDropzoneInput"]'
BUILT = [lesson for lesson in LESSONS if lesson.script]


def _open(page, path: str) -> None:
    page.goto(path)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def _circle_png(tmp_path) -> str:
    picture = np.zeros((96, 128, 3), np.uint8)
    cv2.circle(picture, (64, 48), 30, (40, 200, 255), -1)
    path = tmp_path / "circle.png"
    cv2.imwrite(str(path), picture)
    return str(path)


def _upload_circle(page, tmp_path) -> None:
    page.locator(UPLOAD_INPUT).set_input_files(_circle_png(tmp_path))
    expect(page.get_by_text("128×96 px").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("combobox", name="Sample or your upload")).to_have_value(
        "Your upload: circle.png")
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_home_lists_every_lesson_names_the_device_and_takes_an_upload(page, tmp_path):
    _open(page, "/")
    expect(page.get_by_role("heading", name="ScaleScope")).to_be_visible()
    for lesson in LESSONS:
        expect(page.get_by_text(lesson.title).first).to_be_visible()
    expect(page.get_by_text("Compute device:")).to_be_visible()
    screenshot(page, "home")
    _upload_circle(page, tmp_path)
    page.locator('[data-testid="stSidebarNav"] a', has_text="Image pyramids").click()
    expect(page.get_by_role("heading", name="Image pyramids").first).to_be_visible(timeout=30_000)
    wait_idle(page)
    expect(page.get_by_text("128×96 px").first).to_be_visible()   # the upload followed along
    expect(page.locator(EXCEPTION)).to_have_count(0)


@pytest.mark.parametrize("lesson", BUILT, ids=[lesson.url_path for lesson in BUILT])
def test_page_takes_an_upload_and_a_control_change(page, lesson, tmp_path):
    _open(page, f"/{lesson.url_path}")
    screenshot(page, f"{lesson.url_path}-sample")
    _upload_circle(page, tmp_path)
    slider = page.get_by_role("slider").first
    before = slider.input_value()
    slider.focus()
    page.keyboard.press("ArrowLeft")
    expect(slider).not_to_have_value(before)
    page.wait_for_timeout(300)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, f"{lesson.url_path}-upload")


def test_a_bad_upload_is_explained_and_the_previous_image_stays(page, tmp_path):
    _open(page, "/pyramids?image=coffee")
    expect(page.get_by_text("600×400 px").first).to_be_visible()
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    page.locator(UPLOAD_INPUT).set_input_files(str(path))
    alert = page.locator('[data-testid="stAlertContentError"]')
    expect(alert).to_contain_text("broken.png", timeout=30_000)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    expect(page.get_by_text("600×400 px").first).to_be_visible()
    expect(page.get_by_role("combobox", name="Sample or your upload")).to_have_value(
        re.compile("Coffee cup"))
    screenshot(page, "pyramids-bad-upload")


def test_a_shared_link_reproduces_the_view(page):
    _open(page, "/pyramids?image=zone-plate&levels=3&kernel=gaussian&sigma=2")
    expect(page.get_by_role("slider", name="Levels (octaves)")).to_have_value("3")
    expect(page.get_by_text("512×512 px").first).to_be_visible()
    expect(page.get_by_role("radio", name="Gaussian with σ")).to_be_checked()
    expect(page.locator(EXCEPTION)).to_have_count(0)
    screenshot(page, "pyramids-shared-link")


def test_a_deep_link_is_the_first_request_a_fresh_server_sees(browser, tmp_path):
    # The first session of a server decides how pages are routed; a link to a lesson must work
    # even when nobody has opened the home page yet.
    with running_server(tmp_path) as url:
        context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1600})
        page = context.new_page()
        try:
            _open(page, "/pyramids?image=grass&levels=4")
            expect(page.get_by_role("heading", name="Image pyramids").first).to_be_visible()
            expect(page.get_by_role("slider", name="Levels (octaves)")).to_have_value("4")
        finally:
            context.close()


def test_dragging_a_box_on_the_search_image_picks_the_patch(page):
    _open(page, "/search")
    top = page.locator('input[type=range][aria-label="Top"]')
    expect(top).to_have_value("85")
    area = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first
    expect(area).to_be_visible()
    page.wait_for_timeout(500)   # let Plotly finish wiring its drag handlers
    box = area.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.05, box["y"] + box["height"] * 0.55)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.95, steps=10)
    page.mouse.up()
    # The old slider lingers while the page reruns: wait until no "Top" slider reads 85.
    expect(page.locator('input[type=range][aria-label="Top"][aria-valuetext="85"]')).to_have_count(
        0, timeout=30_000)
    wait_idle(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert int(top.first.input_value()) > 100        # the box was dragged in the lower half
    screenshot(page, "search-dragged")


def test_one_persons_upload_is_never_shown_to_another(browser, server_url, tmp_path):
    first = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1600})
    second = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1600})
    try:
        alice, bob = first.new_page(), second.new_page()
        _open(alice, "/pyramids")
        _upload_circle(alice, tmp_path)
        _open(bob, "/pyramids")
        combobox = bob.get_by_role("combobox", name="Sample or your upload")
        expect(combobox).to_have_value(re.compile("Cat"))
        combobox.click()
        expect(bob.get_by_role("option", name=re.compile("Your upload"))).to_have_count(0)
        expect(bob.get_by_text("128×96 px")).to_have_count(0)
        expect(bob.get_by_text("451×300 px").first).to_be_visible()
        # And the first person still has their own image.
        expect(alice.get_by_text("128×96 px").first).to_be_visible()
    finally:
        first.close()
        second.close()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime


def test_closing_the_tab_mid_training_stops_the_work_on_the_server(browser, tmp_path):
    with running_server(tmp_path) as url:
        pid = server_pid(url)
        context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1600})
        page = context.new_page()
        _open(page, "/scale-invariance")
        page.get_by_text("Train your own study (optional)").click()     # the live study is opt-in
        page.get_by_role("button", name="Train and test").click()
        expect(page.get_by_text(re.compile("training .* seed"))).to_be_visible(timeout=60_000)
        context.close()                        # the person leaves mid-training
        deadline = time.monotonic() + 30
        while True:                            # the server must go quiet: under 10% of a core
            before = _cpu_seconds(pid)
            time.sleep(2)
            if _cpu_seconds(pid) - before < 0.2:
                break
            assert time.monotonic() < deadline, "the server kept working after the tab closed"
