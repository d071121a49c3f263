"""A slider inside one section reruns that section only; a page-wide control reruns the whole page.

The server's websocket messages are decoded (Streamlit's ``ForwardMsg``, by the browser benchmark's
:class:`benchmarks.browser_probe.Recorder`): a section's own step must end as a fragment run and
send none of the other sections' figures.
"""

import contextlib

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.browser_probe import Recorder
from tests.e2e.conftest import settle, wait_idle

pytestmark = pytest.mark.e2e
FULL_RUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
SECTION_RUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_FRAGMENT_RUN_SUCCESSFULLY")

# page, a slider inside one section, a figure of that section (sent again; None: it has none),
# and a figure of another section that must not be sent again
CASES = [
    ("/pyramids", "Octaves down", "aliasing-images", "pyramid-stacked"),
    ("/resize", "Wipe: where B starts (% of the width)", "ab-wipe", "results"),
    ("/sampling", "Kernel k", None, "down-true-size"),
    ("/modules", "Unit height (share of the map)", "trained-erf", "segmentation"),
    ("/receptive-field", "Unit row", "rf-image", "rf-theory-vs-effective"),
    ("/scale-invariance", "Rounds of 2×2 max pooling", "squares-activations", "squares-bias"),
]


def _step(page, recorder: Recorder, name: str):
    """One keyboard step of the slider called ``name``; what the server sent for it (a Phase)."""
    slider = page.get_by_role("slider", name=name).first
    slider.scroll_into_view_if_needed()
    before = slider.get_attribute("aria-valuenow")
    phase = recorder.phase()
    slider.focus()
    for key in ("ArrowRight", "ArrowLeft"):   # left when the slider sits at its right end
        page.keyboard.press(key)
        with contextlib.suppress(AssertionError):
            expect(slider).not_to_have_attribute("aria-valuenow", before or "", timeout=3_000)
            break
    expect(slider).not_to_have_attribute("aria-valuenow", before or "")
    page.wait_for_timeout(500)
    wait_idle(page)
    settle(page)
    return phase


@pytest.mark.parametrize(("path", "slider", "own", "elsewhere"), CASES, ids=[c[0] for c in CASES])
def test_a_sections_own_slider_reruns_only_that_section(page, path, slider, own, elsewhere):
    recorder = Recorder(page)
    page.goto(path)
    settle(page)
    assert elsewhere in recorder.current.figures, f"{elsewhere} is not a figure of {path}: the case is stale"
    step = _step(page, recorder, slider)
    assert step.endings, "no run followed the slider step"
    assert SECTION_RUN in step.endings and FULL_RUN not in step.endings, (
        f"the step reran the whole page: {step.endings}")
    assert elsewhere not in step.figures
    if own is not None:
        assert own in step.figures, f"the section's own figure was not sent again: {step.figures}"


def test_a_page_wide_control_still_reruns_every_section(page):
    recorder = Recorder(page)
    page.goto("/pyramids")
    settle(page)
    step = _step(page, recorder, "Levels (octaves)")
    assert FULL_RUN in step.endings
    assert "pyramid-stacked" in step.figures
