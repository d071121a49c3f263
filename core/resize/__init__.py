"""The downsizing lab: every library's resize under one registry, and the tools built on it:
:func:`identify` (which resize made this image?) and ``python -m core.resize.report``."""

from core.resize.backends import ResizeMethod, Size, pyramid_levels
from core.resize.fingerprint import Identification, identify, identify_report
from core.resize.methods import (
    ALL_METHODS,
    BILINEARS,
    DEFAULT_METHODS,
    METHODS,
    MODELS_DIR,
    TRAINED,
    check_size,
    get_method,
    registry,
    resize,
    scaled_size,
    trained_key,
    trained_weights,
)
from core.resize.variants import VARIANTS

__all__ = ["ALL_METHODS", "BILINEARS", "DEFAULT_METHODS", "METHODS", "MODELS_DIR", "TRAINED", "VARIANTS",
           "Identification", "ResizeMethod", "Size", "check_size", "get_method", "identify", "identify_report",
           "pyramid_levels", "registry", "resize", "scaled_size", "trained_key", "trained_weights"]
