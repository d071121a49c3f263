"""``python -m core.resize.identify ORIGINAL RESIZED``: which resize made this copy?

The work is in :mod:`core.resize.fingerprint`. This module is also callable, so
``core.resize.identify(original, resized)`` is :func:`core.resize.fingerprint.identify` whether
the name resolves to the function or, once this module has been imported, to the module.
"""

from __future__ import annotations

import sys
import types

import numpy as np

from core.resize.fingerprint import Identification, identify, identify_report, main

__all__ = ["Identification", "identify", "identify_report", "main"]


class _CallableModule(types.ModuleType):
    def __call__(self, original: np.ndarray, resized: np.ndarray) -> list[tuple[str, float, float]]:
        return identify(original, resized)


if __name__ == "__main__":
    sys.exit(main())
else:
    sys.modules[__name__].__class__ = _CallableModule
