"""The pyramid-modules lesson through AppTest."""

import json

import numpy as np

from core.modules import uncovered
from tests.app.helpers import figures, no_exception, open_page


def _modules(query=None):
    return open_page("app_pages/modules.py", query)


def test_spp_vector_length_is_the_same_for_every_input_size():
    at = _modules()
    no_exception(at)
    shown = figures(at)
    assert {"spp-bins", "spp-vector", "gridding"} <= set(shown)
    table = next(d.value for d in at.dataframe if "vector length" in d.value.columns)
    lengths = table["vector length"].tolist()
    assert len(set(lengths)) == 1 and lengths[0] == 8 * (16 + 4 + 1)


def test_he_convention_shades_the_rows_it_leaves_out():
    at = _modules()
    at.multiselect(key="spp_bins").set_value([6]).run()
    at.radio(key="spp_convention").set_value("he").run()
    no_exception(at)
    bins = figures(at)["spp-bins"]
    shaded = [s for s in bins["layout"]["shapes"] if s["type"] == "rect"]
    # 38 × 57 feature map with 6 bins: He's windows leave these rows and columns out
    assert len(shaded) == len(uncovered(38, 6, "he")) + len(uncovered(57, 6, "he")) > 0
    at.radio(key="spp_convention").set_value("adaptive").run()
    assert not [s for s in figures(at)["spp-bins"]["layout"]["shapes"] if s["type"] == "rect"]


def test_pyramid_pooling_shows_pooled_and_upsampled_maps_and_doubles_channels():
    at = _modules({"module": "pyramid-pooling"})
    no_exception(at)
    psp = figures(at)["psp-branches"]
    assert len([t for t in psp["data"] if t["type"] == "image"]) == 8       # 4 pooled + 4 upsampled
    assert any("**16 channels**" in m.value for m in at.markdown)


def test_aspp_taps_follow_the_unit_and_spread_with_the_rate():
    at = _modules({"module": "aspp"})
    no_exception(at)
    assert {"aspp-branches", "aspp-taps", "aspp-erf", "aspp-valid-taps"} <= set(figures(at))
    at.slider(key="unit_row").set_value(0).run()
    at.slider(key="unit_col").set_value(0).run()
    text = " ".join(m.value for m in at.markdown)
    assert "rate6: **5 of 9**" in text          # a corner unit: 5 of 9 taps read padding
    taps = [t for t in figures(at)["aspp-taps"]["data"] if t.get("name") == "rate6"][0]
    xs = sorted(set(taps["x"]))
    assert np.isclose(xs[1] - xs[0], 6 * 8)    # rate 6 units apart at 8 px per unit
    at.radio(key="aspp_os").set_value(8).run()
    assert any("rate12: **5 of 9**" in m.value for m in at.markdown)


def test_a_clicked_unit_moves_the_taps():
    at = _modules({"module": "aspp"})
    at.session_state["figure-aspp-taps"] = {"selection": {"points": [{"customdata": [2, 3]}],
                                                          "point_indices": [], "box": [], "lasso": []}}
    at.run()
    no_exception(at)
    assert (at.slider(key="unit_row").value, at.slider(key="unit_col").value) == (2, 3)


def test_gridding_reaches_part_of_the_field_with_equal_rates_and_all_of_it_with_hybrid_ones():
    at = _modules()
    titles = json.dumps(figures(at)["gridding"]["layout"]["annotations"])
    assert "rates 1, 2, 5: 100% of the 17-px field reached" in titles
    assert "rates 2, 2, 2: 29% of the 13-px field" in titles
    assert "rates 2, 2, 2: 100%" not in titles


def test_trained_segmenter_is_the_default_with_branch_maps_and_live_ablation():
    at = _modules()
    no_exception(at)
    shown = figures(at)
    assert {"segmentation", "trained-branches"} <= set(shown)
    at.multiselect(key="drop").set_value(["rate9"]).run()
    no_exception(at)
    assert any("changes the class of" in i.value for i in at.info)


def test_trained_units_look_further_with_the_rate():
    at = _modules()
    no_exception(at)
    spread, initial = _unit_spreads(at)
    assert spread["1x1"] < spread["rate3"] < spread["rate6"] < spread["rate9"] < spread["image-pool"]
    assert set(initial) == set(spread)          # the untrained network's row, branch for branch
    at.radio(key="segmenter").set_value("segmenter-psp").run()
    spread, _ = _unit_spreads(at)
    assert spread["bin1"] > spread["bin6"]


