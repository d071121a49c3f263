"""Figure builders for the DownsizeNet lesson: arrays and numbers in, a Plotly figure out."""

from __future__ import annotations

import textwrap

import cv2
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import image_grid_figure

_MARGIN = dict(l=10, r=10, t=40, b=10)
_TEXTURE = "#4c78a8"      # the texture branch
_DISTANCE = "#f58518"     # the distance branch
_FUSION = "#54a24b"       # where they meet
_PIXELS = "#b279a2"       # image pixels


ARCHITECTURE_FONT = 18   # px: readable on a 1280×720 projector
_WRAP = 15               # characters per line of a box's name


def architecture_figure(stages: list[tuple[str, str, int]], layers: int) -> go.Figure:
    """DownsizeNet drawn as seven boxes in five columns, text at :data:`ARCHITECTURE_FONT` px.

    ``stages`` is, in order: the input, ``layers`` convolutions, the selection pooling, the
    distance map, the concatenation, the 1×1 convolution and the weighted sum — each as
    ``(name, shape, parameters)``. The convolutions share one box and the concatenation joins
    the 1×1 convolution's, so that five columns fit across a 1280-px screen. The texture branch
    runs along the top, the distance branch along the bottom, where they meet in the middle; the
    image's own pixels travel over the top to the weighted sum.
    """
    if len(stages) != layers + 6:
        raise ValueError(f"Expected {layers + 6} stages for {layers} layers, got {len(stages)}.")
    convs = stages[1:1 + layers]
    pool, distance, concat, head, mix = stages[layers + 1:]
    conv_name = convs[0][0].replace(" 1 ", " ") if layers == 1 else f"{layers} × {convs[0][0].replace(' 1 ', ' ')}"
    boxes = [  # (column, row, name, shape, parameters, colour)
        (0, 2, stages[0][0], stages[0][1], 0, _PIXELS),
        (1, 2, conv_name, convs[-1][1], sum(c[2] for c in convs), _TEXTURE),
        (2, 2, pool[0], pool[1], 0, _TEXTURE),
        (1, 0, "project Q onto the input: P, dx, dy", "", 0, _DISTANCE),
        (2, 0, distance[0], distance[1], 0, _DISTANCE),
        (3, 1, f"{concat[0]} ({concat[1].split(' ')[0]}) → {head[0]}", head[1], head[2], _FUSION),
        (4, 1, f"{mix[0]} → output", mix[1], 0, _PIXELS),
    ]
    step, width, height, rise = 2.35, 2.1, 1.5, 1.85
    fig = go.Figure()
    centres = []
    for col, row, name, shape, parameters, colour in boxes:
        x, y = col * step, row * rise
        centres.append((x, y))
        fig.add_shape(type="rect", x0=x - width / 2, x1=x + width / 2, y0=y - height / 2, y1=y + height / 2,
                      line=dict(color=colour, width=2), fillcolor=colour, opacity=0.18, layer="below")
        lines = [f"<b>{line}</b>" for line in textwrap.wrap(name, _WRAP)] + ([shape] if shape else [])
        if parameters:
            lines.append(f"{parameters:,} params")
        fig.add_annotation(x=x, y=y, text="<br>".join(lines), showarrow=False,
                           font=dict(size=ARCHITECTURE_FONT, color="#222"))

    def arrow(start: int, end: int, colour: str = "#555") -> None:
        (x0, y0), (x1, y1) = centres[start], centres[end]
        fig.add_annotation(x=x1 - width / 2, y=y1, ax=x0 + width / 2, ay=y0, xref="x", yref="y",
                           axref="x", ayref="y", showarrow=True, arrowhead=3, arrowwidth=2,
                           arrowcolor=colour, text="")

    for start, end in ((0, 1), (1, 2), (3, 4), (2, 5), (4, 5), (5, 6)):
        arrow(start, end)
    # The input's pixels go over the top to the weighted sum: the coefficients mix real pixels.
    (x0, y0), (x1, y1) = centres[0], centres[6]
    top = 2 * rise + height / 2 + 0.45
    route = f"M {x0},{y0 + height / 2} L {x0},{top} L {x1},{top} L {x1},{y1 + height / 2 + 0.12}"
    fig.add_shape(type="path", path=route, line=dict(color=_PIXELS, width=2, dash="dot"))
    fig.add_annotation(x=x1, y=y1 + height / 2, ax=x1, ay=y1 + height / 2 + 0.2, xref="x", yref="y",
                       axref="x", ayref="y", showarrow=True, arrowhead=3, arrowcolor=_PIXELS, text="")
    below = 2 * rise - height / 2 - 0.04
    labels = [((x0 + x1) / 2, top, "bottom", _PIXELS, "the K neighbours of each output pixel Q, from the full image"),
              (step * 1.5, below, "top", _TEXTURE, "texture: what the pixels around P look like"),
              (step * 1.5, -height / 2 - 0.04, "top", _DISTANCE, "distance: where Q falls between its neighbours")]
    for x, y, anchor, colour, text in labels:
        fig.add_annotation(x=x, y=y, yanchor=anchor, showarrow=False, text=text,
                           font=dict(size=ARCHITECTURE_FONT, color=colour))
    fig.update_xaxes(visible=False, range=[-width / 2 - 0.1, 4 * step + width / 2 + 0.1], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-height / 2 - 0.45, top + 0.4], fixedrange=True)
    fig.update_layout(margin=dict(l=5, r=5, t=5, b=5), height=560, plot_bgcolor="white", showlegend=False)
    return fig


