"""A classroom on one server: N browser sessions at once, each opening three lessons and moving a slider.

Run: ``.venv/bin/python -m benchmarks.load --sessions 10 30``. It starts its own server on a free
loopback port (``SCALESCOPE_TORCH_THREADS=1`` unless set), drives Debian's Chromium, stops by
itself (every wait is bounded), and prints p50/p95 time to settle, errors and server memory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, running_server, server_pid

STEPS = ("/pyramids", "/search", "/blend")
LIMIT_MS = 120_000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _settle(page) -> None:
    await page.wait_for_selector(IDLE, timeout=LIMIT_MS)
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=LIMIT_MS)


async def _visit(browser, url: str, timings: list[float], errors: list[str]) -> None:
    context = await browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        for path in STEPS:
            start = time.perf_counter()
            await page.goto(path, timeout=LIMIT_MS)
            await _settle(page)
            timings.append(time.perf_counter() - start)
            slider = page.get_by_role("slider").first
            await slider.focus(timeout=LIMIT_MS)
            start = time.perf_counter()
            await page.keyboard.press("ArrowLeft")
            await page.wait_for_timeout(100)
            await _settle(page)
            timings.append(time.perf_counter() - start)
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"exception on {path}")
    except Exception as error:   # a load test counts failures instead of stopping at the first
        errors.append(f"{type(error).__name__}: {str(error)[:120]}")
    finally:
        await context.close()


async def _run(url: str, sessions: int) -> tuple[list[float], list[str], float]:
    timings: list[float] = []
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = time.perf_counter()
        await asyncio.gather(*[_visit(browser, url, timings, errors) for _ in range(sessions)])
        wall = time.perf_counter() - start
        await browser.close()
    return timings, errors, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 30])
    args = parser.parse_args()
    os.environ.setdefault("SCALESCOPE_TORCH_THREADS", "1")
    print("| sessions | steps timed | p50 s | p95 s | max s | errors | wall s | server RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sessions in args.sessions:
        with tempfile.TemporaryDirectory() as logs, running_server(Path(logs)) as url:
            timings, errors, wall = asyncio.run(_run(url, sessions))
            rss = _rss_mb(server_pid(url))
        ordered = sorted(timings) or [float("nan")]
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"| {sessions} | {len(timings)} | {statistics.median(ordered):.2f} | {p95:.2f} | "
              f"{ordered[-1]:.2f} | {len(errors)} | {wall:.1f} | {rss:.0f} |")
        for error in errors[:5]:
            print(f"  - {error}")


if __name__ == "__main__":
    main()
