"""Every "Reproduce in Python" snippet runs on its own and gives what the page shows.

Each page is run with AppTest on its default sample; the snippets it drew are executed in a fresh
namespace (nothing from the page is shared but the code's text) and the ``result`` they leave is
compared with the value the page put on screen.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.helpers import no_exception, open_page, reproduces, snippet_result
from ui.catalogue import LESSONS
from ui.present import REPRODUCED

PAGES = [lesson.script for lesson in LESSONS if lesson.script]


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
        found = snippet_result(entry, f"<{script} snippet {number}>")
        assert reproduces(found, entry["result"], entry["tolerance"]), (
            f"{script} snippet {number} (section {entry['section'] + 1}) gave {found!r}, "
            f"the page shows {entry['result']!r}:\n{entry['code']}")


def test_the_comparison_can_fail():   # a wrong value is caught, so a passing snippet means something
    assert not reproduces(np.array([1, 2, 3], np.uint8), np.array([1, 2, 4], np.uint8), 0.0)
    assert not reproduces(0.5, 0.51, 1e-3)
    assert reproduces(0.5, 0.5004, 1e-3)
    assert not reproduces(np.array([200.0]), np.array([202.0]), 1.0)   # absolute, not relative to 200
