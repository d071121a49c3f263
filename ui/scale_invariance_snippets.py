""""Reproduce in Python" bodies for the scale-invariance lesson: each leaves the shown value in ``result``.

The squares snippets use plain PyTorch (conv2d, ReLU, max_pool2d) and no ScaleScope code; the
study's reads its results file; the networks' use the shipped weights.
"""

from __future__ import annotations

_SQUARES = '''import torch
import torch.nn.functional as F

sides, cell, offset, depth = {sides!r}, 64, {offset}, {depth}
x = torch.zeros(1, 1, cell, cell * len(sides))             # grey squares (0.5) on black, one per slot
for i, s in enumerate(sides):
    x[..., offset:offset + s, i * cell + offset:i * cell + offset + s] = 0.5
ul = -torch.ones(3, 3)
ul[1:, 1:] = 1                                             # upper-left corner detector; flipped: bottom-right
'''
_PATTERNS = '''y = F.relu(F.conv2d(x, torch.stack([ul, ul.flip(0, 1)])[:, None], torch.full((2,), bias), padding=1))
for _ in range(depth):
    y = F.max_pool2d(y, 2)
patterns = [p.flatten() for p in y.split(cell // 2 ** depth, dim=-1)]   # each square's slot, both maps
'''


def _indent(text: str) -> str:
    return "".join("    " + line if line.strip() else line for line in text.splitlines(keepends=True))


def squares(sides: tuple[int, ...], depth: int, offset: int, bias: float) -> str:
    """The cosine of every square's pattern to the smallest square's, at ``depth``."""
    smallest = sides.index(min(sides))
    return (_SQUARES.format(sides=tuple(sides), offset=offset, depth=depth) + f"bias = {bias!r}\n" + _PATTERNS
            + f"result = [F.cosine_similarity(p, patterns[{smallest}], dim=0).item() for p in patterns]\n")


def bias_and_offset(sides: tuple[int, ...], depth: int, offset: int, bias: float, square: int) -> str:
    """One square's cosine to the smallest's at the chosen bias, and at bias 0."""
    smallest, i = sides.index(min(sides)), sides.index(square)
    return (_SQUARES.format(sides=tuple(sides), offset=offset, depth=depth) + "result = []\n"
            + f"for bias in ({bias!r}, 0.0):                  # the tuned bias, then none\n" + _indent(_PATTERNS)
            + f"    result.append(F.cosine_similarity(patterns[{i}], patterns[{smallest}], dim=0).item())\n"
            + f"result = tuple(result)                           # the {square}-px square against the smallest\n")


def near_far(factor: int) -> str:
    """The near/far cosine per depth, through the lesson's own function."""
    return ("from core.scale_invariance.near_far import near_and_far\n\n"
            f"result = near_and_far(image, {factor}).similarity   # far at d poolings vs near at d + log2({factor})\n")


def study(variants: tuple[str, ...]) -> str:
    """The shipped study's mean accuracy over seeds, per variant and test scale, from its results file."""
    return ("import json\n\nimport numpy as np\n\nfrom core.scale_invariance.shipped import STUDY_DIR\n\n"
            "data = json.loads((STUDY_DIR / 'results.json').read_text())   # assets/scale_study/results.json\n"
            f"variants = {list(variants)!r}\n"
            "result = np.array([np.mean(data['accuracy'][v], axis=0) for v in variants])   # (variant, scale)\n")


def segmenter_near_far(name: str) -> str:
    """A trained segmenter's cosine of its max-pooled head features at each scale against 1×."""
    return f'''import copy

import torch
import torch.nn.functional as F

from core.models import load_model_or_untrained
from core.samples import get_sample
from core.scale_invariance.cat_scales import SCALES, face_crop, place

model = copy.deepcopy(load_model_or_untrained({name!r})[0])   # a copy of the shared network: hooks stay off it
face = face_crop(get_sample("cat").load())                 # the cat's face, placed at 0.25×–4×
x = torch.stack([torch.from_numpy(place(face, s)).permute(2, 0, 1) for s in SCALES])
seen = []
hook = model.projection.register_forward_hook(lambda m, i, out: seen.append(out.amax(dim=(2, 3))))
with torch.no_grad():
    model(x)
hook.remove()
result = F.cosine_similarity(seen[0], seen[0][SCALES.index(1.0)][None]).tolist()
'''


def shift_unchanged() -> str:
    """The fraction of 2×2 max-pooling outputs that move exactly with the input, per shift 0..7."""
    return '''import torch
import torch.nn.functional as F

rgb = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
x = (rgb * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(dim=1, keepdim=True)   # luma
width = x.shape[-1] - 8
out = [F.max_pool2d(x[..., k:k + width], 2) for k in range(8)]   # the input moved right by k
n = out[0].shape[-1] - 5
result = []
for k, moved in enumerate(out):     # where the unshifted output should be after a k/2 move
    expected = out[0][..., k // 2:k // 2 + n]
    if k % 2:
        expected = 0.5 * (expected + out[0][..., k // 2 + 1:k // 2 + 1 + n])
    result.append((moved[..., :n] == expected).float().mean().item())
'''
