"""Pyramid blending: alpha, feathered and Laplacian-pyramid blends."""

from core.blend.ops import (
    MASKS,
    laplacian_blend,
    alpha_blend,
    make_mask,
    seam_roughness,
    max_blend_levels,
    BlendComparison,
    compare_blends,
)

__all__ = ['MASKS', 'laplacian_blend', 'alpha_blend', 'make_mask', 'seam_roughness', 'max_blend_levels', 'BlendComparison', 'compare_blends']
