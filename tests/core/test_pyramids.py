"""core.pyramids against OpenCV, analytic facts and its own contract."""

import cv2
import numpy as np
import pytest
import torch

from core.errors import InvalidParameterError
from core.pyramids import (
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

SIZES = [(1, 1), (1, 9), (2, 2), (3, 5), (8, 8), (17, 10), (31, 64), (64, 31), (101, 77)]
BACKENDS = ["torch", "opencv"]


def _image(height: int, width: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((height, width, channels), dtype=np.float32)


def _nchw(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0).contiguous()


def _hwc(x: torch.Tensor) -> np.ndarray:
    return x[0].permute(1, 2, 0).numpy()


def _cv_pyr_down(image: np.ndarray) -> np.ndarray:
    return cv2.pyrDown(image).reshape((image.shape[0] + 1) // 2, (image.shape[1] + 1) // 2, -1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
def test_gaussian_pyramid_equals_a_loop_of_cv2_pyrdown(size, backend):
    image = _image(*size)
    ours = gaussian_pyramid(_nchw(image), 5, backend=backend)
    reference = [image]
    for _ in range(4):
        reference.append(_cv_pyr_down(reference[-1]))
    for level, (mine, theirs) in enumerate(zip(ours, reference)):
        assert _hwc(mine).shape == theirs.shape, f"level {level}"
        np.testing.assert_allclose(_hwc(mine), theirs, atol=1e-4, rtol=0, err_msg=f"level {level}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("size", SIZES, ids=[f"{h}x{w}" for h, w in SIZES])
def test_pyr_up_equals_cv2_pyrup_with_dstsize(size, backend):
    height, width = size
    small = _image((height + 1) // 2, (width + 1) // 2, seed=1)
    ours = _hwc(pyr_up(_nchw(small), (height, width), backend=backend))
    theirs = cv2.pyrUp(small, dstsize=(width, height)).reshape(height, width, 3)
    np.testing.assert_allclose(ours, theirs, atol=1e-4, rtol=0)


def test_torch_path_on_8_bit_values_is_exact_like_opencv():
    # On integer grey levels every partial sum is exact in float32, so the orders of addition
    # cannot differ: the hand-written path must give OpenCV's numbers to the last bit.
    image = np.random.default_rng(2).integers(0, 256, (63, 90, 3)).astype(np.float32)
    ours = _hwc(pyr_down(_nchw(image), backend="torch"))
    assert np.array_equal(ours, _cv_pyr_down(image))


def test_convention_output_size_rounds_up_like_opencv_not_down_like_kornia():
    x = torch.zeros(1, 1, 5, 7)
    assert pyr_down(x).shape[-2:] == (3, 4)
    assert cv2.pyrDown(np.zeros((5, 7), np.float32)).shape == (3, 4)


def test_convention_border_is_reflect_101():
    # A ramp 0..4 reflected as 2 1 | 0 1 2 3 4 | 3 2: output 0 is (2 + 4*1 + 6*0 + 4*1 + 2) / 16.
    row = torch.arange(5, dtype=torch.float32).view(1, 1, 1, 5)
    assert pyr_down(row, backend="torch")[0, 0, 0, 0].item() == pytest.approx(12 / 16)


def test_binomial_kernel_is_row_four_of_pascals_triangle():
    assert (pyramid_kernel() * 16).tolist() == [1, 4, 6, 4, 1]


def test_gaussian_kernel_sums_to_one_and_has_the_requested_spread():
    kernel = pyramid_kernel("gaussian", 2.0, dtype=torch.float64)
    offsets = torch.arange(kernel.numel(), dtype=torch.float64) - kernel.numel() // 2
    assert kernel.sum().item() == pytest.approx(1.0)
    assert torch.sqrt((kernel * offsets**2).sum()).item() == pytest.approx(2.0, rel=0.02)


def test_unknown_kernel_names_the_valid_ones():
    with pytest.raises(ValueError, match="binomial, gaussian"):
        pyramid_kernel("box")


@pytest.mark.parametrize("kernel", [None, pyramid_kernel("gaussian", 1.5)])
@pytest.mark.parametrize("size", [(64, 64), (63, 97), (5, 3)])
def test_laplacian_pyramid_reconstructs_exactly(size, kernel):
    x = _nchw(_image(*size, seed=3))
    bands = laplacian_pyramid(x, 6, kernel=kernel)
    error = (reconstruct(bands, kernel=kernel) - x).abs().max().item()
    assert error < 1e-6


def test_laplacian_bands_are_signed_and_the_last_level_is_the_coarsest_gaussian():
    x = _nchw(_image(40, 40, seed=4))
    bands = laplacian_pyramid(x, 3)
    gaussians = gaussian_pyramid(x, 3)
    assert bands[0].min() < 0 < bands[0].max()
    assert torch.equal(bands[-1], gaussians[-1])


def test_a_constant_image_has_zero_bands_and_a_constant_pyramid():
    x = torch.full((1, 3, 37, 22), 0.25)
    for level in gaussian_pyramid(x, 5, backend="torch"):
        assert torch.allclose(level, torch.full_like(level, 0.25), atol=1e-7)
    for band in laplacian_pyramid(x, 5, kernel=pyramid_kernel("gaussian", 2.0))[:-1]:
        assert band.abs().max() < 1e-6


def test_storage_of_a_power_of_two_pyramid_is_the_geometric_series_below_four_thirds():
    sizes = level_sizes(1024, 1024, 11)
    assert storage_ratio(sizes) == pytest.approx(sum(4.0**-i for i in range(11)))
    assert storage_ratio(sizes) == pytest.approx(geometric_storage_ratio(11))
    assert storage_ratio(sizes) < 4 / 3


def test_odd_sizes_round_up_and_can_exceed_four_thirds():
    # 3x3 -> 2x2 -> 1x1 stores 9 + 4 + 1 pixels: 14/9, well above 4/3.
    assert storage_ratio(level_sizes(3, 3, 3)) == pytest.approx(14 / 9)
    assert [s for s in level_sizes(451, 300, 4)] == [(451, 300), (226, 150), (113, 75), (57, 38)]


def test_max_levels_stops_when_the_shorter_side_is_one_pixel():
    assert max_levels(512, 512) == 10   # 512 256 128 64 32 16 8 4 2 1
    assert max_levels(300, 451) == 10   # 300 150 75 38 19 10 5 3 2 1
    assert max_levels(1, 4000) == 1
    with pytest.raises(InvalidParameterError):
        max_levels(0, 5)


def test_batched_input_equals_each_image_alone():
    batch = torch.from_numpy(np.stack([_image(21, 34, seed=s) for s in range(3)])).permute(0, 3, 1, 2)
    for backend in BACKENDS:
        together = pyr_down(batch.contiguous(), backend=backend)
        for i in range(3):
            alone = pyr_down(batch[i: i + 1].contiguous(), backend=backend)
            assert torch.allclose(together[i: i + 1], alone, atol=1e-7)


def test_non_contiguous_input_gives_the_same_result():
    x = _nchw(_image(30, 40, seed=5))
    strided = torch.from_numpy(_image(30, 40, seed=5)).permute(2, 0, 1).unsqueeze(0)  # not contiguous
    assert not strided.is_contiguous()
    for backend in BACKENDS:
        assert torch.allclose(pyr_down(strided, backend=backend), pyr_down(x, backend=backend))
        assert torch.allclose(pyr_up(strided, backend=backend), pyr_up(x, backend=backend))


def test_gradients_flow_through_the_torch_path():
    x = torch.rand(1, 1, 7, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: pyr_down(t), (x,))
    assert torch.autograd.gradcheck(lambda t: pyr_up(t, (13, 11)), (x,))


def test_auto_backend_keeps_gradients_by_choosing_torch():
    x = torch.rand(1, 3, 16, 16, requires_grad=True)
    pyr_down(x).sum().backward()
    # Each interior pixel is covered by 9 of the output's 5x5 windows; the weights sum to 1
    # per output, and there are 64 outputs over 256 inputs: the mean gradient is 1/4.
    assert x.grad.mean().item() == pytest.approx(0.25, rel=1e-5)


def test_opencv_backend_refuses_what_it_cannot_do():
    with pytest.raises(InvalidParameterError):
        pyr_down(torch.rand(1, 1, 8, 8, dtype=torch.float64), backend="opencv")
    with pytest.raises(InvalidParameterError):
        pyr_down(torch.rand(1, 1, 8, 8), kernel=pyramid_kernel("gaussian", 1.0), backend="opencv")


def test_pyr_up_refuses_a_size_it_cannot_reach():
    with pytest.raises(InvalidParameterError, match="height of 9 or 10"):
        pyr_up(torch.zeros(1, 1, 5, 5), (12, 10))


def test_shapes_and_types_are_checked():
    with pytest.raises(InvalidParameterError, match="B, C, H, W"):
        pyr_down(torch.zeros(3, 8, 8))
    with pytest.raises(InvalidParameterError, match="floating-point"):
        pyr_down(torch.zeros(1, 1, 8, 8, dtype=torch.uint8))
    with pytest.raises(InvalidParameterError, match="levels"):
        gaussian_pyramid(torch.zeros(1, 1, 8, 8), 0)


def test_decimate_keeps_the_even_rows_and_columns_unblurred():
    x = torch.arange(25, dtype=torch.float32).view(1, 1, 5, 5)
    assert decimate(x)[0, 0].tolist() == [[0, 2, 4], [10, 12, 14], [20, 22, 24]]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    x = _nchw(_image(129, 77, seed=6))
    cpu = gaussian_pyramid(x, 5)
    gpu = gaussian_pyramid(x.cuda(), 5)
    for a, b in zip(cpu, gpu):
        assert torch.allclose(a, b.cpu(), atol=1e-5)


def test_the_in_place_band_arithmetic_leaves_its_inputs_alone_and_matches_cv2():
    image = np.random.default_rng(21).random((37, 50, 3), dtype=np.float32)
    x = torch.from_numpy(image).permute(2, 0, 1)[None].contiguous()
    before = x.clone()
    bands = laplacian_pyramid(x, 3)
    assert torch.equal(x, before)
    g1 = cv2.pyrDown(image)
    expected = image - cv2.pyrUp(g1, dstsize=(50, 37))
    np.testing.assert_allclose(bands[0][0].permute(1, 2, 0).numpy(), expected, atol=1e-5)
    kept = [b.clone() for b in bands]
    restored = reconstruct(bands)
    assert all(torch.equal(a, b) for a, b in zip(bands, kept, strict=True))
    np.testing.assert_allclose(restored, x, atol=1e-5)
