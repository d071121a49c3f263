"""The shipped DownsizeNets: they load, beat bilinear where they were trained, and react to texture."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.downsizenet import DownsizeNet
from core.downsizenet.cards import FIXED, MODELS_DIR, TASKS, shipped, train_and_write
from core.downsizenet.lesson import coefficient_view, training_estimate
from core.downsizenet.reconstruction import PHOTOS, ReconstructionTask, small_side
from core.downsizenet.weights import load_weights
from core.samples import SAMPLES


def _fresh_patches(seed=4242, count=64, patch=64):
    return ReconstructionTask(patch=patch).patches(torch.Generator().manual_seed(seed), count)


def _mae(restored, original):
    return float((restored.clamp(0, 1) - original).abs().mean()) * 255


@pytest.mark.parametrize("task", TASKS)
def test_every_shipped_file_loads_with_its_card(task):
    net, card = shipped(task)
    assert isinstance(net, DownsizeNet) and net.neighbourhood == 2 and net.activation == "sigmoid"
    assert card["name"] == f"downsizenet-{task}"
    for key in ("command", "seed", "steps", "batch_size", "train_seconds", "metrics"):
        assert key in card
    metrics = card["metrics"]
    assert set(metrics["fixed"]) == set(FIXED)
    assert len(metrics["downsizenet"]["per_seed"]) == 3
    assert set(metrics["texture_change_per_photo"]) == set(PHOTOS)
    assert "frozen" in metrics["generalisation"]
    assert torch.equal(load_weights(MODELS_DIR / f"downsizenet-{task}.safetensors").head.weight, net.head.weight)


def test_the_reconstruction_network_beats_bilinear_on_fresh_patches():
    """Independent reference: F.interpolate bilinear, then the same fixed bicubic upsample."""
    net, _ = shipped("reconstruction")
    patches = _fresh_patches()
    ours, theirs = [], []
    with torch.no_grad():
        for scale in (0.5, 1 / 3, 0.25):
            side = small_side(64, scale)
            up = lambda small: F.interpolate(small, (64, 64), mode="bicubic", align_corners=False)  # noqa: E731
            ours.append(_mae(up(net(patches, (side, side))), patches))
            theirs.append(_mae(up(F.interpolate(patches, (side, side), mode="bilinear", align_corners=False)),
                               patches))
    assert np.mean(ours) < np.mean(theirs) - 0.03, (ours, theirs)


def test_the_reconstruction_network_is_texture_aware():
    """Two textures give different coefficients at the same positions; a flat image gives the
    position-only ones."""
    net, _ = shipped("reconstruction")
    maps = {}
    for name in ("grass", "brick-wall"):
        crop = np.ascontiguousarray(SAMPLES[name].load()[:96, :96])
        maps[name] = coefficient_view(net, crop, 0.3)
    difference = np.abs(maps["grass"].coefficients - maps["brick-wall"].coefficients).sum(0).mean() / 2
    assert difference > 0.02
    assert all(view.mean_texture_effect > 0.02 for view in maps.values())


def test_the_cards_numbers_match_a_recomputation_of_the_fixed_methods():
    card = json.loads((MODELS_DIR / "downsizenet-reconstruction.json").read_text())
    task = ReconstructionTask()
    for scale, patches in task.test_set()[:1]:                     # 2×: bilinear is exactly a 2×2 mean
        side = small_side(task.patch, scale)
        mean = patches.reshape(*patches.shape[:2], side, 2, side, 2).mean(dim=(3, 5))
        up = F.interpolate(mean, patches.shape[-2:], mode="bicubic", align_corners=False)
        assert card["metrics"]["fixed"]["bilinear"]["by_factor"]["2×"] == pytest.approx(_mae(up, patches), abs=1e-3)


def test_the_estimate_follows_steps_and_layers():
    card = {"train_seconds": 60.0, "steps": 300, "seeds": [0, 1, 2]}
    assert training_estimate(card, 300, overhead=1.0) == pytest.approx(20.0)
    assert training_estimate(card, 150, overhead=1.0) == pytest.approx(10.0)
    assert training_estimate(card, 150, layers=4, overhead=1.0) == pytest.approx(20.0)


@pytest.mark.slow
def test_a_short_reconstruction_card_is_reproducible(tmp_path):
    a = train_and_write("reconstruction", tmp_path / "a", seeds=(0, 1), steps=40, say=lambda _: None)
    b = train_and_write("reconstruction", tmp_path / "b", seeds=(0, 1), steps=40, say=lambda _: None)
    # within the card's tolerance: 0.02 grey levels (float summation order may differ between runs)
    assert a["metrics"]["downsizenet"]["per_seed"] == pytest.approx(b["metrics"]["downsizenet"]["per_seed"], abs=0.02)
    first = load_weights(tmp_path / "a" / "downsizenet-reconstruction.safetensors").state_dict()
    second = load_weights(tmp_path / "b" / "downsizenet-reconstruction.safetensors").state_dict()
    for name in first:
        torch.testing.assert_close(first[name], second[name], atol=1e-3, rtol=1e-3)


# ---- against OpenCV, and the card's best fixed method --------------------------------------------
import cv2  # noqa: E402

from core.downsizenet.lesson import best_fixed  # noqa: E402
from core.downsizenet.opencv import opencv_gap  # noqa: E402


def test_opencv_gap_is_zero_for_opencvs_own_results_and_counts_grey_levels():
    image = np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    linear = cv2.resize(image, (21, 13), interpolation=cv2.INTER_LINEAR)
    area = cv2.resize(image, (21, 13), interpolation=cv2.INTER_AREA)
    assert opencv_gap(linear, image).linear_max == 0 and opencv_gap(linear, image).linear_mean == 0
    assert opencv_gap(area, image).area_mean == 0
    brighter = np.clip(linear.astype(int) + 2, 0, 255).astype(np.uint8)
    expected = np.abs(brighter.astype(int) - linear).mean()
    assert opencv_gap(brighter, image).linear_mean == pytest.approx(expected) and expected > 1.9


@pytest.mark.parametrize("task", ["reconstruction", "texture"])
def test_the_best_fixed_method_is_read_the_cards_way_round(task):
    card = json.loads((MODELS_DIR / f"downsizenet-{task}.json").read_text(encoding="utf-8"))
    means = {name: score["mean"] for name, score in card["metrics"]["fixed"].items()}
    learned, best = best_fixed(card)
    wanted = (min if card["metrics"]["lower_is_better"] else max)(means, key=means.get)
    assert best.method == wanted and best.mean == means[wanted]
    assert learned.mean == card["metrics"]["downsizenet"]["mean"]
