""""Reproduce in Python" bodies for the pyramids lesson: each leaves the shown value in ``result``."""

from __future__ import annotations


def storage(levels: int, kernel: str, sigma: float) -> str:
    """The octaves and the pixels they store, as a multiple of the image's."""
    if kernel == "binomial":   # OpenCV's own pyrDown is the binomial kernel
        build = (f"import cv2\n\noctaves = [image]\nfor _ in range({levels} - 1):\n"
                 "    octaves.append(cv2.pyrDown(octaves[-1]))\n")
    else:
        build = ("from core.images import to_image, to_tensor\nfrom core.pyramids import gaussian_pyramid, "
                 "pyramid_kernel\n\n"
                 f"octaves = [to_image(g) for g in gaussian_pyramid(to_tensor(image), {levels}, "
                 f"kernel=pyramid_kernel('gaussian', sigma={sigma:g}))]\n")
    return build + "result = sum(o.shape[0] * o.shape[1] for o in octaves) / (image.shape[0] * image.shape[1])\n"
