"""Figure builders for the down- and upsampling lesson: arrays in, a Plotly figure out.

Images travel as PNG data URIs (see :mod:`ui.figures`); small grids of numbers travel as
heat maps with each value written in its cell.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import image_figure
from ui.imaging import SEQUENTIAL, compose_row

MARGIN = dict(l=10, r=10, t=40, b=10)


def true_size_row_figure(images: list[np.ndarray], titles: list[str], *, title: str = "",
                         max_side: int = 2400, page_width: int = 900) -> go.Figure:
    """Images left to right at their native size (one axis unit = one pixel of each), bottom
    aligned, each labelled underneath with its title (``<br>`` breaks lines).

    The height follows the row's aspect on a page about ``page_width`` pixels wide, so no band
    of empty space sits above or below the images.
    """
    if len(images) != len(titles):
        raise ValueError(f"{len(images)} images but {len(titles)} titles.")
    canvas, origins = compose_row(images)
    drawn_height = int(np.clip(page_width * canvas.shape[0] / canvas.shape[1], 150, 700))
    fig = image_figure(canvas, title=title, max_side=max_side, height=drawn_height + 100)
    for (_top, left), image, label in zip(origins, images, titles):
        fig.add_annotation(x=left + image.shape[1] / 2, y=canvas.shape[0], yanchor="top",
                           text=label, showarrow=False, font=dict(size=12))
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=50))
    hide_axes(fig)
    return fig


def hide_axes(fig: go.Figure) -> None:
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="")
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False, showline=False, ticks="")


def cell_text(values: np.ndarray) -> list[list[str]]:
    """What to write in each cell: whole numbers as they are, others to two decimals.

    >>> cell_text(np.array([[1.0, 2.25], [0.333, -0.0]]))
    [['1', '2.25'], ['0.33', '0']]
    """
    return [[f"{round(float(v), 2) + 0.0:g}" for v in row] for row in values]


def number_grids_figure(arrays: list[np.ndarray], titles: list[str], *,
                        colorscale: str = SEQUENTIAL, height: int = 340) -> go.Figure:
    """Small 2-D arrays side by side as square cells with their values written in, on one
    shared colour scale; each panel's width follows its number of columns."""
    if len(arrays) != len(titles):
        raise ValueError(f"{len(arrays)} arrays but {len(titles)} titles.")
    low = min(float(a.min()) for a in arrays)
    high = max(float(a.max()) for a in arrays)
    fig = make_subplots(rows=1, cols=len(arrays), subplot_titles=titles,
                        column_widths=[a.shape[1] for a in arrays], horizontal_spacing=0.06)
    for i, values in enumerate(arrays):
        fig.add_trace(go.Heatmap(z=values, text=cell_text(values), texttemplate="%{text}",
                                 colorscale=colorscale, zmin=low, zmax=high, showscale=False,
                                 xgap=2, ygap=2,
                                 hovertemplate="row %{y}, column %{x}: %{text}<extra></extra>"),
                      row=1, col=i + 1)
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    fig.update_yaxes(autorange="reversed")
    fig.update_annotations(font_size=14)   # the panel titles: short enough for a narrow 3-wide panel
    hide_axes(fig)
    fig.update_layout(margin=MARGIN, height=height)
    return fig


def overlap_counts_figure(counts: np.ndarray, interior: slice, *, title: str = "") -> go.Figure:
    """A transposed convolution's stamps per output pixel, the count written in each cell and
    the interior (where the border plays no part) outlined."""
    fig = go.Figure(go.Heatmap(z=counts, text=counts.astype(int).astype(str), texttemplate="%{text}",
                               colorscale=SEQUENTIAL, zmin=0, xgap=1, ygap=1,
                               colorbar=dict(title=dict(text="stamps", side="right"), thickness=12),
                               hovertemplate="row %{y}, column %{x}: %{z} stamps<extra></extra>"))
    first, last = interior.start, interior.stop - 1
    if last >= first:
        fig.add_shape(type="rect", x0=first - 0.5, y0=first - 0.5, x1=last + 0.5, y1=last + 0.5,
                      line=dict(color="#ff2d55", width=3))
    fig.update_yaxes(autorange="reversed", scaleanchor="x")
    hide_axes(fig)
    fig.update_layout(title=title, margin=MARGIN, height=min(640, 140 + 18 * counts.shape[0]))
    return fig


def shift_change_figure(names: list[str], changes: list[float]) -> go.Figure:
    """One bar per downsampling method: how much a one-pixel shift of the input changes its
    output (0: not at all)."""
    fig = go.Figure(go.Bar(x=names, y=changes, text=[f"{c:.3f}" for c in changes],
                           textposition="outside", marker_color="#4c78a8"))
    fig.update_yaxes(title="change ÷ the output's own variation", rangemode="tozero")
    fig.update_layout(title="How much the output changes when the input moves by one pixel",
                      margin=MARGIN, height=360)
    return fig
