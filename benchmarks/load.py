"""A classroom on one server: N browser sessions at once, each with its own upload, three lessons and a slider.

Run: ``.venv/bin/python -m benchmarks.load --sessions 20 40``. It starts its own server on a free
loopback port (``SCALESCOPE_TORCH_THREADS=1`` unless set), drives Debian's Chromium, stops by
itself (every wait is bounded), and prints per run: errors (target 0), isolation mismatches
(a session whose sidebar shows another session's picture size; target 0), p50/p95 time to settle
after each step, and the server's peak resident memory, sampled every half second.

Each session uploads a picture of a size no other session uses (``320 + i`` × ``240 + i`` px),
then moves through /pyramids, /search and /blend by the sidebar (one session throughout) and
presses a slider's arrow key on each; after every step its sidebar must still show its own size.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.async_api import async_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, running_server, server_pid
from ui.catalogue import LESSONS

STEPS = ("pyramids", "search", "blend")
LIMIT_MS = 180_000
UPLOAD_INPUT = '[data-testid="stSidebarUserContent"] [data-testid="stFileUploaderDropzoneInput"]'


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _picture(index: int) -> tuple[bytes, str]:
    width, height = 320 + index, 240 + index
    rng = np.random.default_rng(index)
    pixels = rng.integers(0, 256, (height // 8 + 1, width // 8 + 1, 3), dtype=np.uint8)
    pixels = np.kron(pixels, np.ones((8, 8, 1), np.uint8))[:height, :width]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue(), f"{width}×{height} px"


async def _settle(page) -> None:
    await page.wait_for_timeout(150)    # a run starts some 50 ms after the event that caused it
    await page.wait_for_selector(IDLE, timeout=LIMIT_MS)
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=LIMIT_MS)


async def _visit(browser, url: str, index: int, timings: list[float], errors: list[str],
                 mismatches: list[str]) -> None:
    titles = {lesson.url_path: lesson.title for lesson in LESSONS}
    data, own_size = _picture(index)
    context = await browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(LIMIT_MS)

    async def timed(action) -> None:
        start = time.perf_counter()
        await action()
        await _settle(page)
        timings.append(time.perf_counter() - start)

    async def check(where: str) -> None:
        captions = " ".join(await page.locator('[data-testid="stSidebar"] [data-testid="stCaptionContainer"]')
                            .all_inner_texts())
        if own_size not in captions:
            mismatches.append(f"session {index} on {where}: expected {own_size}, sidebar says {captions[:80]!r}")
        if await page.locator('[data-testid="stException"]').count():
            errors.append(f"session {index}: exception on {where}")

    try:
        await timed(lambda: page.goto("/", timeout=LIMIT_MS))
        await timed(lambda: page.locator(UPLOAD_INPUT).set_input_files(
            {"name": f"session-{index}.png", "mimeType": "image/png", "buffer": data}))
        await page.get_by_text(own_size).first.wait_for(timeout=LIMIT_MS)
        await check("home")
        for path in STEPS:
            await timed(lambda path=path: page.locator('[data-testid="stSidebarNav"] a',
                                                       has_text=titles[path]).click())
            await check(path)
            slider = page.get_by_role("slider").first
            await slider.focus(timeout=LIMIT_MS)
            await timed(lambda: page.keyboard.press("ArrowLeft"))
            await check(f"{path} after a slider move")
    except Exception as error:   # a load test counts failures instead of stopping at the first
        errors.append(f"session {index}: {type(error).__name__}: {str(error)[:160]}")
    finally:
        await context.close()


async def _sample_rss(pid: int, peak: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], _rss_mb(pid))
        await asyncio.sleep(0.5)


async def _run(url: str, sessions: int) -> dict:
    timings: list[float] = []
    errors: list[str] = []
    mismatches: list[str] = []
    pid = server_pid(url)
    start_rss, peak, stop = _rss_mb(pid), [0.0], asyncio.Event()
    sampler = asyncio.create_task(_sample_rss(pid, peak, stop))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = time.perf_counter()
        await asyncio.gather(*[_visit(browser, url, i, timings, errors, mismatches) for i in range(sessions)])
        wall = time.perf_counter() - start
        await browser.close()
    stop.set()
    await sampler
    return {"timings": timings, "errors": errors, "mismatches": mismatches, "wall": wall,
            "start_rss": start_rss, "peak_rss": peak[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 40])
    args = parser.parse_args()
    os.environ.setdefault("SCALESCOPE_TORCH_THREADS", "1")
    print("| sessions | steps timed | p50 s | p95 s | max s | errors | isolation mismatches | wall s "
          "| server RSS MB: start → peak | budget MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sessions in args.sessions:
        with tempfile.TemporaryDirectory() as logs, running_server(Path(logs)) as url:
            result = asyncio.run(_run(url, sessions))
        ordered = sorted(result["timings"]) or [float("nan")]
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        budget = 700 + 120 * (sessions - 1)
        print(f"| {sessions} | {len(result['timings'])} | {statistics.median(ordered):.2f} | {p95:.2f} | "
              f"{ordered[-1]:.2f} | {len(result['errors'])} | {len(result['mismatches'])} | {result['wall']:.1f} | "
              f"{result['start_rss']:.0f} → {result['peak_rss']:.0f} | {budget} |")
        for problem in (result["errors"] + result["mismatches"])[:5]:
            print(f"  - {problem}")


if __name__ == "__main__":
    main()
