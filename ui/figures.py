"""Pure figure builders: arrays in, a Plotly figure out. No Streamlit here.

Images travel as PNG data URIs inside ``go.Image`` traces (a few hundred kB instead of
megabytes of JSON numbers) and keep their pixel coordinates on the axes even when a large image
is shrunk for display. Pixels are drawn unsmoothed, so zooming in shows real pixels.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.imaging import (DIVERGING, SEQUENTIAL, colorize, compose_row, compose_stack, data_uri,
                        fit_for_display)

MAX_DISPLAY_SIDE = 1024
_MARGIN = dict(l=10, r=10, t=40, b=10)


def _image_trace(image: np.ndarray, max_side: int, name: str = "") -> go.Image:
    shown = fit_for_display(image, max_side)
    scale_y = image.shape[0] / shown.shape[0]
    scale_x = image.shape[1] / shown.shape[1]
    return go.Image(source=data_uri(shown), dx=scale_x, dy=scale_y,
                    x0=(scale_x - 1) / 2, y0=(scale_y - 1) / 2, name=name,
                    hovertemplate="x=%{x:.0f} y=%{y:.0f}<extra>" + name + "</extra>")


def _hide_axes(fig: go.Figure) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, scaleanchor=None)


def image_figure(image: np.ndarray, *, title: str = "", max_side: int = MAX_DISPLAY_SIDE,
                 height: int | None = None) -> go.Figure:
    """One image, pixel-exact axes (x to the right, y down)."""
    fig = go.Figure(_image_trace(image, max_side, title))
    fig.update_layout(title=title, margin=_MARGIN, height=height)
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
        fig.add_trace(_image_trace(image, max_side, title), row=i // cols + 1, col=i % cols + 1)
    fig.update_yaxes(autorange="reversed")
    for i in range(len(images)):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
        if match_axes and i > 0:
            fig.layout[f"xaxis{suffix}"].matches = "x"
            fig.layout[f"yaxis{suffix}"].matches = "y"
    fig.update_layout(margin=_MARGIN, height=row_height * rows + 40, showlegend=False)
    _hide_axes(fig)
    return fig


def stacked_pyramid_figure(levels: list[np.ndarray], *, max_side: int = MAX_DISPLAY_SIDE) -> go.Figure:
    """The octaves stacked like a pyramid: the full image at the bottom, the smallest on top."""
    canvas, origins = compose_stack(levels)
    fig = image_figure(canvas, max_side=max_side, height=620)
    for i, ((top, left), level) in enumerate(zip(origins, levels)):
        fig.add_annotation(x=left + level.shape[1], y=top + level.shape[0] / 2, xanchor="left",
                           text=f" octave {i}: {level.shape[1]}×{level.shape[0]}",
                           showarrow=False, font=dict(size=12))
    fig.update_layout(title="Gaussian pyramid, stacked (octave 0 at the bottom)")
    _hide_axes(fig)
    return fig


def side_by_side_figure(levels: list[np.ndarray], *, max_side: int = 2 * MAX_DISPLAY_SIDE) -> go.Figure:
    """Every octave at its native size, left to right."""
    canvas, origins = compose_row(levels)
    fig = image_figure(canvas, max_side=max_side, height=480)
    for i, ((top, left), level) in enumerate(zip(origins, levels)):
        fig.add_annotation(x=left + level.shape[1] / 2, y=canvas.shape[0], yanchor="top",
                           text=f"{i}: {level.shape[1]}×{level.shape[0]}", showarrow=False)
    fig.update_layout(title="Octaves side by side at native size (1 screen unit = 1 pixel)")
    _hide_axes(fig)
    return fig


def signed_bands_figure(bands: list[np.ndarray], titles: list[str], limits: list[float], *,
                        cols: int = 3, max_side: int = 512) -> go.Figure:
    """Signed 2-D arrays on a diverging scale centred on 0, each scaled to its own ± limit.

    The colour bar reads in units of each panel's limit (named in its title).
    """
    images = [colorize(b, -lim, lim, DIVERGING) for b, lim in zip(bands, limits)]
    fig = image_grid_figure(images, titles, cols=cols, max_side=max_side)
    _add_colorbar(fig, -1.0, 1.0, DIVERGING, "× panel limit")
    return fig


def heatmap_grid_figure(arrays: list[np.ndarray], titles: list[str], *, colorscale: str = SEQUENTIAL,
                        colorbar_title: str = "", cols: int = 3, max_side: int = 512,
                        low: float | None = None, high: float | None = None) -> go.Figure:
    """Unsigned 2-D arrays on one shared colour scale (e.g. spectra, error maps)."""
    low = min(float(a.min()) for a in arrays) if low is None else low
    high = max(float(a.max()) for a in arrays) if high is None else high
    images = [colorize(a, low, high, colorscale) for a in arrays]
    fig = image_grid_figure(images, titles, cols=cols, max_side=max_side)
    _add_colorbar(fig, low, high, colorscale, colorbar_title)
    return fig


def _add_colorbar(fig: go.Figure, low: float, high: float, colorscale: str, title: str) -> None:
    # An invisible marker carries the colour bar: the panels themselves are pre-coloured PNGs.
    fig.add_trace(go.Scatter(
        x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(colorscale=colorscale, cmin=low, cmax=high, color=[low], showscale=True,
                    colorbar=dict(title=dict(text=title, side="right"), thickness=12, len=0.8))))


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
                      margin=_MARGIN, height=420, legend=dict(orientation="h", y=-0.25))
    return fig


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
    _add_colorbar(fig, -1.0, 1.0, SEQUENTIAL, "NCC score")
    return fig


def evaluations_figure(levels: list[int], coarse_to_fine: list[int], exhaustive: int) -> go.Figure:
    """Positions scored against the number of pyramid levels, log scale."""
    fig = go.Figure([
        go.Scatter(x=levels, y=coarse_to_fine, mode="lines+markers", name="coarse-to-fine"),
        go.Scatter(x=levels, y=[exhaustive] * len(levels), mode="lines", name="exhaustive",
                   line=dict(dash="dash")),
    ])
    fig.update_xaxes(title="pyramid levels", dtick=1)
    fig.update_yaxes(type="log", title="positions scored")
    fig.update_layout(title="Positions scored against levels", margin=_MARGIN, height=360,
                      legend=dict(orientation="h", y=-0.25))
    return fig


def small_matrices_figure(matrices: dict[str, np.ndarray], *, colorscale: str = DIVERGING,
                          fmt: str = "%{z:.0f}") -> go.Figure:
    """Small matrices (kernels, 6×6 examples) side by side with their numbers in the cells."""
    fig = make_subplots(rows=1, cols=len(matrices), subplot_titles=list(matrices),
                        horizontal_spacing=0.08)
    limit = max(float(np.abs(m).max()) for m in matrices.values()) or 1.0
    for i, matrix in enumerate(matrices.values()):
        fig.add_trace(go.Heatmap(z=matrix, colorscale=colorscale, zmin=-limit, zmax=limit, showscale=False,
                                 texttemplate=fmt, textfont=dict(size=16), hoverinfo="skip"),
                      row=1, col=i + 1)
    fig.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x")
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(margin=_MARGIN, height=260)
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
    fig.update_xaxes(title=x_title, type="log" if log_x else "linear")
    fig.update_yaxes(title=y_title, range=y_range)
    fig.update_layout(title=title, margin=_MARGIN, height=400, legend=dict(orientation="h", y=-0.25))
    return fig


def boolean_grid_figure(matrix: np.ndarray, rows: list[str], cols: list[str], *, title: str,
                        yes: str = "holds", no: str = "fails") -> go.Figure:
    """A rows × cols grid of yes/no cells, labelled."""
    text = np.where(matrix, yes, no)
    fig = go.Figure(go.Heatmap(z=matrix.astype(float), x=cols, y=rows, zmin=0, zmax=1, showscale=False,
                               colorscale=[[0, "#f4c7c3"], [1, "#b7e1cd"]], text=text,
                               texttemplate="%{text}", hoverinfo="skip", xgap=2, ygap=2))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=80, b=10), height=80 + 34 * len(rows))
    return fig


_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
