""""Reproduce in Python" bodies for the pyramid-modules lesson: each leaves the shown value in ``result``.

Where a library gives the same numbers the body uses it (PyTorch's adaptive pooling and autograd,
NumPy by brute force); the features, the seeded random modules and the shipped networks come from
``core``, which is where they are defined.
"""

from __future__ import annotations


def _features(extractor: str, stride: int) -> str:
    if extractor == "uploaded":
        return ("from safetensors.torch import load_file\nfrom core.modules.lesson import extract\n\n"
                f"features, _ = extract(image, 'uploaded', {stride}, "
                "weights=load_file('your-weights.safetensors'))   # (C, h, w)\n")
    return ("from core.modules.lesson import extract\n\n"
            f"features, _ = extract(image, {extractor!r}, {stride})   # (C, h, w) float32\n")


def _model(name: str, trained: bool) -> str:
    if trained:
        return f"from core.models import load_model\n\nmodel = load_model({name!r})   # eval mode, on the CPU\n"
    return (f"from core.models import build_untrained\n\n"
            f"model = build_untrained({name!r}).eval()   # the labelled untrained fallback\n")


def _shrink(size: tuple[int, int] | None) -> str:
    """The line that shrinks a large image to what the segmenter sees (``size = (width, height)``)."""
    if size is None:
        return ""
    return ("import cv2\n\nimage = cv2.resize(image, " + repr(size)
            + ", interpolation=cv2.INTER_AREA)   # the segmenter sees at most 512 px\n")


def segmentation(name: str, trained: bool, dropped: tuple[str, ...], size: tuple[int, int] | None = None) -> str:
    """The class of every pixel; the share per class, or the share an ablation changes."""
    body = (_shrink(size) + "import numpy as np\nimport torch\n" + _model(name, trained)
            + "x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255\n"
            "with torch.no_grad():\n    full = model(x).argmax(dim=1)[0].numpy()\n")
    if dropped:
        return body + (f"    ablated = model(x, drop={tuple(dropped)!r}).argmax(dim=1)[0].numpy()\n"
                       "result = float((full != ablated).mean())   # share of pixels whose class changes\n")
    return body + "result = np.bincount(full.ravel(), minlength=5) / full.size   # share of pixels per class\n"


def largest_loss(name: str) -> str:
    """The largest IoU drop in the model card's ablation table."""
    return (f"from core.models import model_card\n\ntable = model_card({name!r})['ablation']   # IoU by object size\n"
            "full = table['full']\n"
            "result = min(values[size] - full[size] for branch, values in table.items() if branch != 'full'\n"
            "             for size in full if values.get(size) is not None and full[size] is not None)\n")


def unit_fields(name: str, trained: bool, unit: tuple[int, int], before_relu: tuple[str, ...],
                size: tuple[int, int] | None = None) -> str:
    """Each branch's effective receptive field at one unit, by autograd: its spread in pixels."""
    body = "branch[:-1] if name in " + repr(set(before_relu)) + " else branch" if before_relu else "branch"
    return (_shrink(size) + "import numpy as np\nimport torch\nimport torch.nn.functional as F\n"
            + _model(name, trained)
            + "x = torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255).requires_grad_(True)\n"
            "rows, cols = np.mgrid[0:image.shape[0], 0:image.shape[1]]\nresult = []\n"
            f"for name, branch in model.branches.items():   # unit {unit} of each branch, summed over channels\n"
            f"    trunk = model.trunk(x)\n    out = ({body})(trunk)\n"
            "    out = F.interpolate(out, size=trunk.shape[-2:], mode='bilinear', align_corners=False)\n"
            f"    g = torch.autograd.grad(out[0, :, {unit[0]}, {unit[1]}].sum(), x)[0][0].abs().sum(0).numpy()\n"
            "    cy, cx = (g * rows).sum() / g.sum(), (g * cols).sum() / g.sum()\n"
            "    result.append(float(np.sqrt((g * ((rows - cy) ** 2 + (cols - cx) ** 2)).sum() / g.sum())))\n")


