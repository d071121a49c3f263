"""The one place that decides where tensors live, and how many CPU threads torch may use."""

import os
from functools import lru_cache

import torch

THREADS_VARIABLE = "SCALESCOPE_TORCH_THREADS"


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


def configure_threads() -> int:
    """Apply ``SCALESCOPE_TORCH_THREADS`` (if set) to torch's intra-op thread pool; return the count.

    One server process runs every visitor's script in its own thread. With many visitors at once,
    each torch call would otherwise fan out over every core and they would fight over them; a
    classroom server sets 1, a single-user laptop leaves it unset (all cores).
    """
    wanted = os.environ.get(THREADS_VARIABLE, "").strip()
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            raise ValueError(f"{THREADS_VARIABLE} must be a whole number, got {wanted!r}.") from None
        if count < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be at least 1, got {count}.")
        if torch.get_num_threads() != count:
            torch.set_num_threads(count)
    return torch.get_num_threads()
