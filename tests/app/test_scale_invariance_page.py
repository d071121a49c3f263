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


def test_the_shipped_study_is_there_at_once_and_a_live_run_replaces_it():
    at = _page()
    no_exception(at)
    table = at.dataframe[0].value
    assert len(table.index) == 6 and len(table.columns) == 8          # every variant, every scale
    assert "±" in table.iloc[0, 0]
    assert any("python -m core.scale_invariance.study" in m.value for m in at.markdown)
    assert any("What to notice" in m.value and "zoom-augmentation" in m.value for m in at.markdown)
    assert "cat-near-far" in figures(at)
    assert at.warning                                                 # 400 steps < the steps needed
    at.multiselect(key="variants").set_value(["global-max", "input-pyramid"])
    at.slider(key="steps").set_value(50)
    at.button(key="train").click().run(timeout=120)
    no_exception(at)
    table = at.dataframe[0].value
    assert list(table.index) == ["global-max", "input-pyramid"]
    assert "±" not in table.iloc[0, 0]                                # one seed: no spread shown
    assert any("Your live study" in m.value for m in at.markdown)


def test_a_tiny_upload_gets_sentences_not_tracebacks():
    import io

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((12, 12, 3), np.uint8)).save(buffer, "PNG")
    at = _page()
    at.file_uploader(key="uploader").set_value(("tiny.png", buffer.getvalue(), "image/png")).run()
    no_exception(at)
    assert len(at.warning) == 3      # near/far and shift explain why they cannot run; too few steps
