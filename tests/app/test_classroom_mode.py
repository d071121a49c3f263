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
