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


# ---- the trained segmenters, near and far -------------------------------------------------------
import cv2  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from core.models import load_model_or_untrained  # noqa: E402
from core.scale_invariance.cat_scales import SCALES, face_crop, head_features, segmenter_similarity  # noqa: E402


class _Identity(nn.Module):
    """A 'segmenter' whose projection passes the image through: its features are the channel maxima."""

    def __init__(self) -> None:
        super().__init__()
        self.projection = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(x)


def test_segmenter_features_are_the_per_channel_maxima_of_what_the_projection_gives():
    cat = SAMPLES["cat"].load()
    result = segmenter_similarity(cat, {"identity": _Identity()})
    face = face_crop(cat)
    expected = []
    for scale in SCALES:                                  # the face's own RGB maxima, resized by OpenCV
        side = max(1, round(24 * scale))
        method = cv2.INTER_AREA if side < face.shape[0] else cv2.INTER_CUBIC
        small = np.clip(cv2.resize(face, (side, side), interpolation=method).astype(np.float64) / 255, 0, 1)
        expected.append(small.reshape(-1, 3).max(axis=0))
    reference = expected[SCALES.index(1.0)]
    cosines = [float(v @ reference / np.linalg.norm(v) / np.linalg.norm(reference)) for v in expected]
    assert result.similarity["identity"] == pytest.approx(cosines, abs=1e-5)


def test_the_trained_segmenters_read_the_cat_at_every_scale_without_touching_the_global_seed():
    models = {name: load_model_or_untrained(name)[0] for name in ("segmenter-aspp", "segmenter-psp")}
    before = torch.random.get_rng_state()
    result = segmenter_similarity(SAMPLES["cat"].load(), models)
    assert torch.equal(before, torch.random.get_rng_state())
    assert not any(m.projection._forward_hooks for m in models.values())      # the shared networks untouched
    for values in result.similarity.values():
        assert values.shape == (len(SCALES),)
        assert values[SCALES.index(1.0)] == pytest.approx(1.0, abs=1e-6)
        assert np.all(values <= 1 + 1e-6) and values.min() < 0.99   # the features do change with size
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    features = head_features(models["segmenter-aspp"], x)
    assert features.shape == (2, models["segmenter-aspp"].classifier.in_channels)


def test_a_model_without_a_projection_is_refused():
    from core.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="projection"):
        head_features(nn.Conv2d(3, 3, 1), torch.zeros(1, 3, 8, 8))