def _unit_spreads(at) -> tuple[dict[str, float], dict[str, float]]:
    """Spreads read from the unit-field panel titles: "trained rate3: 30 px", "untrained rate3: …"."""
    rows: dict[str, dict[str, float]] = {"trained": {}, "untrained": {}}
    for annotation in figures(at)["trained-erf"]["layout"]["annotations"]:
        kind, rest = annotation["text"].split(" ", 1)
        name, value = rest.split(": ")
        rows[kind][name] = float(value.split(" px")[0])
    return rows["trained"], rows["untrained"]


def test_hand_built_maps_name_their_channel_and_say_when_they_are_constant():
    at = _modules()
    psp = " ".join(a["text"] for a in figures(at)["psp-branches"]["layout"]["annotations"])
    assert "bin1 pooled: channel" in psp and "(constant on this image)" in psp
    assert "bin6 pooled: channel" in psp and "bin6 pooled: channel 0 (constant" not in psp
    aspp = [a["text"] for a in figures(at)["aspp-branches"]["layout"]["annotations"]]
    assert any(t.startswith("image-pool") and "constant" in t for t in aspp)
    assert all("spread" in t for t in aspp if not t.startswith("image-pool"))


# Every control, and the figures whose content it must change (a figure keyed on fewer inputs than
# its builder reads would stay stale and fail here).
CONTROLS = [
    ("radio", "segmenter", "segmenter-psp", {"segmentation", "trained-branches", "ablation", "trained-erf"}),
    ("multiselect", "drop", ["bin1", "bin6"], {"segmentation"}),
    ("slider", "erf_unit_row", 0.2, {"trained-erf"}),
    ("selectbox", "extractor", "random-cnn", {"spp-vector", "psp-branches", "aspp-branches", "aspp-erf"}),
    ("select_slider", "stride", 4, {"spp-bins", "spp-vector", "psp-branches", "aspp-taps", "aspp-valid-taps"}),
    ("multiselect", "spp_bins", [6], {"spp-bins", "spp-vector"}),
    ("radio", "spp_mode", "avg", {"spp-vector"}),
    ("radio", "spp_convention", "he", {"spp-bins", "spp-vector"}),
    ("multiselect", "psp_bins", [1, 2], {"psp-branches"}),
    ("radio", "aspp_os", 8, {"aspp-branches", "aspp-taps", "aspp-erf"}),
    ("checkbox", "aspp_pool", False, {"aspp-branches"}),
    ("slider", "unit_row", 3, {"aspp-taps", "aspp-erf"}),
    ("select_slider", "erf_rate", 0, {"aspp-erf"}),
]


def test_every_control_changes_the_figures_it_feeds():
    at = _modules()
    no_exception(at)
    for kind, key, value, names in CONTROLS:
        before = figures(at)
        getattr(at, kind)(key=key).set_value(value).run()
        no_exception(at)
        after = figures(at)
        stale = sorted(n for n in names if json.dumps(after[n], sort_keys=True) == json.dumps(before[n],
                                                                                            sort_keys=True))
        assert not stale, f"{key} = {value!r} left {stale} unchanged"


def test_a_link_to_uploaded_features_opens_the_uploader_and_keeps_every_section():
    at = _modules({"features": "uploaded"})
    no_exception(at)
    assert at.selectbox(key="extractor").value == "uploaded"
    headers = [h.value for h in at.header if " · " in h.value]
    assert [h.split(" · ")[0] for h in headers] == [str(n) for n in range(1, 10)]
    assert any("need features" in i.value for i in at.info)
    assert "gridding" in figures(at) and "spp-vector" not in figures(at)


def test_a_slide_on_valid_taps_uses_the_output_stride_in_the_link():
    at = _modules({"present": "1", "step": "8", "aspp_os": "8", "stride": "8"})
    no_exception(at)
    notice = next(i.value for i in at.info if i.value.startswith("**What to notice.**"))
    assert "at rate 12" in notice and "at rate 36" in notice and "rate 6," not in notice
    assert "segmentation" not in figures(at) and "aspp-valid-taps" in figures(at)
