"""Figures of the scale-invariance lesson: small activation matrices, where a pattern holds, curves
against a scale (log axis, powers of two) and against a swept parameter."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import MARGIN, lines_figure
from ui.imaging import DIVERGING


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
    fig.update_layout(margin=MARGIN, height=260)
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


_FRACTIONS = {-2: "¼", -1: "½"}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_two_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick values 2^k for every whole k with ``low ≤ 2^k ≤ high``, labelled ¼×, ½×, 1×, 2×, 4× …"""
    first, last = math.ceil(math.log2(low) - 1e-9), math.floor(math.log2(high) + 1e-9)
    values = [2.0**k for k in range(first, last + 1)]
    labels = [f"{_FRACTIONS[k]}×" if k in _FRACTIONS else f"{2**k:g}×" if k >= 0
              else f"2{str(k).translate(_SUPERSCRIPT)}×"
              for k in range(first, last + 1)]
    return values, labels


def scale_curves_figure(scales: list[float], series: dict[str, np.ndarray], *, title: str, x_title: str,
                        y_title: str, spread: dict[str, np.ndarray] | None = None, dashed: tuple[str, ...] = (),
                        y_range: tuple[float, float] | None = (0, 1.05)) -> go.Figure:
    """Curves against a scale on a log axis labelled only at powers of two (no minor-tick labels);
    the series named in ``dashed`` (e.g. other kinds of network) are drawn dashed."""
    fig = lines_figure(list(scales), series, title=title, x_title=x_title, y_title=y_title, spread=spread,
                       log_x=True, y_range=y_range)
    values, labels = power_of_two_ticks(min(scales), max(scales))
    fig.update_xaxes(type="log", tickmode="array", tickvals=values, ticktext=labels, minor=dict(showgrid=False))
    for name in dashed:
        fig.update_traces(line=dict(dash="dash", width=3), selector=dict(name=name))
    return fig


def sweep_figure(x: list[float], series: dict[str, np.ndarray], *, chosen: float, title: str, x_title: str,
                 y_title: str, y_range: tuple[float, float] | None = None, marker: str = "chosen") -> go.Figure:
    """Curves against a parameter on a linear axis, with a dotted vertical line at the chosen value."""
    fig = lines_figure(list(x), series, title=title, x_title=x_title, y_title=y_title, y_range=y_range)
    fig.add_vline(x=chosen, line=dict(dash="dot", color="#555"), annotation_text=marker,
                  annotation_position="top")
    return fig
