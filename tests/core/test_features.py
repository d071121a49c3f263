"""Feature extractors: shapes, meaning of the hand-built filters, and safe weight loading."""

import pytest
import torch

from core.errors import InvalidParameterError
from core.modules.features import (
    cnn_features,
    filter_bank,
    filter_bank_features,
    load_cnn_weights,
    random_cnn,
    small_cnn,
)


def _vertical_step(height=32, width=32):
    image = torch.zeros(1, 3, height, width)
    image[..., width // 2:] = 1.0
    return image


def test_the_filter_bank_has_eight_named_zero_sum_edge_and_blob_kernels():
    bank = filter_bank()
    assert len(bank) == 8
    for name in ("vertical edge", "horizontal edge", "bright blob", "dark blob"):
        assert abs(float(bank[name].sum())) < 1e-6


def test_a_vertical_step_excites_the_vertical_edge_channel_only():
    features, names = filter_bank_features(_vertical_step())
    energy = dict(zip(names, features[0].sum(dim=(1, 2)).tolist()))
    assert energy["vertical edge"] > 10
    assert energy["horizontal edge"] == pytest.approx(0, abs=1e-5)


@pytest.mark.parametrize("stride", [1, 2, 4, 8, 16])
def test_output_stride_sets_the_feature_size(stride):
    features, _ = filter_bank_features(torch.rand(1, 3, 37, 50), stride)
    assert features.shape[-2:] == (-(-37 // stride), -(-50 // stride))
    cnn, _ = cnn_features(random_cnn(0, stride), torch.rand(1, 3, 37, 50))
    assert cnn.shape[-2:] == (-(-37 // stride), -(-50 // stride))


def test_random_cnn_is_reproducible_from_its_seed():
    a, b = random_cnn(3), random_cnn(3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(next(random_cnn(4).parameters()), next(a.parameters()))


def test_weights_load_when_they_fit_and_are_refused_with_a_sentence_when_not():
    good = {k: v.clone() for k, v in random_cnn(1).state_dict().items()}
    model = load_cnn_weights(good)
    assert torch.equal(model.state_dict()["0.weight"], good["0.weight"])
    bad = dict(good)
    bad["0.weight"] = torch.zeros(3, 3)
    with pytest.raises(InvalidParameterError, match="wrong shape"):
        load_cnn_weights(bad)
    with pytest.raises(InvalidParameterError, match="missing"):
        load_cnn_weights({})


def test_small_cnn_refuses_an_unknown_stride():
    with pytest.raises(InvalidParameterError):
        small_cnn(stride=3)
