"""Memory: the app process across 200 reruns (no leak), and the cost of each extra session.

Run: ``.venv/bin/python -m benchmarks.memory``. AppTest runs the app in this process, so the
process's resident set size is the app's. Caches are bounded (``max_entries``), so after warm-up
the RSS must stay flat however many reruns follow.
"""

from __future__ import annotations

import gc
import io
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.patterns import zone_plate
from ui.catalogue import LESSONS

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _upload(size: int) -> bytes:
    plate = zone_plate(size)
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(plate)).save(buffer, "PNG")
    return buffer.getvalue()


def reruns(count: int = 400) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/pyramids.py").run()
    readings = []
    for i in range(count):
        at.slider(key="levels").set_value(2 + i % 5).run()
        if i % 20 == 19:
            gc.collect()
            readings.append(rss_mb())
    # The first reruns fill the bounded caches; a leak would keep climbing in the second half.
    settled = readings[len(readings) // 2:]
    slope = np.polyfit(np.arange(len(settled)) * 20, settled, 1)[0]
    print(f"| {count} reruns of /pyramids (levels 2–6 cycling) | RSS {readings[0]:.0f} MB at rerun 20, "
          f"{min(settled):.0f}–{max(settled):.0f} MB over the second half | drift {slope * 100:+.1f} MB "
          "per 100 reruns (second half) |")


def every_page_then_sessions(extra: int = 5, size: int = 2048) -> None:
    start = rss_mb()
    first = AppTest.from_file(APP, default_timeout=300)
    first.run()
    for lesson in LESSONS:
        if lesson.script:
            first.switch_page(lesson.script).run()
    one_session = rss_mb()
    print(f"| one session on every page | RSS {start:.0f} → {one_session:.0f} MB | |")
    data = _upload(size)
    sessions = []
    before = rss_mb()
    for _ in range(extra):
        at = AppTest.from_file(APP, default_timeout=300)
        at.run()
        at.file_uploader(key="uploader").set_value(("big.png", data, "image/png")).run()
        at.switch_page("app_pages/pyramids.py").run()
        sessions.append(at)
    gc.collect()
    after = rss_mb()
    print(f"| {extra} more sessions, each with a {size}² upload on /pyramids | RSS {before:.0f} → {after:.0f} MB "
          f"| {(after - before) / extra:.0f} MB per session |")


def main() -> None:
    print("| scenario | resident memory | per unit |")
    print("|---|---|---|")
    every_page_then_sessions()
    reruns()


if __name__ == "__main__":
    main()
