"""Every page in Chromium against a live server: time to a settled page, as a ratio to a one-figure page.

Run: ``.venv/bin/python -m benchmarks.browser [--repeats N] [--pages home,pyramids,...]`` (or
``python -m benchmarks browser``; ``BROWSER_REPEATS=1`` there for a quick run). Two servers run
side by side on this machine: the app, and ``benchmarks/one_figure_page.py`` (a slider and one
small Plotly figure). Each visit to a lesson is preceded by a visit to the reference page, so
load on the machine hits both alike, and each time is quoted as the ratio of the medians.

A visit opens a fresh browser context (an empty browser cache, a new session) and measures:
the page with the default sample until settled (script idle, every chart drawn, the document
unchanged for 300 ms; see :mod:`benchmarks.browser_probe`), one step of its first slider, one
step of a slider inside one section (``SECTION_SLIDERS``; it reruns that section only), a
2048×2048 PNG uploaded through the sidebar (a new picture every visit, so nothing is cached on
the server), and one more slider step. Before the timed rounds every page is opened once cold.
Bytes are what the server sends: websocket frames plus HTTP bodies other than Streamlit's own
static files (listed apart; a browser caches them). Figure bytes are the Plotly specs.
Targets: default sample ≤ 2×, 2048² first settle ≤ 4×, slider step ≤ 1.5× the reference's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from playwright.sync_api import sync_playwright

from benchmarks.browser_probe import INIT_SCRIPT, Heavy, Phase, Recorder, heavy_traces, longest_waits, serve, settle
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from ui.catalogue import LESSONS

HERE = Path(__file__).resolve().parent
PAGES = [("home", "/")] + [(lesson.url_path, f"/{lesson.url_path}") for lesson in LESSONS if lesson.script]
UPLOAD_INPUT = '[data-testid="stSidebarUserContent"] [data-testid="stFileUploaderDropzoneInput"]'
SIDE = 2048
TARGET_DEFAULT, TARGET_UPLOAD, TARGET_SLIDER = 2.0, 4.0, 1.5
# A slider inside one section (a fragment, see ui.present.Lesson.live_section): its step reruns that
# section only. The page's first slider is often a control of the whole page, which reruns everything.
SECTION_SLIDERS = {"pyramids": "Octaves down", "resize": "Wipe: where B starts (% of the width)",
                   "sampling": "Kernel k", "modules": "Unit height (share of the map)", "receptive-field": "Unit row",
                   "scale-invariance": "Rounds of 2×2 max pooling"}


@dataclass
class Step:
    seconds: float
    phase: Phase


@dataclass
class Visit:
    first: Step
    slider: Step | None = None
    section_slider: Step | None = None
    upload: Step | None = None
    upload_slider: Step | None = None
    error: str = ""


def picture(path: Path, seed: int) -> Path:
    """A 2048² PNG like a photo with fine detail: smooth colour field, discs, a grating; new per seed."""
    rng = np.random.default_rng(seed)
    image = cv2.resize(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8), (SIDE, SIDE),
                       interpolation=cv2.INTER_CUBIC)
    for _ in range(60):
        center = tuple(int(c) for c in rng.integers(0, SIDE, 2))
        color = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(image, center, int(rng.integers(8, 200)), color, -1, cv2.LINE_AA)
    y, x = np.mgrid[:512, :512]
    image[:512, :512] = (127 + 120 * np.sin((x * x + y * y) / 300.0))[..., None].astype(np.uint8)
    cv2.imwrite(str(path), image)
    return path


def _open_context(browser, url: str):
    context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    return context, page, Recorder(page)


def _load(page, recorder: Recorder, path: str) -> Step:
    phase = recorder.phase()
    page.goto(path, wait_until="commit")
    return Step(settle(page, recorder, 0.0), phase)   # 0 ms: the navigation's start on the page's clock


def _slide(page, recorder: Recorder, name: str | None = None) -> Step | None:
    """One keyboard step of the page's first slider (or the one named): right, or left when right moves
    nothing (at its end)."""
    sliders = page.get_by_role("slider", name=name) if name else page.get_by_role("slider")
    if sliders.count() == 0:
        return None
    slider = sliders.first
    slider.scroll_into_view_if_needed()
    slider.focus()
    for key in ("ArrowRight", "ArrowLeft"):
        before = slider.get_attribute("aria-valuetext")
        start = page.evaluate("performance.now()")
        phase = recorder.phase()
        page.keyboard.press(key)
        for _ in range(100):           # up to ~5 s for the value to move or a run to start
            if phase.frames or (before is not None and slider.get_attribute("aria-valuetext") != before):
                return Step(settle(page, recorder, start), phase)
            page.wait_for_timeout(50)
    raise TimeoutError("the first slider moved neither right nor left")


def _upload(page, recorder: Recorder, png: Path) -> Step:
    start = page.evaluate("performance.now()")
    phase = recorder.phase()
    page.locator(UPLOAD_INPUT).set_input_files(str(png))
    return Step(settle(page, recorder, start, sidebar_text=f"{SIDE}×{SIDE} px"), phase)


def visit(browser, url: str, path: str, png: Path | None = None, slide: bool = True,
          section_slider: str | None = None) -> Visit:
    context, page, recorder = _open_context(browser, url)
    try:
        result = Visit(_load(page, recorder, path))
        try:
            result.slider = _slide(page, recorder) if slide else None
            if section_slider:
                result.section_slider = _slide(page, recorder, section_slider)
            if png is not None:
                result.upload = _upload(page, recorder, png)
                result.upload_slider = _slide(page, recorder)
        except Exception as error:   # noqa: BLE001  the steps measured so far are kept
            result.error = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
        for step in (result.first, result.slider, result.section_slider, result.upload, result.upload_slider):
            if step is not None:
                step.phase.count_http()
        return result
    finally:
        context.close()


# --- the report ------------------------------------------------------------------------------

def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ratio(value: float | None, reference: float | None, target: float) -> str:
    if value is None or not reference:
        return "—"
    ratio = value / reference
    return f"{ratio:.2f}" + ("" if ratio <= target else " ✗")


def _bytes(count: float | None) -> str:
    if count is None:
        return "—"
    return f"{count / 2**20:.2f} MB" if count >= 2**20 else f"{count / 1024:.0f} kB"


def _sent(phase: Phase) -> int:
    return phase.ws_bytes + phase.http_bytes(static=False)


def _steps(visits: list[Visit], name: str) -> list[Step]:
    return [getattr(v, name) for v in visits if getattr(v, name) is not None]


def report(visits: dict[str, list[Visit]], refs: dict[str, list[Visit]], cold: dict[str, float],
           static_bytes: int) -> None:
    ref_first = {n: _median([v.first.seconds for v in refs[n]]) for n in visits}
    ref_slider = {n: _median([s.seconds for s in _steps(refs[n], "slider")]) for n in visits}
    every_ref = [v.first.seconds for r in refs.values() for v in r]
    every_slide = [s.seconds for r in refs.values() for s in _steps(r, "slider")]
    print(f"Reference (`benchmarks/one_figure_page.py`, one slider and one 20-point scatter): settles in "
          f"{_s(_median(every_ref))} s (median of {len(every_ref)}, {_s(min(every_ref, default=None))}–"
          f"{_s(max(every_ref, default=None))}), slider step {_s(_median(every_slide))} s. Streamlit's static "
          f"files (same for every page, cached by a browser after its first visit): {_bytes(static_bytes)}.\n")
    print(f"### Default sample: first load and one slider step (median of {max(map(len, visits.values()))}; "
          f"✗ over target: {TARGET_DEFAULT:g}× load, {TARGET_SLIDER:g}× slider)\n")
    print("| page | settle s | ratio | cold s | slider s | slider ratio | bytes sent | figure bytes | share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, runs in visits.items():
        first = _median([v.first.seconds for v in runs])
        slider = _median([s.seconds for s in _steps(runs, "slider")])
        sent = _median([_sent(v.first.phase) for v in runs])
        figures = _median([v.first.phase.figure_bytes for v in runs])
        share = f"{figures / sent:.0%}" if sent else "—"
        print(f"| {name} | {_s(first)} | {_ratio(first, ref_first[name], TARGET_DEFAULT)} | "
              f"{_s(cold.get(name))} | {_s(slider)} | {_ratio(slider, ref_slider[name], TARGET_SLIDER)} | "
              f"{_bytes(sent)} | {_bytes(figures)} | {share} |")
    print("\n### A slider inside one section (default sample): its step reruns that section only\n")
    print("| page | slider | step s | ratio | bytes sent |")
    print("|---|---|---:|---:|---:|")
    for name, runs in visits.items():
        steps = _steps(runs, "section_slider")
        if steps:
            seconds = _median([s.seconds for s in steps])
            sent = _median([_sent(s.phase) for s in steps])
            print(f"| {name} | {SECTION_SLIDERS[name]} | {_s(seconds)} | "
                  f"{_ratio(seconds, ref_slider[name], TARGET_SLIDER)} | {_bytes(sent)} |")
    print(f"\n### {SIDE}×{SIDE} upload: first settle after the upload and one slider step "
          f"(✗ over target: {TARGET_UPLOAD:g}× settle against the reference's load, {TARGET_SLIDER:g}× slider)\n")
    print("| page | settle s | ratio | slider s | slider ratio | bytes sent | figure bytes | share |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, runs in visits.items():
        uploads, slides = _steps(runs, "upload"), _steps(runs, "upload_slider")
        first, slider = _median([s.seconds for s in uploads]), _median([s.seconds for s in slides])
        sent = _median([_sent(s.phase) for s in uploads])
        figures = _median([s.phase.figure_bytes for s in uploads])
        share = f"{figures / sent:.0%}" if sent else "—"
        print(f"| {name} | {_s(first)} | {_ratio(first, ref_first[name], TARGET_UPLOAD)} | {_s(slider)} | "
              f"{_ratio(slider, ref_slider[name], TARGET_SLIDER)} | {_bytes(sent)} | {_bytes(figures)} | {share} |")
    print("\n### Where the time goes (medians): before the run's first message (page and socket set-up, "
          "or the file's transfer), the script run on the server (while its messages stream out), and "
          "the browser after the last message (drawing)\n")
    print("| page | step | settle s | before run s | script run s | after last message s | websocket bytes |")
    print("|---|---|---:|---:|---:|---:|---:|")
    reference = [("reference", "load", [v.first for v in every_visit(refs)]),
                 ("reference", "slider", [s for v in every_visit(refs) for s in [v.slider] if s])]
    rows = reference + [(name, label, _steps(runs, attr)) for name, runs in visits.items()
                        for label, attr in (("load", "first"), ("slider", "slider"),
                                            ("section slider", "section_slider"), (f"{SIDE}² upload", "upload"),
                                            (f"{SIDE}² slider", "upload_slider"))]
    for name, label, steps in rows:
        timed = [s for s in steps if s.phase.run_started and s.phase.run_finished]
        if not timed:
            continue
        before = _median([s.phase.run_started - s.phase.start for s in timed])
        script = _median([s.phase.run_finished - s.phase.run_started for s in timed])
        after = _median([s.seconds - (s.phase.run_finished - s.phase.start) for s in timed])
        print(f"| {name} | {label} | {_s(_median([s.seconds for s in timed]))} | {_s(before)} | {_s(script)} | "
              f"{_s(after)} | {_bytes(_median([s.phase.ws_bytes for s in timed]))} |")
    waits(visits, ref_first, ref_slider)
    audit(visits)
    errors = [(name, v.error) for name, runs in visits.items() for v in runs if v.error]
    for name, error in errors:
        print(f"\n- {name}: a visit failed: {error}")


def waits(visits: dict[str, list[Visit]], ref_first: dict, ref_slider: dict) -> None:
    print("\n### Steps over target: the longest waits between the server's messages (last round)\n\n"
          "The server sends each element as the script reaches it, so a wait ending in a figure is the "
          "time spent computing, encoding and sending that figure.\n")
    for name, runs in visits.items():
        for label, attr, reference, target in (
                ("load", "first", ref_first[name], TARGET_DEFAULT),
                ("slider", "slider", ref_slider[name], TARGET_SLIDER),
                ("section slider", "section_slider", ref_slider[name], TARGET_SLIDER),
                (f"{SIDE}² upload", "upload", ref_first[name], TARGET_UPLOAD),
                (f"{SIDE}² slider", "upload_slider", ref_slider[name], TARGET_SLIDER)):
            steps = _steps(runs, attr)
            median = _median([s.seconds for s in steps])
            if not steps or median is None or not reference or median / reference <= target:
                continue
            longest = ", ".join(f"{kind} {gap:.1f} s" for gap, kind in longest_waits(steps[-1].phase))
            print(f"- {name} · {label} ({median:.1f} s, {median / reference:.1f}×): {longest}")


def every_visit(groups: dict[str, list[Visit]]) -> list[Visit]:
    return [v for runs in groups.values() for v in runs]


def audit(visits: dict[str, list[Visit]]) -> None:
    print("\n### Figures that send pixels or grids as JSON arrays\n\nTraces of type heatmap or image with "
          "more than 50 000 values in `z`, and image traces without a PNG `source`, in the first load "
          "(default sample) and after the 2048² upload.\n")
    print("| page | image | figure | trace | values | encoding | trace bytes | share of the step's bytes |")
    print("|---|---|---|---|---:|---|---:|---:|")
    for name, runs in visits.items():
        for label, attr in (("default", "first"), (f"{SIDE}² upload", "upload")):
            steps = _steps(runs, attr)
            if not steps:
                continue
            step = steps[-1]
            heavy: list[Heavy] = heavy_traces(step.phase.charts)
            sent = _sent(step.phase)
            for h in heavy:
                print(f"| {name} | {label} | {h.figure} | {h.trace} | {h.values:,} | {h.encoding} | "
                      f"{_bytes(h.trace_bytes)} | {h.trace_bytes / sent:.0%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BROWSER_REPEATS", "3")))
    parser.add_argument("--budget-s", type=float, default=float(os.environ.get("BROWSER_BUDGET_S", "2400")),
                        help="start no round that would end past this many seconds (the first always runs)")
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    parser.add_argument("--default-only", action="store_true",
                        help="no 2048² uploads: the default sample's results stay in the server's cache between "
                             "rounds, so first loads measure sending and drawing rather than computing")
    args = parser.parse_args()
    wanted = [p for p in args.pages.split(",") if p]
    pages = [(n, p) for n, p in PAGES if not wanted or n in wanted]
    visits: dict[str, list[Visit]] = {name: [] for name, _ in pages}
    refs: dict[str, list[Visit]] = {name: [] for name, _ in pages}
    cold: dict[str, float] = {}
    static_bytes = 0
    with (tempfile.TemporaryDirectory() as tmp, serve(HERE.parent / "app.py", Path(tmp)) as app,
          serve(HERE / "one_figure_page.py", Path(tmp)) as reference, sync_playwright() as p):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        visit(browser, reference, "/")                          # warm-up, not counted
        for name, path in pages:
            started = time.perf_counter()
            try:
                first = visit(browser, app, path, slide=False).first
                cold[name] = first.seconds
                static_bytes = max(static_bytes, first.phase.http_bytes(static=True))
            except Exception as error:   # noqa: BLE001  a failed visit is reported, the others go on
                print(f"cold {name}: {error}", file=sys.stderr)
            print(f"cold {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        began = time.perf_counter()
        for round_ in range(args.repeats):
            spent = time.perf_counter() - began
            if round_ and spent + spent / round_ > args.budget_s:   # the next round would not fit
                print(f"budget spent: {round_} rounds", file=sys.stderr)
                break
            for index, (name, path) in enumerate(pages):
                started = time.perf_counter()
                png = None if args.default_only else picture(Path(tmp) / f"upload-{round_}-{index}.png",
                                                             seed=1000 * round_ + index)
                try:
                    refs[name].append(visit(browser, reference, "/"))
                    visits[name].append(visit(browser, app, path, png, section_slider=SECTION_SLIDERS.get(name)))
                except Exception as error:   # noqa: BLE001
                    print(f"round {round_} {name}: {error}", file=sys.stderr)
                if png is not None:
                    png.unlink()
                print(f"round {round_} {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        browser.close()
    visits = {name: runs for name, runs in visits.items() if runs}
    report(visits, refs, cold, static_bytes)


if __name__ == "__main__":
    main()
