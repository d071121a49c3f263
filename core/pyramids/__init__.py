"""Image pyramids: Gaussian and Laplacian octaves, OpenCV-compatible."""

from core.pyramids.ops import (
    KERNELS,
    Backend,
    decimate,
    gaussian_pyramid,
    geometric_storage_ratio,
    laplacian_pyramid,
    level_sizes,
    max_levels,
    pyr_down,
    pyr_up,
    pyramid_kernel,
    reconstruct,
    storage_ratio,
)

__all__ = [
    'Backend', 'KERNELS', 'pyramid_kernel', 'pyr_down', 'pyr_up', 'gaussian_pyramid', 'laplacian_pyramid',
    'reconstruct', 'decimate', 'max_levels', 'level_sizes', 'storage_ratio', 'geometric_storage_ratio',
]
