"""Coarse-to-fine template search over an image pyramid."""

from core.search.match import (
    LevelTrace,
    Match,
    coarse_to_fine_match,
    exhaustive_match,
    fast_length,
    ncc_map,
    window_ncc,
)

__all__ = ['LevelTrace', 'Match', 'ncc_map', 'window_ncc', 'fast_length', 'exhaustive_match', 'coarse_to_fine_match']
