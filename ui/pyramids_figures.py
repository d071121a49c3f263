"""Figures of the image-pyramids lesson: the pyramid stacked and side by side, and the spectrum per octave."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.figures import MARGIN, MAX_DISPLAY_SIDE, hide_axes, image_figure
from ui.imaging import compose_row, compose_stack

LABEL_FONT = 12            # px
LABEL_LINE = 18            # px between label baselines: a line of 12-px text and a little air
LABEL_COLUMN = 170         # px kept right of the pyramid for the labels
PLOT_HEIGHT, PLOT_WIDTH = 560, 460   # px at most for the pyramid itself


def stacked_pyramid_figure(levels: list[np.ndarray], *, max_side: int = MAX_DISPLAY_SIDE) -> go.Figure:
    """The octaves stacked like a pyramid: the full image at the bottom, the smallest on top.

    Each octave is named in a column right of the pyramid, joined to its level by a thin line.
    The figure fixes its own scale (``PLOT_HEIGHT`` by ``PLOT_WIDTH`` px at most, plus the label
    column), so the labels' spacing is known in screen pixels: a label sits level with its octave
    unless that would bring it within ``LABEL_LINE`` px of the one below, and then it moves up.
    Octaves a few pixels tall (the top of an 8-level pyramid) are named one line apart, above the
    pyramid if need be, and the figure grows to hold them. Any container at least
    ``PLOT_WIDTH + LABEL_COLUMN`` px wide shows it at this scale.
    """
    canvas, origins = compose_stack(levels)
    height, width = canvas.shape[:2]
    scale = min(PLOT_HEIGHT / height, PLOT_WIDTH / width)          # screen px per image pixel
    line, label_x = LABEL_LINE / scale, width + 8 / scale
    ys: list[float] = []
    for (top, _left), level in zip(origins, levels):               # bottom (octave 0) upwards
        centre = top + level.shape[0] / 2
        ys.append(centre if not ys else min(centre, ys[-1] - line))
    top_edge = min(-0.5, ys[-1] - line / 2)
    fig = image_figure(canvas, max_side=max_side)
    for i, ((top, left), level, y) in enumerate(zip(origins, levels, ys)):
        fig.add_annotation(x=left + level.shape[1] - 0.5, y=top + level.shape[0] / 2, ax=label_x, ay=y,
                           axref="x", ayref="y", xanchor="left", yanchor="middle", showarrow=True,
                           arrowhead=0, arrowwidth=1, arrowcolor="#888", standoff=2,
                           text=f"octave {i}: {level.shape[1]}×{level.shape[0]}", font=dict(size=LABEL_FONT))
    fig.update_xaxes(range=[-0.5, width - 0.5 + LABEL_COLUMN / scale], autorange=False)
    fig.update_yaxes(range=[height - 0.5, top_edge], autorange=False)
    fig.update_layout(title="Gaussian pyramid, stacked (octave 0 at the bottom)",
                      height=int(round((height - 0.5 - top_edge) * scale)) + MARGIN["t"] + MARGIN["b"])
    hide_axes(fig)
    fig.update_yaxes(scaleanchor="x")   # square pixels: a wide container widens the x range, not the scale
    return fig


def side_by_side_figure(levels: list[np.ndarray], *, max_side: int = 2 * MAX_DISPLAY_SIDE) -> go.Figure:
    """Every octave at its native size, left to right."""
    canvas, origins = compose_row(levels)
    fig = image_figure(canvas, max_side=max_side, height=480)
    for i, ((_top, left), level) in enumerate(zip(origins, levels)):
        fig.add_annotation(x=left + level.shape[1] / 2, y=canvas.shape[0], yanchor="top",
                           text=f"{i}: {level.shape[1]}×{level.shape[0]}", showarrow=False)
    fig.update_layout(title="Octaves side by side at native size (1 screen unit = 1 pixel)")
    hide_axes(fig)
    return fig


def radial_spectra_figure(frequencies: list[np.ndarray], power: list[np.ndarray],
                          names: list[str]) -> go.Figure:
    """Radial power per octave on a common axis of cycles per original pixel, log-log.

    A dotted line marks each octave's Nyquist limit ``0.5 / 2^i``: the blur has to remove what
    lies to its right before rows are dropped, or it folds back.
    """
    fig = go.Figure()
    for i, (f, p, name) in enumerate(zip(frequencies, power, names)):
        keep = np.isfinite(p) & (p > 0)
        fig.add_trace(go.Scatter(x=f[keep], y=p[keep], mode="lines", name=name))
        fig.add_vline(x=0.5 / 2**i, line_dash="dot", line_width=1, opacity=0.5)
    # Decades only (10⁻³, 10⁻², …): left to itself a log axis also labels minor ticks "2, 5".
    fig.update_xaxes(type="log", dtick=1, exponentformat="power", title="frequency (cycles per pixel of octave 0)")
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", title="mean power")
    fig.update_layout(title="Radial power spectrum of each octave (dotted: each octave's Nyquist limit)",
                      margin=MARGIN, height=420, legend=dict(orientation="h", y=-0.25))
    return fig
