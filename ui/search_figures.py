"""Figures of the coarse-to-fine search lesson: boxes on the image, score maps per octave, positions evaluated."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ui.figures import MARGIN, MAX_DISPLAY_SIDE, add_colorbar, image_figure, image_grid_figure
from ui.imaging import SEQUENTIAL, colorize


def boxes_figure(image: np.ndarray, boxes: list[tuple[int, int, int, int, str, str, str]], *,
                 max_side: int = MAX_DISPLAY_SIDE, title: str = "") -> go.Figure:
    """An image with rectangles ``(y, x, height, width, label, colour, where)`` drawn on it;
    ``where`` puts the label ``"above"``, ``"below"`` or ``"inside"`` the box, so boxes that
    coincide stay readable."""
    fig = image_figure(image, title=title, max_side=max_side, height=520)
    for y, x, h, w, label, colour, where in boxes:
        fig.add_shape(type="rect", x0=x - 0.5, y0=y - 0.5, x1=x + w - 0.5, y1=y + h - 0.5,
                      line=dict(color=colour, width=3, dash="dot" if where == "inside" else "solid"))
        anchor_y = {"above": (y - 1, "bottom"), "below": (y + h, "top"), "inside": (y + h / 2, "middle")}[where]
        fig.add_annotation(x=x, y=anchor_y[0], text=label, showarrow=False, xanchor="left",
                           yanchor=anchor_y[1], font=dict(color=colour, size=13),
                           bgcolor="rgba(0,0,0,0.55)")
    return fig


def score_maps_figure(maps: list[np.ndarray], titles: list[str],
                      windows: list[list[tuple[int, int, int, int]]],
                      picks: list[list[tuple[int, int]]], *, cols: int = 3) -> go.Figure:
    """Score maps per octave (NaN = not evaluated, grey) with searched windows and kept picks."""
    images = []
    for scores in maps:
        coloured = colorize(np.nan_to_num(scores, nan=-1.0), -1.0, 1.0, SEQUENTIAL)
        coloured[np.isnan(scores)] = 200
        images.append(coloured)
    fig = image_grid_figure(images, titles, cols=cols, max_side=512)
    for i, (level_windows, level_picks) in enumerate(zip(windows, picks)):
        axis = "" if i == 0 else str(i + 1)
        for y0, x0, y1, x1 in level_windows:
            fig.add_shape(type="rect", x0=x0 - 0.5, y0=y0 - 0.5, x1=x1 + 0.5, y1=y1 + 0.5,
                          line=dict(color="#ff2d55", width=2), xref=f"x{axis}", yref=f"y{axis}")
        if level_picks:
            fig.add_trace(go.Scatter(x=[p[1] for p in level_picks], y=[p[0] for p in level_picks],
                                     mode="markers", marker=dict(symbol="x", size=10, color="#ff2d55"),
                                     hoverinfo="skip", showlegend=False), row=i // cols + 1, col=i % cols + 1)
    add_colorbar(fig, -1.0, 1.0, SEQUENTIAL, "NCC score")
    return fig


def evaluations_figure(levels: list[int], coarse_to_fine: list[int], exhaustive: int) -> go.Figure:
    """Positions scored against the number of pyramid levels, log scale."""
    fig = go.Figure([
        go.Scatter(x=levels, y=coarse_to_fine, mode="lines+markers", name="coarse-to-fine"),
        go.Scatter(x=levels, y=[exhaustive] * len(levels), mode="lines", name="exhaustive",
                   line=dict(dash="dash")),
    ])
    fig.update_xaxes(title="pyramid levels", dtick=1)
    # Decades only (1, 10, 100, …): a log axis left to itself labels minor ticks "2, 5" too.
    fig.update_yaxes(type="log", dtick=1, title="positions scored")
    fig.update_layout(title="Positions scored against levels", margin=MARGIN, height=360,
                      legend=dict(orientation="h", y=-0.25))
    return fig
