"""core.sampling and core.sampling.lesson against PyTorch's layers, brute-force loops and
hand-worked examples."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from core.errors import InvalidParameterError
from core.sampling import (
    DOWNSAMPLERS,
    avg_pool,
    bilinear_kernel,
    bilinear_transposed_conv,
    bilinear_upsample,
    binomial_kernel,
    blur_pool,
    conv_output_size,
    conv_transpose_output_size,
    downsample,
    fixed_kernel,
    max_blur_pool,
    max_pool,
    max_pool_with_indices,
    max_unpool,
    nearest_upsample,
    overlap_count_map,
    overlap_interior,
    resize_then_conv,
    shift_sensitivity,
    strided_conv,
    transposed_conv,
    uniform_kernel,
)
from core.sampling.lesson import (
    GRID_OPS,
    check_conv_size,
    check_conv_transpose_size,
    checkerboard_images,
    downsample_image,
    grid_example,
    grid_input,
    overlap,
    upsample_image,
)


def _random(shape, seed=0, dtype=torch.float32) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def _pytorch_side(make_layer, n: int) -> int | None:
    """The output side PyTorch gives an n × n input, or None when it refuses.

    For some transposed convolutions whose output would have 0 pixels PyTorch returns an empty
    0 × 0 map instead of raising; a map without pixels counts as a refusal too.
    """
    try:
        with torch.no_grad():
            shape = make_layer()(torch.zeros(1, 1, n, n)).shape
    except RuntimeError:
        return None
    assert shape[-1] == shape[-2]
    return shape[-1] or None


# ---------------------------------------------------------------------------------- sizes

def test_conv_output_size_equals_nn_conv2d_over_a_grid_including_refusals():
    refused = agreed = 0
    for n, k, s, p, d in itertools.product((1, 2, 3, 5, 8), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)):
        theirs = _pytorch_side(lambda: nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d), n)
        if theirs is None:
            with pytest.raises(InvalidParameterError):
                conv_output_size(n, k, s, p, d)
            refused += 1
        else:
            assert conv_output_size(n, k, s, p, d) == theirs, (n, k, s, p, d)
            agreed += 1
    assert refused > 20 and agreed > 200   # both branches were really exercised


def test_conv_transpose_output_size_equals_nn_convtranspose2d_over_a_grid_including_refusals():
    refused = agreed = 0
    for n, k, s, p, op, d in itertools.product((1, 2, 4), (1, 2, 3, 4), (1, 2, 3), (0, 1, 2, 3),
                                               (0, 1, 2), (1, 2)):
        theirs = _pytorch_side(lambda: nn.ConvTranspose2d(
            1, 1, k, stride=s, padding=p, output_padding=op, dilation=d), n)
        if theirs is None:
            with pytest.raises(InvalidParameterError):
                conv_transpose_output_size(n, k, s, p, op, d)
            refused += 1
        else:
            assert conv_transpose_output_size(n, k, s, p, op, d) == theirs, (n, k, s, p, op, d)
            agreed += 1
    assert refused > 100 and agreed > 200


def test_output_padding_may_reach_the_stride_when_the_dilation_is_larger():
    # PyTorch's rule is "smaller than the stride OR the dilation", not "smaller than the stride".
    assert conv_transpose_output_size(4, 3, stride=1, output_padding=1, dilation=2) == 9
    with pytest.raises(InvalidParameterError, match="output_padding must be smaller"):
        conv_transpose_output_size(4, 3, stride=2, output_padding=2, dilation=2)


@pytest.mark.parametrize("arguments, named", [
    (dict(n=0, kernel=3), "n = 0"), (dict(n=5, kernel=0), "kernel = 0"),
    (dict(n=5, kernel=3, stride=0), "got 0"), (dict(n=5, kernel=3, padding=-1), "got -1"),
    (dict(n=5, kernel=3, dilation=0), "got 0"), (dict(n=5.5, kernel=3), "5.5"),
    (dict(n=True, kernel=3), "True"),
])
def test_invalid_parameters_raise_a_typed_error_naming_the_value_in_both_formulas(arguments, named):
    for size_function in (conv_output_size, conv_transpose_output_size):
        with pytest.raises(InvalidParameterError, match=named.replace(".", r"\.")) as caught:
            size_function(**arguments)
        assert isinstance(caught.value, ValueError)


def test_an_output_under_one_pixel_is_refused_with_the_size_it_would_have():
    with pytest.raises(InvalidParameterError, match="would have 0 pixels"):
        conv_output_size(2, 3, stride=2)
    with pytest.raises(InvalidParameterError, match="would have -1 pixels"):
        conv_transpose_output_size(1, 1, padding=1)


def test_sizes_accept_numpy_integers():
    assert conv_output_size(np.int64(224), np.int32(7), 2, 3) == 112


def test_size_check_puts_the_formula_beside_pytorch():
    valid = check_conv_size(224, 7, 2, 3)
    assert (valid.formula, valid.pytorch_shape, valid.agree) == (112, (1, 1, 112, 112), True)
    refused = check_conv_transpose_size(4, 3, 2, 0, output_padding=2)
    assert refused.formula is None and refused.pytorch_shape is None and refused.agree
    assert "output padding" in refused.pytorch_error and "2" in refused.formula_error
    with pytest.raises(InvalidParameterError, match="5000"):
        check_conv_size(5000, 3)


# ---------------------------------------------------------------------------------- downsampling

SOBEL_X = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


@pytest.mark.parametrize("size", [(7, 9), (8, 8), (31, 20)])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_strided_conv_is_a_depthwise_f_conv2d_and_its_size_follows_the_formula(size, stride):
    x = _random((2, 3, *size))
    for name, weight in (("box", torch.full((3, 3), 1 / 9)), ("sobel-x", SOBEL_X), ("sobel-y", SOBEL_X.T)):
        ours = strided_conv(x, name, stride=stride)
        theirs = F.conv2d(x, weight.expand(3, 1, 3, 3), stride=stride, padding=1, groups=3)
        torch.testing.assert_close(ours, theirs)
        assert ours.shape[-2:] == (conv_output_size(size[0], 3, stride, 1),
                                   conv_output_size(size[1], 3, stride, 1))


def test_sobel_x_responds_to_left_to_right_brightening_with_a_positive_value():
    ramp = torch.arange(6.0).view(1, 1, 1, 6).expand(1, 1, 6, 6)
    assert strided_conv(ramp, "sobel-x", stride=1)[0, 0, 2:4, 1:5].eq(8.0).all()
    assert strided_conv(ramp, "sobel-y", stride=1)[0, 0, 2:4, 1:5].eq(0.0).all()


@pytest.mark.parametrize("size", [(6, 6), (7, 5), (16, 33)])
@pytest.mark.parametrize("window", [2, 3])
def test_pooling_equals_f_pooling_and_its_size_follows_the_formula(size, window):
    x = _random((1, 3, *size), seed=1)
    torch.testing.assert_close(max_pool(x, window), F.max_pool2d(x, window))
    torch.testing.assert_close(avg_pool(x, window), F.avg_pool2d(x, window))
    expected = tuple(conv_output_size(n, window, window) for n in size)
    assert max_pool(x, window).shape[-2:] == expected == avg_pool(x, window).shape[-2:]


def test_pooling_a_window_larger_than_the_image_is_a_typed_error():
    with pytest.raises(InvalidParameterError, match="input of 1 pixels"):
        max_pool(torch.zeros(1, 3, 1, 5), 2)


def test_binomial_kernel_is_pascals_triangle_from_math_comb():
    assert (binomial_kernel(5, dtype=torch.float64) * 256).tolist() == \
        torch.outer(torch.tensor([1.0, 4, 6, 4, 1]), torch.tensor([1.0, 4, 6, 4, 1])).tolist()
    assert binomial_kernel(4).sum().item() == pytest.approx(1.0)


@pytest.mark.parametrize("size", [(8, 8), (9, 13), (2, 3)])
@pytest.mark.parametrize("stride", [2, 3])
def test_blur_pool_is_a_reflect_padded_binomial_blur_then_subsampling(size, stride):
    x = _random((1, 3, *size), seed=2, dtype=torch.float64)
    taps = torch.tensor([1.0, 2.0, 1.0], dtype=torch.float64) / 4
    blurred = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"),
                       torch.outer(taps, taps).expand(3, 1, 3, 3), groups=3)
    torch.testing.assert_close(blur_pool(x, stride), blurred[..., ::stride, ::stride])
    assert blur_pool(x, stride).shape[-2:] == tuple(-(-n // stride) for n in size)


def test_blur_pool_keeps_a_constant_image_constant_and_is_differentiable():
    flat = blur_pool(torch.full((1, 2, 9, 7), 0.3), 2, size=5)
    torch.testing.assert_close(flat, torch.full_like(flat, 0.3))
    x = _random((1, 1, 5, 6), seed=3, dtype=torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: blur_pool(t, 2, size=4), (x,))


def test_blur_pool_on_a_one_pixel_image_is_a_typed_error():
    with pytest.raises(InvalidParameterError, match="at least 2 pixels"):
        blur_pool(torch.zeros(1, 1, 1, 4))


def _change_after_circular_shift(op, x: torch.Tensor) -> float:
    """Independent of core's crop-based measure: roll the image by one pixel instead."""
    reference = op(x)
    spread = (reference - reference.mean()).abs().mean()
    changes = [(op(torch.roll(x, shifts=shift, dims=(-2, -1))) - reference).abs().mean() / spread
               for shift in ((0, 1), (1, 0), (1, 1), (0, -1), (-1, 0))]
    return float(torch.stack(changes).mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_blur_pooling_changes_less_than_max_pooling_when_the_input_moves_one_pixel(seed):
    x = _random((1, 3, 96, 96), seed=seed)
    max_change = _change_after_circular_shift(lambda t: max_pool(t, 2), x)
    assert _change_after_circular_shift(lambda t: blur_pool(t, 2), x) < 0.97 * max_change
    assert _change_after_circular_shift(lambda t: max_blur_pool(t, 2), x) < 0.9 * max_change
    # core's own measure (crops, no wrap-around) ranks them the same way
    assert shift_sensitivity(lambda t: blur_pool(t, 2), x) < shift_sensitivity(lambda t: max_pool(t, 2), x)


def test_shift_sensitivity_shifts_along_the_axis_it_says():
    rows = _random((1, 3, 16, 1), seed=4).expand(1, 3, 16, 16)   # constant along each row
    assert shift_sensitivity(lambda t: max_pool(t, 2), rows, shifts=((0, 1),)) == 0.0
    assert shift_sensitivity(lambda t: max_pool(t, 2), rows, shifts=((1, 0),)) > 0.1


def test_downsample_registry_names_its_keys_and_matches_the_functions():
    x = _random((1, 3, 12, 10), seed=5)
    torch.testing.assert_close(downsample(x, "blur-pool", 3), blur_pool(x, 3))
    torch.testing.assert_close(downsample(x, "strided-conv", 2, conv_kernel="sobel-y"),
                               strided_conv(x, "sobel-y", 2))
    with pytest.raises(InvalidParameterError, match="max-pool, avg-pool"):
        downsample(x, "median-pool")
    with pytest.raises(InvalidParameterError, match="box, sobel-x, sobel-y"):
        fixed_kernel("laplacian")


def test_non_contiguous_input_gives_the_same_result():
    x = _random((1, 3, 10, 14), seed=6)
    transposed = x.transpose(-1, -2).contiguous().transpose(-1, -2)
    assert not transposed.is_contiguous()
    for method in DOWNSAMPLERS:
        torch.testing.assert_close(downsample(transposed, method, 2), downsample(x, method, 2))


# ---------------------------------------------------------------------------------- upsampling

def test_max_unpool_puts_each_maximum_back_at_its_saved_index():
    x = torch.tensor([[1.0, 9, 2, 3],
                      [4.0, 0, 8, 7],
                      [5.0, 6, 1, 1],
                      [2.0, 3, 0, 9]]).view(1, 1, 4, 4)
    pooled, where = max_pool_with_indices(x, 2)
    assert pooled.flatten().tolist() == [9, 8, 6, 9]
    assert where.flatten().tolist() == [0 * 4 + 1, 1 * 4 + 2, 2 * 4 + 1, 3 * 4 + 3]
    expected = torch.zeros(4, 4)
    expected[0, 1], expected[1, 2], expected[2, 1], expected[3, 3] = 9, 8, 6, 9
    assert torch.equal(max_unpool(pooled, where, 2)[0, 0], expected)


def test_max_unpool_restores_an_odd_size_and_every_channel_keeps_its_own_positions():
    x = _random((1, 3, 5, 7), seed=7)
    pooled, where = max_pool_with_indices(x, 2)
    restored = max_unpool(pooled, where, 2, output_size=(5, 7))
    assert restored.shape == x.shape
    kept = restored != 0
    assert torch.equal(restored[kept], x[kept])            # values are back in their own places
    assert kept.sum(dim=(-1, -2)).tolist() == [[6, 6, 6]]   # one per 2×2 window, per channel
    with pytest.raises(InvalidParameterError, match="indices"):
        max_unpool(pooled, where[..., :2], 2)


def test_nearest_upsample_repeats_every_pixel():
    x = _random((1, 3, 4, 5), seed=8)
    expected = x.repeat_interleave(3, dim=-2).repeat_interleave(3, dim=-1)
    assert torch.equal(nearest_upsample(x, 3), expected)


def test_transposed_conv_equals_stamping_by_hand():
    x = _random((1, 2, 3, 4), seed=9, dtype=torch.float64)
    kernel = _random((3, 3), seed=10, dtype=torch.float64)
    stride, padding = 2, 1
    full = torch.zeros(1, 2, (3 - 1) * stride + 3, (4 - 1) * stride + 3, dtype=torch.float64)
    for i, j in itertools.product(range(3), range(4)):
        full[..., i * stride:i * stride + 3, j * stride:j * stride + 3] += x[..., i, j, None, None] * kernel
    expected = full[..., padding:-padding, padding:-padding]
    torch.testing.assert_close(transposed_conv(x, kernel, stride, padding), expected)
    assert expected.shape[-1] == conv_transpose_output_size(4, 3, stride, padding)


@pytest.mark.parametrize("factor", [2, 3, 4])
def test_transposed_conv_with_the_bilinear_kernel_is_bilinear_interpolation_inside(factor):
    x = _random((1, 3, 6, 7), seed=11, dtype=torch.float64)
    ours = bilinear_transposed_conv(x, factor)
    theirs = bilinear_upsample(x, factor)
    assert ours.shape == theirs.shape == (1, 3, 6 * factor, 7 * factor)
    inside = (..., slice(factor, -factor), slice(factor, -factor))
    torch.testing.assert_close(ours[inside], theirs[inside])
    assert bilinear_kernel(factor).shape[0] == 2 * factor - factor % 2


def test_resize_then_conv_keeps_a_constant_image_constant_where_a_transposed_conv_does_not():
    flat = torch.full((1, 1, 8, 8), 0.5)
    torch.testing.assert_close(resize_then_conv(flat, 3, 2), torch.full((1, 1, 16, 16), 0.5))
    stamped = transposed_conv(flat, uniform_kernel(3, 2), stride=2)[..., 2:-2, 2:-2]
    assert set(torch.unique(stamped * 4 / 0.5).round().tolist()) == {1.0, 2.0, 4.0}


# ---------------------------------------------------------------------------------- checkerboard

def _brute_force_counts_1d(length: int, kernel: int, stride: int, n: int) -> np.ndarray:
    return np.array([sum(1 for i in range(n) if 0 <= j - i * stride < kernel) for j in range(length)])


def test_checkerboard_k3_s2_interior_holds_exactly_one_two_and_four():
    n = 6
    counts = overlap_count_map(3, 2, n).numpy()
    inside = overlap_interior(3, 2, n)
    interior = counts[inside, inside]
    assert sorted(np.unique(interior).tolist()) == [1, 2, 4]
    # each axis reads 2, 1, 2, ..., 2 over 9 cells (five 2s, four 1s); the axes multiply
    values, frequency = np.unique(interior, return_counts=True)
    assert dict(zip(values.tolist(), frequency.tolist())) == {4: 5 * 5, 2: 2 * 5 * 4, 1: 4 * 4}


def test_checkerboard_k4_s2_is_even_inside():
    counts = overlap_count_map(4, 2, 6).numpy()
    inside = overlap_interior(4, 2, 6)
    assert np.unique(counts[inside, inside]).tolist() == [4]
    assert counts[0, 0] == 1   # only the border runs short of stamps


@pytest.mark.parametrize("kernel, stride", list(itertools.product(range(1, 9), range(1, 5))))
def test_overlap_counts_equal_a_brute_force_count_and_are_even_exactly_when_k_divides_by_s(kernel, stride):
    n = 7
    counts = overlap_count_map(kernel, stride, n).numpy()
    one_axis = _brute_force_counts_1d(counts.shape[0], kernel, stride, n)
    assert np.array_equal(counts, np.outer(one_axis, one_axis))
    report = overlap(kernel, stride)
    assert report.even == (kernel % stride == 0)
    if report.even:
        assert report.interior_counts == ((kernel // stride) ** 2,)


def test_a_kernel_shorter_than_the_stride_leaves_holes():
    assert 0 in overlap(1, 2).interior_counts


def test_overlap_of_a_zero_stride_is_a_typed_error_naming_it():
    with pytest.raises(InvalidParameterError, match="stride must be at least 1, got 0"):
        overlap_count_map(3, 0)


# ---------------------------------------------------------------------------------- conventions

def test_convention_bilinear_upsampling_uses_pixel_centres_not_corners():
    x = _random((1, 1, 5, 6), seed=13)
    torch.testing.assert_close(bilinear_upsample(x, 2),
                               F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))
    corners = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
    assert not torch.allclose(bilinear_upsample(x, 2), corners)


def test_convention_max_pool_ties_go_to_the_first_maximum_in_reading_order():
    _, where = max_pool_with_indices(torch.ones(1, 1, 2, 2))
    assert where.item() == 0


def test_convention_strided_conv_pads_with_zeros():
    ones = torch.ones(1, 1, 4, 4)
    corner = strided_conv(ones, "box", stride=2)[0, 0, 0, 0].item()
    assert corner == pytest.approx(4 / 9)   # 4 of the 9 taps land on the image, 5 on zeros


# ---------------------------------------------------------------------------------- on an image

def _photo(height=37, width=50, seed=12) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("factor", [2, 3])
def test_downsample_image_shapes_follow_each_methods_rule(factor):
    image = _photo()
    shapes = {m: downsample_image(image, m, factor).image.shape[:2] for m in DOWNSAMPLERS}
    floor = tuple(conv_output_size(n, factor, factor) for n in image.shape[:2])
    padded = tuple(conv_output_size(n, 3, factor, 1) for n in image.shape[:2])
    ceil = tuple(-(-n // factor) for n in image.shape[:2])
    assert shapes == {"strided-conv": padded, "max-pool": floor, "avg-pool": floor,
                      "blur-pool": ceil, "max-blur-pool": ceil}


def test_an_edge_kernel_is_shown_as_the_magnitude_of_its_response():
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, 4:] = 255                                  # dark to bright: a positive response
    inverted = 255 - image                              # bright to dark: a negative one
    rising = downsample_image(image, "strided-conv", 2, "sobel-x").image
    falling = downsample_image(inverted, "strided-conv", 2, "sobel-x").image
    # column 0 differs only because the zero padding meets black in one and white in the other
    assert rising[:, 2].min() == 255 and np.array_equal(rising[:, 1:], falling[:, 1:])


def test_upsample_image_returns_the_original_size_for_unpooling():
    image = _photo(37, 50)
    result = upsample_image(image, 2)
    assert result.source.shape[:2] == (18, 25)
    assert result.images["max-unpool"].shape == image.shape
    for method in ("nearest", "bilinear", "transposed-conv"):
        assert result.images[method].shape[:2] == (36, 50)
    assert {a.shape for a in result.close_ups.values()} == {(36, 50, 3)}


def test_a_tiny_image_gives_a_typed_error_not_a_crash():
    with pytest.raises(InvalidParameterError):
        downsample_image(_photo(3, 4), "max-pool", 4)
    with pytest.raises(InvalidParameterError, match="Unknown kernel"):
        downsample_image(_photo(), "strided-conv", 2, "emboss")


def test_checkerboard_images_have_the_two_formulas_sizes():
    board = checkerboard_images(_photo(60, 80), 3, 2)
    h, w = board.source.shape[:2]
    assert board.transposed.shape[:2] == (conv_transpose_output_size(h, 3, 2),
                                          conv_transpose_output_size(w, 3, 2))
    assert board.resized.shape[:2] == (2 * h, 2 * w)


# ---------------------------------------------------------------------------------- 6 × 6 grid

def test_grid_input_is_a_shuffle_of_0_to_35():
    numbers = grid_input()
    assert numbers.shape == (6, 6) and sorted(numbers.ravel().tolist()) == list(range(36))


def test_grid_max_unpool_puts_each_block_maximum_back_in_its_cell():
    numbers = grid_input()
    steps = dict(grid_example("max-unpool").steps)
    result = steps["max-unpool"]
    for r, c in itertools.product(range(3), range(3)):
        block = numbers[2 * r:2 * r + 2, 2 * c:2 * c + 2]
        out = result[2 * r:2 * r + 2, 2 * c:2 * c + 2]
        assert np.count_nonzero(out) == 1 and out.max() == block.max()
        assert np.unravel_index(out.argmax(), (2, 2)) == np.unravel_index(block.argmax(), (2, 2))


def test_grid_examples_work_by_hand():
    numbers = grid_input().astype(float)
    block_max = numbers.reshape(3, 2, 3, 2).max(axis=(1, 3))
    block_mean = numbers.reshape(3, 2, 3, 2).mean(axis=(1, 3))
    assert np.array_equal(grid_example("max-pool").steps[-1][1], block_max)
    assert np.allclose(grid_example("avg-pool").steps[-1][1], block_mean)
    assert np.array_equal(grid_example("nearest").steps[-1][1], np.kron(block_max, np.ones((2, 2))))
    # transposed conv with 3×3 ones, stride 2, padding 1: cell (0, 0) is stamped by the first
    # pooled value only, (1, 1) by the first four (where stamps two apart overlap), (2, 2) by one.
    transposed = grid_example("transposed-conv").steps[-1][1]
    assert transposed[0, 0] == block_max[0, 0]
    assert transposed[1, 1] == block_max[:2, :2].sum()
    assert transposed[2, 2] == block_max[1, 1]
    assert [step[1].shape for step in grid_example("strided-conv").steps] == [(6, 6), (3, 3)]
    assert len(GRID_OPS) == 8
    with pytest.raises(InvalidParameterError, match="max-pool"):
        grid_example("median")


@pytest.mark.parametrize("draw, expected", [
    (lambda shape, g: torch.randn(shape, generator=g), math.sqrt(2)),      # E|X-Y| / E|X-mu|, Gaussian
    (lambda shape, g: torch.rand(shape, generator=g), 4 / 3),              # the same for uniforms
], ids=["gaussian", "uniform"])
def test_unrelated_outputs_give_the_analytic_ratio_of_their_distribution(draw, expected):
    # An "operation" that ignores its input and draws fresh values: every output is unrelated to
    # the last, so the ratio must be the analytic one — and it differs between distributions.
    g = torch.Generator().manual_seed(0)
    ratio = shift_sensitivity(lambda t: draw(t.shape, g), torch.zeros(1, 1, 301, 301))
    assert ratio == pytest.approx(expected, rel=0.01)
