"""A photo larger than the segmenters' 512 px: shrunk once, said on the page, reproduced by the snippets."""

import numpy as np

from core.modules.trained import SEGMENTER_SIDE, segmenter_input
from core.samples import get_sample
from tests.app.helpers import figures, no_exception, open_page, reproduces, snippet_result
from ui.present import REPRODUCED


def test_the_segmenter_input_keeps_small_images_and_shrinks_large_ones_in_proportion():
    small = np.zeros((300, 451, 3), np.uint8)
    assert segmenter_input(small) is small
    large = segmenter_input(get_sample("deep-field").load())            # 1000×872
    assert large.shape == (round(872 * SEGMENTER_SIDE / 1000), SEGMENTER_SIDE, 3)


def test_a_large_photo_is_segmented_at_512_px_and_its_snippets_still_reproduce_the_page():
    at = open_page("app_pages/modules.py", {"image": "deep-field"})
    no_exception(at)
    assert any("shrunk to 512×446 px" in c.value for c in at.caption)
    segmentation = figures(at)["segmentation"]
    images = [t for t in segmentation["data"] if t["type"] == "image"]
    assert len(images) == 2 and all("source" in t and "z" not in t for t in images)   # PNGs, not arrays
    snippets = [s for s in at.session_state[REPRODUCED] if s["section"] in (0, 2)]
    assert len(snippets) == 2
    for entry in snippets:
        assert "INTER_AREA" in entry["code"]
        found_result = snippet_result(entry)
        assert reproduces(found_result, entry["result"], entry["tolerance"]), entry["code"]
