"""Pyramid blending: alpha, feathered and Laplacian-pyramid blends."""

from core.blend.ops import (
    MASKS,
    BlendComparison,
    alpha_blend,
    compare_blends,
    laplacian_blend,
    make_mask,
    max_blend_levels,
    seam_roughness,
)

__all__ = [
    'MASKS', 'laplacian_blend', 'alpha_blend', 'make_mask', 'seam_roughness', 'max_blend_levels', 'BlendComparison',
    'compare_blends',
]
