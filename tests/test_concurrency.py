"""One process serves every visitor, each in a thread: a training in one must not change another's numbers.

A DownsizeNet training runs in one thread while a second thread computes the seeded results of
three other lessons (the scale study's small training, the modules lesson's CNN features and the
receptive-field lesson's effective field) and a third keeps drawing from torch's global random
generator, as any other code in the process may. Every result must equal the solo run's bit for
bit, and torch's thread count must not move while the training runs.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable

import pytest
import torch

pytestmark = pytest.mark.slow


def _public(module: str, *names: str):
    """``names`` from ``module``, skipping the test when a lesson does not offer them (yet)."""
    try:
        found = importlib.import_module(module)
        return [getattr(found, name) for name in names]
    except (ImportError, AttributeError) as error:
        pytest.skip(f"{module} does not offer {names}: {error}")


def _downsizenet_training() -> Callable[[Callable[[], None]], object]:
    """A short DownsizeNet training; calls ``tick()`` after every step."""
    try:
        train, config_type = _public("core.downsizenet", "train", "TrainConfig")
    except pytest.skip.Exception:
        train, config_type = _public("core.downsizenet.training", "train", "TrainConfig")
    (task_type,) = _public("core.downsizenet.tasks", "TextureTask")
    config = config_type(steps=40, batch=16, eval_every=20, validation=50, seed=3)
    task = task_type(size=32, test_count=100)

    def run(tick: Callable[[], None]) -> object:
        def on_step(_progress) -> bool:
            tick()
            return True
        return train(task, config, on_step=on_step, device="cpu")
    return run


def _lesson_results() -> dict[str, Callable[[], list[torch.Tensor]]]:
    (train_model,) = _public("core.scale_invariance.study", "train_model")
    random_cnn, trained_cnn, cnn_features = _public("core.modules.features", "random_cnn", "trained_cnn",
                                                    "cnn_features")
    build_stack, effective_receptive_field, layer_type = _public(
        "core.receptive_field", "build_stack", "effective_receptive_field", "Layer")
    image = torch.linspace(0, 1, 3 * 48 * 48).reshape(1, 3, 48, 48)

    def scale_study() -> list[torch.Tensor]:
        model = train_model("global-max", seed=5, steps=6, batch=8)
        return [p.detach().clone() for p in model.parameters()]

    def modules_features() -> list[torch.Tensor]:
        trained_cnn.cache_clear() if hasattr(trained_cnn, "cache_clear") else None
        return [cnn_features(random_cnn(seed=4), image)[0], cnn_features(trained_cnn(seed=2, steps=8), image)[0]]

    def effective_field() -> list[torch.Tensor]:
        layers = [layer_type("conv1", 3, padding=1), layer_type("pool1", 2, 2, kind="max-pool"),
                  layer_type("conv2", 3, padding=1)]
        model = build_stack(layers, seed=7)
        return [effective_receptive_field(model, (32, 32), (8, 8), seed=1)]

    return {"scale study": scale_study, "modules features": modules_features, "effective field": effective_field}


def _equal(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)
                                    for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def overlap():
    """Solo results first, then the same computations while a training runs in another thread."""
    lessons = _lesson_results()
    training = _downsizenet_training()
    threads_before = torch.get_num_threads()
    solo = {name: compute() for name, compute in lessons.items()}
    seen_threads: list[int] = []
    training_done = threading.Event()
    failures: list[str] = []
    concurrent: dict[str, list[list[torch.Tensor]]] = {name: [] for name in lessons}

    def trainer() -> None:
        try:
            training(lambda: seen_threads.append(torch.get_num_threads()))
        except Exception as error:   # reported by the tests, with the thread it came from
            failures.append(f"training: {type(error).__name__}: {error}")
        finally:
            training_done.set()

    def other_visitor() -> None:
        try:
            while not training_done.is_set() or not all(concurrent.values()):
                for name, compute in lessons.items():
                    seen_threads.append(torch.get_num_threads())
                    concurrent[name].append(compute())
        except Exception as error:
            failures.append(f"other visitor: {type(error).__name__}: {error}")

    def global_rng_user() -> None:   # anything else in the process that uses torch's global generator
        while not training_done.is_set():
            torch.rand(64)
            time.sleep(0.0005)

    workers = [threading.Thread(target=t, daemon=True) for t in (trainer, other_visitor, global_rng_user)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    assert not any(worker.is_alive() for worker in workers), "a worker did not finish in 10 minutes"
    return {"solo": solo, "concurrent": concurrent, "failures": failures, "threads_before": threads_before,
            "threads_seen": seen_threads, "threads_after": torch.get_num_threads()}


def test_the_training_and_the_other_visitor_both_finish(overlap):
    assert not overlap["failures"], overlap["failures"]


def test_the_thread_count_never_moves_while_a_training_runs(overlap):
    assert overlap["threads_seen"], "nothing was observed"
    assert set(overlap["threads_seen"]) == {overlap["threads_before"]}, sorted(set(overlap["threads_seen"]))
    assert overlap["threads_after"] == overlap["threads_before"]


@pytest.mark.parametrize("lesson", ["scale study", "modules features", "effective field"])
def test_results_computed_during_a_training_equal_the_solo_run_bit_for_bit(overlap, lesson):
    runs = overlap["concurrent"][lesson]
    assert runs, f"{lesson} never ran during the training"
    mismatched = [i for i, run in enumerate(runs) if not _equal(run, overlap["solo"][lesson])]
    assert not mismatched, f"{lesson}: runs {mismatched} of {len(runs)} differ from the solo run"


def test_a_solo_run_repeats_itself():   # so that a mismatch above can only come from the overlap
    lessons = _lesson_results()
    for name in ("scale study", "effective field"):
        assert _equal(lessons[name](), lessons[name]()), name
