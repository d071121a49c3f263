"""Figures for the pyramid-modules lesson: bins and taps drawn on the image, SPP vectors."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import _PALETTE, heatmap_grid_figure, image_figure, image_trace

MARGIN = dict(l=10, r=10, t=50, b=10)


Levels = list[tuple[str, list[float], list[float], list[tuple[str, float, float]]]]


def spp_bins_figure(image: np.ndarray, levels: Levels,
                    *, max_side: int = 512) -> go.Figure:
    """One panel per SPP level: the image with the bin borders, and shaded bands no bin pools.

    ``levels``: ``(title, row_lines, col_lines, uncovered_bands)``, bands as ``(kind, start, end)``
    with ``kind`` ``"rows"`` or ``"cols"`` and the ends in pixels along that axis.
    """
    fig = make_subplots(rows=1, cols=len(levels), subplot_titles=[lvl[0] for lvl in levels],
                        horizontal_spacing=0.02)
    height, width = image.shape[:2]
    for i, (_, row_lines, col_lines, bands) in enumerate(levels):
        fig.add_trace(image_trace(image, max_side), row=1, col=i + 1)
        axis = "" if i == 0 else str(i + 1)
        for y in row_lines:
            fig.add_shape(type="line", x0=-0.5, x1=width - 0.5, y0=y, y1=y, xref=f"x{axis}", yref=f"y{axis}",
                          line=dict(color="#ffcc00", width=2))
        for x in col_lines:
            fig.add_shape(type="line", y0=-0.5, y1=height - 0.5, x0=x, x1=x, xref=f"x{axis}", yref=f"y{axis}",
                          line=dict(color="#ffcc00", width=2))
        for kind, start, end in bands:
            box = dict(x0=-0.5, x1=width - 0.5, y0=start, y1=end) if kind == "rows" else dict(
                y0=-0.5, y1=height - 0.5, x0=start, x1=end)
            fig.add_shape(type="rect", **box, xref=f"x{axis}", yref=f"y{axis}", line=dict(width=0),
                          fillcolor="rgba(255,0,80,0.45)")
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    for i in range(len(levels)):
        suffix = "" if i == 0 else str(i + 1)
        fig.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    fig.update_layout(margin=MARGIN, height=int(900 / len(levels) * height / width) + 80, showlegend=False)
    return fig


def spp_vector_figure(vector: np.ndarray, level_names: list[str], level_lengths: list[int]) -> go.Figure:
    """The fixed-length SPP vector as bars, one colour per pyramid level."""
    fig = go.Figure()
    start = 0
    for i, (name, length) in enumerate(zip(level_names, level_lengths)):
        fig.add_trace(go.Bar(x=np.arange(start, start + length), y=vector[start:start + length], name=name,
                             marker_color=_PALETTE[i % len(_PALETTE)], marker_line_width=0))
        start += length
    fig.update_layout(title=f"The SPP vector: {len(vector)} numbers", bargap=0, margin=MARGIN, height=320,
                      xaxis_title="position in the vector", yaxis_title="pooled value",
                      legend=dict(orientation="h", y=-0.3))
    return fig


def taps_figure(image: np.ndarray, taps: dict[str, list[tuple[float, float, bool]]],
                fields: dict[str, tuple[float, float, float]], *, max_side: int = 900) -> go.Figure:
    """ASPP at one unit: each branch's 3×3 taps (hollow where they fall into padding) and its
    theoretical receptive field as a square ``(centre_y, centre_x, size)``."""
    fig = image_figure(image, title="Taps of every branch at the clicked unit (hollow: padding)",
                       max_side=max_side, height=560)
    height, width = image.shape[:2]
    for i, (name, points) in enumerate(taps.items()):
        colour = _PALETTE[(i + 1) % len(_PALETTE)]
        ys, xs, valid = zip(*points)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=name, hoverinfo="skip",
                                 marker=dict(size=11, color=[colour if v else "rgba(0,0,0,0)" for v in valid],
                                             line=dict(color=colour, width=2), symbol="circle")))
    for i, (name, (cy, cx, size)) in enumerate(fields.items()):
        colour = _PALETTE[i % len(_PALETTE)]
        fig.add_shape(type="rect", x0=cx - size / 2, x1=cx + size / 2, y0=cy - size / 2, y1=cy + size / 2,
                      line=dict(color=colour, width=1.5, dash="dot"))
        fig.add_annotation(x=cx - size / 2, y=cy - size / 2, text=f"{name}: {size:.0f} px", showarrow=False,
                           xanchor="left", yanchor="bottom", font=dict(color=colour, size=11))
    fig.update_xaxes(range=[-0.5, width - 0.5])
    fig.update_yaxes(range=[height - 0.5, -0.5], autorange=False)
    fig.update_layout(legend=dict(orientation="h", y=-0.08))
    return fig


SEGMENTATION_SIDE = 640   # the segmenters see at most 512 px, so their labels are sent unshrunk
CLASS_COLOURS = ("#303030", "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6")


def segmentation_figure(image: np.ndarray, panels: list[tuple[str, np.ndarray]], classes: list[str]) -> go.Figure:
    """The image, then each ``(title, labels)`` panel in class colours, with a legend of the classes."""
    fig = make_subplots(rows=1, cols=1 + len(panels), subplot_titles=["image", *[t for t, _ in panels]],
                        horizontal_spacing=0.02)
    fig.add_trace(image_trace(image, SEGMENTATION_SIDE, "image"), row=1, col=1)   # PNGs, not arrays
    palette = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in CLASS_COLOURS], np.uint8)
    for index, (title, labels) in enumerate(panels, start=2):
        fig.add_trace(image_trace(palette[np.asarray(labels) % len(palette)], SEGMENTATION_SIDE, title),
                      row=1, col=index)
    for k, name in enumerate(classes):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker=dict(size=12, symbol="square", color=CLASS_COLOURS[k % len(CLASS_COLOURS)])))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(margin=MARGIN, height=360, legend=dict(orientation="h"))
    return fig


def ablation_figure(bins: list[str], rows: dict[str, dict[str, float | None]]) -> go.Figure:
    """IoU per object-size bin: the full head as a thick line, each head with one branch dropped beside it."""
    fig = go.Figure()
    for name, values in rows.items():
        fig.add_trace(go.Scatter(x=bins, y=[values.get(b) for b in bins], mode="lines+markers",
                                 name="full head" if name == "full" else f"without {name}",
                                 line=dict(width=4 if name == "full" else 2, dash=None if name == "full" else "dot")))
    fig.update_layout(title="IoU by object size, one branch removed at a time", xaxis_title="object side (px)",
                      yaxis_title="IoU", yaxis_range=[0, 1], margin=MARGIN, height=380)
    return fig


def taps_units_figure(image: np.ndarray, taps: dict, boxes: dict, feature_shape: tuple[int, int],
                      geometry: object) -> go.Figure:
    """:func:`taps_figure` with an invisible, clickable marker on every feature unit (its row, column)."""
    fig = taps_figure(image, taps, boxes)
    feature_h, feature_w = feature_shape
    start, jump = float(geometry.start), float(geometry.jump)  # type: ignore[attr-defined]
    step = max(1, int(np.ceil(np.sqrt(feature_h * feature_w / 3000))))
    ys, xs = np.mgrid[0:feature_h:step, 0:feature_w:step]
    fig.add_trace(go.Scatter(
        x=(start + xs * jump).ravel(), y=(start + ys * jump).ravel(),
        customdata=np.stack([ys.ravel(), xs.ravel()], axis=1), mode="markers", showlegend=False,
        marker=dict(size=max(4, jump * step), opacity=0),
        hovertemplate="unit (%{customdata[0]}, %{customdata[1]})<extra></extra>"))
    return fig


def unit_fields_figure(trained: dict, untrained: dict) -> go.Figure:
    """Each branch's unit field (``name → UnitERF``): the trained network above, its initial weights below."""
    rows = [("trained", trained), ("untrained", untrained)]
    return heatmap_grid_figure(
        [f.values for _, fields in rows for f in fields.values()],
        [f"{kind} {name}: {f.spread:.0f} px" + (" (pre-ReLU)" if f.before_relu else "")
         for kind, fields in rows for name, f in fields.items()],
        cols=len(trained), colorbar_title="|∂unit/∂pixel| (max 1)", max_side=300)
