"""What ``benchmarks.browser`` watches in a page: the server's messages, HTTP responses, and when it settles.

* :func:`serve` starts ``streamlit run SCRIPT`` on a free loopback port (the app, or the one-figure
  reference page), as the browser tests do.
* :class:`Recorder` decodes every websocket frame the server sends (Streamlit's ``ForwardMsg``
  protobuf) with the time it arrived, keeps each Plotly chart's JSON spec, and the HTTP requests;
  ``phase()`` starts a new count before each action.
* :func:`settle` waits until the script run the action started has finished, the page has the
  charts that run sent, every Plotly chart is drawn (its SVG, a canvas for WebGL traces, an
  ``<image>`` per image/heatmap trace) and nothing in the document has changed for ``QUIET_MS``;
  the settle time is the page's last change, read off the page's own clock.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.e2e.conftest import running_server

QUIET_MS = 300
# ``ScriptFinishedStatus`` values that end a run (early-for-rerun does not: another run follows).
_RUN_ENDED = (0, 1, 3)

# Every page-side clock below is ``performance.now()``: milliseconds since the document's navigation.
INIT_SCRIPT = """
window.__lastMutation = 0;
new MutationObserver(() => { window.__lastMutation = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
DRAWN = """([expected, quietMs, sidebarText]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (sidebarText && !(document.querySelector('[data-testid="stSidebar"]')?.innerText || '').includes(sidebarText))
    return false;
  const plots = document.querySelectorAll('.js-plotly-plot');
  if (plots.length < expected) return false;
  for (const el of plots) {
    if (!el._fullLayout || !el.querySelector('svg.main-svg')) return false;
    const types = (el._fullData || []).filter(t => t.visible === true).map(t => t.type);
    if (types.some(t => /gl|3d|surface|mesh|cone|volume/.test(t)) && !el.querySelector('canvas')) return false;
    const pictures = types.filter(t => t === 'image' || t === 'heatmap').length;
    const drawn = [...el.querySelectorAll('svg image')].filter(i => i.getAttribute('href')).length;
    if (drawn < pictures) return false;
  }
  return performance.now() - window.__lastMutation >= quietMs;
}"""


def serve(script: Path, log_dir: Path):
    """``streamlit run script`` on a free loopback port, healthy within 90 s on a loaded machine; yield its URL."""
    return running_server(log_dir, script, healthy_within_s=90)


@dataclass
class Phase:
    """What the server sent after one action (page load, slider move, upload)."""

    start: float                                            # perf_counter at the action
    frames: list[tuple[float, int, str]] = field(default_factory=list)   # (time, bytes, kind)
    charts: dict[str, str] = field(default_factory=dict)    # chart id → spec JSON, sent in full
    run_charts: set[str] = field(default_factory=set)       # chart ids of the latest run, full or by reference
    requests: list = field(default_factory=list)            # Playwright Requests finished
    run_started: float | None = None                        # first run start (new_session)
    run_finished: float | None = None                       # last run end (script_finished)
    runs: int = 0
    endings: list[int] = field(default_factory=list)       # every run's ScriptFinishedStatus, in order
    running: bool = False
    http: dict[bool, int] = field(default_factory=dict)     # static? → body bytes, once counted

    @property
    def figures(self) -> list[str]:
        """The names of the figures sent, in full or by reference to an identical earlier message."""
        return [kind.split(" ")[1] for _, _, kind in self.frames if kind.startswith("figure ")]

    @property
    def ws_bytes(self) -> int:
        return sum(size for _, size, _ in self.frames)

    def count_http(self) -> None:
        """Read the body sizes of the requests (call before the browser context closes)."""
        if not self.http:
            self.http = {False: 0, True: 0}
            for request in self.requests:
                with contextlib.suppress(Exception):
                    self.http["/static/" in request.url] += max(0, request.sizes()["responseBodySize"])

    def http_bytes(self, static: bool) -> int:
        return self.http.get(static, 0)

    @property
    def figure_bytes(self) -> int:
        return sum(len(spec.encode()) for spec in self.charts.values())


class Recorder:
    """Decode the frames a page's websocket receives, into the current :class:`Phase`."""

    def __init__(self, page) -> None:
        self.current = Phase(time.perf_counter())
        self._by_hash: dict[str, str] = {}      # message hash → chart id, for reference messages
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        page.on("requestfinished", lambda request: self.current.requests.append(request))

    def phase(self) -> Phase:
        self.current = Phase(time.perf_counter())
        return self.current

    def _frame(self, payload: bytes | str) -> None:
        now = time.perf_counter()
        data = payload if isinstance(payload, bytes) else payload.encode()
        phase = self.current
        try:
            message = ForwardMsg.FromString(data)
        except Exception:   # not a ForwardMsg: counted, not decoded
            phase.frames.append((now, len(data), "other"))
            return
        kind = message.WhichOneof("type") or "other"
        if kind == "new_session":
            phase.run_started = phase.run_started or now
            phase.running, phase.run_charts = True, set()
        elif kind == "script_finished":
            phase.endings.append(message.script_finished)
            if message.script_finished in _RUN_ENDED:
                phase.running, phase.run_finished = False, now
                phase.runs += 1
        elif kind == "delta" and message.delta.WhichOneof("type") != "new_element":
            kind = f"delta {message.delta.WhichOneof('type')}"
        elif kind == "delta":
            element = message.delta.new_element
            kind = f"element:{element.WhichOneof('type')}"
            if kind == "element:plotly_chart":
                chart = element.plotly_chart
                kind = f"figure {chart_name(chart.id)}"
                phase.charts[chart.id] = chart.spec
                phase.run_charts.add(chart.id)
                if message.hash:
                    self._by_hash[message.hash] = chart.id
        elif kind == "ref_hash" and message.ref_hash in self._by_hash:
            kind = f"figure {chart_name(self._by_hash[message.ref_hash])} (by reference)"
            phase.run_charts.add(self._by_hash[message.ref_hash])
        phase.frames.append((now, len(data), kind))


def chart_name(chart_id: str) -> str:
    """The figure's name from a chart's element id (``show_figure`` keys charts ``figure-<name>``)."""
    return chart_id.split("-figure-", 1)[1] if "-figure-" in chart_id else chart_id


def longest_waits(phase: Phase, count: int = 3) -> list[tuple[float, str]]:
    """The longest gaps between consecutive messages of the script run, named "previous → next".

    The server sends each element as soon as the script reaches it, so the gap before an element
    is the time the script spent computing it (plus encoding and sending it); a spinner's
    ``new_transient`` message ends the wait for the computation shown under that spinner.
    """
    frames = sorted(phase.frames)
    named = [(now, "spinner" if kind == "delta new_transient" else kind) for now, _, kind in frames]
    gaps = [(now - before, f"{previous} → {kind}")
            for (before, previous), (now, kind) in zip(named, named[1:], strict=False)
            if phase.run_started and now > phase.run_started]
    return sorted(gaps, reverse=True)[:count]


def settle(page, recorder: Recorder, page_start_ms: float, sidebar_text: str = "",
           timeout_s: float = 240.0) -> float:
    """Seconds from ``page_start_ms`` (page clock) to the page's last change once settled."""
    phase = recorder.current
    deadline = time.perf_counter() + timeout_s
    while True:
        while phase.runs == 0 or phase.running:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no finished script run within {timeout_s:.0f} s")
            page.wait_for_timeout(20)
        runs = phase.runs
        left_ms = max(1_000, (deadline - time.perf_counter()) * 1e3)
        page.wait_for_function(DRAWN, arg=[len(phase.run_charts), QUIET_MS, sidebar_text],
                               polling=50, timeout=left_ms)
        if phase.runs == runs and not phase.running:
            return (page.evaluate("window.__lastMutation") - page_start_ms) / 1e3


# --- what the figures send -------------------------------------------------------------------

def _count(values) -> tuple[int, str]:
    """Number of values in a Plotly array, and how it travels (JSON numbers or base64 typed array)."""
    if isinstance(values, dict) and "bdata" in values:
        shape = [int(s) for s in str(values.get("shape", "0")).replace(" ", "").split(",") if s]
        total = 1
        for side in shape:
            total *= side
        if not shape:
            total = len(values["bdata"]) * 3 // 4
        return total, f"base64 {values.get('dtype', '?')} [{'×'.join(map(str, shape))}]"
    if isinstance(values, list):
        total = sum(_count(v)[0] if isinstance(v, list | dict) else 1 for v in values)
        return total, "JSON numbers"
    return 0, ""


@dataclass(frozen=True)
class Heavy:
    """A trace that sends pixel or grid values as JSON."""

    figure: str
    trace: str
    values: int
    encoding: str
    trace_bytes: int
    figure_bytes: int


def heavy_traces(charts: dict[str, str], min_values: int = 50_000) -> list[Heavy]:
    """Heatmap/image traces with more than ``min_values`` values in ``z``, and image traces without ``source``."""
    found = []
    for chart_id, spec in charts.items():
        name = chart_name(chart_id)
        figure = json.loads(spec)
        for index, trace in enumerate(figure.get("data", [])):
            kind = trace.get("type", "scatter")
            if kind not in ("heatmap", "image"):
                continue
            values, encoding = _count(trace.get("z"))
            if values > min_values or (kind == "image" and "source" not in trace):
                found.append(Heavy(name, f"#{index} {kind}", values, encoding,
                                   len(json.dumps(trace, separators=(",", ":")).encode()), len(spec.encode())))
    return found
