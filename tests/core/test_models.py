"""The shipped segmenters: scenes, architecture, weights gate, scores, and that the cards hold."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import save as save_tensors

import core.models.registry as registry
from core.errors import InvalidParameterError
from core.models import (
    REGISTRY,
    build_untrained,
    evaluate,
    load_model,
    load_model_or_untrained,
    load_weights,
    make_scenes,
    model_card,
    save_model,
    validate_state_dict,
)
from core.models.evaluate import object_iou, scores
from core.models.scenes import _draw_mask
from core.models.training import train_segmenter

REPO = Path(__file__).resolve().parents[2]
NAMES = ("segmenter-aspp", "segmenter-psp")
BRANCHES = {"segmenter-aspp": ["1x1", "rate3", "rate6", "rate9", "image-pool"],
            "segmenter-psp": ["bin1", "bin2", "bin3", "bin6"]}


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(12, 128, seed=5)


# --- scenes -----------------------------------------------------------------------------------
def test_scenes_have_the_promised_shapes_types_and_range(scenes):
    images, labels, objects = scenes
    assert images.shape == (12, 3, 128, 128) and images.dtype == np.float32
    assert labels.shape == (12, 128, 128) and labels.dtype == np.int64
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert set(np.unique(labels)) <= {0, 1, 2, 3, 4} and len(objects) == 12
    assert make_scenes(0, 64, seed=1)[0].shape == (0, 3, 64, 64)


def test_scenes_are_deterministic_for_a_seed_and_differ_between_seeds():
    a, b, c = make_scenes(3, 64, seed=9), make_scenes(3, 64, seed=9), make_scenes(3, 64, seed=10)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    pairs = [(m, n) for x, y in zip(a[2], b[2], strict=True) for (_, _, m), (_, _, n) in zip(x, y, strict=True)]
    assert pairs and all(np.array_equal(m, n) for m, n in pairs)
    assert not np.array_equal(a[0], c[0])


def test_every_visible_mask_pixel_carries_its_class_and_masks_tile_the_labels(scenes):
    _, labels, objects = scenes
    for label, scene in zip(labels, objects, strict=True):
        covered = np.zeros(label.shape, int)
        for cls, _, mask in scene:
            assert mask.dtype == bool and mask.any()
            ys, xs = np.nonzero(mask)
            for y, x in zip(ys, xs, strict=True):          # brute force, pixel by pixel
                assert label[y, x] == cls
            covered += mask
        assert covered.max() <= 1                        # visible masks are disjoint
        assert np.array_equal(covered > 0, label > 0)    # and every shape pixel belongs to one


def test_sizes_are_log_uniform_between_4_and_160_px():
    sides = np.array([side for scene in make_scenes(60, 64, seed=2)[2] for _, side, _ in scene])
    assert sides.min() >= 4.0 and sides.max() <= 160.0
    assert sides.min() < 6.0 and sides.max() > 120.0
    median = float(np.exp(np.log(sides).mean()))
    assert 12 < median < 40          # geometric mean of log-uniform 4..160 is √640 ≈ 25 px


@pytest.mark.parametrize(("cls", "area"), [
    (1, lambda s: math.pi * (s / 2) ** 2),
    (2, lambda s: s * s),
    (3, lambda s: math.sqrt(3) / 4 * s * s),
    (4, lambda s: 5 * (s / 2) * (0.45 * s / 2) * math.sin(math.pi / 5)),   # 10 triangles R·r·sin 36° / 2
])
def test_drawn_shapes_have_their_analytic_area(cls, area):
    for side in (40.0, 90.0):
        drawn = _draw_mask(cls, side, 0.7, 100.3, 99.6, 200).sum()
        assert drawn == pytest.approx(area(side), rel=0.04)


def test_occlusion_only_removes_pixels():
    for scene in make_scenes(20, 96, seed=4)[2]:
        for cls, side, mask in scene:
            if cls == 1:
                assert mask.sum() <= math.pi * (side / 2) ** 2 * 1.06 + 4


# --- the networks -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_shipped_models_load_in_eval_mode_with_the_named_branches(name):
    model = load_model(name)
    assert model is load_model(name)
    assert not any(m.training for m in model.modules())
    assert list(model.branches) == BRANCHES[name]
    assert isinstance(model.trunk, torch.nn.Sequential)
    assert not any(p.requires_grad for p in model.parameters())
    assert 100_000 < sum(p.numel() for p in model.parameters()) < 200_000
    assert (REPO / "assets" / "models" / f"{name}.safetensors").stat().st_size < 2 * 2**20


@pytest.mark.parametrize("name", NAMES)
def test_output_is_logits_at_the_input_size_even_off_multiples_of_8(name):
    x = torch.rand(2, 3, 250, 190, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert load_model(name)(x).shape == (2, 5, 250, 190)
        features = load_model(name).features(x)
    assert list(features) == BRANCHES[name]
    assert all(f.shape[0] == 2 and f.shape[-2:] == (32, 24) for f in features.values())


@pytest.mark.parametrize("name", NAMES)
def test_logits_are_the_trunk_grid_output_that_forward_upsamples(name):
    model = load_model(name)
    x = torch.rand(1, 3, 100, 84, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        coarse = model.logits(x, drop=(BRANCHES[name][0],))
        full = model(x, drop=(BRANCHES[name][0],))
    assert coarse.shape == (1, 5, 13, 11)
    expected = torch.nn.functional.interpolate(coarse, size=(100, 84), mode="bilinear", align_corners=False)
    assert torch.allclose(full, expected)


@pytest.mark.parametrize(("name", "branch", "start", "width", "total"), [
    ("segmenter-aspp", "rate6", 64, 32, 160), ("segmenter-aspp", "image-pool", 128, 32, 160),
    ("segmenter-psp", "bin2", 64 + 16, 16, 128), ("segmenter-psp", "bin6", 64 + 48, 16, 128)])
def test_drop_zeroes_exactly_that_branch_before_the_projection(name, branch, start, width, total):
    model = load_model(name)
    seen = []
    hook = model.projection.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    try:
        x = torch.from_numpy(make_scenes(2, 96, seed=3)[0])
        with torch.no_grad():
            full, dropped = model(x), model(x, drop=[branch])
    finally:
        hook.remove()
    assert seen[0].shape[1] == total
    assert seen[0][:, start:start + width].abs().sum() > 0
    assert torch.all(seen[1][:, start:start + width] == 0)
    keep = torch.ones(total, dtype=torch.bool)
    keep[start:start + width] = False
    assert torch.equal(seen[0][:, keep], seen[1][:, keep])
    assert not torch.equal(full, dropped)


def test_an_unknown_branch_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="1x1, rate3, rate6, rate9, image-pool"):
        load_model("segmenter-aspp")(torch.zeros(1, 3, 32, 32), drop=("rate12",))


def test_the_atrous_branch_matches_a_hand_written_dilated_convolution():
    model = load_model("segmenter-aspp")
    conv, bn, _ = model.branches["rate6"]
    x = torch.randn(2, 64, 20, 17, generator=torch.Generator().manual_seed(1))
    reference = F.conv2d(x, conv.weight, None, padding=6, dilation=6)
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    reference = (reference - bn.running_mean[:, None, None]) * scale[:, None, None] + bn.bias[:, None, None]
    with torch.no_grad():
        assert torch.allclose(model.branches["rate6"](x), reference.clamp(min=0), atol=1e-5)


def test_building_draws_nothing_from_the_global_random_state():
    before = torch.random.get_rng_state()
    a, b = build_untrained("segmenter-psp", 3), build_untrained("segmenter-psp", 3)
    assert torch.equal(before, torch.random.get_rng_state())
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert not torch.equal(a.trunk[0][0].weight, build_untrained("segmenter-psp", 4).trunk[0][0].weight)


def test_twenty_training_steps_lower_the_loss():
    before = torch.random.get_rng_state()
    run = train_segmenter("segmenter-aspp", steps=20, seed=1, batch=4, size=128)
    assert torch.equal(before, torch.random.get_rng_state())
    assert len(run.losses) == 20 and not run.model.training
    images, labels, _ = make_scenes(8, 128, seed=99)       # a batch training never saw

    def loss(model):                                        # batch statistics, as in training
        with torch.no_grad():
            return F.cross_entropy(model.train()(torch.from_numpy(images)), torch.from_numpy(labels)).item()

    assert loss(run.model) < 0.85 * loss(build_untrained("segmenter-aspp", 1))


def test_weights_survive_a_save_and_load_round_trip(tmp_path):
    model = build_untrained("segmenter-psp", 7)
    with torch.no_grad():    # non-trivial BatchNorm statistics, so they must travel too
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1, generator=torch.Generator().manual_seed(2))
                m.running_var.uniform_(0.5, 2.0, generator=torch.Generator().manual_seed(3))
    model.eval()
    path = save_model("segmenter-psp", model, tmp_path / "psp.safetensors")
    loaded = load_weights("segmenter-psp", path.read_bytes())
    x = torch.rand(2, 3, 64, 80, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert torch.equal(model(x), loaded(x))
    with pytest.raises(InvalidParameterError, match="different network"):
        load_weights("segmenter-aspp", path.read_bytes())


# --- the weights gate -------------------------------------------------------------------------
EXPECTED = {"a.weight": torch.zeros(2, 3), "a.bias": torch.zeros(2), "bn.num_batches_tracked": torch.tensor(0)}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.update({"a.weight": torch.full((2, 3), float("nan"))}), "not finite"),
    (lambda t: t.update({"a.bias": torch.tensor([1.0, float("inf")])}), "not finite"),
    (lambda t: t.update({"a.weight": torch.zeros(2, 3, dtype=torch.int64)}), "int64"),
    (lambda t: t.update({"a.weight": torch.zeros(2, 3, dtype=torch.complex64)}), "complex64"),
    (lambda t: t.update({"a.weight": torch.zeros(2, 3, dtype=torch.float64)}), "float64"),
    (lambda t: t.pop("a.bias"), "lacks 'a.bias'"),
    (lambda t: t.update({"b.weight": torch.zeros(1)}), "does not: 'b.weight'"),
    (lambda t: t.update({"a.weight": torch.zeros(3, 2)}), r"shape \(3, 2\)"),
])
def test_validate_state_dict_refuses_what_is_not_finite_float_weights(change, message):
    tensors = {"a.weight": torch.ones(2, 3), "a.bias": torch.ones(2)}
    change(tensors)
    with pytest.raises(InvalidParameterError, match=message):
        validate_state_dict(tensors, EXPECTED)


def test_validate_state_dict_reads_bytes_and_converts_half_precision():
    raw = save_tensors({"a.weight": torch.ones(2, 3, dtype=torch.bfloat16), "a.bias": torch.ones(2)})
    checked = validate_state_dict(raw, EXPECTED)
    assert set(checked) == set(EXPECTED) and checked["a.weight"].dtype == torch.float32
    with pytest.raises(InvalidParameterError, match="not a safetensors file"):
        validate_state_dict(b"\x05\x00\x00\x00\x00\x00\x00\x00{oops", EXPECTED)
    with pytest.raises(InvalidParameterError, match="MB"):
        validate_state_dict(raw, EXPECTED, max_bytes=10)


def test_a_corrupt_file_gives_the_untrained_network_and_says_so(tmp_path, monkeypatch):
    (tmp_path / "segmenter-aspp.safetensors").write_bytes(b"not weights at all")
    monkeypatch.setattr(registry, "MODELS_DIR", tmp_path)
    load_model.cache_clear()
    try:
        before = torch.random.get_rng_state()
        model, trained, message = load_model_or_untrained("segmenter-aspp")
        assert torch.equal(before, torch.random.get_rng_state())
        assert not trained and "could not be loaded" in message and "untrained" in message
        assert list(model.branches) == BRANCHES["segmenter-aspp"] and not model.training
        assert load_model_or_untrained("segmenter-psp")[1] is False     # missing file
    finally:
        monkeypatch.undo()                   # back to the shipped folder: the real file loads again
        load_model.cache_clear()
    assert load_model_or_untrained("segmenter-aspp")[1:] == (True, None)


# --- scores and cards -------------------------------------------------------------------------
def test_scores_match_a_brute_force_count(scenes):
    _, labels, objects = scenes
    rng = np.random.default_rng(0)
    predictions = np.where(rng.random(labels.shape) < 0.3, rng.integers(0, 5, labels.shape), labels)
    result = scores(predictions, labels, objects)
    ious = [((predictions == c) & (labels == c)).sum() / ((predictions == c) | (labels == c)).sum() for c in range(5)]
    assert result["mean_iou"] == pytest.approx(np.mean(ious))
    assert result["pixel_accuracy"] == pytest.approx((predictions == labels).mean())
    perfect = scores(labels, labels, objects)
    assert perfect["mean_iou"] == 1.0 and all(v in (1.0, None) for v in perfect["iou_by_size"].values())
    cls, side, mask = objects[0][0]
    assert object_iou(np.where(mask, cls, 0), cls, side, mask) == 1.0
    assert object_iou(np.zeros_like(labels[0]), cls, side, mask) == 0.0


@pytest.mark.parametrize("name", NAMES)
def test_the_card_records_training_and_the_shipped_model_still_scores_it(name):
    card = model_card(name)
    for key in ("command", "seed", "steps", "batch_size", "data", "train_seconds", "metrics", "ablation"):
        assert key in card
    assert set(card["metrics"]["iou_by_size"]) == {"<12", "12-32", "32-80", ">80"}
    assert set(card["ablation"]) == {"full", *BRANCHES[name]}
    images, labels, objects = make_scenes(16, 256, seed=777)
    result = evaluate(load_model(name), images, labels, objects)
    assert result["mean_iou"] >= 0.8 * card["metrics"]["mean_iou"]


@pytest.mark.slow
def test_retraining_the_aspp_segmenter_reproduces_its_card(tmp_path):
    card = model_card("segmenter-aspp")
    command = [sys.executable, "-m", "core.models.train", "segmenter-aspp", "--out", str(tmp_path),
               "--steps", str(card["steps"]), "--seed", str(card["seed"]), "--batch", str(card["batch_size"]),
               "--threads", str(card["threads"])]
    subprocess.run(command, cwd=REPO, check=True, capture_output=True, timeout=3600)
    again = json.loads((tmp_path / "segmenter-aspp.json").read_text(encoding="utf-8"))
    assert abs(again["metrics"]["mean_iou"] - card["metrics"]["mean_iou"]) <= 0.03
    assert set(REGISTRY) >= set(NAMES)
