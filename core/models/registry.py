"""The trained networks ScaleScope ships, by name: how to build each, and where its weights live.

:data:`REGISTRY` maps a name to a :class:`ModelSpec` ``(builder, file)``: ``builder(generator)``
makes the network with initial weights drawn from that ``torch.Generator``; ``file`` is the
weights file's name in ``assets/models/``, whose model card is the ``.json`` beside it. Another
lesson adds its networks with :func:`register`.

The DownsizeNets shipped as ``assets/models/downsizenet-<task>.safetensors`` are served by name
too (:func:`load_model`, :func:`model_card`): their file records its own architecture, so they
are read by ``core.downsizenet.load_weights`` rather than built from the registry.

:func:`load_model` caches one network per name for the whole process, shared by every visitor:
callers must never mutate it (no ``train()``, ``load_state_dict``, ``.to()``, in-place edits of
parameters or hooks left behind); ``copy.deepcopy`` it first to change anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn as nn

from core.errors import InvalidParameterError
from core.models.segmenters import ASPPSegmenter, PSPSegmenter, build
from core.models.weights import read_safetensors, state_dict_bytes, validate_state_dict

MODELS_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
FORMAT = "scalescope-model"
INIT_SEED = 0


class ModelSpec(NamedTuple):
    """How to build a shipped network and which file in ``assets/models/`` holds its weights."""

    builder: Callable[[torch.Generator], nn.Module]
    file: str


REGISTRY: dict[str, ModelSpec] = {
    "segmenter-aspp": ModelSpec(lambda generator: build(ASPPSegmenter, generator), "segmenter-aspp.safetensors"),
    "segmenter-psp": ModelSpec(lambda generator: build(PSPSegmenter, generator), "segmenter-psp.safetensors"),
}


def register(name: str, builder: Callable[[torch.Generator], nn.Module], file: str) -> None:
    """Add a network to :data:`REGISTRY` (a name already there is refused)."""
    if name in REGISTRY:
        raise ValueError(f"A network called {name!r} is registered already.")
    REGISTRY[name] = ModelSpec(builder, file)


def spec(name: str) -> ModelSpec:
    """The registry entry; an unknown name raises ``ValueError`` listing the known ones."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        known = ", ".join([*REGISTRY, *shipped_downsizenets()])
        raise ValueError(f"Unknown network {name!r}; choose one of {known}.") from None


DOWNSIZENET_PREFIX = "downsizenet-"


def shipped_downsizenets() -> tuple[str, ...]:
    """The ``downsizenet-<task>`` names whose weights ship in ``assets/models/``."""
    return tuple(sorted(p.stem for p in MODELS_DIR.glob(f"{DOWNSIZENET_PREFIX}*.safetensors")))


def _is_downsizenet(name: object) -> bool:
    return isinstance(name, str) and name in shipped_downsizenets()


def weights_path(name: str) -> Path:
    if _is_downsizenet(name):
        return MODELS_DIR / f"{name}.safetensors"
    return MODELS_DIR / spec(name).file


def card_path(name: str) -> Path:
    return weights_path(name).with_suffix(".json")


def build_untrained(name: str, seed: int = INIT_SEED) -> nn.Module:
    """The network called ``name`` with initial weights drawn from a generator seeded with ``seed``."""
    return spec(name).builder(torch.Generator().manual_seed(int(seed)))


def architecture_metadata(name: str, model: nn.Module) -> dict[str, str]:
    """The safetensors metadata that names the network and its architecture."""
    describe = getattr(model, "architecture", None)
    architecture = describe() if callable(describe) else {}
    return {"format": FORMAT, "name": name, "architecture": json.dumps(architecture, sort_keys=True)}


def save_model(name: str, model: nn.Module, path: str | Path | None = None) -> Path:
    """Write ``model``'s weights for ``name`` as safetensors (default: the shipped file's path)."""
    target = Path(path) if path is not None else weights_path(name)
    target.write_bytes(state_dict_bytes(model, architecture_metadata(name, model)))
    return target


def load_weights(name: str, raw: bytes) -> nn.Module:
    """Build ``name`` and load the weights in ``raw`` (safetensors bytes); eval mode, CPU.

    Raises:
        InvalidParameterError: the bytes are not valid weights for this network.
    """
    if _is_downsizenet(name):
        from core.downsizenet import load_weights as load_downsizenet  # that package imports this one
        return load_downsizenet(raw, in_channels=3).eval()
    tensors, metadata = read_safetensors(raw)
    model = build_untrained(name)
    stated = metadata.get("architecture")
    if stated is not None:
        expected = architecture_metadata(name, model)["architecture"]
        try:
            same = json.loads(stated) == json.loads(expected)
        except json.JSONDecodeError:
            same = False
        if not same:
            raise InvalidParameterError(
                f"The file describes a different network ({stated}); {name} is {expected}.")
    model.load_state_dict(validate_state_dict(tensors, model.state_dict()))
    return model.eval()


@cache
def load_model(name: str) -> nn.Module:
    """The trained network ``name`` from ``assets/models/``: eval mode, CPU, gradients off.

    ``name`` is a key of :data:`REGISTRY` or a shipped ``downsizenet-<task>``.

    Cached once per process and shared: never mutate it (see the module docstring).

    Raises:
        ValueError: unknown name. InvalidParameterError: the file is damaged or not these weights.
        OSError: the file is missing or unreadable.
    """
    model = load_weights(name, weights_path(name).read_bytes())
    return model.requires_grad_(False)


@cache
def _untrained(name: str) -> nn.Module:
    return build_untrained(name).eval().requires_grad_(False)


def load_model_or_untrained(name: str) -> tuple[nn.Module, bool, str | None]:
    """``(model, trained, message)``: the trained network, or the same one untrained and a sentence why.

    The untrained network's weights are drawn from a generator seeded with :data:`INIT_SEED`, so
    it is the same every time and the process's global random state is never touched. Both are
    cached and shared: never mutate them.
    """
    try:
        return load_model(name), True, None
    except (InvalidParameterError, OSError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        message = (f"The trained weights of {name} could not be loaded ({reason.rstrip('.')}), so this "
                   "shows the same network with its initial, untrained weights: its predictions mean nothing yet.")
        return _untrained(name), False, message


def model_card(name: str) -> dict[str, Any]:
    """The training record beside the weights (``assets/models/<name>.json``): how the network was
    trained (``command``, ``seed``, ``steps``, ``batch_size``, ``data``, ``train_seconds``), its
    ``metrics`` on the fixed test set and the ``ablation`` table.

    Raises:
        ValueError: unknown name. OSError: no card. InvalidParameterError: the card is not JSON.
    """
    try:
        card = json.loads(card_path(name).read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        raise InvalidParameterError(f"The model card of {name} is not valid JSON.") from None
    if not isinstance(card, dict):
        raise InvalidParameterError(f"The model card of {name} is not a JSON object.")
    return card
