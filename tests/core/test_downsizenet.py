"""DownsizeNet against PyTorch's own resizes, analytic facts, safetensors and torchrun."""

import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save

import core.downsizenet.model as model_module
from core.downsizenet import DownsizeNet, output_size, project_axis
from core.downsizenet.compare import compare
from core.downsizenet.lesson import bilinear_check, coefficient_view, task_examples
from core.downsizenet.tasks import FolderTask, TextureTask, build_classifier
from core.downsizenet.train import main
from core.downsizenet.training import TrainConfig, train
from core.downsizenet.weights import load_weights, save_weights
from core.errors import InvalidParameterError

REPO = Path(__file__).resolve().parents[2]
INPUTS = [(50, 50), (37, 61), (101, 77), (1, 1), (1, 9), (9, 1), (2, 3)]
SCALES = [0.3, 0.5, 0.77, 1.0, 1.5, 2.3]


def _image(height, width, batch=2, channels=3, seed=0):
    return torch.rand(batch, channels, height, width, generator=torch.Generator().manual_seed(seed))


def _sizes(height, width):
    """Each scale's rounded size, plus odd sizes that no single scale factor gives."""
    sizes = {output_size(height, width, s) for s in SCALES}
    sizes |= {(max(1, height // 3) | 1, max(1, width - 2) | 1), (7, 5), (1, 1), (3, max(1, width // 2))}
    return sorted(sizes)


# -- the special cases ------------------------------------------------------------------------
@pytest.mark.parametrize("shape", INPUTS, ids=[f"{h}x{w}" for h, w in INPUTS])
def test_as_bilinear_equals_f_interpolate_bilinear_at_every_size(shape):
    x = _image(*shape)
    net = DownsizeNet.as_bilinear()
    with torch.no_grad():
        for size in _sizes(*shape):
            reference = F.interpolate(x, size, mode="bilinear", align_corners=False)
            assert net(x, size).shape == reference.shape
            torch.testing.assert_close(net(x, size), reference, atol=1e-4, rtol=0, msg=f"{shape} → {size}")


@pytest.mark.parametrize("scale", [0.3, 0.5, 0.77])
def test_as_bilinear_at_the_issues_scales_on_a_photo_sized_image(scale):
    x = _image(301, 451, batch=1, seed=3)
    size = output_size(301, 451, scale)
    with torch.no_grad():
        ours = DownsizeNet.as_bilinear()(x, size)
    torch.testing.assert_close(ours, F.interpolate(x, size, mode="bilinear", align_corners=False),
                               atol=1e-4, rtol=0)


@pytest.mark.parametrize("shape", [(50, 50), (37, 61), (2, 3)], ids=["50x50", "37x61", "2x3"])
def test_as_bicubic_equals_f_interpolate_bicubic(shape):
    x = _image(*shape)
    net = DownsizeNet.as_bicubic()
    with torch.no_grad():
        for size in _sizes(*shape):
            torch.testing.assert_close(net(x, size), F.interpolate(x, size, mode="bicubic", align_corners=False),
                                       atol=1e-4, rtol=0, msg=f"{shape} → {size}")


def test_the_special_case_coefficients_are_the_bilinear_weights_of_the_offsets():
    # 10 → 3: src = (i + 0.5)·10/3 − 0.5 = 7/6, 9/2, 47/6; the offsets are 1/6, 1/2, 5/6.
    net = DownsizeNet.as_bilinear(in_channels=1)
    coefficients = net.coefficients(torch.rand(1, 1, 10, 10), (3, 3))[0]
    dy, dx = 1 / 6, 5 / 6       # output row 0, column 2
    expected = [(1 - dx) * (1 - dy), dx * (1 - dy), (1 - dx) * dy, dx * dy]
    torch.testing.assert_close(coefficients[:, 0, 2], torch.tensor(expected), atol=1e-6, rtol=0)


def test_one_pass_gives_pytorchs_bilinear_result_and_the_bilinear_weights():
    net = DownsizeNet.as_bilinear(in_channels=1)
    image = torch.rand(1, 1, 10, 10, generator=torch.Generator().manual_seed(3))
    output, coefficients = net.resize_and_coefficients(image, (3, 3))
    torch.testing.assert_close(output, F.interpolate(image, (3, 3), mode="bilinear", align_corners=False),
                               atol=1e-5, rtol=0)
    dy, dx = 1 / 6, 5 / 6       # output row 0, column 2, as above
    expected = [(1 - dx) * (1 - dy), dx * (1 - dy), (1 - dx) * dy, dx * dy]
    torch.testing.assert_close(coefficients[0, :, 0, 2], torch.tensor(expected), atol=1e-6, rtol=0)


# -- conventions ------------------------------------------------------------------------------
def test_convention_projection_follows_align_corners_false():
    for n_in, n_out in [(10, 3), (50, 15), (7, 13), (1, 4), (5, 1)]:
        p = project_axis(n_in, n_out)
        for i in range(n_out):
            src = max(0.0, (i + 0.5) * n_in / n_out - 0.5)
            assert int(p.top_left[i]) == min(math.floor(src), n_in - 1)
            assert float(p.offset[i]) == pytest.approx(src - math.floor(src), abs=1e-5)
            assert p.neighbours[i].tolist() == [math.floor(src), min(math.floor(src) + 1, n_in - 1)]


def test_convention_selection_pooling_takes_the_feature_at_the_top_left_neighbour():
    torch.manual_seed(1)
    net = DownsizeNet(layers=3)
    x = _image(40, 53, seed=4)
    for size in [(12, 16), (13, 5), (80, 100)]:     # down (sparse last layer) and up (dense)
        rows, cols = project_axis(40, size[0]), project_axis(53, size[1])
        f = x
        for conv in net.features:                   # the plain definition: convolve everything
            f = F.relu(F.conv2d(f, conv.weight, conv.bias, padding=1))
        expected = f[:, :, rows.top_left][:, :, :, cols.top_left]
        with torch.no_grad():
            torch.testing.assert_close(net.selected_features(x, rows.top_left, cols.top_left), expected,
                                       atol=1e-5, rtol=1e-5)


def test_processing_in_bands_of_rows_changes_nothing(monkeypatch):
    torch.manual_seed(2)
    net = DownsizeNet(layers=4).eval()
    x = _image(120, 90, batch=1, seed=5)
    with torch.no_grad():
        whole = net(x, (37, 27))
        monkeypatch.setattr(model_module, "BAND_PIXELS", 700)       # bands of 7 rows
        banded = net(x, (37, 27))
    torch.testing.assert_close(banded, whole, atol=1e-6, rtol=0)


# -- the learned network's contract -----------------------------------------------------------
@pytest.mark.parametrize("neighbourhood", [2, 4])
@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_coefficients_are_non_negative_and_sum_to_one(neighbourhood, activation):
    torch.manual_seed(3)
    net = DownsizeNet(neighbourhood=neighbourhood, activation=activation, init="random")
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(5)                               # far from the starting point
        for size in [(15, 15), (7, 30), (90, 70)]:
            c = net.coefficients(_image(50, 40), size)
            assert c.shape == (2, neighbourhood ** 2, *size)
            assert float(c.min()) >= 0
            torch.testing.assert_close(c.sum(1), torch.ones(2, *size), atol=1e-5, rtol=0)


@pytest.mark.parametrize("neighbourhood", [2, 4])
def test_a_constant_image_stays_constant(neighbourhood):
    torch.manual_seed(4)
    net = DownsizeNet(neighbourhood=neighbourhood, init="random")
    x = torch.full((1, 3, 41, 33), 0.37)
    x[:, 1] = 0.9
    with torch.no_grad():
        for size in [(12, 10), (5, 29), (100, 70)]:
            y = net(x, size)
            torch.testing.assert_close(y[:, 0], torch.full((1, *size), 0.37), atol=1e-6, rtol=0)
            torch.testing.assert_close(y[:, 1], torch.full((1, *size), 0.9), atol=1e-6, rtol=0)


@pytest.mark.parametrize("layers", [1, 2, 4])
def test_gradient_reaches_every_parameter(layers):
    torch.manual_seed(5)
    net = DownsizeNet(layers=layers)
    x = _image(30, 30)
    target = torch.rand(2, 3, 9, 9)
    F.mse_loss(net(x, (9, 9)), target).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and float(p.grad.abs().max()) > 0, name


def test_gradcheck_through_the_coefficients_and_the_gather():
    torch.manual_seed(6)
    net = DownsizeNet(layers=1, channels=2, init="random").double()
    x = torch.rand(1, 3, 6, 7, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: net(t, (4, 3)), (x,))


def test_output_shape_for_any_size_up_down_and_mixed():
    net = DownsizeNet()
    x = _image(50, 40)
    for size in [(1, 1), (15, 12), (7, 300), (123, 5), (50, 40), (151, 97)]:
        assert net(x, size).shape == (2, 3, *size)


def test_non_contiguous_input_gives_the_same_result():
    net = DownsizeNet()
    x = _image(40, 30)
    with torch.no_grad():
        torch.testing.assert_close(net(x.transpose(2, 3).contiguous().transpose(2, 3), (11, 9)), net(x, (11, 9)))


def test_bad_inputs_raise_sentences():
    net = DownsizeNet()
    with pytest.raises(InvalidParameterError, match="3-channel"):
        net(torch.rand(1, 1, 10, 10), (5, 5))
    with pytest.raises(InvalidParameterError, match="positive whole numbers"):
        net(torch.rand(1, 3, 10, 10), (0, 5))
    with pytest.raises(InvalidParameterError, match="B, C, H, W"):
        net(torch.rand(3, 10, 10), (5, 5))
    with pytest.raises(InvalidParameterError, match="1 to 4"):
        DownsizeNet(layers=5)
    with pytest.raises(ValueError, match="sigmoid, softmax, none"):
        DownsizeNet(activation="relu")


# -- safetensors --------------------------------------------------------------------------------
def test_safetensors_round_trip_keeps_architecture_and_outputs():
    torch.manual_seed(7)
    net = DownsizeNet(layers=3, neighbourhood=4, activation="softmax", init="random")
    loaded = load_weights(save_weights(net))
    assert (loaded.layers, loaded.neighbourhood, loaded.activation) == (3, 4, "softmax")
    x = _image(30, 20)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x, (9, 7)), net(x, (9, 7)), atol=0, rtol=0)


def test_a_file_written_by_safetensors_itself_loads_without_metadata(tmp_path):
    net = DownsizeNet()
    path = tmp_path / "plain.safetensors"
    from safetensors.torch import save_file
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))   # no metadata
    loaded = load_weights(path)
    for name, tensor in load_file(str(path)).items():
        assert torch.equal(loaded.state_dict()[name], tensor)


