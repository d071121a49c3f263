"""Every "Reproduce in Python" snippet runs on its own and gives what the page shows.

Each page is run with AppTest on its default sample; the snippets it drew are executed in a fresh
namespace (nothing from the page is shared but the code's text) and the ``result`` they leave is
compared with the value the page put on screen.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.helpers import no_exception, open_page
from ui.catalogue import LESSONS
from ui.present import REPRODUCED

PAGES = [lesson.script for lesson in LESSONS if lesson.script]


def _same(found: object, shown: object, tolerance: float) -> bool:
    if isinstance(shown, str):
        return found == shown
    found_array, shown_array = np.asarray(found), np.asarray(shown)
    if found_array.shape != shown_array.shape:
        return False
    if tolerance == 0 and shown_array.dtype.kind in "iub":
        return bool(np.array_equal(found_array, shown_array))
    # tolerance is absolute, in the result's own units (grey levels, pixels, IoU…)
    return bool(np.allclose(found_array.astype(np.float64), shown_array.astype(np.float64),
                            rtol=0.0, atol=max(tolerance, 1e-9)))


def _snippets(script: str) -> list[dict]:
    at = open_page(script)
    no_exception(at)
    return list(at.session_state[REPRODUCED]) if REPRODUCED in at.session_state else []


@pytest.mark.parametrize("script", PAGES)
def test_every_snippet_reproduces_what_the_page_shows(script):
    snippets = _snippets(script)
    if not snippets:
        pytest.skip(f"{script} has no snippets yet")
    for number, entry in enumerate(snippets):
        namespace: dict[str, object] = {"__name__": f"snippet_{number}"}
        exec(compile(entry["code"], f"<{script} snippet {number}>", "exec"), namespace)   # noqa: S102
        assert "result" in namespace, f"{script} snippet {number} sets no result:\n{entry['code']}"
        assert _same(namespace["result"], entry["result"], entry["tolerance"]), (
            f"{script} snippet {number} (section {entry['section'] + 1}) gave {namespace['result']!r}, "
            f"the page shows {entry['result']!r}:\n{entry['code']}")


def test_the_comparison_can_fail():   # a wrong value is caught, so a passing snippet means something
    assert not _same(np.array([1, 2, 3], np.uint8), np.array([1, 2, 4], np.uint8), 0.0)
    assert not _same(0.5, 0.51, 1e-3)
    assert _same(0.5, 0.5004, 1e-3)
    assert not _same(np.array([200.0]), np.array([202.0]), 1.0)   # absolute, not relative to 200
