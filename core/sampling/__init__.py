"""How CNNs make feature maps smaller and larger again.

Downsampling: a strided convolution, max pooling, average pooling and blur pooling (Zhang 2019:
low-pass with a binomial kernel, *then* subsample, so the subsampling has little left to alias).
Upsampling: nearest and bilinear interpolation, max-unpooling (the maxima go back to the places
max pooling took them from, zeros elsewhere) and the transposed convolution. The two size formulas
say what every one of them does to a side of ``n`` pixels.

Convention (PyTorch's, because these are the layers a CNN uses):
    * convolution and pooling sizes floor: ``floor((n + 2p - d(k - 1) - 1) / s) + 1``;
    * fixed filters are applied depthwise (each colour channel on its own, ``groups=C``) with
      zero padding, as ``nn.Conv2d(padding=p)`` does;
    * blur pooling pads by reflection (antialiased-cnns' default), so its size is ``ceil(n / s)``;
    * bilinear upsampling uses ``align_corners=False``.
"""

from core.sampling.artefacts import default_overlap_input, overlap_count_map, overlap_interior, shift_sensitivity
from core.sampling.downsampling import (
    DOWNSAMPLERS,
    avg_pool,
    blur_pool,
    downsample,
    max_blur_pool,
    max_pool,
    max_pool_with_indices,
    strided_conv,
)
from core.sampling.kernels import FIXED_KERNELS, bilinear_kernel, binomial_kernel, fixed_kernel, uniform_kernel
from core.sampling.upsampling import (
    bilinear_transposed_conv,
    bilinear_upsample,
    max_unpool,
    nearest_upsample,
    resize_then_conv,
    transposed_conv,
)
from core.sizes import conv_output_size, conv_transpose_output_size

__all__ = [
    'conv_output_size', 'conv_transpose_output_size', 'FIXED_KERNELS', 'fixed_kernel', 'binomial_kernel',
    'bilinear_kernel', 'uniform_kernel', 'strided_conv', 'max_pool', 'max_pool_with_indices', 'avg_pool',
    'blur_pool', 'max_blur_pool', 'DOWNSAMPLERS', 'downsample', 'nearest_upsample', 'bilinear_upsample',
    'max_unpool', 'transposed_conv', 'bilinear_transposed_conv', 'resize_then_conv', 'overlap_count_map',
    'default_overlap_input', 'overlap_interior', 'shift_sensitivity',
]
