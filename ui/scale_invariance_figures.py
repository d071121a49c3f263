"""Figures of the scale-invariance lesson: small activation matrices and where a pattern holds."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import MARGIN
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
