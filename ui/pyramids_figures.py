"""Figures of the image-pyramids lesson: the pyramid stacked and side by side, and the spectrum per octave."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.figures import MARGIN, MAX_DISPLAY_SIDE, hide_axes, image_figure
from ui.imaging import compose_row, compose_stack


def stacked_pyramid_figure(levels: list[np.ndarray], *, max_side: int = MAX_DISPLAY_SIDE) -> go.Figure:
    """The octaves stacked like a pyramid: the full image at the bottom, the smallest on top."""
    canvas, origins = compose_stack(levels)
    fig = image_figure(canvas, max_side=max_side, height=620)
    for i, ((top, left), level) in enumerate(zip(origins, levels)):
        fig.add_annotation(x=left + level.shape[1], y=top + level.shape[0] / 2, xanchor="left",
                           text=f" octave {i}: {level.shape[1]}×{level.shape[0]}",
                           showarrow=False, font=dict(size=12))
    fig.update_layout(title="Gaussian pyramid, stacked (octave 0 at the bottom)")
    hide_axes(fig)
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
    fig.update_xaxes(type="log", title="frequency (cycles per pixel of octave 0)")
    fig.update_yaxes(type="log", title="mean power")
    fig.update_layout(title="Radial power spectrum of each octave (dotted: each octave's Nyquist limit)",
                      margin=MARGIN, height=420, legend=dict(orientation="h", y=-0.25))
    return fig
