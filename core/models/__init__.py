"""Trained networks shipped with ScaleScope (no download): the segmenters behind the SPP, pyramid
pooling, ASPP and receptive-field lessons, their synthetic scenes, weights, cards and scores.

* :mod:`core.models.scenes` — :func:`make_scenes`, shapes on blurred photographs, and why scale matters;
* :mod:`core.models.segmenters` — the trunk, the ASPP (DeepLabv3) and pyramid pooling (PSPNet) heads;
* :mod:`core.models.registry` — names → ``(builder, file)``, :func:`load_model`, :func:`model_card`;
* :mod:`core.models.weights` — :func:`validate_state_dict`, the gate for every weights file;
* :mod:`core.models.evaluate` — pixel accuracy, mean IoU, IoU by object size, branch ablation;
* :mod:`core.models.training` and ``python -m core.models.train`` — reproducible training.

Networks from :func:`load_model` are shared by the whole process: never mutate them.
"""

from core.models.evaluate import SIZE_BINS, TEST_COUNT, TEST_SEED, ablation, ablation_results, evaluate, predict
from core.models.registry import (
    REGISTRY,
    ModelSpec,
    build_untrained,
    load_model,
    load_model_or_untrained,
    load_weights,
    model_card,
    register,
    save_model,
)
from core.models.scenes import CLASSES, make_scenes
from core.models.segmenters import ASPPSegmenter, PSPSegmenter, Segmenter
from core.models.training import train_segmenter
from core.models.weights import read_metadata, validate_state_dict

__all__ = ["ASPPSegmenter", "CLASSES", "ModelSpec", "PSPSegmenter", "REGISTRY", "SIZE_BINS", "Segmenter",
           "TEST_COUNT", "TEST_SEED", "ablation", "ablation_results", "build_untrained", "evaluate",
           "load_model", "load_model_or_untrained", "load_weights", "make_scenes", "model_card", "predict",
           "read_metadata",
           "register", "save_model", "train_segmenter", "validate_state_dict"]
