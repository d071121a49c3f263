"""sizes"""

from __future__ import annotations

import operator

from core.errors import InvalidParameterError

# ---------------------------------------------------------------------------------- sizes

def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """The side of a convolution's (or pooling's) output: ``floor((n + 2p - d(k-1) - 1) / s) + 1``.

    ``d(k - 1) + 1`` is the kernel's effective extent; the output counts how many times it fits
    in the padded input when stepping by ``s``.

    >>> conv_output_size(224, 7, stride=2, padding=3)
    112
    >>> conv_output_size(5, 3, dilation=2)
    1
    """
    n, kernel, stride, padding, dilation = _whole_numbers(
        n=n, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    _check_common(n, kernel, stride, padding, dilation)
    extent = dilation * (kernel - 1) + 1
    size = (n + 2 * padding - extent) // stride + 1
    if size < 1:
        raise InvalidParameterError(
            f"A kernel spanning {extent} pixels (kernel {kernel}, dilation {dilation}) does not fit "
            f"in an input of {n} pixels padded by {padding} on each side ({n + 2 * padding} in all): "
            f"the output would have {size} pixels.")
    return size


def conv_transpose_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """The side of a transposed convolution's output: ``(n - 1)s - 2p + d(k - 1) + output_padding + 1``.

    Stride and padding act the other way round from a convolution: a larger stride spreads the
    input further apart, a larger padding crops more from the result. ``output_padding`` adds
    rows on one side only; it picks between the several input sizes a strided convolution maps
    onto the same output size, so PyTorch wants it smaller than the stride or the dilation.

    >>> conv_transpose_output_size(16, 3, stride=2, padding=1, output_padding=1)
    32
    >>> conv_transpose_output_size(16, 4, stride=2, padding=1)
    32
    """
    n, kernel, stride, padding, output_padding, dilation = _whole_numbers(
        n=n, kernel=kernel, stride=stride, padding=padding, output_padding=output_padding,
        dilation=dilation)
    _check_common(n, kernel, stride, padding, dilation)
    if output_padding < 0:
        raise InvalidParameterError(f"output_padding cannot be negative, got {output_padding}.")
    if output_padding >= stride and output_padding >= dilation:
        raise InvalidParameterError(
            f"output_padding must be smaller than the stride ({stride}) or the dilation "
            f"({dilation}), got {output_padding}.")
    size = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        raise InvalidParameterError(
            f"A padding of {padding} crops more than the transposed convolution makes from an "
            f"input of {n}: the output would have {size} pixels.")
    return size


def _whole_numbers(**values) -> list[int]:
    whole = []
    for name, value in values.items():
        if isinstance(value, bool):
            raise InvalidParameterError(f"{name} must be a whole number, got {value!r}.")
        try:
            whole.append(operator.index(value))
        except TypeError:
            raise InvalidParameterError(f"{name} must be a whole number, got {value!r}.") from None
    return whole


def _check_common(n: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
    if n < 1:
        raise InvalidParameterError(f"The input needs at least one pixel, got n = {n}.")
    if kernel < 1:
        raise InvalidParameterError(f"The kernel needs at least one tap, got kernel = {kernel}.")
    if stride < 1:
        raise InvalidParameterError(f"The stride must be at least 1, got {stride}.")
    if padding < 0:
        raise InvalidParameterError(f"The padding cannot be negative, got {padding}.")
    if dilation < 1:
        raise InvalidParameterError(f"The dilation must be at least 1, got {dilation}.")


