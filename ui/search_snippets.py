""""Reproduce in Python" bodies for the coarse-to-fine search lesson: each leaves the shown value in ``result``."""

from __future__ import annotations


def _patch(top: int, left: int, side: int, noise: float, brightness: float) -> str:
    """Lines that cut the patch from ``image`` and perturb it as the page does (seeded noise)."""
    lines = f"patch = image[{top}:{top + side}, {left}:{left + side}]\n"
    if noise > 0 or brightness != 0:
        lines = f"patch = image[{top}:{top + side}, {left}:{left + side}].astype(np.float32)\n"
        if noise > 0:
            lines += f"patch += np.random.default_rng(0).normal(0.0, {noise:g}, patch.shape).astype(np.float32)\n"
        lines += f"patch = np.clip(patch + {brightness:g} + 0.5, 0, 255).astype(np.uint8)\n"
    return lines


def exhaustive(top: int, left: int, side: int, noise: float, brightness: float) -> str:
    """OpenCV's own exhaustive search on the same grey image: best position, score, positions scored."""
    return ("import cv2\nimport numpy as np\n\n" + _patch(top, left, side, noise, brightness)
            + "luma = np.float32([0.299, 0.587, 0.114])          # Rec. 601 grey, on the 0–1 scale\n"
              "scores = cv2.matchTemplate((image / np.float32(255)) @ luma, (patch / np.float32(255)) @ luma,\n"
              "                           cv2.TM_CCOEFF_NORMED)   # one score per top-left corner\n"
              "_, best, _, (x, y) = cv2.minMaxLoc(scores)\n"
              "result = (y, x, best, scores.size)   # row, column, score, positions scored\n")


_CORE_SETUP = ("from core.images import to_tensor\nfrom core.search import coarse_to_fine_match\n"
               "from core.spectrum import luminance\n")
_GREY = "gray, template = (luminance(to_tensor(x, 'cpu'))[0] for x in (image, patch))\n"


def coarse_to_fine(top: int, left: int, side: int, noise: float, brightness: float, levels: int,
                   keep: int) -> str:
    """The coarse-to-fine search itself: where it lands and the positions it scores per octave."""
    return ("import numpy as np\n" + _CORE_SETUP + "\n" + _patch(top, left, side, noise, brightness) + _GREY
            + f"found = coarse_to_fine_match(gray, template, {levels}, keep={keep})\n"
              "result = (found.y, found.x, found.score, *found.evaluations)   # evaluations: coarsest first\n")


def cost_by_levels(top: int, left: int, side: int, noise: float, brightness: float, deepest: int,
                   keep: int) -> str:
    """Positions scored by coarse-to-fine for every number of levels the patch allows."""
    return ("import numpy as np\n" + _CORE_SETUP + "\n" + _patch(top, left, side, noise, brightness) + _GREY
            + f"result = [coarse_to_fine_match(gray, template, n, keep={keep}).total_evaluations\n"
              f"          for n in range(1, {deepest} + 1)]\n")
