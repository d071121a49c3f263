"""Every lesson read at three screen sizes: a laptop, a classroom projector, a narrow window.

At 1440×900 and 800×1000 the normal page is checked; at 1280×720 the page is opened in classroom
mode (``?present=1``), where nothing may scroll sideways and Next must move to the next section.
A metric whose value is wider than its box (the browser cuts it with "…") fails everywhere, as
does an exception box. Each view is saved as a screenshot under ``artifacts/screenshots``.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SETTLE_MS, screenshot, settle
from ui.catalogue import LESSONS

pytestmark = pytest.mark.e2e
BUILT = [lesson for lesson in LESSONS if lesson.script]
VIEWPORTS = {"laptop": (1440, 900, ""), "projector": (1280, 720, "present=1&step=1"), "narrow": (800, 1000, "")}
EXCEPTION = '[data-testid="stException"]'
SECTION_HEADER = '[data-testid="stMain"] h2'

# Every metric value (and what it wraps) that the browser had to cut short.
_CUT_METRICS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .flatMap(box => [box, ...box.querySelectorAll('*')])
  .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.closest('[data-testid="stMetricValue"]').innerText)"""
# How far the page's content reaches past the window's right edge, in CSS pixels.
_OVERFLOW = """() => {
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  const reach = block ? block.scrollWidth + block.getBoundingClientRect().left : 0;
  const right = Math.max(document.documentElement.scrollWidth, reach);
  return right - window.innerWidth; }"""


def _first_section(page) -> str:
    headers = page.locator(SECTION_HEADER).filter(has_text=" · ")
    expect(headers.first).to_be_visible()
    return headers.first.inner_text()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("lesson", BUILT, ids=[lesson.url_path for lesson in BUILT])
def test_a_lesson_reads_at_each_screen_size(browser, server_url, lesson, viewport):
    width, height, query = VIEWPORTS[viewport]
    context = browser.new_context(base_url=server_url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(SETTLE_MS)
    try:
        page.goto(f"/{lesson.url_path}" + (f"?{query}" if query else ""))
        settle(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert page.evaluate(_CUT_METRICS) == [], f"{lesson.url_path} at {width}×{height}: metrics cut short"
        screenshot(page, f"{lesson.url_path}-{viewport}")
        if viewport != "projector":
            return
        overflow = page.evaluate(_OVERFLOW)
        assert overflow <= 1, f"{lesson.url_path} in classroom mode scrolls {overflow} px sideways at 1280×720"
        first = _first_section(page)
        page.get_by_role("button", name="Next ▶").click()
        expect(page.locator(SECTION_HEADER).filter(has_text=" · ").first).not_to_have_text(first)
        settle(page)
        expect(page.locator(EXCEPTION)).to_have_count(0)
        assert "step=2" in page.url, page.url
        assert page.evaluate(_OVERFLOW) <= 1, f"{lesson.url_path} section 2 scrolls sideways at 1280×720"
        screenshot(page, f"{lesson.url_path}-projector-step2")
    finally:
        context.close()
