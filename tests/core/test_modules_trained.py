"""The trained-segmenter views of /modules: branch maps, live ablation, the ablation sentence."""

import numpy as np

from core.models import build_untrained, make_scenes
from core.modules.trained import ablate, ablation_rows, ablation_sentence, branch_maps, segment


def scene(size=96, seed=3):
    images, _, _ = make_scenes(1, size, seed)
    return (images[0].transpose(1, 2, 0) * 255).round().astype(np.uint8)


def test_branch_maps_pick_channel_of_largest_spread():
    model = build_untrained("segmenter-aspp").eval()
    image = scene()
    maps = branch_maps(model, image)
    assert set(maps) == set(model.branches)
    import torch
    with torch.inference_mode():
        raw = model.features(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    spread = raw["rate3"][0].flatten(1)
    spread = (spread.max(1).values - spread.min(1).values).numpy()
    assert maps["rate3"].channel == int(np.argmax(spread))
    assert maps["image-pool"].constant and not maps["rate3"].constant


def test_ablation_changes_share_matches_count():
    model = build_untrained("segmenter-psp").eval()
    image = scene()
    full, ablated, changed = ablate(model, image, ("bin1", "bin6"))
    assert full.shape == image.shape[:2]
    assert changed == (full != ablated).sum() / full.size
    assert ablate(model, image, ())[2] == 0.0
    assert (segment(model, image) == full).all()


def test_ablation_sentence_reads_numbers():
    card = {"ablation": {"full": {"<12": 0.5, ">80": 0.8}, "rate9": {"<12": 0.49, ">80": 0.6},
                         "1x1": {"iou_by_size": {"<12": 0.3, ">80": 0.79}}}}
    bins, rows = ablation_rows(card)
    assert bins == ["<12", ">80"] and rows["1x1"][">80"] == 0.79
    text = ablation_sentence(card)
    assert "rate9" in text and "-0.200" in text and "<12 px: 1x1 (-0.200)" in text
    assert ablation_sentence({}) == "The model card has no ablation table."


# ---- effective receptive fields of trained units ------------------------------------------------
import pytest  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from core.models import load_model  # noqa: E402
from core.modules.trained import class_shares, largest_loss  # noqa: E402
from core.modules.unit_erf import CLASSIFIER, gradient_spread, input_gradient, trained_unit_fields  # noqa: E402


@pytest.mark.parametrize("rate", [1, 2, 5])
def test_erf_of_one_dilated_all_ones_conv_is_its_analytic_footprint(rate):
    import torch
    weight = torch.ones(1, 1, 3, 3)
    grad = input_gradient(lambda x: F.conv2d(x, weight, padding=rate, dilation=rate), torch.rand(1, 1, 31, 31),
                          (15, 15))
    support = {tuple(p) for p in np.argwhere(grad > 0).tolist()}
    assert support == {(15 + dy * rate, 15 + dx * rate) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}
    rows, cols = np.nonzero(grad)
    assert rows.max() - rows.min() + 1 == 2 * rate + 1 == cols.max() - cols.min() + 1
    assert np.allclose(grad[grad > 0], 1.0)          # each tap's weight is 1


def test_gradient_spread_is_the_rms_distance_from_the_weighted_centroid():
    rng = np.random.default_rng(0)
    weights = rng.random((7, 11))
    rows, cols = np.indices(weights.shape)
    cy, cx = np.average(rows, weights=weights), np.average(cols, weights=weights)
    expected = np.sqrt(np.average((rows - cy) ** 2 + (cols - cx) ** 2, weights=weights))
    spread, centre = gradient_spread(weights)
    assert np.isclose(spread, expected) and np.allclose(centre, (cy, cx))
    assert gradient_spread(np.zeros((3, 3)))[0] == 0.0


def test_trained_aspp_units_look_further_as_the_rate_grows():
    # Finding: on the cat sample and on 256-px scenes, the trained segmenter-aspp's centre unit
    # spreads about 14 px (1x1), 30 (rate 3), 52 (rate 6), 70-85 (rate 9) and 100+ (image pooling).
    from core.samples import get_sample

    model = load_model("segmenter-aspp")
    for image in (get_sample("cat").load(), scene(256, 3), scene(256, 7)):
        spread = {name: f.spread for name, f in trained_unit_fields(model, image).items()}
        assert spread["1x1"] < spread["rate3"] < spread["rate6"] < spread["rate9"] < spread["image-pool"]
        assert spread["rate9"] > 3 * spread["1x1"]
        assert spread[CLASSIFIER] > spread["1x1"]


def test_on_a_small_map_the_largest_rate_reads_padding_and_looks_no_further():
    # Finding: a 96-px scene gives a 12×12 trunk map; the rate-9 taps of its centre unit land in
    # the zero padding, and its field (about 16 px) shrinks back to the 1x1 branch's (about 14 px).
    spread = {name: f.spread for name, f in trained_unit_fields(load_model("segmenter-aspp"), scene()).items()}
    assert spread["rate9"] < spread["rate6"] and spread["rate9"] < 1.3 * spread["1x1"]


def test_trained_psp_units_look_further_the_coarser_the_bins():
    from core.samples import get_sample

    fields = trained_unit_fields(load_model("segmenter-psp"), get_sample("cat").load())
    assert fields["bin1"].spread > fields["bin6"].spread * 2
    assert all(f.values.max() == 1.0 and f.values.min() >= 0 for f in fields.values())


def test_unit_fields_take_the_unit_asked_for_and_touch_no_global_state():
    import torch
    model = build_untrained("segmenter-aspp").eval()
    before = torch.random.get_rng_state()
    grad_mode = torch.is_grad_enabled()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        fields = trained_unit_fields(model, scene(), (0.0, 0.99))
    assert torch.equal(before, torch.random.get_rng_state()) and torch.is_grad_enabled() == grad_mode
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in weights.items())
    assert {f.unit for f in fields.values()} == {(0, 11)}      # a 96-px scene: a 12×12 trunk map
    corner = fields["1x1"]
    assert corner.centroid[0] < 20 and corner.centroid[1] > 70     # the field sits at that corner


def test_class_shares_and_largest_loss_against_counting():
    labels = np.array([[0, 1, 1], [4, 0, 0]])
    assert class_shares(labels, 5).tolist() == [3 / 6, 2 / 6, 0, 0, 1 / 6]
    card = {"ablation": {"full": {"a": 0.5, "b": 0.9}, "x": {"a": 0.45, "b": 0.2}, "y": {"a": 0.1, "b": None}}}
    name, size, change = largest_loss(card)
    assert (name, size) == ("x", "b") and np.isclose(change, 0.2 - 0.9)
    assert largest_loss({}) is None
