"""Figure builders every lesson uses: images, image grids, heat maps, lines and signed bands.

Images travel as PNG data URIs inside ``go.Image`` traces (a few hundred kB instead of
megabytes of JSON numbers) and keep their pixel coordinates on the axes even when a large image
is shrunk for display. Pixels are drawn unsmoothed, so zooming in shows real pixels.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.imaging import DIVERGING, SEQUENTIAL, colorize, data_uri, fit_for_display

MAX_DISPLAY_SIDE = 1024
MARGIN = dict(l=10, r=10, t=40, b=10)


def image_trace(image: np.ndarray, max_side: int = MAX_DISPLAY_SIDE, name: str = "") -> go.Image:
    """A ``(H, W, 3) uint8`` image as a PNG-sourced trace in pixel coordinates (shrunk past ``max_side``)."""
    shown = fit_for_display(image, max_side)
    scale_y = image.shape[0] / shown.shape[0]
    scale_x = image.shape[1] / shown.shape[1]
    return go.Image(source=data_uri(shown), dx=scale_x, dy=scale_y,
                    x0=(scale_x - 1) / 2, y0=(scale_y - 1) / 2, name=name,
                    hovertemplate="x=%{x:.0f} y=%{y:.0f}<extra>" + name + "</extra>")


def hide_axes(fig: go.Figure) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, scaleanchor=None)


def image_figure(image: np.ndarray, *, title: str = "", max_side: int = MAX_DISPLAY_SIDE,
                 height: int | None = None) -> go.Figure:
    """One image, pixel-exact axes (x to the right, y down)."""
    fig = go.Figure(image_trace(image, max_side, title))
    fig.update_layout(title=title, margin=MARGIN, height=height)
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    return fig


def image_grid_figure(images: list[np.ndarray], titles: list[str], *, cols: int = 3,
                      max_side: int = 512, match_axes: bool = False,
                      row_height: int | None = None) -> go.Figure:
    """Images in a grid of subplots; with ``match_axes`` zoom and pan move all of them together."""
    if len(images) != len(titles):
        raise ValueError(f"{len(images)} images but {len(titles)} titles.")
    cols = max(1, min(cols, len(images)))
    rows = math.ceil(len(images) / cols)
    if row_height is None:
        # Size rows to the first image's aspect in a panel of a ~1100 px wide page, so titles
        # sit right above their image instead of above empty space.
        aspect = images[0].shape[0] / images[0].shape[1]
        row_height = int(min(600, max(120, 850 / cols * aspect))) + 40
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.02, vertical_spacing=0.08 / rows)
    for i, (image, title) in enumerate(zip(images, titles)):
        fig.add_trace(image_trace(image, max_side, title), row=i // cols + 1, col=i % cols + 1)
    fig.update_yaxes(autorange="reversed")
    for i in range(len(images)):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
        if match_axes and i > 0:
            fig.layout[f"xaxis{suffix}"].matches = "x"
            fig.layout[f"yaxis{suffix}"].matches = "y"
    fig.update_layout(margin=MARGIN, height=row_height * rows + 40, showlegend=False)
    hide_axes(fig)
    return fig


def signed_bands_figure(bands: list[np.ndarray], titles: list[str], limits: list[float], *,
                        cols: int = 3, max_side: int = 512) -> go.Figure:
    """Signed 2-D arrays on a diverging scale centred on 0, each scaled to its own ± limit.

    The colour bar reads in units of each panel's limit (named in its title).
    """
    images = [colorize(b, -lim, lim, DIVERGING) for b, lim in zip(bands, limits)]
    fig = image_grid_figure(images, titles, cols=cols, max_side=max_side)
    add_colorbar(fig, -1.0, 1.0, DIVERGING, "× panel limit")
    return fig


def heatmap_grid_figure(arrays: list[np.ndarray], titles: list[str], *, colorscale: str = SEQUENTIAL,
                        colorbar_title: str = "", cols: int = 3, max_side: int = 512,
                        low: float | None = None, high: float | None = None) -> go.Figure:
    """Unsigned 2-D arrays on one shared colour scale (e.g. spectra, error maps)."""
    low = min(float(a.min()) for a in arrays) if low is None else low
    high = max(float(a.max()) for a in arrays) if high is None else high
    images = [colorize(a, low, high, colorscale) for a in arrays]
    fig = image_grid_figure(images, titles, cols=cols, max_side=max_side)
    add_colorbar(fig, low, high, colorscale, colorbar_title)
    return fig


def add_colorbar(fig: go.Figure, low: float, high: float, colorscale: str, title: str) -> None:
    # An invisible marker carries the colour bar: the panels themselves are pre-coloured PNGs.
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(colorscale=colorscale, cmin=low, cmax=high, color=[low], showscale=True,
                    colorbar=dict(title=dict(text=title, side="right"), thickness=12, len=0.8))))


def add_selection_grid(fig: go.Figure, height: int, width: int, points: int = 2500) -> go.Figure:
    """Cover an image with invisible points so Plotly reports box selections over it.

    Plotly's image traces take no part in selections; a sparse transparent scatter does.
    """
    step = max(1, int(np.ceil(np.sqrt(height * width / points))))
    yy, xx = np.mgrid[0:height:step, 0:width:step]
    fig.add_trace(go.Scatter(x=xx.ravel(), y=yy.ravel(), mode="markers", showlegend=False,
                             marker=dict(size=step, opacity=0), hoverinfo="skip"))
    fig.update_xaxes(range=[-0.5, width - 0.5])
    fig.update_layout(dragmode="select")
    return fig


def lines_figure(x: list | np.ndarray, series: dict[str, np.ndarray], *, title: str, x_title: str,
                 y_title: str, spread: dict[str, np.ndarray] | None = None, log_x: bool = False,
                 y_range: tuple[float, float] | None = None) -> go.Figure:
    """One line per series; ``spread`` draws ± a band (e.g. the std over seeds) around each."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        colour = _PALETTE[i % len(_PALETTE)]
        if spread and name in spread:
            upper, lower = values + spread[name], values - spread[name]
            fig.add_trace(go.Scatter(x=list(x) + list(x)[::-1], y=list(upper) + list(lower)[::-1],
                                     fill="toself", fillcolor=colour, opacity=0.15, line=dict(width=0),
                                     hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=list(x), y=list(values), mode="lines+markers", name=name,
                                 line=dict(color=colour)))
    if log_x:   # ticks only at the measured values: no minor-tick labels such as "2, 5" between them
        ticks = sorted({float(v) for v in x})
        fig.update_xaxes(title=x_title, type="log", tickvals=ticks, ticktext=[f"{v:g}" for v in ticks])
    else:
        fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title, range=y_range)
    fig.update_layout(title=title, margin=MARGIN, height=400, legend=dict(orientation="h", y=-0.25))
    return fig


_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
