""""Reproduce in Python" bodies for the receptive-field lesson: each leaves the shown value in ``result``."""

from __future__ import annotations

from collections.abc import Sequence


def _rows(rows: Sequence[tuple], per_line: int) -> str:
    """``rows`` as a Python list literal, ``per_line`` rows to a line."""
    lines = [", ".join(repr(tuple(row)) for row in rows[i:i + per_line]) for i in range(0, len(rows), per_line)]
    return "[\n    " + ",\n    ".join(lines) + ",\n]"


def recurrence(stack: Sequence[tuple]) -> str:
    """Size, jump and start of the last layer, by the recurrence written out in plain Python.

    ``stack`` holds ``(name, kernel, stride, padding, dilation, kind)`` rows.
    """
    rows = [(kernel, stride, padding, dilation) for _, kernel, stride, padding, dilation, _ in stack]
    return (f"layers = {_rows(rows, 6)}   # (kernel, stride, padding, dilation), first to last\n"
            "size, jump, start = 1, 1, 0.0   # the input: pixel i is centred at i\n"
            "for kernel, stride, padding, dilation in layers:\n"
            "    reach = dilation * (kernel - 1)   # the dilated kernel's span minus one\n"
            "    size += reach * jump\n"
            "    start += (reach / 2 - padding) * jump\n"
            "    jump *= stride\n"
            "result = (size, jump, start)\n")


def unit_box(size: int, jump: int, start: float, row: int, col: int) -> str:
    """The input rows and columns one unit sees, before clipping to the image."""
    return (f"size, jump, start = {size}, {jump}, {start!r}   # the layer's field (section 1)\n"
            f"row, col = {row}, {col}\n\n\n"
            "def extent(unit):   # first and last input pixel, both included\n"
            "    first = round(start + unit * jump - (size - 1) / 2)\n"
            "    return first, first + size - 1\n\n\n"
            "(top, bottom), (left, right) = extent(row), extent(col)\n"
            "result = (top, left, bottom, right)\n")


def effective_pixels(stack: Sequence[tuple], side: int, relu: bool) -> str:
    """How many input pixels hold 95% of the centre unit's gradient, with PyTorch's autograd."""
    return ("import numpy as np\nimport torch\n\nfrom core.receptive_field import Layer, build_stack\n\n"
            f"rows = {_rows(stack, 3)}\n"
            f"model = build_stack([Layer(*row) for row in rows], channels=16, relu={relu}, seed=0)   # Kaiming\n"
            f"x = torch.randn(4, 3, {side}, {side}, generator=torch.Generator().manual_seed(0)).requires_grad_()\n"
            "y = model(x)\n"
            "y[:, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()   # the centre unit\n"
            "erf = x.grad.abs().sum(dim=1).mean(dim=0).double().numpy().ravel()\n"
            "held = np.cumsum(np.sort(erf)[::-1])\n"
            "result = int(np.searchsorted(held, 0.95 * held[-1])) + 1   # pixels holding 95% of it\n")


def luo_exponent(first: int, last: int) -> str:
    """The exponent ``a`` of ``std ∝ nᵃ`` for n all-one, linear 3×3 convolutions."""
    return ("import numpy as np\nimport torch\n\nstds = []\n"
            f"depths = range({first}, {last + 1})\n"
            "for n in depths:   # n linear 3×3 convolutions, every weight 1\n"
            "    net = torch.nn.Sequential(*[torch.nn.Conv2d(1, 1, 3, padding=1, bias=False) for _ in range(n)])\n"
            "    for conv in net:\n"
            "        torch.nn.init.ones_(conv.weight)\n"
            "    side = 2 * n + 8\n"
            "    x = torch.zeros(1, 1, side, side, requires_grad=True)\n"
            "    net(x)[0, 0, side // 2, side // 2].backward()\n"
            "    marginal = x.grad[0, 0].sum(0).double().numpy()\n"
            "    p, at = marginal / marginal.sum(), np.arange(side)\n"
            "    stds.append(np.sqrt((p * (at - (p * at).sum()) ** 2).sum()))\n"
            "result = np.polyfit(np.log(depths), np.log(stds), 1)[0]\n")


def trunk_stds(name: str, side: int, inputs: int) -> str:
    """The ERF std (px) of a segmenter's trunk, trained and at its initial weights."""
    return ("import torch\n\nfrom core.models import build_untrained, load_model\n\n\n"
            "def erf_std(trunk):   # std (px) of the centre unit's |gradient|, along the columns\n"
            f"    x = torch.randn({inputs}, 3, {side}, {side}, generator=torch.Generator().manual_seed(0))\n"
            "    x.requires_grad_()\n"
            "    y = trunk(x)\n"
            "    y[:, :, y.shape[2] // 2, y.shape[3] // 2].sum().backward()\n"
            "    p = x.grad.abs().sum(1).mean(0).sum(0).double()\n"
            f"    p, at = p / p.sum(), torch.arange({side}, dtype=torch.float64)\n"
            "    return float((p * (at - (p * at).sum()) ** 2).sum().sqrt())\n\n\n"
            f"result = (erf_std(load_model({name!r}).trunk), erf_std(build_untrained({name!r}).eval().trunk))\n")
