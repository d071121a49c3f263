"""The scale-invariance lesson through AppTest."""

from tests.app.helpers import figures, no_exception, open_page, reproduces, snippet_result


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
    assert any("What to notice" in i.value and "zoom-augmentation" in i.value for i in at.info)
    assert "cat-near-far" not in figures(at)                          # the networks run only when asked
    assert at.warning                                                 # 400 steps < the steps needed
    at.button_group(key="variants").set_value(["global-max", "input-pyramid"])
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


def _notices(at) -> list[str]:
    return [i.value for i in at.info if i.value.startswith("**What to notice.**")]


def test_the_bias_is_a_control_in_the_url_and_the_notice_compares_it_with_no_bias():
    at = _page({"bias": "0"})
    no_exception(at)
    notice = next(n for n in _notices(at) if "bias" in n)
    assert "cosine 0.906" in notice and "tuned -1.5, 1.000" in notice      # 16-px square vs the 2-px one
    at.slider(key="bias").set_value(-1.25).run()
    assert at.query_params["bias"] in ("-1.25", ["-1.25"])
    notice = next(n for n in _notices(at) if "bias" in n)
    assert "cosine 1.000" in notice and "no bias, 0.906" in notice
    assert "16 = 2⁴, 4 of 5 squares" in notice and "offset 17, 3" in notice
    assert {"squares-bias", "squares-offset"} <= set(figures(at))


def test_the_offset_16_is_the_most_favourable_placement():
    at = _page({"offset": "20"})
    no_exception(at)
    assert at.query_params["offset"] in ("20", ["20"])
    text = " ".join(m.value for m in at.markdown)
    assert "collapse at any offset from 1 to 31 is **4**, at offset 16." in text
    offsets = figures(at)["squares-offset"]["data"][0]
    counts = dict(zip(offsets["x"], offsets["y"]))
    assert counts[16] == 4 and counts[20] == 3 and counts[15] == 0  # 20: the 16-px square crosses a border
    assert "offset 20, 3" in next(n for n in _notices(at) if "bias" in n)


def _powers_of_two_only(axis: dict) -> None:
    import math

    assert axis["type"] == "log"
    assert axis["tickvals"] and all(math.log2(v).is_integer() for v in axis["tickvals"])
    assert len(axis["ticktext"]) == len(axis["tickvals"])          # nothing else is labelled
    assert axis["ticktext"] == ["¼×", "½×", "1×", "2×", "4×"]


def test_the_log_axes_show_only_powers_of_two():
    at = _page({"networks": "1"})
    no_exception(at)
    shown = figures(at)
    _powers_of_two_only(shown["scale-accuracy"]["layout"]["xaxis"])
    _powers_of_two_only(shown["cat-near-far"]["layout"]["xaxis"])


def test_the_segmenters_curves_sit_beside_the_variants():
    at = _page({"networks": "1"})
    no_exception(at)
    traces = figures(at)["cat-near-far"]["data"]
    names = [t["name"] for t in traces]
    assert "global-max" in names and "segmenter-aspp (trained segmenter)" in names
    assert "segmenter-psp (trained segmenter)" in names
    aspp = next(t for t in traces if t["name"].startswith("segmenter-aspp"))
    assert aspp["line"]["dash"] == "dash" and len(aspp["y"]) == 9
    assert aspp["y"][aspp["x"].index(1.0)] == 1.0 or abs(aspp["y"][aspp["x"].index(1.0)] - 1) < 1e-6
    assert any("ASPP segmenter's lowest" in n for n in _notices(at))


def test_all_six_variant_chips_are_there_with_short_labels():
    at = _page()
    for key in ("shown_variants", "variants"):
        chips = at.button_group(key=key)
        assert len(chips.options) == 6 and max(len(o) for o in chips.options) <= 16
    assert len(at.button_group(key="shown_variants").value) == 6
    at.button_group(key="shown_variants").set_value(["spp", "global-max"]).run()
    assert list(at.dataframe[0].value.index) == ["global-max", "spp"]


def test_with_the_networks_on_every_snippet_gives_what_the_page_shows():
    from ui.present import REPRODUCED

    at = _page({"networks": "1", "bias": "-0.5", "offset": "12"})
    no_exception(at)
    snippets = at.session_state[REPRODUCED]
    assert [s["section"] for s in snippets] == [0, 1, 2, 3, 4, 5]
    for entry in snippets:
        found_result = snippet_result(entry)
        assert reproduces(found_result, entry["result"], entry["tolerance"]), (found_result, entry)
    assert snippets[1]["result"][1] < 0.95                    # the 16-px square without a bias, measured
