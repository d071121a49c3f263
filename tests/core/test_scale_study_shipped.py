"""The shipped scale study: every variant × scale × seed, its command, and the near/far measure."""

import csv

import numpy as np

from core.samples import SAMPLES
from core.scale_invariance.cat_scales import feature_similarity
from core.scale_invariance.networks import TRAINED_VARIANTS, VARIANTS
from core.scale_invariance.shipped import STUDY_DIR, shipped_models, shipped_study
from core.scale_invariance.study import TEST_SCALES, estimate_seconds


def test_the_shipped_results_hold_every_variant_scale_and_seed():
    study, data = shipped_study()
    assert set(study.accuracy) == set(VARIANTS)
    assert study.seeds == (0, 1, 2) and study.scales == TEST_SCALES
    assert study.complete
    assert "python -m core.scale_invariance.study" in data["command"] and data["seconds"] > 0
    with (STUDY_DIR / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(VARIANTS) * len(TEST_SCALES) * 3
    # at the training scale the pooling variants learned the task (chance 0.25)
    assert min(study.mean(v)[TEST_SCALES.index(1.0)] for v in ("global-max", "spp", "max-pooling")) > 0.9


def test_the_estimate_changes_with_the_settings():
    _, data = shipped_study()
    costs = data["step_seconds"]
    one = estimate_seconds(("global-max",), 1, 100, costs)
    assert one == estimate_seconds(("global-max", "input-pyramid"), 1, 100, costs)    # shares the network
    assert estimate_seconds(("global-max",), 3, 100, costs) == 3 * one
    assert estimate_seconds(VARIANTS, 1, 100, costs) > one


def test_near_far_on_the_cat_is_one_at_1x_and_falls_away():
    models = shipped_models()
    assert set(models) == set(TRAINED_VARIANTS)
    result = feature_similarity(SAMPLES["cat"].load(), models)
    for values in result.similarity.values():
        assert values[result.scales.index(1.0)] == 1.0 or abs(values[result.scales.index(1.0)] - 1) < 1e-6
    assert np.mean(result.similarity["no-pooling"]) < np.mean(result.similarity["global-max"])
