"""The coarse-to-fine search lesson through AppTest."""

from tests.app.helpers import app, figures, metric, no_exception, snippet_result


def _search(query=None):
    at = app(query)
    at.switch_page("app_pages/search.py")
    return at.run()


def _count(at, label: str) -> int:
    return int(metric(at, label).replace(",", ""))


def test_the_cat_preset_finds_the_eye_both_ways_with_fewer_positions():
    at = _search()
    no_exception(at)
    assert (at.slider(key="patch_top").value, at.slider(key="patch_left").value) == (85, 137)
    assert metric(at, "Same place?") == "yes"
    exhaustive = _count(at, "Positions scored, exhaustive")
    assert exhaustive == (300 - 66 + 1) * (451 - 66 + 1)
    assert _count(at, "Positions scored, coarse-to-fine") < exhaustive / 20
    shown = figures(at)
    assert {"search-found", "search-octaves", "search-cost"} <= set(shown)
    assert len(shown["search-found"]["layout"]["shapes"]) == 3


def test_more_levels_score_fewer_positions_and_the_octave_maps_follow():
    at = _search()
    counts = []
    for levels in (1, 2, 3):
        at.slider(key="levels").set_value(levels).run()
        no_exception(at)
        counts.append(_count(at, "Positions scored, coarse-to-fine"))
        maps = [t for t in figures(at)["search-octaves"]["data"] if t["type"] == "image"]
        assert len(maps) == levels
    assert counts[0] == _count(at, "Positions scored, exhaustive")
    assert counts[0] > counts[1] > counts[2]


def test_a_repeated_texture_fails_with_one_candidate_and_top_k_rescues_it():
    at = _search({"image": "brick-wall"})       # 4 levels: the centre brick looks like its neighbours
    no_exception(at)
    assert metric(at, "Same place?") == "no"
    assert any("top-k" in w.value for w in at.warning)
    at.slider(key="keep").set_value(3).run()
    no_exception(at)
    assert metric(at, "Same place?") == "yes"


def test_noise_and_brightness_change_the_score_not_the_place():
    at = _search()
    at.slider(key="brightness").set_value(40.0).run()
    assert metric(at, "Same place?") == "yes"
    at.slider(key="noise").set_value(40.0).run()
    no_exception(at)
    assert metric(at, "Same place?") == "yes"
    annotations = [a["text"] for a in figures(at)["search-found"]["layout"]["annotations"]]
    assert any("exhaustive · 0." in text for text in annotations)   # below 1 once noisy


def test_a_small_image_gets_a_sentence_not_a_traceback():
    at = _search()
    at.file_uploader(key="uploader").set_value(("tiny.png", _png(6, 5), "image/png")).run()
    no_exception(at)
    assert any("too small" in w.value for w in at.warning)


def _png(width: int, height: int) -> bytes:
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_every_control_is_in_the_link_and_a_bad_value_is_explained():
    at = _search({"top": "80", "left": "120", "side": "40", "noise": "20", "brightness": "-30", "keep": "3",
                  "levels": "3"})
    no_exception(at)
    assert [at.slider(key=k).value for k in ("patch_top", "patch_left", "patch_side", "levels", "keep")] == \
        [80, 120, 40, 3, 3]
    assert (at.slider(key="noise").value, at.slider(key="brightness").value) == (20.0, -30.0)
    at.slider(key="noise").set_value(35.0).run()
    assert at.query_params["noise"] in ("35", ["35"])
    at = _search({"noise": "loud", "keep": "99"})
    no_exception(at)
    notices = " ".join(w.value for w in at.warning)
    assert "noise" in notices and "keep" in notices
    assert at.slider(key="noise").value == 0.0 and at.slider(key="keep").value == 8


def test_the_snippets_of_a_noisy_brighter_patch_reproduce_the_page():
    import numpy as np

    from ui.present import REPRODUCED

    at = _search({"noise": "30", "brightness": "40", "keep": "2"})
    no_exception(at)
    snippets = at.session_state[REPRODUCED]
    assert [s["section"] for s in snippets] == [0, 1, 2]
    for entry in snippets:
        found_result = snippet_result(entry)
        np.testing.assert_allclose(np.asarray(found_result, float), np.asarray(entry["result"], float),
                                   rtol=max(entry["tolerance"], 1e-9))
    y, x, score, count = snippets[0]["result"]
    assert score < 0.99 and count == (300 - 66 + 1) * (451 - 66 + 1)   # the noise lowers OpenCV's score too


def test_the_cost_axis_labels_decades_only():
    spec = figures(_search())["search-cost"]["layout"]["yaxis"]
    assert spec["type"] == "log" and spec["dtick"] == 1


def test_classroom_mode_folds_the_patch_controls_and_shows_one_section():
    at = _search({"present": "1", "step": "2"})
    no_exception(at)
    assert [h.value for h in at.header] == ["2 · Octave by octave: where the search looks"]
    assert any(e.label == "More controls" for e in at.expander)
    assert any(i.value.startswith("**What to notice.** At the top octave 3") for i in at.info)