def enlarge(image: np.ndarray, side: int) -> np.ndarray:
    """Nearest-neighbour enlargement to ``side`` pixels on the long side, so pixels stay square
    blocks in the browser instead of being smoothed."""
    height, width = image.shape[:2]
    scale = side / max(height, width)
    if scale <= 1:
        return image
    return cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                      interpolation=cv2.INTER_NEAREST)


def examples_figure(originals: list[np.ndarray], labels: list[str], downsized: dict[str, list[np.ndarray]],
                    *, side: int = 150) -> go.Figure:
    """One row per example: the original, then each method's small result, all shown at one size."""
    methods = list(downsized)
    images, titles = [], []
    for i, (original, label) in enumerate(zip(originals, labels, strict=True)):
        images.append(enlarge(original, side))
        titles.append(f"{label} · {original.shape[1]}×{original.shape[0]}")
        for method in methods:
            small = downsized[method][i]
            images.append(enlarge(small, side))
            titles.append(f"{method} · {small.shape[1]}×{small.shape[0]}")
    return image_grid_figure(images, titles, cols=len(methods) + 1, max_side=side, row_height=210)


def training_curves_figure(loss_steps, losses, accuracy_steps, accuracies, *, steps: int,
                           chance: float) -> go.Figure:
    """Training loss (left axis) and validation accuracy (right axis) against the step."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=list(loss_steps), y=list(losses), mode="lines", name="training loss",
                             line=dict(color="#1f77b4", width=1)), secondary_y=False)
    fig.add_trace(go.Scatter(x=list(accuracy_steps), y=list(accuracies), mode="lines+markers",
                             name="validation accuracy", line=dict(color="#d62728")), secondary_y=True)
    fig.add_hline(y=chance, line=dict(color="#d62728", dash="dot", width=1), secondary_y=True,
                  annotation_text="chance", annotation_position="bottom right")
    top = max([1.0, *losses]) * 1.05
    fig.update_xaxes(title="step", range=[0, steps])
    fig.update_yaxes(title="cross-entropy", range=[0, top], showgrid=False, secondary_y=False)
    fig.update_yaxes(title="accuracy", range=[0, 1.02], tickformat=".0%", dtick=0.25, secondary_y=True)
    fig.update_layout(margin=_MARGIN, height=330, legend=dict(orientation="h", y=1.12))
    return fig


def comparison_figure(methods: list[str], accuracy: np.ndarray, seeds: list[int], *, chance: float) -> go.Figure:
    """Mean test accuracy per method with ± one standard deviation over seeds, and each seed's dot.

    ``accuracy`` is ``(len(methods), len(seeds))``; NaN cells (not run) are left out.
    """
    fig = go.Figure()
    means = [float(np.nanmean(row)) if np.isfinite(row).any() else np.nan for row in accuracy]
    spreads = [float(np.nanstd(row, ddof=1)) if np.isfinite(row).sum() > 1 else 0.0 for row in accuracy]
    fig.add_trace(go.Bar(x=methods, y=means, error_y=dict(type="data", array=spreads, visible=True),
                         marker_color=["#54a24b" if m == "downsizenet" else "#4c78a8" for m in methods],
                         text=[f"{m:.3f}" if np.isfinite(m) else "" for m in means], textposition="inside",
                         insidetextanchor="start",
                         name="mean ± std"))
    for j, seed in enumerate(seeds):
        fig.add_trace(go.Scatter(x=methods, y=accuracy[:, j], mode="markers", name=f"seed {seed}",
                                 marker=dict(size=8, symbol="circle-open", color="#333")))
    fig.add_hline(y=chance, line=dict(dash="dot", color="#888"), annotation_text="chance")
    fig.update_yaxes(title="test accuracy", range=[0, 1.02])
    fig.update_layout(margin=_MARGIN, height=380, showlegend=False,
                      title="Test accuracy, same classifier, data, seeds and steps")
    return fig
