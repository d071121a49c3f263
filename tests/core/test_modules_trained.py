"""The trained-segmenter views of /modules: branch maps, live ablation, the ablation sentence."""

import numpy as np

from core.models import build_untrained, make_scenes
from core.modules.trained import ablate, ablation_rows, ablation_sentence, branch_maps, segment


def scene():
    images, _, _ = make_scenes(1, 96, 3)
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
