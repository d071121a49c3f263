"""Classroom mode (?present=1): one section at a time, Previous and Next move the step in the URL."""

from tests.app.helpers import app, no_exception


def _pyramids(**params):
    at = app()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("app_pages/pyramids.py")
    return at.run()


def _headers(at) -> list[str]:
    return [h.value for h in at.header]


def test_the_normal_page_shows_every_section_and_offers_classroom_mode():
    at = _pyramids()
    no_exception(at)
    assert [h.split(" · ")[0] for h in _headers(at)][:5] == ["1", "2", "3", "4", "5"]
    assert any(b.label.startswith("🎓") for b in at.button)


def test_presenting_shows_one_section_and_next_moves_the_step_in_the_url():
    at = _pyramids(present="1", step="2")
    no_exception(at)
    assert _headers(at) == ["2 · The Laplacian pyramid: what each octave adds"]
    at.button(key="present-next").click().run()
    no_exception(at)
    assert _headers(at) == ["3 · Down, then up: one octave loses detail for good"]
    assert at.query_params["step"] in (["3"], "3")
    at.button(key="present-previous").click().run()
    assert _headers(at) == ["2 · The Laplacian pyramid: what each octave adds"]


def test_a_bad_step_in_a_link_is_explained_and_opens_the_first_section():
    at = _pyramids(present="1", step="99")
    no_exception(at)
    assert _headers(at) == ["1 · The Gaussian pyramid"]
    assert any("step=" in c.value for c in at.caption)


# ---- every lesson page -------------------------------------------------------------------------
import re  # noqa: E402

import pytest  # noqa: E402

from tests.app.helpers import open_page  # noqa: E402
from ui.catalogue import LESSONS  # noqa: E402

PAGES = [lesson.script for lesson in LESSONS if lesson.script]
_NUMBERED = re.compile(r"^(\d+) · ")


def _sections(at) -> list[str]:
    return [h for h in _headers(at) if _NUMBERED.match(h)]


@pytest.mark.parametrize("script", PAGES)
def test_every_page_presents_each_of_its_sections_alone(script):
    normal = open_page(script)
    no_exception(normal)
    sections = _sections(normal)
    assert len(sections) >= 2, f"{script}: no numbered lesson sections: {_headers(normal)}"
    assert [int(_NUMBERED.match(h).group(1)) for h in sections] == list(range(1, len(sections) + 1))
    assert any(b.label.startswith("🎓") for b in normal.button), f"{script}: no link into classroom mode"
    for step, title in enumerate(sections, start=1):
        at = open_page(script, {"present": "1", "step": str(step)})
        no_exception(at)
        assert _sections(at) == [title], f"{script} step {step}: {_headers(at)}"
        assert any(i.value.startswith("**What to notice.**") for i in at.info), f"{script} step {step}: no notice"
        if step == 1:
            at.button(key="present-next").click().run()
            no_exception(at)
            assert _sections(at) == [sections[1]], f"{script}: Next did not move to section 2"
