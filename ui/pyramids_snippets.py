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


def _octaves(levels: int) -> str:
    """Lines leaving OpenCV's Gaussian octaves of ``image`` on the 0–1 scale in ``g`` (float32, (h, w, 3))."""
    return (f"g = [image / np.float32(255)]\nfor _ in range({levels} - 1):\n"
            "    g.append(cv2.pyrDown(g[-1]))\n")


def bands(levels: int, kernel: str, sigma: float) -> str:
    """The Laplacian bands' ± colour limits (99.5th percentile of |luma|) and the collapse's error."""
    if kernel != "binomial":
        return ("import numpy as np\nfrom core.images import to_tensor\n"
                "from core.pyramids import laplacian_pyramid, pyramid_kernel, reconstruct\n\n"
                f"k = pyramid_kernel('gaussian', sigma={sigma:g})\nx = to_tensor(image, 'cpu')\n"
                f"levels = laplacian_pyramid(x, {levels}, kernel=k)\n"
                "bands = [b[0].permute(1, 2, 0).numpy() for b in levels[:-1]]\n"
                "error = float((reconstruct(levels, kernel=k) - x).abs().max())\n"
                + _LIMITS)
    return ("import cv2\nimport numpy as np\n\n" + _octaves(levels)
            + "up = lambda small, big: cv2.pyrUp(small, dstsize=big.shape[1::-1])\n"
              "bands = [fine - up(coarse, fine) for fine, coarse in zip(g, g[1:])]   # signed float32\n"
              "collapsed = g[-1]\nfor band in reversed(bands):\n    collapsed = up(collapsed, band) + band\n"
              "error = float(np.abs(collapsed - g[0]).max())\n" + _LIMITS)


_LIMITS = ("limits = [float(np.percentile(np.abs(b @ np.float32([0.299, 0.587, 0.114])), 99.5)) for b in bands]\n"
           "result = (*limits, error)   # ± range of each band's colours, then max |collapse − image|\n")


def down_up(kernel: str, sigma: float) -> str:
    """One octave down and back up: the largest difference (grey levels) and the PSNR."""
    if kernel == "binomial":
        trip = ("x = image / np.float32(255)\n"
                "restored = cv2.pyrUp(cv2.pyrDown(x), dstsize=x.shape[1::-1])\n")
    else:
        trip = ("from core.images import to_tensor\nfrom core.pyramids import pyr_down, pyr_up, pyramid_kernel\n\n"
                f"k = pyramid_kernel('gaussian', sigma={sigma:g})\nx = to_tensor(image, 'cpu')\n"
                "restored = pyr_up(pyr_down(x, kernel=k), x.shape[-2:], kernel=k)[0].permute(1, 2, 0).numpy()\n")
    return ("import cv2\nimport numpy as np\n" + trip
            + "restored = np.clip(np.floor(restored * 255 + 0.5), 0, 255).astype(np.uint8)   # rounded to 8 bits\n"
              "largest = float(np.abs(restored.astype(np.int16) - image).max())\n"
              "result = (largest, cv2.PSNR(restored, image))   # grey levels, dB\n")


def high_fraction(steps: int) -> str:
    """The share of the image's energy above the Nyquist limit of the grid ``steps`` octaves down."""
    return ("import numpy as np\n\n"
            "gray = (image / 255.0) @ np.array([0.299, 0.587, 0.114])\n"
            "h, w = gray.shape\nwindow = np.outer(np.hanning(h), np.hanning(w))   # against edge leakage\n"
            "power = np.abs(np.fft.fft2((gray - gray.mean()) * window)) ** 2\n"
            "radius = np.hypot(*np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing='ij'))   # cycles/pixel\n"
            f"result = power[radius > 0.5 / 2**{steps}].sum() / power.sum()\n")


def opencv_difference() -> str:
    """ScaleScope's own torch pyr_down beside cv2.pyrDown on the same float32 image."""
    return ("import cv2\nimport numpy as np\nimport torch\nfrom core.pyramids import pyr_down\n\n"
            "values = image.astype(np.float32)   # grey levels 0–255\n"
            "x = torch.from_numpy(values).permute(2, 0, 1)[None].contiguous()\n"
            "ours = pyr_down(x, backend='torch')[0].permute(1, 2, 0).numpy()   # the hand-written torch path\n"
            "result = float(np.abs(ours - cv2.pyrDown(values)).max())\n")
