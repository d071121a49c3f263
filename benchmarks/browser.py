"""The browser side: time from a slider move to a settled page, and bytes sent per rerun.

Run: ``.venv/bin/python -m benchmarks.browser``. Starts a server on a free loopback port, drives
Debian's Chromium, counts the websocket bytes the server sends for each rerun (the figures are
most of it). Budget: 2 MB per rerun.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, running_server

PAGES = ("/pyramids", "/resize", "/modules?module=aspp", "/sampling")
BUDGET_BYTES = 2 * 2**20


def _settle(page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)


def main() -> None:
    print("| page | first load s | slider → settled s (median of 3) | bytes sent per rerun | within 2 MB |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as logs, running_server(Path(logs)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in PAGES:
            context = browser.new_context(base_url=url, viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            received: list[int] = []
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda payload: received.append(len(payload))))
            start = time.perf_counter()
            page.goto(path)
            _settle(page)
            first = time.perf_counter() - start
            settles, sizes = [], []
            slider = page.get_by_role("slider").first
            for _ in range(3):
                received.clear()
                slider.focus()
                start = time.perf_counter()
                page.keyboard.press("ArrowLeft" if _ % 2 == 0 else "ArrowRight")
                _settle(page)
                settles.append(time.perf_counter() - start)
                sizes.append(sum(received))
            size = statistics.median(sizes)
            print(f"| {path} | {first:.2f} | {statistics.median(settles):.2f} | {size / 1024:.0f} kB | "
                  f"{'yes' if size <= BUDGET_BYTES else 'no'} |")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
