"""Saving and loading DownsizeNet weights as safetensors: tensors only, never pickled objects.

A safetensors file is an 8-byte header length, a JSON header (names, dtypes, shapes, offsets
and a string-to-string ``__metadata__``) and raw tensor bytes, so reading one cannot run code.
The architecture travels in the metadata; a file without it is read from the tensor shapes.
Whatever is wrong with a file, :func:`load_weights` raises :class:`InvalidParameterError` with a
sentence saying what.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.downsizenet.model import ACTIVATIONS, DownsizeNet
from core.errors import InvalidParameterError
from core.models import read_metadata

FORMAT = "scalescope-downsizenet"
MAX_BYTES = 16 * 2**20      # a 4-layer, 256-channel net is under 10 MB


def save_weights(net: DownsizeNet) -> bytes:
    """The network's parameters as safetensors bytes, its architecture in the metadata."""
    tensors = {name: t.detach().to("cpu", torch.float32).contiguous() for name, t in net.state_dict().items()}
    return save_tensors(tensors, metadata=architecture_of(net))


def save_weights_file(net: DownsizeNet, path: str | os.PathLike) -> None:
    Path(path).write_bytes(save_weights(net))


def architecture_of(net: DownsizeNet) -> dict[str, str]:
    return {"format": FORMAT, "layers": str(net.layers), "channels": str(net.channels),
            "neighbourhood": str(net.neighbourhood), "activation": net.activation,
            "in_channels": str(net.in_channels)}


def load_weights(data: bytes | str | os.PathLike, *, in_channels: int | None = None) -> DownsizeNet:
    """Build the DownsizeNet a safetensors file describes and load its weights (eval mode, CPU).

    ``in_channels``, when given, is the number of image channels the caller will resize: a
    network made for another number is refused.

    Raises:
        InvalidParameterError: not a safetensors file, too large, missing or extra tensors,
            wrong shapes, or values that are not finite numbers.
    """
    raw = Path(data).read_bytes() if isinstance(data, (str, os.PathLike)) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise InvalidParameterError(
            f"The weights file is {len(raw) / 2**20:.1f} MB; a DownsizeNet file is at most "
            f"{MAX_BYTES // 2**20} MB, so this is not one.")
    metadata = read_metadata(raw)   # the safetensors loader returns tensors but not metadata
    try:
        tensors = load_tensors(raw)
    except (SafetensorError, ValueError, TypeError, RuntimeError) as error:
        raise InvalidParameterError(f"The file could not be read as safetensors ({error}).") from None
    arguments = _architecture(metadata, tensors)
    if in_channels is not None and arguments["in_channels"] != in_channels:
        raise InvalidParameterError(
            f"These weights resize {arguments['in_channels']}-channel images; this needs "
            f"{in_channels} channels (RGB).")
    net = DownsizeNet(**arguments, init="random")
    expected = net.state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"it lacks {_names(missing)}")
        if extra:
            parts.append(f"it has tensors a DownsizeNet does not: {_names(extra)}")
        raise InvalidParameterError(f"These are not DownsizeNet weights: {' and '.join(parts)}.")
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise InvalidParameterError(
                f"The tensor {name!r} has shape {tuple(tensor.shape)} in the file, but a DownsizeNet "
                f"with {net.layers} layers of {net.channels} channels and K = {net.taps} needs "
                f"{tuple(expected[name].shape)}.")
        if not tensor.is_floating_point():
            raise InvalidParameterError(f"The tensor {name!r} holds {tensor.dtype} values, not floats.")
        if not bool(torch.isfinite(tensor).all()):
            raise InvalidParameterError(f"The tensor {name!r} holds values that are not finite numbers.")
    net.load_state_dict({name: t.float() for name, t in tensors.items()})
    return net.eval()


def _architecture(metadata: dict[str, str], tensors: dict[str, torch.Tensor]) -> dict:
    """The constructor arguments: from the metadata when present, else read off the shapes."""
    first, head = tensors.get("features.0.weight"), tensors.get("head.weight")
    if first is None or head is None or first.dim() != 4 or head.dim() != 4:
        raise InvalidParameterError(
            "These are not DownsizeNet weights: a DownsizeNet file holds 'features.0.weight' and "
            "'head.weight' as 4-D convolution kernels.")
    layers = sum(1 for name in tensors if name.startswith("features.") and name.endswith(".weight"))
    taps = head.shape[0]
    neighbourhood = math.isqrt(taps)
    inferred = {"layers": layers, "channels": first.shape[0], "neighbourhood": neighbourhood,
                "in_channels": first.shape[1], "activation": "sigmoid"}
    try:
        stated = {key: (metadata[key] if key == "activation" else int(metadata[key]))
                  for key in inferred if key in metadata}
    except ValueError:
        raise InvalidParameterError(f"The file's metadata is malformed: {metadata}.") from None
    arguments = {**inferred, **stated}
    if arguments["activation"] not in ACTIVATIONS:
        raise InvalidParameterError(
            f"The file asks for activation {arguments['activation']!r}; a DownsizeNet uses one of "
            f"{', '.join(ACTIVATIONS)}.")
    if arguments["neighbourhood"] not in (2, 4) or arguments["neighbourhood"] ** 2 != taps:
        raise InvalidParameterError(
            f"The file's 1×1 convolution gives {taps} coefficients; a DownsizeNet gives 4 (2×2) or 16 (4×4).")
    return arguments


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")
