"""Layers and the receptive-field recurrences of Araujo, Norris & Sim (Distill 2019), dilation included."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.errors import InvalidParameterError

KINDS = ("conv", "max-pool", "avg-pool")
WEIGHTS = ("kaiming", "ones")


# ---------------------------------------------------------------------------------- layers

@dataclass(frozen=True)
class Layer:
    """One convolution or pooling layer of a stack, square along both axes.

    ``kind`` is ``"conv"``, ``"max-pool"`` or ``"avg-pool"``; the recurrences treat all three
    alike, :func:`build_stack` turns them into ``nn.Conv2d`` + ReLU, ``nn.MaxPool2d`` or
    ``nn.AvgPool2d``.

    >>> Layer("conv1", 3, padding=1).effective_kernel
    3
    >>> Layer("atrous", 3, padding=6, dilation=6).effective_kernel
    13
    """

    name: str
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    kind: str = "conv"

    def __post_init__(self) -> None:
        for field in ("kernel", "stride", "padding", "dilation"):
            value = getattr(self, field)
            if isinstance(value, bool):
                raise InvalidParameterError(f"The {field} of “{self.name}” must be a whole number, "
                                            f"got {value!r}.")
            try:
                object.__setattr__(self, field, operator.index(value))
            except TypeError:
                raise InvalidParameterError(f"The {field} of “{self.name}” must be a whole number, "
                                            f"got {value!r}.") from None
        if self.kind not in KINDS:
            raise InvalidParameterError(f"“{self.name}” has the kind {self.kind!r}; a layer is one of "
                                        f"{', '.join(KINDS)}.")
        if self.kernel < 1:
            raise InvalidParameterError(f"The kernel of “{self.name}” needs at least one tap, got "
                                        f"{self.kernel}.")
        if self.stride < 1:
            raise InvalidParameterError(f"The stride of “{self.name}” must be at least 1, got "
                                        f"{self.stride}.")
        if self.padding < 0:
            raise InvalidParameterError(f"The padding of “{self.name}” cannot be negative, got "
                                        f"{self.padding}.")
        if self.dilation < 1:
            raise InvalidParameterError(f"The dilation of “{self.name}” must be at least 1, got "
                                        f"{self.dilation}.")
        if self.kind != "conv" and self.padding > self.effective_kernel // 2:
            # PyTorch refuses it too: such a window could see nothing but padding.
            raise InvalidParameterError(
                f"The pooling “{self.name}” pads by {self.padding}, more than half its window of "
                f"{self.effective_kernel} pixels; PyTorch allows at most {self.effective_kernel // 2}.")
        if self.kind == "avg-pool" and self.dilation != 1:
            raise InvalidParameterError(f"The average pooling “{self.name}” has dilation "
                                        f"{self.dilation}; PyTorch's AvgPool2d has no dilation, use 1.")

    @property
    def effective_kernel(self) -> int:
        """``d (k - 1) + 1``: the pixels between the first and the last tap, both included."""
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class FieldOfView:
    """What one unit of a layer sees, in input pixels.

    Attributes:
        size: side of the square of input pixels a unit depends on.
        jump: distance in input pixels between neighbouring units (the effective stride).
        start: centre of the first unit's field in input coordinates (pixel ``i`` is centred at
            ``i``); negative or fractional when padding or even kernels push it there.
    """

    size: int
    jump: int
    start: float

    @property
    def effective_padding(self) -> float:
        """How far the first unit's field reaches before pixel 0: ``(size - 1) / 2 - start``
        (the "effective padding" tabulated by Araujo et al.)."""
        return (self.size - 1) / 2 - self.start

    def centre(self, index: int) -> float:
        """Centre of unit ``index``'s field, in input coordinates."""
        return self.start + index * self.jump

    def extent(self, index: int) -> tuple[int, int]:
        """First and last input pixel (inclusive) that unit ``index`` sees, before clipping.

        >>> FieldOfView(size=5, jump=2, start=1.0).extent(3)
        (5, 9)
        """
        first = self.centre(index) - (self.size - 1) / 2
        return round(first), round(first) + self.size - 1


def receptive_field(layers: Sequence[Layer]) -> list[FieldOfView]:
    """Size, jump and start after each layer, by the recurrences of Araujo et al. (2019).

    Convention:
        Starts from ``size 1, jump 1, start 0``: input pixel ``i`` is centred at ``i``.

    >>> [f.size for f in receptive_field([Layer("a", 3), Layer("b", 3)])]
    [3, 5]
    >>> receptive_field([Layer("a", 3, stride=2), Layer("b", 3)])[-1]
    FieldOfView(size=7, jump=2, start=3.0)
    """
    size, jump, start = 1, 1, 0.0
    fields = []
    for layer in layers:
        reach = layer.effective_kernel - 1
        size += reach * jump
        start += (reach / 2 - layer.padding) * jump
        jump *= layer.stride
        fields.append(FieldOfView(size, jump, start))
    return fields


def branch_fields(trunk: Sequence[Layer], branches: Mapping[str, Sequence[Layer]]) -> dict[str, FieldOfView]:
    """The field of each parallel branch's output, each branch placed after the same trunk.

    A module that concatenates its branches (ASPP, pyramid pooling) has as many receptive fields
    as it has branches; the concatenation itself sees the largest.

    >>> trunk = [Layer("backbone", 16, stride=16)]
    >>> fields = branch_fields(trunk, {"1×1": [Layer("b0", 1)],
    ...                                "rate 6": [Layer("b1", 3, padding=6, dilation=6)]})
    >>> fields["1×1"].size, fields["rate 6"].size, fields["rate 6"].jump
    (16, 208, 16)
    """
    return {name: receptive_field([*trunk, *branch])[-1] for name, branch in branches.items()}


