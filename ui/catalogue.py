"""The lessons ScaleScope teaches: one entry per page, built or still to come.

``app.py`` turns the built ones into navigation; the home page lists all of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    url_path: str
    title: str
    icon: str
    summary: str
    script: str | None   # None: announced, not built yet


LESSONS = (
    Lesson("pyramids", "Image pyramids", "🔺",
           "Gaussian and Laplacian octaves, exact reconstruction, the 4/3 storage bound, spectra, "
           "and OpenCV's pyrDown beside ours.", "app_pages/pyramids.py"),
    Lesson("search", "Coarse-to-fine search", "🔎",
           "Find a patch (the cat's eye) at the top octave first, then refine: positions evaluated "
           "against an exhaustive search.", "app_pages/search.py"),
    Lesson("blend", "Pyramid blending", "🌗",
           "Two images and a mask: hard cut, feathered alpha and Laplacian-pyramid blending.",
           "app_pages/blend.py"),
    Lesson("resize", "Downsizing lab", "📐",
           "One image, any scale, every library's resize: aliasing, quality and speed side by side.",
           "app_pages/resize.py"),
    Lesson("downsizenet", "DownsizeNet", "🧠",
           "A learned, texture-aware downsizer trained end-to-end, against bilinear, bicubic and area.",
           "app_pages/downsizenet.py"),
    Lesson("sampling", "Down- and upsampling in CNNs", "🔁",
           "Strided convolution, pooling, unpooling and transposed convolution; output-size "
           "formulas; checkerboard artifacts.", "app_pages/sampling.py"),
    Lesson("modules", "SPP · pyramid pooling · ASPP", "🧩",
           "What each branch of SPP, PSPNet's pyramid pooling and DeepLab's ASPP looks at.",
           "app_pages/modules.py"),
    Lesson("receptive-field", "Receptive fields", "🎯",
           "Size, jump and start of every layer's field; theoretical against effective.",
           "app_pages/receptive_field.py"),
    Lesson("scale-invariance", "Scale invariance", "🐈",
           "Squares, corner detectors and max pooling: where a CNN's scale invariance comes from.",
           "app_pages/scale_invariance.py"),
)
