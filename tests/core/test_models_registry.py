"""Every shipped network is served by name, DownsizeNets included."""

import json

import cv2
import numpy as np
import pytest
import torch

from core.downsizenet import DownsizeNet
from core.models import REGISTRY, load_model, model_card
from core.models.registry import MODELS_DIR, shipped_downsizenets


def test_every_weights_file_in_assets_is_loadable_by_its_name():
    files = {p.stem for p in MODELS_DIR.glob("*.safetensors")}
    assert {"downsizenet-reconstruction", "downsizenet-texture"} <= files
    assert files == set(REGISTRY) | set(shipped_downsizenets())
    for name in sorted(files):
        assert load_model(name) is load_model(name)          # once per process
        assert model_card(name)["command"].startswith("python -m core.")


@pytest.mark.parametrize("task", ["reconstruction", "texture"])
def test_a_shipped_downsizenet_downsizes_close_to_a_fixed_resampler(task):
    net = load_model(f"downsizenet-{task}")
    assert isinstance(net, DownsizeNet) and not net.training
    assert all(not p.requires_grad for p in net.parameters())
    card = json.loads((MODELS_DIR / f"downsizenet-{task}.json").read_text())
    assert model_card(f"downsizenet-{task}") == card
    # a smooth ramp: any sensible downsizer gives roughly what OpenCV's area average gives
    ramp = np.tile(np.linspace(0, 1, 48, dtype=np.float32), (48, 1))
    image = np.repeat(ramp[None, None], 3, axis=1)
    with torch.no_grad():
        out = net(torch.from_numpy(image), (16, 16))
    area = cv2.resize(ramp, (16, 16), interpolation=cv2.INTER_AREA)
    assert out.shape == (1, 3, 16, 16)
    assert float((out[0, 0].numpy() - area).__abs__().max()) < 0.1


def test_an_unknown_name_lists_every_shipped_network():
    with pytest.raises(ValueError, match="downsizenet-texture"):
        load_model("downsizenet-nothing")
