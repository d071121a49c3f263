""""Reproduce in Python" bodies for the DownsizeNet lesson: each leaves the shown value in ``result``.

Paths to the shipped weights are relative to the repository root, where the app runs.
"""

from __future__ import annotations

_SIZE = "size = (max(1, int(image.shape[0] * {scale} + 0.5)), max(1, int(image.shape[1] * {scale} + 0.5)))\n"


def architecture(scale: float) -> str:
    """The output size (each side rounded half up) and the drawn network's parameter count."""
    return ("from core.downsizenet import DownsizeNet\n\n"
            "net = DownsizeNet.as_bilinear()   # the network drawn: 2 convs of 16 channels, K = 4\n"
            + _SIZE.format(scale=f"{scale:g}")
            + "result = (*size, sum(p.numel() for p in net.parameters()))\n")


def special_case(scale: float) -> str:
    """DownsizeNet.as_bilinear() against PyTorch's bilinear resize and OpenCV's INTER_LINEAR."""
    return ("import cv2\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\n\n"
            "from core.downsizenet import DownsizeNet\n\n"
            "x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255\n"
            + _SIZE.format(scale=f"{scale:g}")
            + "with torch.no_grad():\n"
              "    ours = DownsizeNet.as_bilinear()(x, size)\n"
              "theirs = F.interpolate(x, size, mode=\"bilinear\", align_corners=False)\n"
              "ours_8bit = (ours[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.int64)\n"
              "opencv = cv2.resize(image, size[::-1], interpolation=cv2.INTER_LINEAR)   # takes (width, height)\n"
              "result = (float((ours - theirs).abs().max()), int(np.abs(ours_8bit - opencv).max()))\n")


def trained(task: str, scale: float) -> str:
    """The shipped network's mean texture change, and its output's distance to OpenCV's resizers."""
    return ("import cv2\nimport numpy as np\nimport torch\n\nfrom core.models import load_model\n\n"
            f"net = load_model(\"downsizenet-{task}\")   # the shipped network, eval mode\n"
            "x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255\n"
            "flat = x.mean(dim=(2, 3), keepdim=True).expand_as(x).contiguous()   # the image's mean colour\n"
            + _SIZE.format(scale=f"{scale:g}")
            + "with torch.no_grad():\n"
              "    change = 0.5 * (net.coefficients(x, size) - net.coefficients(flat, size)).abs().sum(1).mean()\n"
              "    small = (net(x, size)[0].permute(1, 2, 0).numpy() * 255 + 0.5).clip(0, 255).astype(np.uint8)\n"
              "gap = [np.abs(small.astype(int) - cv2.resize(image, size[::-1], interpolation=i)).mean()\n"
              "       for i in (cv2.INTER_AREA, cv2.INTER_LINEAR)]\n"
              "result = (float(change), *gap)\n")


def scores() -> str:
    """The reconstruction card's test error of the shipped file (seed 0) and of bilinear."""
    return ("from core.downsizenet.reconstruction import ReconstructionTask, reconstruction_error\n"
            "from core.models import load_model\n\n"
            "net = load_model(\"downsizenet-reconstruction\")   # the shipped network, eval mode\n"
            "task = ReconstructionTask()   # 96 test patches per factor, from a fixed seed\n"
            "result = (reconstruction_error(net, task)[\"all\"], reconstruction_error(\"bilinear\", task)[\"all\"])\n")


def nyquist(side: int, scale: float) -> str:
    """The small image's Nyquist limit in cycles per original pixel."""
    return (f"side = {side}   # the task's images are {side}×{side}\n"
            f"small = max(1, int(side * {scale:g} + 0.5))\n"
            "result = 0.5 * small / side   # half a cycle per small pixel, in original pixels\n")


def training(steps: int, seed: int, layers: int, scale: float) -> str:
    """The live run again, from the same seed: its test accuracy."""
    return ("from core.downsizenet.tasks import TextureTask\n"
            "from core.downsizenet.training import TrainConfig, train\n\n"
            f"run = train(TextureTask(), TrainConfig(steps={steps}, seed={seed}, layers={layers}, scale={scale:g}))\n"
            "result = run.test_accuracy\n")
