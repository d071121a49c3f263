"""A real Streamlit server on a free loopback port, and Debian's Chromium driven by Playwright."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SETTLE_MS = 30_000   # the longest a page may take to settle on a loaded 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(log_dir: Path, script: Path = REPO / "app.py", healthy_within_s: float = 60):
    """Start ``streamlit run script`` (the app by default) on a free loopback port; yield its URL; stop it."""
    port = _free_port()
    log_path = log_dir / f"server-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + healthy_within_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited ({process.returncode}):\n{log_path.read_text()}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit not healthy after {healthy_within_s:.0f} s:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_pid(url: str) -> int:
    """The process id of the Streamlit server :func:`running_server` started for ``url``."""
    port = url.rsplit(":", 1)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "streamlit" in command and f"--server.port {port}" in command:
                return int(entry.name)
    raise LookupError(f"no Streamlit server on port {port}")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: run scripts/test.sh, which installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)   # in CI a missing browser is a broken install, never a skip
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    # A loaded 2-core machine needs well over Playwright's default 5 s for a page to settle:
    # every assertion waits up to SETTLE_MS unless it says otherwise.
    expect.set_options(timeout=SETTLE_MS)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(SETTLE_MS)
    yield page
    context.close()


def wait_idle(page, timeout: int = 2 * SETTLE_MS) -> None:
    """Wait until the script has finished its run and the status widget has gone."""
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


_DRAWN = """() => document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
  && [...document.querySelectorAll('.js-plotly-plot')].every(plot => plot._fullLayout)"""


def settle(page, timeout: int = 2 * SETTLE_MS) -> None:
    """Wait until the page has drawn: a title, the script idle, no placeholders, every chart laid out.

    The idle test alone passes in the instant after loading, before the script has even started.
    """
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout)
    wait_idle(page, timeout)
    page.wait_for_function(_DRAWN, timeout=timeout)
    wait_idle(page, timeout)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
