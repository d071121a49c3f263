"""The ERF-during-training measurement: it watches the training without changing it."""


import pytest

from core.models import build_untrained, train_segmenter
from core.receptive_field.during_training import load, measure, run


def test_measuring_at_checkpoints_changes_neither_the_network_nor_its_training():
    data = run(steps=3, checkpoints=(0, 1, 3), side=64, inputs=2, say=lambda _: None)
    assert [row["step"] for row in data["checkpoints"]] == [0, 1, 3]
    # the network seen before the first step is the seeded initial one
    assert data["checkpoints"][0]["std"] == pytest.approx(measure(build_untrained("segmenter-aspp", 0), 64, 2)[0])
    assert data["checkpoints"][0]["loss"] is None and data["checkpoints"][1]["loss"] > 0
    # the same three steps without any observer give the same losses
    alone = train_segmenter("segmenter-aspp", 3, seed=0, batch=8)
    watched = [row["loss"] for row in data["checkpoints"][1:]]
    assert watched[0] == pytest.approx(alone.losses[0], rel=1e-6)
    assert watched[1] == pytest.approx(sum(alone.losses[1:]) / 2, rel=1e-6)


def test_the_shipped_measurements_cover_the_whole_training():
    data = load()
    if data is None:
        pytest.skip("no shipped measurements")
    steps = [row["step"] for row in data["checkpoints"]]
    assert steps[0] == 0 and steps[-1] == data["steps"] and steps == sorted(steps)
    assert all(0 < row["share"] < 1 for row in data["checkpoints"])
    assert data["checkpoints"][0]["std"] == pytest.approx(data["initial_check"], rel=1e-6)
