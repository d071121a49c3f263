"""Memory: what sessions cost the server, against the budget in docs/operations.md.

Run: ``.venv/bin/python -m benchmarks.memory [--uploads 40] [--side 1500] [--extra 5] [--settle 120]``.
AppTest runs the app in this process, so the process's resident set size is the app's. Measured,
in order, each against its target:

* one session opening every page (target ≤ 700 MB);
* one session uploading ``--uploads`` distinct ``--side``² images on /pyramids (≤ 1.2 GB);
* each of ``--extra`` more sessions holding a 2048² upload on /pyramids (≤ +120 MB each);
* ``--settle`` seconds after every session has closed, RSS back within 10 % of the level after
  the first session (the caches keep their bounded bytes: ``SCALESCOPE_CACHE_MB``).

glibc keeps freed image-sized buffers in its heap unless told otherwise; the deployment sets
``MALLOC_MMAP_THRESHOLD_=131072`` and ``MALLOC_TRIM_THRESHOLD_=131072`` (deploy/kubernetes), and
this benchmark runs the same way unless given ``--no-malloc-trim``.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from core.patterns import zone_plate
from ui.cache import cache_stats, expire_idle
from ui.catalogue import LESSONS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TARGETS_MB = {"every page": 700, "uploads": 1200, "per session": 120}
MALLOC_SETTINGS = {"MALLOC_MMAP_THRESHOLD_": "131072", "MALLOC_TRIM_THRESHOLD_": "131072"}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _settled_rss() -> float:
    gc.collect()
    return rss_mb()


def _png(side: int, variant: int) -> bytes:
    """A distinct ``side``² picture per ``variant`` (a zone plate, rolled and tinted)."""
    plate = np.roll(np.ascontiguousarray(zone_plate(side)), 7 * variant, axis=1)
    plate = plate.astype(np.int16)
    plate[..., variant % 3] = (plate[..., variant % 3] + 3 * variant) % 256
    buffer = io.BytesIO()
    Image.fromarray(plate.astype(np.uint8)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _session(data: bytes | None = None, name: str = "upload.png") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    if data is not None:
        at.file_uploader(key="uploader").set_value((name, data, "image/png")).run()
    return at


def _verdict(value: float, target: float) -> str:
    return "✅" if value <= target else "❌"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--side", type=int, default=1500)
    parser.add_argument("--extra", type=int, default=5)
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait after the sessions close")
    parser.add_argument("--malloc-trim", action=argparse.BooleanOptionalAction, default=True,
                        help="run with the deployment's glibc settings (default; --no-malloc-trim: glibc's own)")
    args = parser.parse_args(argv)
    if args.malloc_trim and any(os.environ.get(k) != v for k, v in MALLOC_SETTINGS.items()):
        command = [sys.executable, "-m", "benchmarks.memory", *(argv or sys.argv[1:])]
        os.execve(sys.executable, command, {**os.environ, **MALLOC_SETTINGS})  # noqa: S606 (this module)

    print("| scenario | resident memory | target | cache held | |\n|---|---|---|---|---|")
    start = _settled_rss()
    first = _session()
    for lesson in LESSONS:
        if lesson.script:
            first.switch_page(lesson.script).run()
    every_page, cache_first = _settled_rss(), cache_stats()["bytes"] / 2**20
    print(f"| one session on every page | {start:.0f} → {every_page:.0f} MB | ≤ {TARGETS_MB['every page']} MB | "
          f"{cache_stats()['bytes'] / 2**20:.0f} MB | {_verdict(every_page, TARGETS_MB['every page'])} |")

    uploader = _session()
    uploader.switch_page("app_pages/pyramids.py").run()
    peak = 0.0
    for i in range(args.uploads):
        uploader.file_uploader(key="uploader").set_value((f"u{i}.png", _png(args.side, i), "image/png")).run()
        peak = max(peak, rss_mb())
    assert not uploader.exception, [e.value for e in uploader.exception]
    uploads = _settled_rss()
    print(f"| one more session: {args.uploads} distinct {args.side}² uploads on /pyramids | {uploads:.0f} MB "
          f"(peak {peak:.0f}) | ≤ {TARGETS_MB['uploads']} MB | {cache_stats()['bytes'] / 2**20:.0f} MB | "
          f"{_verdict(uploads, TARGETS_MB['uploads'])} |")

    before, sessions = _settled_rss(), []
    for i in range(args.extra):
        sessions.append(_session(_png(2048, 1000 + i), f"big{i}.png"))
        sessions[-1].switch_page("app_pages/pyramids.py").run()
    after = _settled_rss()
    each = (after - before) / max(args.extra, 1)
    print(f"| {args.extra} more sessions, each holding a 2048² upload on /pyramids | {before:.0f} → {after:.0f} MB "
          f"| ≤ +{TARGETS_MB['per session']} MB each | {cache_stats()['bytes'] / 2**20:.0f} MB | "
          f"+{each:.0f} MB each {_verdict(each, TARGETS_MB['per session'])} |")

    del first, uploader, sessions
    time.sleep(args.settle)
    closed, cache_closed = _settled_rss(), cache_stats()["bytes"] / 2**20
    change = (closed - every_page) / every_page
    # The shared cache keeps its bounded bytes after the sessions go, by design: compare the rest too.
    beside_cache = (closed - cache_closed - (every_page - cache_first)) / (every_page - cache_first)
    print(f"| {args.settle:.0f} s after every session closed | {closed:.0f} MB ({change:+.0%} against "
          f"{every_page:.0f} MB after the first session; {beside_cache:+.0%} beside the cache) | within ±10 % | "
          f"{cache_closed:.0f} MB of {cache_stats()['budget'] / 2**20:.0f} | "
          f"{'✅' if abs(change) <= 0.10 else '✅ beside the cache' if abs(beside_cache) <= 0.10 else '❌'} |")
    # What the sweeper does once the entries have sat unused for SCALESCOPE_CACHE_IDLE_S.
    expired = expire_idle(max(args.settle - 1.0, 0.0))
    gone = _settled_rss()
    change = (gone - every_page) / every_page
    print(f"| then the idle cache entries expire ({expired} dropped) | {gone:.0f} MB ({change:+.0%} against "
          f"{every_page:.0f} MB) | at most +10 % | {cache_stats()['bytes'] / 2**20:.0f} MB | "
          f"{_verdict(change, 0.10)} |")
    glibc = "deployment glibc settings" if all(os.environ.get(k) == v for k, v in MALLOC_SETTINGS.items()) \
        else "default glibc settings"
    print(f"\n{glibc}; SCALESCOPE_CACHE_MB={os.environ.get('SCALESCOPE_CACHE_MB', 'unset (512)')}")


if __name__ == "__main__":
    main()
