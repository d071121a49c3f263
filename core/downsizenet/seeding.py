"""Seeded weight initialisation without touching PyTorch's global random state.

``torch.manual_seed`` changes the state every thread of the process shares (every visitor of the
app runs in one process), so networks here are initialised from their own ``torch.Generator``.
:func:`init_parameters` draws what PyTorch's default initialisation draws for ``nn.Conv2d`` and
``nn.Linear`` — weights ``kaiming_uniform_(a=√5)``, biases uniform in ``±1/√fan_in`` — from
that generator.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(int(seed))


def init_parameters(module: nn.Module, rng: torch.Generator) -> nn.Module:
    """Re-draw every convolution's and linear layer's weights from ``rng``, in module order.

    >>> a = init_parameters(nn.Linear(3, 2), generator(0))
    >>> b = init_parameters(nn.Linear(3, 2), generator(0))
    >>> bool((a.weight == b.weight).all())
    True
    """
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=rng)
                if layer.bias is not None:
                    fan_in = layer.weight[0].numel()
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                    nn.init.uniform_(layer.bias, -bound, bound, generator=rng)
    return module
