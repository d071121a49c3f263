"""The first lines of every "Reproduce in Python" snippet: how to get the page's image.

A bundled sample is loaded by name, exactly as the page loads it; an upload is read from a file
the reader names, through the same decoder and the same working-size shrink the app applies.
"""

from __future__ import annotations

from ui.widgets import UPLOAD, PickedImage

_SAMPLE = '''from core.samples import get_sample

image = get_sample({name!r}).load()   # (H, W, 3) uint8 RGB, as the page uses it
'''
_UPLOAD = '''from core.images import fit_working_size, load_image

# your upload (put its path here), decoded and shrunk as the app does
image, _ = fit_working_size(load_image("your-image.png").pixels)   # (H, W, 3) uint8 RGB
'''


def image_lines(picked: PickedImage) -> str:
    """Python lines that leave the page's image in ``image``, ``(H, W, 3) uint8`` RGB."""
    return _UPLOAD if picked.key == UPLOAD else _SAMPLE.format(name=picked.key)


def snippet(picked: PickedImage, body: str) -> str:
    """A whole snippet: the image lines, then ``body`` (which must set ``result``)."""
    return image_lines(picked) + "\n" + body.strip() + "\n"
