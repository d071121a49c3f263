"""What the DownsizeNet lesson shows, as plain arrays and numbers.

Each function takes ``(H, W, 3) uint8`` images (and a network) and returns a frozen dataclass,
so the page only lays results out and a test can check every number.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from core.downsizenet.model import DownsizeNet, output_size
from core.downsizenet.tasks import TextureTask
from core.downsizenet.training import FIXED_METHODS, TrainingProgress, TrainingRun
from core.errors import InvalidParameterError
from core.images import to_image, to_tensor

CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def neighbour_names(neighbourhood: int) -> list[str]:
    """What to call coefficient channel ``k``: the corner of a 2×2, or the tap of a 4×4.

    >>> neighbour_names(2)
    ['top-left', 'top-right', 'bottom-left', 'bottom-right']
    """
    if neighbourhood == 2:
        return list(CORNERS)
    taps = range(-(neighbourhood // 2 - 1), neighbourhood // 2 + 1)
    return [f"P{a:+d} row, P{b:+d} column" for a in taps for b in taps]


def _on_device(net: DownsizeNet, device: torch.device) -> DownsizeNet:
    parameter = next(net.parameters())
    return net if parameter.device == device else copy.deepcopy(net).to(device)


@dataclass(frozen=True)
class BilinearCheck:
    """The paper's special case against PyTorch's bilinear resize on one image.

    Attributes:
        size: ``(h, w)`` of the result.
        ours: ``(h, w, 3) uint8``, ``DownsizeNet.as_bilinear()``'s output.
        max_difference: ``max |ours − F.interpolate|`` in float32 on the [0, 1] scale.
    """

    size: tuple[int, int]
    ours: np.ndarray
    max_difference: float


def bilinear_check(image: np.ndarray, scale: float) -> BilinearCheck:
    """Resize with ``DownsizeNet.as_bilinear()`` and with ``F.interpolate`` and compare."""
    x = to_tensor(image)
    size = output_size(image.shape[0], image.shape[1], scale)
    net = DownsizeNet.as_bilinear().to(x.device).eval()
    with torch.no_grad():
        ours = net(x, size)
        theirs = F.interpolate(x, size, mode="bilinear", align_corners=False)
    return BilinearCheck(size, to_image(ours), float((ours - theirs).abs().max()))


@dataclass(frozen=True)
class CoefficientView:
    """A network's coefficients on one image, beside the bilinear weights of the same pixels.

    Attributes:
        coefficients: ``(K, h, w) float32``, what the network mixes each neighbour with.
        bilinear: ``(K, h, w) float32``, the distance-only weights (the relative-distance map).
        departure: ``(h, w) float32`` in [0, 1], ``½ Σ_k |coefficient − bilinear|``: 0 where the
            network interpolates like bilinear, 1 where it puts all weight elsewhere.
        texture_effect: ``(h, w) float32`` in [0, 1], ``½ Σ_k |coefficient − flat|`` where
            ``flat`` are the coefficients the same network gives a featureless image (the
            image's mean colour everywhere): how much of the departure the *content* causes,
            as opposed to a fixed rule that depends only on position.
        output / bilinear_output: ``(h, w, 3) uint8``, the network's and bilinear's results.
        names: what to call each of the ``K`` channels.
    """

    coefficients: np.ndarray
    bilinear: np.ndarray
    departure: np.ndarray
    texture_effect: np.ndarray
    output: np.ndarray
    bilinear_output: np.ndarray
    names: list[str]

    @property
    def mean_departure(self) -> float:
        return float(self.departure.mean())

    @property
    def mean_texture_effect(self) -> float:
        return float(self.texture_effect.mean())


def coefficient_view(net: DownsizeNet, image: np.ndarray, scale: float) -> CoefficientView:
    """Run ``net`` on ``image`` at ``scale`` and set its coefficients beside bilinear weights.

    For the 4×4 variant the reference is the distance map itself (bicubic weights).
    """
    x = to_tensor(image)
    net = _on_device(net, x.device).eval()
    size = output_size(image.shape[0], image.shape[1], scale)
    with torch.no_grad():
        output, coefficients = net.resize_and_coefficients(x, size)
        coefficients = coefficients[0]
        flat = net.coefficients(x.mean(dim=(2, 3), keepdim=True).expand_as(x).contiguous(), size)[0]
        reference = net.distances(image.shape[0], image.shape[1], size, device=x.device)
        bilinear = F.interpolate(x, size, mode="bilinear", align_corners=False)
    departure = 0.5 * (coefficients - reference).abs().sum(0)
    texture_effect = 0.5 * (coefficients - flat).abs().sum(0)
    return CoefficientView(coefficients.cpu().numpy(), reference.cpu().numpy(), departure.cpu().numpy(),
                           texture_effect.cpu().numpy(), to_image(output), to_image(bilinear),
                           neighbour_names(net.neighbourhood))


@dataclass(frozen=True)
class TaskExamples:
    """A few training images of each class and what each downsizing method makes of them.

    Attributes:
        originals: ``N`` arrays ``(S, S, 3) uint8``.
        labels: the class name of each.
        downsized: method → ``N`` arrays ``(s, s, 3) uint8``.
        nyquist: the downsized image's Nyquist limit in cycles per *original* pixel.
    """

    originals: list[np.ndarray]
    labels: list[str]
    downsized: dict[str, list[np.ndarray]]
    nyquist: float


def task_examples(task: TextureTask, scale: float, net: DownsizeNet | None = None,
                  per_class: int = 1, methods: tuple[str, ...] = ("bilinear", "bicubic", "area")) -> TaskExamples:
    """Draw ``per_class`` examples of every class and downsize them with each method (and ``net``)."""
    images, labels = task.examples(per_class)
    size = output_size(*task.image_size, scale)
    results = {}
    with torch.no_grad():
        for method in methods:
            results[method] = FIXED_METHODS[method](images, size)
        if net is not None:
            results["DownsizeNet"] = _on_device(net, torch.device("cpu")).eval()(images, size)
    as_images = {name: [to_image(y.clamp(0, 1)) for y in batch] for name, batch in results.items()}
    return TaskExamples([to_image(x) for x in images], [task.classes[k] for k in labels.tolist()],
                        as_images, 0.5 * size[0] / task.image_size[0])


@dataclass(frozen=True)
class LayerSummary:
    """One box of the architecture drawing: its name, output shape and learned parameters."""

    name: str
    shape: str
    parameters: int


def architecture(net: DownsizeNet, height: int, width: int, size: tuple[int, int]) -> list[LayerSummary]:
    """The stages of ``net`` for an ``(height, width)`` image resized to ``size``, in order."""
    h, w = size
    c, k, n = net.channels, net.taps, net.neighbourhood
    stages = [LayerSummary("input image", f"{net.in_channels} × {height} × {width}", 0)]
    for i, conv in enumerate(net.features):
        stages.append(LayerSummary(f"3×3 conv {i + 1} + ReLU", f"{c} × {height} × {width}",
                                   sum(p.numel() for p in conv.parameters())))
    stages += [
        LayerSummary("selection pooling (feature at P)", f"{c} × {h} × {w}", 0),
        LayerSummary(f"relative-distance map ({n}×{n} weights of dx, dy)", f"{k} × {h} × {w}", 0),
        LayerSummary("concatenate", f"{c + k} × {h} × {w}", 0),
        LayerSummary("1×1 conv" + {"sigmoid": " → sigmoid → ÷ sum", "softmax": " → softmax",
                                   "none": " (no sigmoid)"}[net.activation],
                     f"{k} × {h} × {w}", sum(p.numel() for p in net.head.parameters())),
        LayerSummary(f"weighted sum of the {n}×{n} neighbours", f"{net.in_channels} × {h} × {w}", 0),
    ]
    return stages


@dataclass(frozen=True)
class TrainingSnapshot:
    """A training run as the page keeps it: finished, or stopped part-way.

    Attributes:
        net: a copy of the DownsizeNet as it was at ``steps_done`` (CPU, eval mode).
        test_accuracy: on the whole test set; None when the run was interrupted before the end.
        seconds: training time; None when interrupted.
    """

    net: DownsizeNet
    steps_done: int
    steps: int
    seed: int
    loss_steps: tuple[int, ...]
    losses: tuple[float, ...]
    accuracy_steps: tuple[int, ...]
    accuracies: tuple[float, ...]
    test_accuracy: float | None
    seconds: float | None


def snapshot(progress: TrainingProgress, seed: int) -> TrainingSnapshot:
    """Copy what a run in progress has learned so far (its network keeps training)."""
    if progress.downsizer is None:
        raise InvalidParameterError("Only a run that trains a DownsizeNet has a network to snapshot.")
    net = copy.deepcopy(progress.downsizer).cpu().eval()
    return TrainingSnapshot(net, progress.step, progress.steps, seed, tuple(progress.loss_steps),
                            tuple(progress.losses), tuple(progress.accuracy_steps),
                            tuple(progress.accuracies), None, None)


def finished(run: TrainingRun) -> TrainingSnapshot:
    """The snapshot of a run that returned (stopped or not)."""
    if run.downsizer is None:
        raise InvalidParameterError("Only a run that trains a DownsizeNet has a network to show.")
    return TrainingSnapshot(run.downsizer, int(run.loss_steps[-1]) if len(run.loss_steps) else 0,
                            run.config.steps, run.config.seed, tuple(run.loss_steps.tolist()),
                            tuple(run.losses.tolist()), tuple(run.accuracy_steps.tolist()),
                            tuple(run.accuracies.tolist()), run.test_accuracy, run.seconds)


# -- the shipped networks -------------------------------------------------------------------------
TEXTURE_IGNORED_BELOW = 0.005      # a mean texture change under this is "ignores texture" on screen


@lru_cache(maxsize=4)
def shipped_network(task: str) -> tuple[DownsizeNet, dict]:
    """The shipped DownsizeNet of ``task`` and its card, loaded once per process (never mutated)."""
    from core.downsizenet.cards import shipped  # the cards module pulls in training and the photos

    net, card = shipped(task)
    return net.requires_grad_(False), card


def seconds_per_step(card: dict) -> float:
    """What one DownsizeNet training step cost when the card's network was trained (measured)."""
    return float(card["train_seconds"]) / (int(card["steps"]) * len(card.get("seeds", [0])))


def training_estimate(card: dict, steps: int, *, layers: int = 2, overhead: float = 1.2) -> float:
    """Seconds a live run of ``steps`` steps should take: measured cost per step × steps, with
    ``overhead`` for the accuracy checks and redrawing on the page. The card's networks have
    2 layers; each extra layer is counted as half a step more (its convolution runs at full
    resolution, like the first two, but the classifier's cost does not grow).

    >>> training_estimate({"train_seconds": 30.0, "steps": 100, "seeds": [0, 1, 2]}, 100, overhead=1.0)
    10.0
    """
    return seconds_per_step(card) * steps * overhead * (1 + 0.5 * (layers - 2))


@dataclass(frozen=True)
class CardRow:
    """One method's score on a card's task: mean and spread over the seeds (None for one value)."""

    method: str
    mean: float
    std: float | None
    seeds: int


def card_rows(card: dict) -> list[CardRow]:
    """DownsizeNet then the fixed methods, as the card reports them."""
    metrics = card["metrics"]
    learned = metrics["downsizenet"]
    rows = [CardRow("DownsizeNet (trained)", learned["mean"], learned["std"], len(learned["per_seed"]))]
    for method, score in metrics["fixed"].items():
        seeds = len(score.get("per_seed", [score["mean"]]))
        rows.append(CardRow(method, score["mean"], score["std"] if seeds > 1 else None, seeds))
    return rows


def best_fixed(card: dict) -> tuple[CardRow, CardRow]:
    """``(DownsizeNet's row, the best fixed method's row)`` of a card, by its metric's direction."""
    learned, *fixed = card_rows(card)
    pick = min if card["metrics"]["lower_is_better"] else max
    return learned, pick(fixed, key=lambda row: row.mean)


def generalisation(card: dict, texture_card: dict | None = None) -> str:
    """One sentence on the network frozen and used for the other task, from its card (Markdown).

    ``texture_card`` (needed for the reconstruction card) gives the texture task's own scores.
    """
    metrics = card["metrics"]
    frozen = metrics["generalisation"]["frozen"]
    if card["task"] == "reconstruction" and texture_card is not None:
        other = texture_card["metrics"]
        return (f"**Task generalisation:** frozen in front of the texture classifier (only the classifier trains, "
                f"{metrics['generalisation']['steps']} steps), this network reaches {frozen['mean']:.1%} ± "
                f"{frozen['std']:.1%}, against {other['downsizenet']['mean']:.1%} for a DownsizeNet trained on "
                f"that task and {other['fixed']['bilinear']['mean']:.1%} for bilinear.")
    return (f"**Task generalisation:** frozen and used for reconstruction, this network's error is "
            f"{frozen['mean']:.2f} ± {frozen['std']:.2f} grey levels, against "
            f"{metrics['generalisation']['bilinear']:.2f} for bilinear: what it learned for gratings does not "
            "carry over to photographs.")
