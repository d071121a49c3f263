"""Shared figure builders: what a reader sees on the axes."""

import numpy as np

from ui.figures import lines_figure


def test_a_log_axis_labels_only_the_measured_scales():
    scales = [0.25, 0.5, 1, 2, 4]
    fig = lines_figure(scales, {"a": np.linspace(0, 1, 5)}, title="t", x_title="scale", y_title="y", log_x=True)
    axis = fig.layout.xaxis
    assert axis.type == "log"
    assert list(axis.tickvals) == scales          # no "2, 5" minor labels between decades
    assert list(axis.ticktext) == ["0.25", "0.5", "1", "2", "4"]


def test_a_linear_axis_keeps_plotly_ticks():
    fig = lines_figure([1, 2, 3], {"a": np.ones(3)}, title="t", x_title="x", y_title="y")
    assert fig.layout.xaxis.type is None and fig.layout.xaxis.tickvals is None
