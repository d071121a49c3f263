"""SPP, pyramid pooling and ASPP modules with named, hookable branches."""

from core.modules.layers import (
    ASPP,
    ASPP_RATES,
    SPP,
    BinConvention,
    ImagePooling,
    PyramidPooling,
    bin_edges,
    capture_branches,
    tap_positions,
    uncovered,
    valid_tap_fraction,
    valid_taps,
)

__all__ = ["BinConvention", "ASPP_RATES", "bin_edges", "uncovered", "SPP", "PyramidPooling", "ImagePooling",
           "ASPP", "capture_branches", "valid_tap_fraction", "valid_taps", "tap_positions"]
