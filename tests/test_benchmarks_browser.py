"""The browser benchmark's bookkeeping, without a browser: frame decoding, the figure audit, waits."""

import numpy as np
import plotly.graph_objects as go
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.browser_probe import Phase, Recorder, heavy_traces, longest_waits


class _Page:
    def __init__(self):
        self.handlers = {}

    def on(self, event, handler):
        self.handlers[event] = handler


def _chart_message(chart_id: str, spec: str) -> bytes:
    message = ForwardMsg()
    message.delta.new_element.plotly_chart.id = chart_id
    message.delta.new_element.plotly_chart.spec = spec
    return message.SerializeToString()


def test_frames_are_decoded_into_runs_charts_and_bytes():
    recorder = Recorder(_Page())
    phase = recorder.phase()
    start, chart, finish = ForwardMsg(), _chart_message("$$ID-1a2b-figure-spectrum", '{"data": []}'), ForwardMsg()
    start.new_session.name = "app"
    finish.script_finished = 0     # FINISHED_SUCCESSFULLY
    frames = [start.SerializeToString(), chart, finish.SerializeToString()]
    for frame in frames:
        recorder._frame(frame)
    assert phase.runs == 1 and not phase.running
    assert phase.charts == {"$$ID-1a2b-figure-spectrum": '{"data": []}'}
    assert phase.figure_bytes == len('{"data": []}')
    assert phase.ws_bytes == sum(len(f) for f in frames)
    assert [kind for _, _, kind in phase.frames] == ["new_session", "figure spectrum", "script_finished"]

    early = ForwardMsg()
    early.script_finished = 2      # FINISHED_EARLY_FOR_RERUN: another run follows, not the end
    second = recorder.phase()
    recorder._frame(start.SerializeToString())
    recorder._frame(early.SerializeToString())
    assert second.runs == 0 and second.running


def test_the_audit_flags_pixels_sent_as_arrays_and_not_png_sources():
    rgb = np.zeros((200, 300, 3), np.uint8)
    image_z = go.Figure(go.Image(z=rgb))
    image_png = go.Figure(go.Image(source="data:image/png;base64,iVBORw0KGgo="))
    small_heatmap = go.Figure(go.Heatmap(z=np.ones((100, 100))))        # 10 000 values: fine
    big_heatmap = go.Figure(go.Heatmap(z=np.ones((300, 300)).tolist()))   # 90 000 as JSON numbers
    found = heavy_traces({"$$ID-a-figure-seg": image_z.to_json(), "$$ID-b-figure-photo": image_png.to_json(),
                          "$$ID-c-figure-small": small_heatmap.to_json(), "$$ID-d-figure-big": big_heatmap.to_json()})
    by_figure = {h.figure: h for h in found}
    assert set(by_figure) == {"seg", "big"}
    assert by_figure["seg"].values == 200 * 300 * 3
    assert by_figure["seg"].trace == "#0 image"
    assert by_figure["seg"].encoding.startswith("base64 u1")
    assert by_figure["seg"].trace_bytes >= 200 * 300 * 3 * 4 // 3      # base64 of every byte at least
    assert by_figure["big"].values == 90_000 and by_figure["big"].encoding == "JSON numbers"
    assert by_figure["big"].trace_bytes >= 2 * 90_000                   # "1," or "1.0," per value


def test_longest_waits_name_the_message_that_ended_each_wait():
    phase = Phase(start=0.0, run_started=1.0)
    phase.frames = [(1.0, 10, "new_session"), (1.2, 10, "element:markdown"), (4.2, 10, "figure spectrum"),
                    (4.3, 10, "figure pyramid"), (5.3, 10, "script_finished")]
    waits = longest_waits(phase, count=2)
    assert [kind for _, kind in waits] == ["element:markdown → figure spectrum",
                                          "figure pyramid → script_finished"]
    assert abs(waits[0][0] - 3.0) < 1e-9 and abs(waits[1][0] - 1.0) < 1e-9
