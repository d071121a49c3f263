"""The downsizing lab: every library's resize under one registry."""

from core.resize.methods import (
    WEIGHTS_DIR,
    Size,
    ResizeMethod,
    pyramid_levels,
    trained_weights,
    registry,
    METHODS,
    DEFAULT_METHODS,
    BILINEARS,
    get_method,
    resize,
    check_size,
    scaled_size,
)

__all__ = ['WEIGHTS_DIR', 'Size', 'ResizeMethod', 'pyramid_levels', 'trained_weights', 'registry', 'METHODS', 'DEFAULT_METHODS', 'BILINEARS', 'get_method', 'resize', 'check_size', 'scaled_size']
