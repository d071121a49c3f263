"""Figure builders for the downsizing lab: arrays in, a Plotly figure out.

Small results are enlarged by whole-pixel repetition (nearest neighbour) before they are
encoded, so every result pixel stays a sharp square however the browser scales the picture;
axes stay in result pixels, so hovering names the pixel under the cursor.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from ui.figures import heatmap_grid_figure, image_figure, image_grid_figure

_MARGIN = dict(l=10, r=10, t=40, b=10)


def enlargement(shape: tuple[int, ...], panel_side: int) -> int:
    """The whole factor that brings an image's long side closest to ``panel_side`` from below
    (at least 1: large images are never enlarged).

    >>> enlargement((90, 135, 3), 420), enlargement((600, 800, 3), 420)
    (3, 1)
    """
    return max(1, panel_side // max(shape[0], shape[1]))


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Repeat every pixel ``factor`` × ``factor`` times."""
    if factor == 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def _pixel_axes(trace: go.Image, factor: int, name: str) -> None:
    # Sub-pixel j of an enlarged pixel sits at (j + 0.5) / factor − 0.5 in result pixels.
    trace.dx = trace.dy = 1.0 / factor
    trace.x0 = trace.y0 = (1.0 / factor - 1.0) / 2.0
    trace.hovertemplate = "x=%{x:.0f} y=%{y:.0f}<extra>" + name + "</extra>"


def pixel_grid_figure(images: list[np.ndarray], titles: list[str], *, cols: int = 4,
                      panel_side: int = 420) -> go.Figure:
    """Same-sized results in a grid with shared zoom and pan, pixels drawn as sharp squares."""
    factor = enlargement(images[0].shape, panel_side)
    enlarged = [enlarge(image, factor) for image in images]
    fig = image_grid_figure(enlarged, titles, cols=cols, max_side=max(panel_side, 1), match_axes=True)
    if factor > 1:
        for trace, title in zip((t for t in fig.data if t.type == "image"), titles):
            _pixel_axes(trace, factor, title)
    fig.update_annotations(font_size=TITLE_SIZE)
    return fig


TITLE_SIZE = 13   # panel titles: a method's label fits a third of an 800 px page


def spectra_figure(spectra: list[np.ndarray], titles: list[str], *, cols: int = 3) -> go.Figure:
    """Log magnitude spectra on one colour scale, titled in type that fits three to a row."""
    fig = heatmap_grid_figure(spectra, titles, cols=cols, colorbar_title="log₁₀ |F|")
    fig.update_annotations(font_size=TITLE_SIZE)
    return fig


def decades(values: list[float]) -> list[float]:
    """The powers of ten from just below the smallest positive value to just above the largest.

    >>> decades([0.02, 26.0])
    [0.01, 0.1, 1.0, 10.0, 100.0]
    """
    positive = [v for v in values if v > 0 and math.isfinite(v)] or [1.0]
    low, high = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    return [float(f"1e{p}") for p in range(low, max(high, low + 1) + 1)]


def speed_quality_figure(labels: list[str], times_ms: list[float], psnrs: list[float]) -> go.Figure:
    """PSNR against the time of one resize, one point per method; time on a log axis labelled at
    the decades only (0.01, 0.1, 1, 10 ms), as the methods span several of them."""
    shown = [p if math.isfinite(p) else None for p in psnrs]
    fig = go.Figure(go.Scatter(x=times_ms, y=shown, mode="markers+text", text=labels,
                               textposition="top center", marker=dict(size=11),
                               hovertemplate="%{text}<br>%{x:.2f} ms<br>PSNR %{y:.2f} dB<extra></extra>"))
    ticks = decades(times_ms)
    fig.update_xaxes(type="log", title="time of one resize (ms)", tickvals=ticks,
                     ticktext=[f"{t:g}" for t in ticks], minor=dict(showgrid=False), showgrid=True)
    fig.update_yaxes(title="PSNR (dB)")
    fig.update_layout(title="Quality against speed", margin=dict(l=60, r=20, t=50, b=50), height=420)
    return fig


def wipe_figure(composite: np.ndarray, split: int, left: str, right: str, *,
                panel_side: int = 900, height: int = 560) -> go.Figure:
    """An A/B wipe: ``left`` up to column ``split``, ``right`` after it, with a line between.

    The layout keeps the person's zoom when the figure is redrawn (``uirevision``), so flicking
    between A and B at one spot compares the same pixels.
    """
    factor = enlargement(composite.shape, panel_side)
    fig = image_figure(enlarge(composite, factor), max_side=max(panel_side, composite.shape[1]),
                       height=height)
    if factor > 1:
        _pixel_axes(fig.data[0], factor, "")
    width = composite.shape[1]
    if 0 < split < width:
        fig.add_vline(x=split - 0.5, line_color="#ff2d55", line_width=2)
    fig.add_annotation(x=0, y=0, xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                       text=f"◀ {left}", showarrow=False, bgcolor="rgba(0,0,0,0.6)",
                       font=dict(color="white", size=13))
    fig.add_annotation(x=1, y=0, xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                       text=f"{right} ▶", showarrow=False, bgcolor="rgba(0,0,0,0.6)",
                       font=dict(color="white", size=13))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_layout(margin=_MARGIN, uirevision="ab-compare")
    return fig


def difference_matrix_figure(matrix: np.ndarray, labels: list[str], *, title: str,
                             unit: str = "grey levels") -> go.Figure:
    """A symmetric matrix of differences between methods, each cell labelled with its number."""
    fig = go.Figure(go.Heatmap(
        z=matrix, x=labels, y=labels, colorscale="Reds", zmin=0, zmax=max(float(matrix.max()), 1.0),
        text=[[f"{v:.0f}" if float(v).is_integer() else f"{v:.2f}" for v in row] for row in matrix],
        texttemplate="%{text}", textfont=dict(size=16), xgap=2, ygap=2,
        colorbar=dict(title=dict(text=unit, side="right"), thickness=12),
        hovertemplate="%{y} vs %{x}: %{z}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    fig.update_layout(title=title, margin=dict(l=10, r=10, t=110, b=10), height=160 + 60 * len(labels))
    return fig
