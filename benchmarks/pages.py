"""Page latency measured with AppTest: first render, a control change, and a cached re-render.

Run: ``.venv/bin/python -m benchmarks.pages``. The first run of a fresh process imports torch and
friends; that is reported separately and left out of the page numbers.
"""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.patterns import zone_plate

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1e3


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG")
    return buffer.getvalue()


def measure(label: str, upload: bytes | None, repeats: int = 5) -> None:
    first, change, cached = [], [], []
    for _ in range(repeats):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(APP, default_timeout=120)
        if upload is not None:
            at.run()
            at.file_uploader(key="uploader").set_value(("bench.png", upload, "image/png")).run()
        at.switch_page("app_pages/pyramids.py")
        first.append(_timed(at.run))
        change.append(_timed(at.slider(key="levels").set_value(3).run))
        cached.append(_timed(at.slider(key="levels").set_value(5).run))   # back to the first
        if at.exception:
            raise RuntimeError([e.value for e in at.exception])
    print(f"| pyramids · {label:<28} | {statistics.median(first):8.0f} | {statistics.median(change):8.0f} "
          f"| {statistics.median(cached):8.0f} |")


# A typical control change per page on the default sample: (script, widget kind, key, value).
PAGE_CONTROLS = [
    ("app_pages/home.py", "selectbox", "image_choice", "coffee"),
    ("app_pages/pyramids.py", "slider", "levels", 3),
    ("app_pages/search.py", "slider", "levels", 3),
    ("app_pages/blend.py", "slider", "levels", 4),
    ("app_pages/resize.py", "slider", "scale", 0.5),
    ("app_pages/downsizenet.py", "slider", "dsn_scale", 0.5),
    ("app_pages/sampling.py", "slider", "factor", 3),
    ("app_pages/modules.py", "select_slider", "stride", 4),
    ("app_pages/receptive_field.py", "slider", "rf_side", 128),
    ("app_pages/scale_invariance.py", "slider", "depth", 3),
]


def measure_every_page(repeats: int = 3) -> None:
    print("\n| page (default sample) | first ms | change ms | cached re-render ms | control |")
    print("|---|---:|---:|---:|---|")
    for script, kind, key, value in PAGE_CONTROLS:
        first, change, cached = [], [], []
        for _ in range(repeats):
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(APP, default_timeout=120)
            at.run()
            at.switch_page(script)
            first.append(_timed(at.run))
            widget = getattr(at, kind)(key=key)
            before = widget.value
            change.append(_timed(widget.set_value(value).run))
            cached.append(_timed(getattr(at, kind)(key=key).set_value(before).run))
            if at.exception:
                raise RuntimeError([e.value for e in at.exception])
        print(f"| {script} | {statistics.median(first):.0f} | {statistics.median(change):.0f} "
              f"| {statistics.median(cached):.0f} | {key} → {value} |")


def main() -> None:
    warm = _timed(AppTest.from_file(APP, default_timeout=120).run)
    print(f"# Page latency (AppTest, median of 5; process warm-up {warm:.0f} ms)\n")
    print("| page · image                            | first ms | change ms | cached ms |")
    print("|-----------------------------------------|---------:|----------:|----------:|")
    measure("default sample (451×300)", None)
    rgb = np.ascontiguousarray(np.repeat(zone_plate(1024)[..., :1], 3, axis=2))
    measure("upload 1024×1024", _png(rgb))
    measure("upload 2048×2048", _png(np.ascontiguousarray(np.tile(rgb, (2, 2, 1)))))
    measure_every_page()


if __name__ == "__main__":
    main()
