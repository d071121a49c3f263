"""Reading network weights from safetensors bytes, and checking them before a network sees them.

A safetensors file is an 8-byte header length, a JSON header (tensor names, dtypes, shapes,
offsets and a string-to-string ``__metadata__``) and raw tensor bytes, so reading one runs no
code (nothing is ever unpickled). :func:`validate_state_dict` is the one gate every weights file
of the app goes through: whatever is wrong, it raises :class:`InvalidParameterError` with a
sentence a student can act on.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.errors import InvalidParameterError

MAX_BYTES = 16 * 2**20
CONVERTED = (torch.float16, torch.bfloat16)


def read_safetensors(raw: bytes, max_bytes: int = MAX_BYTES) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """``(tensors, metadata)`` from the bytes of a safetensors file.

    Raises:
        InvalidParameterError: larger than ``max_bytes``, or not a safetensors file.
    """
    if len(raw) > max_bytes:
        raise InvalidParameterError(
            f"The weights file is {len(raw) / 2**20:.1f} MB; weights for this network are at most "
            f"{max_bytes / 2**20:.0f} MB, so this file is not one of them.")
    metadata = read_metadata(raw)
    try:
        tensors = load_tensors(bytes(raw))
    except (SafetensorError, ValueError, TypeError, RuntimeError) as error:
        raise InvalidParameterError(f"The file could not be read as safetensors ({error}).") from None
    return tensors, metadata


def read_metadata(raw: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors header (empty when there is none)."""
    if len(raw) < 8:
        raise InvalidParameterError("The file is too short to be a safetensors file.")
    (length,) = struct.unpack("<Q", raw[:8])
    if length > len(raw) - 8:
        raise InvalidParameterError("This is not a safetensors file: its header runs past the end of the file.")
    try:
        header = json.loads(bytes(raw[8:8 + length]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidParameterError("This is not a safetensors file: its header is not JSON.") from None
    if not isinstance(header, dict):
        raise InvalidParameterError("This is not a safetensors file: its header is not a JSON object.")
    metadata = header.get("__metadata__") or {}
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def validate_state_dict(tensors: Mapping[str, torch.Tensor] | bytes,
                        expected_state_dict: Mapping[str, torch.Tensor], *,
                        max_bytes: int = MAX_BYTES) -> dict[str, torch.Tensor]:
    """Check weights against the state dict of the network they are for; return a loadable copy.

    ``tensors`` is a mapping of names to tensors, or the bytes of a safetensors file (at most
    ``max_bytes``). Every floating-point entry of ``expected_state_dict`` must be present with the
    same shape and hold finite float32 values (float16 and bfloat16 are converted to float32).
    Integer entries of the expected state dict (counters such as BatchNorm's
    ``num_batches_tracked``) carry no weights: a file may leave them out — the expected value is
    kept — or hold them as integers of the same shape.

    Returns:
        A dict with exactly the expected keys, ready for ``load_state_dict(strict=True)``.

    Raises:
        InvalidParameterError: not safetensors, too large, missing or extra tensors, wrong shapes,
            other dtypes (integers, float64, complex, bool) or values that are NaN or infinite.

    >>> good = {"w": torch.ones(2)}
    >>> validate_state_dict({"w": torch.zeros(2, dtype=torch.float16)}, good)["w"].dtype
    torch.float32
    """
    if isinstance(tensors, bytes | bytearray | memoryview):
        tensors, _ = read_safetensors(bytes(tensors), max_bytes)
    weights = {name for name, value in expected_state_dict.items() if value.is_floating_point()}
    missing = sorted(weights - set(tensors))
    extra = sorted(set(tensors) - set(expected_state_dict))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"it lacks {_names(missing)}")
        if extra:
            parts.append(f"it has tensors this network does not: {_names(extra)}")
        raise InvalidParameterError(f"These are not weights for this network: {' and '.join(parts)}.")
    checked: dict[str, torch.Tensor] = {}
    for name, reference in expected_state_dict.items():
        if name not in tensors:
            checked[name] = reference.detach().clone()
            continue
        tensor = tensors[name]
        if not isinstance(tensor, torch.Tensor):
            raise InvalidParameterError(f"The entry {name!r} is a {type(tensor).__name__}, not a tensor.")
        if tuple(tensor.shape) != tuple(reference.shape):
            raise InvalidParameterError(
                f"The tensor {name!r} has shape {tuple(tensor.shape)}, but this network needs "
                f"{tuple(reference.shape)} there.")
        if name not in weights:
            if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
                raise InvalidParameterError(f"The counter {name!r} should hold whole numbers, not {tensor.dtype}.")
            checked[name] = tensor.detach().to("cpu", reference.dtype).clone()
            continue
        if tensor.dtype in CONVERTED:
            tensor = tensor.float()
        if tensor.dtype != torch.float32:
            raise InvalidParameterError(
                f"The tensor {name!r} holds {str(tensor.dtype).removeprefix('torch.')} values; network weights "
                "must be 32-bit floating-point numbers (float32; float16 and bfloat16 are converted).")
        if not bool(torch.isfinite(tensor).all()):
            raise InvalidParameterError(
                f"The tensor {name!r} holds values that are not finite numbers (NaN or infinity), so "
                "these weights cannot be used.")
        checked[name] = tensor.detach().to("cpu").clone().contiguous()
    return checked


def state_dict_bytes(model: torch.nn.Module, metadata: Mapping[str, str]) -> bytes:
    """The model's floating-point state as safetensors bytes (float32, contiguous), with ``metadata``.

    Integer counters (``num_batches_tracked``) are left out; :func:`validate_state_dict` restores them.
    """
    tensors = {name: t.detach().to("cpu", torch.float32).contiguous()
               for name, t in model.state_dict().items() if t.is_floating_point()}
    return save_tensors(tensors, metadata=dict(metadata))


def _names(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")
