"""The one place that decides where tensors live."""

from functools import lru_cache

import torch


@lru_cache(maxsize=1)
def device() -> torch.device:
    """CUDA when a GPU is present, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def describe_device() -> str:
    """A human-readable line such as ``CPU (2 threads) · torch 2.13.0+cpu``."""
    d = device()
    if d.type == "cuda":
        name = torch.cuda.get_device_name(d)
    else:
        name = f"CPU ({torch.get_num_threads()} threads)"
    return f"{name} · torch {torch.__version__}"
