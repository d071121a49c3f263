"""core.receptive_field against hand computations, published values and PyTorch's own autograd."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from core.errors import InvalidParameterError
from core.receptive_field import (
    PRESET_BRANCHES,
    PRESETS,
    FieldOfView,
    Layer,
    aspp_branches,
    branch_fields,
    build_stack,
    compare_fields,
    effective_receptive_field,
    feature_sizes,
    feature_sizes_that_fit,
    layers_from_rows,
    mass_region,
    preset,
    pyramid_pooling_branches,
    receptive_field,
    unit_at,
    unit_centres,
    unit_field,
)


def _by_name(name: str) -> dict[str, FieldOfView]:
    return {layer.name: field for layer, field in zip(PRESETS[name], receptive_field(PRESETS[name]))}


# ---------------------------------------------------------------------------------- recurrences

def test_two_3x3_convs_see_5_pixels():
    fields = receptive_field([Layer("a", 3, padding=1), Layer("b", 3, padding=1)])
    assert [(f.size, f.jump) for f in fields] == [(3, 1), (5, 1)]


def test_a_stride_2_conv_doubles_what_the_next_conv_adds():
    fields = receptive_field([Layer("a", 3, stride=2), Layer("b", 3)])
    assert [(f.size, f.jump) for f in fields] == [(3, 2), (7, 2)]


def test_a_3x3_conv_with_dilation_2_spans_5_pixels():
    (field,) = receptive_field([Layer("atrous", 3, dilation=2)])
    assert (field.size, field.jump) == (5, 1)


def test_pools_follow_the_same_recurrences():
    fields = receptive_field([Layer("p", 2, stride=2, kind="max-pool"), Layer("q", 3, stride=3, kind="avg-pool")])
    assert [(f.size, f.jump) for f in fields] == [(2, 2), (2 + 2 * 2, 6)]


@pytest.mark.parametrize("layers, start", [
    ([Layer("a", 3)], 1.0),                                     # first window covers pixels 0, 1, 2
    ([Layer("a", 3, padding=1)], 0.0),                          # "same" padding: centred on pixel 0
    ([Layer("a", 2, stride=2)], 0.5),                           # between pixels 0 and 1
    ([Layer("a", 3, dilation=2)], 2.0),                         # taps at 0, 2, 4
    ([Layer("a", 5, stride=2), Layer("b", 3)], 2.0 + 1 * 2),    # 2, then one unit of jump 2 further
    ([Layer("a", 3, stride=2, padding=1), Layer("b", 3, padding=1)], 0.0),
    ([Layer("a", 7, stride=2, padding=3), Layer("b", 3, stride=2, kind="max-pool")], 0.0 + 1 * 2),
], ids=["k3", "k3-same", "k2-s2", "k3-d2", "k5s2-k3", "same-same", "stem"])
def test_convention_start_is_the_first_units_centre_with_pixel_i_centred_at_i(layers, start):
    assert receptive_field(layers)[-1].start == start


# ---------------------------------------------------------------------------------- published values

def test_alexnet_pool5_matches_the_published_field():
    # Araujo et al. 2019 (google-research/receptive_field): alexnet_v2 195, stride 32, padding 64.
    pool5 = _by_name("alexnet")["pool5"]
    assert (pool5.size, pool5.jump, pool5.effective_padding) == (195, 32, 64)


def test_vgg16_pool5_and_conv5_3_match_the_published_fields():
    fields = _by_name("vgg16")
    assert (fields["pool5"].size, fields["pool5"].jump, fields["pool5"].effective_padding) == (212, 32, 90)
    assert fields["conv5_3"].size == 196


def test_original_resnet50_matches_the_published_field():
    # Araujo et al. 2019: resnet_v1_50 483, stride 32, padding 239.
    last = receptive_field(PRESETS["resnet50-v1"])[-1]
    assert (last.size, last.jump, last.effective_padding) == (483, 32, 239)
    assert next(lay for lay in PRESETS["resnet50-v1"] if lay.name == "layer2.0.conv1").stride == 2


def test_torchvision_resnet50_puts_the_stride_in_the_3x3_conv():
    layers = PRESETS["resnet50"]
    assert next(lay for lay in layers if lay.name == "layer2.0.conv2").stride == 2
    assert next(lay for lay in layers if lay.name == "layer2.0.conv1").stride == 1
    # By hand: stem 7, max pool 7 + 2·2 = 11, then each 3×3 adds 2 × the jump it reads.
    size = 11 + 3 * 2 * 4                       # layer1: 3 blocks at jump 4     -> 35
    size += 2 * 4 + 3 * 2 * 8                   # layer2: strided 3×3 reads jump 4 -> 91
    size += 2 * 8 + 5 * 2 * 16                  # layer3                          -> 267
    size += 2 * 16 + 2 * 2 * 32                 # layer4                          -> 427
    last = receptive_field(layers)[-1]
    assert (last.size, last.jump, last.start) == (size, 32, 0.0)


def test_tiny_vgg_has_cnn_explainers_map_sizes_and_a_16_pixel_field():
    # CNN Explainer: 64×64 → 62, 60, 30, 28, 26, 13.
    assert [rows for rows, _ in feature_sizes(PRESETS["tiny-vgg"], (64, 64))] == [62, 60, 30, 28, 26, 13]
    last = receptive_field(PRESETS["tiny-vgg"])[-1]
    assert (last.size, last.jump) == (3 + 2 + 1 + 2 * 2 + 2 * 2 + 1 * 2, 4)


def test_alexnet_and_vgg16_map_sizes_are_the_published_ones_and_pytorchs():
    assert feature_sizes(PRESETS["alexnet"], (227, 227))[-1] == (6, 6)    # Caffe's pool5: 6×6
    assert feature_sizes(PRESETS["vgg16"], (224, 224))[-1] == (7, 7)
    for name, size in (("alexnet", (227, 200)), ("vgg16", (96, 70)), ("resnet50", (97, 64))):
        with torch.no_grad():
            out = build_stack(PRESETS[name], channels=2)(torch.zeros(1, 3, *size))
        assert feature_sizes(PRESETS[name], size)[-1] == tuple(out.shape[-2:]), name


def test_dilated_trunks_keep_their_output_stride():
    assert receptive_field(PRESET_BRANCHES["deeplabv3-aspp"][0])[-1].jump == 16
    assert receptive_field(PRESET_BRANCHES["pspnet-head"][0])[-1].jump == 8
    assert receptive_field(PRESETS["pspnet-head"])[-1].jump == 8
    # Dilation in place of stride keeps the field of the undilated network (267 + 32 + 2·64 = 427 both ways).
    assert receptive_field(PRESET_BRANCHES["deeplabv3-aspp"][0])[-1].size == 427


# ---------------------------------------------------------------------------------- branches

def test_aspp_branch_fields_on_a_jump_16_trunk():
    trunk = [Layer("backbone", 16, stride=16)]
    fields = branch_fields(trunk, aspp_branches((6, 12, 18)))
    # A 3×3 at rate r reaches r input units each way, each 16 px apart.
    assert {name: (f.size, f.jump) for name, f in fields.items()} == {
        "1×1": (16, 16), "3×3 rate 6": (16 + 2 * 6 * 16, 16),
        "3×3 rate 12": (16 + 2 * 12 * 16, 16), "3×3 rate 18": (16 + 2 * 18 * 16, 16)}
    assert all(f.start == 7.5 for f in fields.values())       # "same" padding keeps the centre


def test_aspp_branch_fields_on_the_deeplabv3_trunk():
    trunk, branches = PRESET_BRANCHES["deeplabv3-aspp"]
    base = receptive_field(trunk)[-1]
    fields = branch_fields(trunk, branches)
    for rate in (6, 12, 18):
        assert fields[f"3×3 rate {rate}"].size == base.size + 2 * rate * 16
    assert fields["1×1"] == base
    assert receptive_field(PRESETS["deeplabv3-aspp"])[-1].size == fields["3×3 rate 18"].size


def test_pyramid_pooling_cells_on_pspnets_60_wide_map():
    fields = branch_fields([Layer("trunk", 8, stride=8)], pyramid_pooling_branches(60))
    assert fields["identity"].size == 8
    assert {b: fields[f"bin {b}"].size for b in (1, 2, 3, 6)} == {b: 8 + (60 // b - 1) * 8 for b in (1, 2, 3, 6)}
    with pytest.raises(InvalidParameterError, match="bin of 7"):
        pyramid_pooling_branches(6, (7,))


# ---------------------------------------------------------------------------------- against autograd

def _linear_probe(layers: list[Layer]) -> nn.Sequential:
    """The stack built independently: one channel, all-ones weights, average pools, no ReLU."""
    modules = []
    for layer in layers:
        if layer.kind == "conv":
            conv = nn.Conv2d(1, 1, layer.kernel, layer.stride, layer.padding, layer.dilation, bias=False)
            nn.init.ones_(conv.weight)
            modules.append(conv)
        else:
            modules.append(nn.AvgPool2d(layer.kernel, layer.stride, layer.padding))
    return nn.Sequential(*modules).double()


@pytest.mark.parametrize("layers", [
    [Layer("a", 3), Layer("b", 3)],
    [Layer("a", 4, stride=2, padding=1), Layer("b", 3, padding=1), Layer("c", 2, stride=2, kind="avg-pool")],
    [Layer("a", 3, stride=2, padding=2, dilation=2), Layer("b", 5, stride=3, padding=1)],
    [Layer("a", 3, padding=1, dilation=4), Layer("b", 2, dilation=2)],     # unit 0 reads pixels 1…9
    PRESETS["tiny-vgg"],
    PRESETS["alexnet"][:5],
], ids=["two-3x3", "even-kernels", "dilated-strided", "gaps", "tiny-vgg", "alexnet-conv3"])
def test_the_field_of_every_unit_is_where_autograd_finds_its_gradient(layers):
    height, width = 70, 61
    model = _linear_probe([Layer(lay.name, lay.kernel, lay.stride, lay.padding, lay.dilation,
                                 "avg-pool" if lay.kind != "conv" else "conv") for lay in layers])
    field = receptive_field(layers)[-1]
    x = torch.rand(1, 1, height, width, dtype=torch.float64, requires_grad=True)
    y = model(x)
    grid = tuple(y.shape[-2:])
    assert feature_sizes(layers, (height, width))[-1] == grid
    units = {(0, 0), (grid[0] - 1, grid[1] - 1), (grid[0] // 2, grid[1] // 3), (1 % grid[0], 0),
             (max(grid[0] - 2, 0), max(grid[1] - 3, 0))}
    for unit in units:
        (gradient,) = torch.autograd.grad(y[0, 0, unit[0], unit[1]], x, retain_graph=True)
        rows, cols = np.nonzero(gradient[0, 0].numpy())
        box = unit_field(field, unit, (height, width), grid, layers=layers).clipped
        assert (rows.min(), rows.max(), cols.min(), cols.max()) == (box.top, box.bottom, box.left, box.right)
        plain = unit_field(field, unit, (height, width), grid).clipped      # cut to the image only
        assert plain.top <= box.top and plain.left <= box.left
        assert plain.bottom >= box.bottom and plain.right >= box.right


# ---------------------------------------------------------------------------------- units on an image

def test_unit_field_clips_to_the_image_and_keeps_the_whole_field():
    pool5 = _by_name("vgg16")["pool5"]                 # size 212, jump 32, start 15.5
    seen = unit_field(pool5, (0, 13), (300, 451), (9, 14))
    # centre row 15.5 ± 105.5, centre column 15.5 + 13·32 = 431.5 ± 105.5
    assert (seen.unclipped.top, seen.unclipped.bottom) == (-90, 121)
    assert (seen.unclipped.left, seen.unclipped.right) == (326, 537)
    assert (seen.clipped.top, seen.clipped.left, seen.clipped.bottom, seen.clipped.right) == (0, 326, 121, 450)
    assert seen.centre == (15.5, 431.5)
    assert seen.unclipped.area == 212 * 212
    with pytest.raises(InvalidParameterError, match="outside"):
        unit_field(pool5, (9, 0), (300, 451), (9, 14))


def test_a_field_entirely_in_the_padding_has_no_clipped_part():
    field = receptive_field([Layer("a", 1, padding=3)])[-1]
    assert unit_field(field, (0, 0), (4, 4)).clipped is None


def test_a_click_on_a_units_centre_picks_that_unit():
    field = _by_name("alexnet")["conv2"]
    grid = feature_sizes(PRESETS["alexnet"][:3], (300, 451))[-1]
    for unit in [(0, 0), (5, 17), (grid[0] - 1, grid[1] - 1)]:
        centre = (field.start + unit[0] * field.jump, field.start + unit[1] * field.jump)
        assert unit_at(field, centre, grid) == unit
        assert unit_at(field, (centre[0] + 0.49 * field.jump, centre[1] - 0.49 * field.jump), grid) == unit
    assert unit_at(field, (-500.0, 1e6), grid) == (0, grid[1] - 1)


def test_unit_centres_lie_on_the_image_and_thin_out_when_there_are_many():
    field = receptive_field([Layer("a", 3, padding=1)])[-1]
    ys, xs, rows, cols = unit_centres(field, (300, 451), (300, 451), max_points=2500)
    assert ys.size <= 2500 * 1.2 and ys.size > 1000
    assert np.array_equal(xs, cols) and np.array_equal(ys, rows)
    big = receptive_field([Layer("a", 9, stride=4, padding=8)])[-1]       # centres -4, 0, 4, 8, 12
    ys, xs, _, _ = unit_centres(big, (5, 5), (12, 12))
    assert sorted(set(ys.tolist())) == [0.0, 4.0, 8.0] and ys.size == 9


def test_feature_sizes_name_the_layer_that_does_not_fit():
    sizes, reason = feature_sizes_that_fit(PRESETS["vgg16"], (12, 12))
    assert [s[0] for s in sizes] == [12, 12, 6, 6, 6, 3, 3, 3, 3, 1, 1, 1, 1]
    assert "pool4" in reason and "12×12" in reason
    with pytest.raises(InvalidParameterError, match="pool4"):
        feature_sizes(PRESETS["vgg16"], (12, 12))


# ---------------------------------------------------------------------------------- effective field

@pytest.mark.parametrize("rate", [1, 2, 3, 5])
def test_the_erf_of_one_linear_3x3_conv_is_exactly_its_9_taps(rate):
    torch.manual_seed(rate)
    conv = nn.Conv2d(2, 3, 3, padding=rate, dilation=rate, bias=False)
    side = 4 * rate + 5
    centre = side // 2
    erf = effective_receptive_field(conv, (side, side), (centre, centre))
    taps = {(centre + rate * a, centre + rate * b) for a in (-1, 0, 1) for b in (-1, 0, 1)}
    assert {tuple(p) for p in (erf > 0).nonzero().tolist()} == taps
    # Linear: the map is the absolute kernel summed over output channels, whatever the input.
    expected = conv.weight.detach().sum(dim=0).abs().sum(dim=0)
    got = erf[centre - rate:centre + rate + 1:rate, centre - rate:centre + rate + 1:rate]
    assert torch.allclose(got, expected / expected.max(), atol=1e-6)


def test_the_erf_of_two_ones_convs_is_the_analytic_triangle():
    model = nn.Sequential(nn.Conv2d(1, 1, 3, bias=False), nn.Conv2d(1, 1, 3, bias=False))
    for conv in model:
        nn.init.ones_(conv.weight)
    erf = effective_receptive_field(model, (9, 9), (2, 2))
    triangle = np.array([1, 2, 3, 2, 1], dtype=np.float32)
    expected = np.zeros((9, 9), np.float32)
    expected[2:7, 2:7] = np.outer(triangle, triangle) / 9
    np.testing.assert_allclose(erf.numpy(), expected, atol=1e-6)


def test_the_erf_of_a_relu_stack_lies_inside_the_theoretical_field():
    layers = PRESETS["tiny-vgg"]
    model = build_stack(layers, channels=8, seed=3)
    grid = feature_sizes(layers, (64, 64))[-1]
    unit = (grid[0] // 2, grid[1] // 2)
    erf = effective_receptive_field(model, (64, 64), unit, inputs=3)
    box = unit_field(receptive_field(layers)[-1], unit, (64, 64)).unclipped
    inside = torch.zeros(64, 64, dtype=torch.bool)
    inside[box.top:box.bottom + 1, box.left:box.right + 1] = True
    assert erf.shape == (64, 64) and erf.dtype == torch.float32
    assert float(erf.max()) == 1.0 and float(erf.min()) >= 0.0
    assert float(erf[~inside].abs().max()) == 0.0
    assert float(erf[inside].gt(0).float().mean()) > 0.5      # and it uses most of the square


def test_a_relu_erf_depends_on_the_input_and_a_linear_one_does_not():
    layers = [Layer("a", 3, padding=1), Layer("b", 3, padding=1), Layer("c", 3, padding=1)]
    relu, linear = build_stack(layers, channels=4, seed=1), build_stack(layers, channels=4, relu=False, seed=1)
    args = ((15, 15), (7, 7))
    assert not torch.allclose(effective_receptive_field(relu, *args, inputs=1, seed=0),
                              effective_receptive_field(relu, *args, inputs=1, seed=1))
    assert torch.allclose(effective_receptive_field(linear, *args, inputs=1, seed=0),
                          effective_receptive_field(linear, *args, inputs=1, seed=1), atol=1e-6)


def test_one_channel_of_the_erf_can_be_chosen():
    conv = nn.Conv2d(1, 2, 3, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[1, 0, 0, 0] = 1.0
    erf = effective_receptive_field(conv, (5, 5), (1, 1), channel=1)
    assert (erf > 0).nonzero().tolist() == [[1, 1]]          # unit (1, 1)'s top-left tap
    with pytest.raises(InvalidParameterError, match="does not respond"):
        effective_receptive_field(conv, (5, 5), (1, 1), channel=0)
    with pytest.raises(InvalidParameterError, match="Channel 2"):
        effective_receptive_field(conv, (5, 5), (1, 1), channel=2)
    with pytest.raises(InvalidParameterError, match="outside"):
        effective_receptive_field(conv, (5, 5), (3, 0))


def test_build_stack_draws_kaiming_weights_and_keeps_the_last_unit_linear():
    layers = [Layer("a", 3, padding=1), Layer("p", 2, stride=2, kind="max-pool"), Layer("b", 3)]
    model = build_stack(layers, channels=64, seed=0)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d"]
    weight = model[3].weight.detach()
    assert float(weight.std()) == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.05)   # He: sqrt(2 / fan_in)
    assert torch.equal(build_stack(layers, seed=0)[0].weight, build_stack(layers, seed=0)[0].weight)
    assert float(build_stack(layers, weights="ones")[0].weight.detach().min()) == 1.0
    with pytest.raises(ValueError, match="kaiming, ones"):
        build_stack(layers, weights="xavier")


# ---------------------------------------------------------------------------------- comparison

def test_mass_region_of_a_flat_map_and_of_a_single_peak():
    flat = np.ones((10, 10))
    assert mass_region(flat, 0.95).sum() == 95
    peak = np.zeros((7, 7))
    peak[3, 4] = 2.0
    assert mass_region(peak, 0.95).nonzero() == (np.array([3]), np.array([4]))


def test_compare_fields_on_tiny_vgg():
    result = compare_fields(PRESETS["tiny-vgg"], (64, 64), channels=8, inputs=2)
    assert result.grid == (13, 13) and result.unit == (6, 6)
    # unit 6 is centred at 7.5 + 6·4 = 31.5: pixels 24…39
    assert (result.rectangle.top, result.rectangle.bottom, result.rectangle.area) == (24, 39, 256)
    assert result.theoretical.sum() == 256
    assert result.mass_inside == pytest.approx(1.0, abs=1e-6)
    assert not (result.region & ~result.theoretical).any()
    assert 0 < result.area_fraction <= 0.95 + 1e-9
    assert result.area_fraction == result.region.sum() / 256


# ---------------------------------------------------------------------------------- tables and errors

def test_layers_from_rows_fills_defaults_and_names_a_bad_row():
    layers = layers_from_rows([{"name": "c1", "kind": "conv", "kernel": 3, "stride": float("nan")},
                               {"name": None, "kind": "max-pool", "kernel": 2.0, "stride": 2}])
    assert layers == [Layer("c1", 3), Layer("layer 2", 2, 2, kind="max-pool")]
    for row, message in [({"kernel": None}, "Row 1 .* has no kernel"),
                         ({"kernel": 2.5}, "Row 1 .*whole number, got 2.5"),
                         ({"kernel": 3, "stride": 0}, "stride .* at least 1"),
                         ({"kernel": 3, "kind": "unpool"}, "unpool"),
                         ({"kernel": 2, "padding": 2, "kind": "max-pool"}, "at most 1"),
                         ({"kernel": 3, "dilation": 2, "kind": "avg-pool"}, "no dilation")]:
        with pytest.raises(InvalidParameterError, match=message):
            layers_from_rows([row])
    with pytest.raises(InvalidParameterError, match="no layers"):
        layers_from_rows([])


def test_unknown_presets_list_the_known_ones():
    with pytest.raises(ValueError, match="alexnet, vgg16, resnet50"):
        preset("googlenet")
    assert preset("vgg16") == PRESETS["vgg16"] and preset("vgg16") is not PRESETS["vgg16"]


def test_layers_refuse_bad_values_with_their_name():
    with pytest.raises(InvalidParameterError, match="“conv9”.*0"):
        Layer("conv9", 0)
    with pytest.raises(InvalidParameterError, match="whole number"):
        Layer("conv9", 3.5)


def test_the_exact_rectangle_leaves_out_the_pixels_flooring_drops():
    layers = [Layer("conv1", 11, stride=4), Layer("conv2", 3, padding=1)]
    field = receptive_field(layers)[-1]                  # size 19, jump 4, start 5
    grid = feature_sizes(layers, (70, 70))[-1]           # conv1 reads pixels 0…66 only
    last = unit_field(field, (grid[0] - 1, 0), (70, 70), grid, layers=layers)
    assert last.unclipped.bottom == 5 + 14 * 4 + 9 == 70
    assert last.clipped.bottom == 14 * 4 + 10 == 66
    assert unit_field(field, (grid[0] - 1, 0), (70, 70), grid).clipped.bottom == 69