def _file_with(tensors, metadata=None) -> bytes:
    return save(tensors, metadata=metadata)


@pytest.mark.parametrize("case, pattern", [
    ("garbage", "not a safetensors file"),
    ("truncated", "header runs past the end|could not be read"),
    ("other-model", "not DownsizeNet weights"),
    ("extra-tensor", "does not"),
    ("wrong-shape", r"'head.weight' has shape \(4, 19, 1, 1\)"),
    ("infinite", "not finite"),
    ("bad-layers", "1 to 4"),
])
def test_loading_rejects_what_is_not_a_downsizenet_with_a_sentence(case, pattern):
    state = {k: v.clone().contiguous() for k, v in DownsizeNet().state_dict().items()}
    good = save_weights(DownsizeNet())
    data = {
        "garbage": lambda: b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!" + b"\0" * 64,
        "truncated": lambda: good[:len(good) // 2],
        "other-model": lambda: _file_with({"fc.weight": torch.zeros(3, 3)}),
        "extra-tensor": lambda: _file_with({**state, "features.0.extra": torch.zeros(2)}),
        "wrong-shape": lambda: _file_with({**state, "head.weight": torch.zeros(4, 19, 1, 1)},
                                          {"layers": "2", "channels": "16", "neighbourhood": "2"}),
        "infinite": lambda: _file_with({**state, "head.bias": torch.tensor([1.0, math.inf, 0, 0])}),
        "bad-layers": lambda: _file_with(state, {"layers": "7"}),
    }[case]()
    with pytest.raises(InvalidParameterError, match=pattern) as caught:
        load_weights(data)
    assert str(caught.value).endswith(".")


def test_loading_refuses_weights_for_another_number_of_channels():
    with pytest.raises(InvalidParameterError, match="1-channel"):
        load_weights(save_weights(DownsizeNet(in_channels=1)), in_channels=3)


def test_weights_files_carry_the_architecture_in_plain_json():
    data = save_weights(DownsizeNet(layers=4))
    (length,) = struct.unpack("<Q", data[:8])
    metadata = json.loads(data[8:8 + length])["__metadata__"]
    assert metadata["layers"] == "4" and metadata["format"] == "scalescope-downsizenet"


# -- the task and training ----------------------------------------------------------------------
def test_texture_gratings_lie_just_above_the_nyquist_limit_of_the_03x_image():
    task = TextureTask(noise=0.0)
    images, labels = task.draw(torch.Generator().manual_seed(0), 64)
    gray = images.mean(1).numpy()
    nyquist = 0.5 * output_size(task.size, task.size, 0.3)[0] / task.size
    freqs = np.fft.fftfreq(task.size)
    for image, label in zip(gray, labels.tolist()):
        spectrum = np.abs(np.fft.fft2(image - image.mean()))
        fy, fx = np.unravel_index(np.argmax(spectrum), spectrum.shape)
        radius = math.hypot(freqs[fx], freqs[fy])
        assert nyquist < radius < 0.32                  # the FFT bins are 0.02 apart
        # stripes vary along the class's direction (mod 180°), within the jitter and a bin
        direction = math.degrees(math.atan2(freqs[fy], freqs[fx])) % 180
        error = min(abs(direction - task_degrees(task, label)), 180 - abs(direction - task_degrees(task, label)))
        assert error < task.jitter + 8


def task_degrees(task, label):
    return float(task.classes[label].rstrip("°"))


def test_the_test_set_is_fixed_and_balanced():
    task = TextureTask()
    x1, y1 = task.test_set()
    x2, y2 = task.test_set()
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert x1.shape == (1000, 3, 50, 50) and float(x1.min()) >= 0 and float(x1.max()) <= 1
    assert np.bincount(y1.numpy(), minlength=4).min() > 200


def test_training_is_reproducible_and_can_be_stopped():
    task = TextureTask(test_count=50)
    config = TrainConfig(steps=6, batch=8, eval_every=3, validation=20)
    a = train(task, config, device="cpu")
    b = train(task, config, device="cpu")
    assert np.array_equal(a.losses, b.losses) and a.test_accuracy == b.test_accuracy
    assert a.downsizer is not None and a.size == (15, 15)
    stopped = train(task, config, on_step=lambda p: p.step < 4, device="cpu")
    assert stopped.stopped and len(stopped.losses) == 4
    np.testing.assert_array_equal(stopped.losses, a.losses[:4])


def test_training_leaves_the_global_seed_and_thread_count_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    train(TextureTask(size=20, test_count=20), TrainConfig(steps=2, batch=4, eval_every=2, validation=8),
          device="cpu")
    assert torch.equal(torch.rand(3), expected)          # the global generator was not touched
    assert torch.get_num_threads() == threads


def test_the_comparison_gives_every_method_the_same_classifier_start():
    # With a learning rate of ~0 nothing moves: every method's classifier is then its
    # starting point, so equal starting weights mean equal parameters after "training".
    task = TextureTask(test_count=40)
    config = TrainConfig(steps=2, batch=8, eval_every=1, validation=10, lr=1e-12)
    runs = [train(task, TrainConfig(**{**config.__dict__, "method": m}), device="cpu")
            for m in ("downsizenet", "bilinear", "area")]
    for run in runs[1:]:
        for (name, p), q in zip(runs[0].classifier.named_parameters(), run.classifier.parameters()):
            torch.testing.assert_close(p, q, atol=1e-9, rtol=0, msg=name)
    comparison = compare(task, ("downsizenet", "bilinear"), (0, 1), TrainConfig(steps=3, batch=8, eval_every=3,
                                                                               validation=10), device="cpu")
    assert comparison.accuracy.shape == (2, 2) and np.isfinite(comparison.accuracy).all()
    assert [row["method"] for row in comparison.table()] == ["downsizenet", "bilinear"]
    assert np.allclose(comparison.spread(), np.std(comparison.accuracy, axis=1, ddof=1))


def test_a_folder_of_labelled_images_trains_and_saves_weights(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for name, value in (("dark", 40), ("light", 200)):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(5):
            image = np.clip(value + rng.normal(0, 10, (30 + i, 40, 3)), 0, 255).astype(np.uint8)
            cv2.imwrite(str(tmp_path / "data" / name / f"{i}.png"), image)
    (tmp_path / "data" / "dark" / "broken.png").write_bytes(b"not a png")
    (tmp_path / "data" / "dark" / "notes.txt").write_text("ignored")
    task = FolderTask.from_folder(tmp_path / "data", size=24)
    assert task.classes == ("dark", "light")
    assert task.train_images.shape[1:] == (3, 24, 24)
    assert len(task.train_labels) + len(task.test_labels) == 10
    assert any("broken.png" in note for note in task.notes)
    out = tmp_path / "w.safetensors"
    code = main(["--folder", str(tmp_path / "data"), "--size", "24", "--steps", "3", "--batch", "4",
                 "--device", "cpu", "--out", str(out)])
    assert code == 0 and out.exists()
    assert "test accuracy" in capsys.readouterr().out
    assert load_weights(out).layers == 2


def test_the_command_explains_itself_and_refuses_a_missing_folder(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0 and "torchrun" in capsys.readouterr().out
    assert main(["--folder", "/nonexistent/folder", "--steps", "1"]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_ddp_with_two_processes_ends_with_identical_weights(tmp_path):
    """torchrun, 2 CPU processes (gloo): identical weights on both ranks, equal to one process
    training on the whole batch — DDP averages the two halves' gradients."""
    out = tmp_path / "rank{rank}.safetensors"
    arguments = ["--steps", "4", "--batch", "8", "--eval-every", "4", "--device", "cpu"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         "-m", "core.downsizenet.train", *arguments, "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 process(es)" in result.stdout
    rank0, rank1 = (load_file(str(tmp_path / f"rank{r}.safetensors")) for r in (0, 1))
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        assert torch.equal(rank0[name], rank1[name]), name
    single = tmp_path / "single.safetensors"
    assert main([*arguments, "--out", str(single)]) == 0
    alone = load_file(str(single))
    weights = torch.Generator().manual_seed(0)     # where training starts: classifier first, then the net
    build_classifier(4, generator=weights)
    start = DownsizeNet(generator=weights).state_dict()
    assert all(not torch.allclose(rank0[n], start[n]) for n in rank0)     # it did train
    for name in rank0:
        torch.testing.assert_close(rank0[name], alone[name], atol=1e-5, rtol=1e-4, msg=name)


# -- the lesson's numbers -----------------------------------------------------------------------
def test_lesson_bilinear_check_and_coefficient_view():
    image = np.random.default_rng(1).integers(0, 256, (45, 61, 3), dtype=np.uint8)
    check = bilinear_check(image, 0.3)
    assert check.size == (14, 18) and check.max_difference < 1e-4
    assert check.ours.shape == (14, 18, 3)
    view = coefficient_view(DownsizeNet.as_bilinear(), image, 0.3)
    assert view.coefficients.shape == (4, 14, 18)
    assert float(view.departure.max()) < 1e-6       # the special case departs nowhere
    reference = cv2.resize(image, (18, 14), interpolation=cv2.INTER_LINEAR)
    assert np.abs(view.bilinear_output.astype(int) - reference.astype(int)).max() <= 1


def test_task_examples_cover_every_class_at_the_downsized_size():
    examples = task_examples(TextureTask(), 0.3, DownsizeNet())
    assert examples.labels == ["0°", "45°", "90°", "135°"]
    assert set(examples.downsized) == {"bilinear", "bicubic", "area", "DownsizeNet"}
    assert all(img.shape == (15, 15, 3) for imgs in examples.downsized.values() for img in imgs)
    assert examples.nyquist == pytest.approx(0.15)


def test_every_downsizenet_module_imports_with_streamlit_and_plotly_blocked():
    modules = sorted(f"core.downsizenet.{p.stem}" for p in (REPO / "core" / "downsizenet").glob("*.py"))
    script = ("import sys, importlib\n"
              "for name in ('streamlit', 'plotly'):\n    sys.modules[name] = None\n"
              f"for m in {modules!r}:\n    importlib.import_module(m)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
