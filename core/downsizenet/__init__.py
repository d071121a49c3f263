"""DownsizeNet, the learned texture-aware downsizer (Ma & Li), and how to train and store it.

* :mod:`core.downsizenet.model` — the network, its projection convention and special cases;
* :mod:`core.downsizenet.weights` — safetensors save and load, validated;
* :mod:`core.downsizenet.tasks` — the synthetic texture task, labelled folders, the classifier;
* :mod:`core.downsizenet.train` — end-to-end training, the fixed-method comparison and the
  command line (``python -m core.downsizenet.train --help``), data-parallel under ``torchrun``;
* :mod:`core.downsizenet.lesson` — the numbers the lesson page shows, as frozen dataclasses.
"""

from core.downsizenet.model import DownsizeNet, output_size, project_axis
from core.downsizenet.seeding import generator as seeded_generator
from core.downsizenet.seeding import init_parameters
from core.downsizenet.weights import load_weights

__all__ = ["DownsizeNet", "init_parameters", "load_weights", "output_size", "project_axis", "seeded_generator"]
