"""Every page at the edges: each slider at its minimum and maximum, and images of awkward shapes.

Whatever the setting, a page gives a result or a sentence (st.error / st.warning / st.info) —
never a traceback.
"""

import io

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import no_exception, open_page
from ui.catalogue import LESSONS

BUILT = [lesson for lesson in LESSONS if lesson.script]
SHAPES = {"1x1": (1, 1), "1x4000": (1, 4000), "4000x1": (4000, 1), "5x7": (5, 7), "3000x2": (3000, 2)}


def _png(height: int, width: int) -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(height * 7 + width)
    Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("lesson", BUILT, ids=[lesson.url_path for lesson in BUILT])
def test_every_slider_at_both_ends(lesson):
    at = open_page(lesson.script)
    no_exception(at)
    sliders = [("slider", s.key) for s in at.slider if s.key and not s.disabled]
    # Select sliders with numeric options only: AppTest sees formatted labels, not the values.
    sliders += [("select_slider", s.key) for s in at.select_slider
                if s.key and not s.disabled and all(o.lstrip("-").isdigit() for o in s.options)]
    assert sliders, f"{lesson.url_path} has no keyed slider to sweep"
    for kind, key in sliders:
        for end in (0, -1):
            widget = getattr(at, kind)(key=key)
            if widget.disabled:
                continue
            if kind == "slider":
                widget.set_value(widget.min if end == 0 else widget.max).run()
            else:
                widget.set_value(int(widget.options[end])).run()
            no_exception(at)


@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_every_page_survives_an_awkwardly_shaped_image(shape):
    height, width = SHAPES[shape]
    at = open_page("app_pages/home.py")
    at.file_uploader(key="uploader").set_value((f"{shape}.png", _png(height, width), "image/png")).run()
    no_exception(at)
    assert at.selectbox(key="image_choice").value == "__upload__"
    for lesson in BUILT:
        at.switch_page(lesson.script).run()
        assert not at.exception, (lesson.url_path, [e.value for e in at.exception])