def spp(extractor: str, stride: int, bins: tuple[int, ...], mode: str, convention: str) -> str:
    """The SPP vector: PyTorch's adaptive pooling, or He et al.'s windows by hand in NumPy."""
    if convention == "adaptive":
        return (_features(extractor, stride) + "import torch\nimport torch.nn.functional as F\n\n"
                f"x = torch.from_numpy(features)[None]\n"
                f"result = torch.cat([F.adaptive_{mode}_pool2d(x, n).flatten(1) for n in {bins}], dim=1)[0].numpy()\n")
    reduce = "max" if mode == "max" else "mean"
    return (_features(extractor, stride) + "import math\nimport numpy as np\n\n"
            "(h, w), levels = features.shape[1:], []\n"
            f"for n in {bins}:   # window ceil(a / n), stride floor(a / n) (He et al.)\n"
            "    wy, sy, wx, sx = math.ceil(h / n), h // n, math.ceil(w / n), w // n\n"
            f"    level = [[features[:, min(i * sy, h - 1):i * sy + wy, min(j * sx, w - 1):j * sx + wx].{reduce}"
            "(axis=(1, 2))\n              for j in range(n)] for i in range(n)]\n"
            "    levels.append(np.array(level).transpose(2, 0, 1).ravel())   # channel-major, then row-major\n"
            "result = np.concatenate(levels)\n")


def pyramid_pooling(extractor: str, stride: int, bins: tuple[int, ...]) -> str:
    """The pyramid pooling module's output shape: the input's channels plus the pooled ones."""
    return (_features(extractor, stride) + "import torch\nfrom core.modules.lesson import build_module\n\n"
            f"module = build_module('pyramid-pooling', features.shape[0], bins={bins})   # seeded random 1×1 convs\n"
            "with torch.no_grad():\n    result = tuple(module(torch.from_numpy(features)[None]).shape[1:])\n")


def aspp_spreads(extractor: str, stride: int, rates: tuple[int, ...], pooling: bool) -> str:
    """Each ASPP branch's (and the projection's) largest spread over its channels."""
    return (_features(extractor, stride) + "import torch\nfrom core.modules.lesson import build_module\n\n"
            f"module = build_module('aspp', features.shape[0], rates={rates}, image_pooling={pooling})\n"
            "x = torch.from_numpy(features)[None]\nwith torch.no_grad():\n"
            "    outputs = [b(x)[0].flatten(1) for b in module.branches.values()] + [module(x)[0].flatten(1)]\n"
            "result = [float((o.amax(1) - o.amin(1)).max()) for o in outputs]   # max − min of the liveliest channel\n")


def padded_taps(stride: int, unit: tuple[int, int], rates: tuple[int, ...]) -> str:
    """How many of each branch's 9 taps fall into the padding at one unit, by brute force."""
    return ("h, w = -(-image.shape[0] // " + str(stride) + "), -(-image.shape[1] // " + str(stride)
            + ")   # feature map: ceil(side / stride)\n"
            f"row, col = {unit}\n"
            "result = tuple(sum(not (0 <= row + dy * r < h and 0 <= col + dx * r < w)\n"
            f"                  for dy in (-1, 0, 1) for dx in (-1, 0, 1)) for r in {rates})\n")


def valid_taps(stride: int, rates: tuple[int, ...]) -> str:
    """The mean number of valid taps over the map, per rate, by brute force in NumPy."""
    return ("import numpy as np\n\n"
            f"h, w = -(-image.shape[0] // {stride}), -(-image.shape[1] // {stride})   # feature map\n"
            "rows, cols = np.mgrid[0:h, 0:w]\n"
            "result = tuple(float(sum(((0 <= rows + dy * r) & (rows + dy * r < h) & (0 <= cols + dx * r)\n"
            "                          & (cols + dx * r < w)).mean() for dy in (-1, 0, 1) for dx in (-1, 0, 1)))\n"
            f"               for r in {rates})\n")


def gridding(stacks: tuple[tuple[int, ...], ...]) -> str:
    """The share of each stack's square that an all-ones dilated 3×3 stack reaches, by autograd."""
    return ("import torch\nimport torch.nn.functional as F\n\nresult = []\n"
            f"for rates in {stacks}:\n    side = 1 + 2 * sum(rates)\n"
            "    x = torch.zeros(1, 1, side, side, requires_grad=True)\n    y = x\n"
            "    for r in rates:   # no padding: the last output is one unit\n"
            "        y = F.conv2d(y, torch.ones(1, 1, 3, 3), dilation=r)\n"
            "    y.sum().backward()\n"
            "    result.append((x.grad > 0).sum().item() / x.grad.numel())   # share of the square reached\n")
