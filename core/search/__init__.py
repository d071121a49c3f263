"""Coarse-to-fine template search over an image pyramid."""

from core.search.match import (
    LevelTrace,
    Match,
    ncc_map,
    exhaustive_match,
    coarse_to_fine_match,
)

__all__ = ['LevelTrace', 'Match', 'ncc_map', 'exhaustive_match', 'coarse_to_fine_match']
