"""The learned-scale-invariance study: data, models and the protocol (kept small and fast)."""

import numpy as np
import pytest
import torch

from core.scale_invariance.study import (
    BASE_SIZE,
    CANVAS,
    SHAPES,
    VARIANTS,
    build_model,
    draw_shape,
    make_dataset,
    predict,
    run_study,
    train_model,
)


def test_shapes_have_the_requested_size():
    rng = np.random.default_rng(0)
    for size in (6, 12, 24, 48):
        square = draw_shape("square", size, rng) > 0.3
        rows = np.flatnonzero(square.any(axis=1))
        assert abs(len(rows) - size) <= 2


def test_datasets_are_balanced_enough_and_reproducible():
    images, labels = make_dataset(400, 1.0, seed=3)
    again, same = make_dataset(400, 1.0, seed=3)
    assert images.shape == (400, 1, CANVAS, CANVAS)
    assert torch.equal(images, again) and torch.equal(labels, same)
    assert np.bincount(labels.numpy(), minlength=len(SHAPES)).min() > 60


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_maps_a_batch_to_four_class_scores(variant):
    model = build_model(variant)
    assert model(torch.zeros(2, 1, CANVAS, CANVAS)).shape == (2, len(SHAPES))


def test_pooling_heads_accept_other_input_sizes_and_the_dense_ones_do_not():
    assert build_model("global-max")(torch.zeros(1, 1, 128, 96)).shape == (1, 4)
    assert build_model("spp")(torch.zeros(1, 1, 40, 40)).shape == (1, 4)
    with pytest.raises(RuntimeError):
        build_model("max-pooling")(torch.zeros(1, 1, 128, 128))


def test_training_lowers_the_loss_and_learns_the_training_scale():
    losses = []
    model = train_model("global-max", seed=0, steps=200, on_step=lambda step, loss: losses.append(loss))
    assert np.mean(losses[-20:]) < 0.7 * np.mean(losses[:20])
    images, labels = make_dataset(200, 1.0, seed=99)
    accuracy = float((predict(model, "global-max", images).argmax(1) == labels).float().mean())
    assert accuracy > 0.5          # chance is 0.25


def test_the_input_pyramid_averages_probabilities_over_three_scales():
    model = build_model("global-max").eval()
    images = make_dataset(8, 1.0, seed=1)[0]
    probabilities = predict(model, "input-pyramid", images)
    assert torch.allclose(probabilities.sum(1), torch.ones(8), atol=1e-5)
    assert not torch.allclose(probabilities, predict(model, "global-max", images))


def test_a_study_can_be_stopped_and_reports_what_it_finished():
    calls = []
    study = run_study(("global-max", "input-pyramid"), seeds=(0,), scales=(1.0, 2.0), steps=30,
                      test_count=40, on_progress=lambda f, m: calls.append(f) or not m.startswith("tested"))
    assert set(study.accuracy) == {"global-max", "input-pyramid"}
    assert study.accuracy["global-max"].shape == (1, 2)
    assert not np.isnan(study.accuracy["input-pyramid"]).any()   # shares global-max's network
    assert calls and max(calls) <= 1.0
    assert BASE_SIZE == 12
