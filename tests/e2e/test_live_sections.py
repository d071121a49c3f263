"""A slider inside one section reruns that section only; a page-wide control reruns the whole page.

The server's websocket messages are decoded (Streamlit's ``ForwardMsg``): a section's own step must
end as a fragment run and send none of the other sections' figures.
"""

import contextlib

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

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


class Messages:
    """The figures each run sends and how the runs end, decoded from the page's websocket."""

    def __init__(self, page) -> None:
        self.figures: list[str] = []   # sent in full, or by reference to an earlier identical message
        self.endings: list[int] = []
        self._by_hash: dict[str, str] = {}
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def clear(self) -> None:
        self.figures, self.endings = [], []

    def _frame(self, payload) -> None:
        try:
            message = ForwardMsg.FromString(payload if isinstance(payload, bytes) else payload.encode())
        except Exception:   # noqa: BLE001  not a ForwardMsg
            return
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            self.endings.append(message.script_finished)
        elif kind == "ref_hash" and message.ref_hash in self._by_hash:
            self.figures.append(self._by_hash[message.ref_hash])
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            if element.WhichOneof("type") == "plotly_chart":
                name = element.plotly_chart.id.split("-figure-", 1)[-1]
                self.figures.append(name)
                self._by_hash[message.hash] = name


def _step(page, messages: Messages, name: str) -> None:
    slider = page.get_by_role("slider", name=name).first
    slider.scroll_into_view_if_needed()
    before = slider.get_attribute("aria-valuenow")
    messages.clear()
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


@pytest.mark.parametrize(("path", "slider", "own", "elsewhere"), CASES, ids=[c[0] for c in CASES])
def test_a_sections_own_slider_reruns_only_that_section(page, path, slider, own, elsewhere):
    messages = Messages(page)
    page.goto(path)
    settle(page)
    assert elsewhere in messages.figures, f"{elsewhere} is not a figure of {path}: the case is stale"
    _step(page, messages, slider)
    assert messages.endings, "no run followed the slider step"
    assert SECTION_RUN in messages.endings and FULL_RUN not in messages.endings, (
        f"the step reran the whole page: {messages.endings}")
    assert elsewhere not in messages.figures
    if own is not None:
        assert own in messages.figures, f"the section's own figure was not sent again: {messages.figures}"


def test_a_page_wide_control_still_reruns_every_section(page):
    messages = Messages(page)
    page.goto("/pyramids")
    settle(page)
    _step(page, messages, "Levels (octaves)")
    assert FULL_RUN in messages.endings
    assert "pyramid-stacked" in messages.figures
