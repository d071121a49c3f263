"""Figure builders for the receptive-field lesson: arrays and numbers in, a Plotly figure out.

Rectangles are inclusive pixel ranges ``(top, left, bottom, right)``; pixel ``i`` is centred at
coordinate ``i``, so a rectangle is drawn from ``left - 0.5`` to ``right + 0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import plotly.graph_objects as go

from ui.figures import add_colorbar, image_figure, image_grid_figure
from ui.imaging import SEQUENTIAL, colorize

_MARGIN = dict(l=10, r=10, t=50, b=10)
UNCLIPPED, CLIPPED, CENTRE = "#ff2d55", "#ffcc00", "#ff2d55"
Box = tuple[int, int, int, int]


def log2_ticks(values: Iterable[float], most: int = 11) -> dict[str, object]:
    """Axis settings for a log axis labelled only at powers of two (at most ``most`` labels),
    never at Plotly's minor ticks: explicit ``tickvals``, and the range from the first to the last.

    >>> log2_ticks([3, 40])["tickvals"]
    [2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    """
    positive = [float(v) for v in values if v > 0]
    if not positive:
        positive = [1.0]
    low, high = math.floor(math.log2(min(positive))), math.ceil(math.log2(max(positive)))
    high = max(high, low + 1)
    step = max(1, math.ceil((high - low) / (most - 1)))
    exponents = list(range(low, high + 1, step))
    if exponents[-1] < high:
        exponents.append(exponents[-1] + step)
    ticks = [2.0 ** e for e in exponents]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks],
            "range": [math.log10(ticks[0]) - 0.02, math.log10(ticks[-1]) + 0.02], "minor": {"showgrid": False}}


def size_jump_figure(names: list[str], sizes: list[int], jumps: list[int]) -> go.Figure:
    """Receptive-field size and jump after each layer, on a log axis."""
    x = [f"{i + 1} · {name}" for i, name in enumerate(names)]
    fig = go.Figure([
        go.Scatter(x=x, y=sizes, mode="lines+markers", name="size (px)", line=dict(color="#1f77b4")),
        go.Scatter(x=x, y=jumps, mode="lines+markers", name="jump (px)", line=dict(color="#d62728", shape="hv")),
    ])
    fig.update_xaxes(type="category", tickangle=-60 if len(x) > 12 else 0,
                     showticklabels=len(x) <= 60)
    fig.update_yaxes(type="log", title="input pixels", **log2_ticks([*sizes, *jumps]))
    fig.update_layout(title="Field size and jump after each layer", margin=_MARGIN, height=420,
                      legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
                      hovermode="x unified")
    return fig


def _rect(fig: go.Figure, box: Box, *, colour: str, name: str, dash: str = "solid",
          xref: str = "x", yref: str = "y", width: int = 3) -> None:
    top, left, bottom, right = box
    fig.add_shape(type="rect", x0=left - 0.5, y0=top - 0.5, x1=right + 0.5, y1=bottom + 0.5,
                  xref=xref, yref=yref, name=name, line=dict(color=colour, width=width, dash=dash))


def unit_field_figure(image: np.ndarray, unclipped: Box, clipped: Box | None, centre: tuple[float, float],
                      *, click_points: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
                      title: str = "") -> go.Figure:
    """The image with one unit's field on it: dashed where it reaches into the padding, solid
    over the pixels it sees, a cross at its centre. ``click_points`` (``ys, xs, rows, cols``, the
    centres of the feature map's units) become invisible markers, so a click reports the unit
    under it."""
    height, width = image.shape[:2]
    fig = image_figure(image, title=title, height=560)
    _rect(fig, unclipped, colour=UNCLIPPED, name="unclipped", dash="dash", width=2)
    if clipped is not None:
        _rect(fig, clipped, colour=CLIPPED, name="clipped")
    fig.add_trace(go.Scatter(x=[centre[1]], y=[centre[0]], mode="markers", name="centre",
                             marker=dict(symbol="x-thin", size=14, line=dict(width=3, color=CENTRE)),
                             hovertemplate="field centre (x=%{x}, y=%{y})<extra></extra>", showlegend=False))
    if click_points is not None:
        ys, xs, rows, cols = click_points
        fig.add_trace(go.Scatter(
            x=xs, y=ys, customdata=np.stack([rows, cols], axis=1), mode="markers", name="units",
            marker=dict(symbol="square", size=10, opacity=0), showlegend=False,
            hovertemplate="unit row %{customdata[0]}, column %{customdata[1]}<extra></extra>"))
        fig.update_layout(hoverdistance=-1)
    top, left, bottom, right = unclipped
    fig.update_xaxes(range=[min(-0.5, left - 0.5) - 4, max(width - 0.5, right + 0.5) + 4], autorange=False)
    fig.update_yaxes(range=[max(height - 0.5, bottom + 0.5) + 4, min(-0.5, top - 0.5) - 4], autorange=False)
    return fig


def compare_fields_figure(theoretical: np.ndarray, region: np.ndarray, erf: np.ndarray, rectangle: Box, *,
                          mass: float = 0.95) -> go.Figure:
    """Left: the theoretical field (light) and the pixels holding ``mass`` of the effective
    field (dark). Right: the effective field as a heat map. Both outline the theoretical square."""
    left = np.full(theoretical.shape + (3,), 240, np.uint8)
    left[theoretical] = (190, 215, 240)
    left[region] = (31, 90, 170)
    right = colorize(erf, 0.0, 1.0, SEQUENTIAL)
    fig = image_grid_figure(
        [left, right],
        [f"theoretical field (light) · {mass:.0%} of the effective one (dark)",
         "effective field: |∂ unit / ∂ input|, max 1"], cols=2, max_side=512, match_axes=True)
    for axis in ("", "2"):
        _rect(fig, rectangle, colour=UNCLIPPED, name="theoretical", xref=f"x{axis}", yref=f"y{axis}", width=2)
    add_colorbar(fig, 0.0, 1.0, SEQUENTIAL, "gradient")   # the field images are pictures, without a scale
    return fig


def profile_figure(erf_row: np.ndarray, theoretical_row: np.ndarray, row: int) -> go.Figure:
    """One row of the effective field against the theoretical field's box along it."""
    x = np.arange(erf_row.size)
    fig = go.Figure([
        go.Scatter(x=x, y=theoretical_row.astype(float), mode="lines", name="theoretical field",
                   line=dict(color=UNCLIPPED, shape="hv", dash="dash")),
        go.Scatter(x=x, y=erf_row, mode="lines", name="effective field", line=dict(color="#1f77b4"),
                   fill="tozeroy"),
    ])
    fig.update_xaxes(title="input column (px)")
    fig.update_yaxes(title="gradient (max 1)", range=[0, 1.05])
    fig.update_layout(title=f"Along input row {row}, through the unit's centre", margin=_MARGIN, height=320,
                      legend=dict(orientation="h", y=-0.3))
    return fig


def luo_figure(depth: np.ndarray, measured: np.ndarray, analytic: np.ndarray, *, title: str,
               y_title: str) -> go.Figure:
    """Measured points against the analytic line, on log–log axes (a power law is a straight line)."""
    fig = go.Figure([go.Scatter(x=depth, y=analytic, mode="lines", name="analytic"),
                     go.Scatter(x=depth, y=measured, mode="markers", name="measured", marker=dict(size=9))])
    fig.update_xaxes(type="log", title="depth n (layers)", **log2_ticks(depth))
    fig.update_yaxes(type="log", title=y_title, **log2_ticks([*measured, *analytic]))
    fig.update_layout(title=title, height=340, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", y=-0.25))
    return fig


def trunk_erfs_figure(trained: np.ndarray, untrained: np.ndarray, rectangle: Box, titles: list[str], *,
                      margin: int = 8) -> go.Figure:
    """Two effective fields of one trunk (max 1 each) side by side, cropped to the theoretical
    square and ``margin`` pixels around it, the square outlined on both."""
    top, left, bottom, right = rectangle
    rows = slice(max(top - margin, 0), bottom + margin + 1)
    cols = slice(max(left - margin, 0), right + margin + 1)
    shifted = (top - rows.start, left - cols.start, bottom - rows.start, right - cols.start)
    maps = [colorize(erf[rows, cols], 0.0, 1.0, SEQUENTIAL) for erf in (trained, untrained)]
    fig = image_grid_figure(maps, titles, cols=2, max_side=512, match_axes=True, row_height=380)
    for axis in ("", "2"):
        _rect(fig, shifted, colour=UNCLIPPED, name="theoretical", xref=f"x{axis}", yref=f"y{axis}", width=2)
    add_colorbar(fig, 0.0, 1.0, SEQUENTIAL, "gradient")   # the field images are pictures, without a scale
    return fig
