"""SPP, pyramid pooling and ASPP modules with named, hookable branches."""

from core.modules.layers import (
    BinConvention,
    ASPP_RATES,
    bin_edges,
    uncovered,
    SPP,
    PyramidPooling,
    ImagePooling,
    ASPP,
    capture_branches,
    valid_tap_fraction,
    tap_positions,
)

__all__ = ['BinConvention', 'ASPP_RATES', 'bin_edges', 'uncovered', 'SPP', 'PyramidPooling', 'ImagePooling', 'ASPP', 'capture_branches', 'valid_tap_fraction', 'tap_positions']
