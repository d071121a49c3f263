"""The scale-invariance lesson through AppTest."""

from tests.app.helpers import figures, no_exception, open_page


def _page(query=None):
    return open_page("app_pages/scale_invariance.py", query)


def test_the_squares_experiment_names_the_squares_that_collapse():
    at = _page()
    no_exception(at)
    text = " ".join(m.value for m in at.markdown)
    assert "**2 px, 4 px, 8 px, 16 px**" in text          # all but the largest, at depth 4
    shown = figures(at)
    assert {"corner-detectors", "squares-activations", "squares-similarity", "squares-by-shift"} <= set(shown)
    at.slider(key="depth").set_value(2).run()
    assert "**2 px, 4 px**" in " ".join(m.value for m in at.markdown)
    assert at.query_params["depth"] in ("2", ["2"])


def test_shifting_the_squares_breaks_the_alignment_for_the_16_px_square():
    at = _page()
    at.slider(key="shift").set_value(3).run()
    no_exception(at)
    assert "**2 px, 4 px, 8 px**" in " ".join(m.value for m in at.markdown)
    grid = figures(at)["squares-by-shift"]["data"][0]
    assert len(grid["y"]) == 8 and len(grid["x"]) == 5


def test_near_far_and_shift_sections_render_for_the_sample():
    at = _page()
    shown = figures(at)
    assert "near-far" in shown and "shift-change" in shown
    assert any("d = 0" in m.value for m in at.markdown)


def test_training_runs_with_a_progress_bar_and_fills_the_table():
    at = _page()
    assert any("Train and test" in i.value for i in at.info)
    at.multiselect(key="variants").set_value(["global-max", "input-pyramid"])
    at.slider(key="seeds").set_value(1)
    at.slider(key="steps").set_value(50)
    at.button(key="train").click().run(timeout=120)
    no_exception(at)
    table = at.dataframe[0].value
    assert list(table.index) == ["global-max", "input-pyramid"]
    assert len(table.columns) == 8
    assert "scale-accuracy" in figures(at)


def test_a_tiny_upload_gets_sentences_not_tracebacks():
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((12, 12, 3), np.uint8)).save(buffer, "PNG")
    at = _page()
    at.file_uploader(key="uploader").set_value(("tiny.png", buffer.getvalue(), "image/png")).run()
    no_exception(at)
    assert len(at.warning) == 2      # near/far and shift each explain why they cannot run
