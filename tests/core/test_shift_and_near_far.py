"""Shift stability of pooling, and the near/far canvas."""

import numpy as np
import pytest
import torch

from core.errors import InvalidParameterError
from core.scale_invariance.near_far import near_and_far
from core.scale_invariance.shift import shift_study


def _image(seed: int = 0) -> torch.Tensor:
    return torch.rand(1, 3, 40, 64, generator=torch.Generator().manual_seed(seed))


def test_max_pooling_follows_even_shifts_exactly_and_odd_ones_poorly():
    study = shift_study(_image())
    max_change = study.change["2×2 max pooling"]
    assert np.all(max_change[0::2] == 0)
    assert np.all(max_change[1::2] > 0.1)
    assert study.shifts_leaving_max_pool_unchanged == 0.5
    assert np.all(study.unchanged_fraction[1::2] < 1)


def test_blur_pooling_changes_less_than_max_pooling_on_odd_shifts():
    for seed in range(3):
        study = shift_study(_image(seed))
        blur = study.change["blur pooling (blur, then subsample)"]
        assert np.all(blur[1::2] < study.change["2×2 max pooling"][1::2])


def test_shift_study_needs_room_to_shift():
    with pytest.raises(InvalidParameterError):
        shift_study(torch.rand(1, 3, 10, 12))


def test_far_copy_becomes_like_the_near_image_with_more_pooling():
    y, x = np.mgrid[0:256, 0:256]
    stripes = ((x // 16) % 2 * 200 + 20).astype(np.uint8)          # edges every 16 px
    image = np.repeat(stripes[..., None], 3, axis=2)
    pair = near_and_far(image, factor=4, depths=3)
    assert pair.canvas.shape == (256, 256 + 64)
    assert len(pair.maps) == 3 + 2 + 1
    assert pair.similarity[-1] > 0.9
    assert pair.similarity[-1] >= pair.similarity[0]


def test_near_and_far_refuses_an_image_too_small():
    with pytest.raises(InvalidParameterError, match="too small"):
        near_and_far(np.zeros((20, 20, 3), np.uint8))


def test_max_pooling_unchanged_fraction_matches_a_crop_by_crop_computation():
    x = _image(4)
    study = shift_study(x)
    width = x.shape[-1] - 8
    outputs = [torch.nn.functional.max_pool2d(x[..., k:k + width], 2) for k in range(8)]
    compare = outputs[0].shape[-1] - 5
    for k, out in enumerate(outputs):
        half = k // 2
        target = outputs[0][..., half:half + compare]
        if k % 2:
            target = 0.5 * (target + outputs[0][..., half + 1:half + 1 + compare])
        assert study.unchanged_fraction[k] == pytest.approx(float((out[..., :compare] == target).float().mean()))
