"""python -m core.resize.report on a folder with good files, a corrupt one and a 16-bit PNG:
the CSV's numbers against OpenCV, resuming, Dask, and the HTML page in Chromium."""

import csv
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import core.resize.report as report
from core.images import load_image
from core.resize import resize
from core.resize.lesson import reference_image

METHODS = ["opencv-area", "pillow-bilinear", "opencv-linear"]


@pytest.fixture()
def folder(tmp_path) -> Path:
    root = tmp_path / "photos"
    (root / "deeper").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        y, x = np.mgrid[0:60, 0:90]
        image = 128 + 80 * np.sin(x / (2 + i)) * np.cos(y / 3) + rng.normal(0, 10, (60, 90))
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).convert("RGB").save(root / f"photo{i}.png")
    deep = (rng.integers(0, 65535, (48, 64))).astype(np.uint16)
    Image.fromarray(deep).save(root / "deeper" / "sixteen-bit.png")
    (root / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a whole JPEG")
    (root / "notes.txt").write_text("not an image")
    return root


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_the_csv_covers_every_image_and_method_and_names_the_bad_file(folder, tmp_path):
    out = tmp_path / "out"
    code = report.main([str(folder), "--scale", "0.3", "--methods", *METHODS, "--out", str(out)])
    assert code == 0
    rows = _rows(out / "results.csv")
    good = [r for r in rows if not r["error"]]
    assert {r["image"] for r in good} == {"photo0.png", "photo1.png", str(Path("deeper") / "sixteen-bit.png")}
    assert len(good) == 3 * len(METHODS)
    bad = [r for r in rows if r["error"]]
    assert [r["image"] for r in bad] == ["corrupt.jpg"]
    with pytest.raises(Exception) as loader:
        load_image(folder / "corrupt.jpg")
    assert bad[0]["error"] == str(loader.value)                     # the loader's own sentence
    sixteen = [r for r in good if r["image"].endswith("sixteen-bit.png")][0]
    assert (sixteen["width"], sixteen["out_width"], sixteen["out_height"]) == ("64", "19", "14")
    html = (out / "report.html").read_text()
    assert "corrupt.jpg" in html and "Plotly" in html and "<script src=" not in html   # inlined


def test_psnr_in_the_csv_is_opencvs_against_the_same_reference(folder, tmp_path):
    out = tmp_path / "out"
    report.run(folder, out, scale=0.3, methods=METHODS, progress=False)
    rows = {(r["image"], r["method"]): r for r in _rows(out / "results.csv")}
    image = load_image(folder / "photo1.png")
    reference = reference_image(image, (18, 27))
    for key in ("opencv-area", "pillow-bilinear"):
        expected = cv2.PSNR(reference, resize(image, (18, 27), key).astype(np.float64), 255.0)
        assert float(rows[("photo1.png", key)]["psnr"]) == pytest.approx(expected, rel=1e-5)
    # "bilinear" by two libraries: the largest gap between them, checked directly
    gap = np.abs(resize(image, (18, 27), "opencv-linear").astype(int)
                 - resize(image, (18, 27), "pillow-bilinear").astype(int)).max()
    assert int(rows[("photo1.png", "opencv-linear")]["same_name_max_diff"]) == gap
    assert rows[("photo1.png", "opencv-area")]["same_name_max_diff"] == ""


def test_a_fixed_size_and_a_rerun_that_resumes_without_redoing_work(folder, tmp_path, monkeypatch):
    out = tmp_path / "out"
    report.run(folder, out, size=(20, 30), methods=METHODS, progress=False)
    before = (out / "results.csv").read_text()
    assert all(r["out_width"] == "30" for r in _rows(out / "results.csv") if not r["error"])
    calls = []
    original = report.evaluate_file
    monkeypatch.setattr(report, "evaluate_file", lambda job: calls.append(job) or original(job))
    report.run(folder, out, size=(20, 30), methods=METHODS, progress=False)
    assert calls == [] and (out / "results.csv").read_text() == before
    (folder / "photo2.png").write_bytes((folder / "photo0.png").read_bytes())
    report.run(folder, out, size=(20, 30), methods=METHODS, progress=False)
    assert [job[1] for job in calls] == ["photo2.png"]
    assert (out / "results.csv").read_text().startswith(before)


def test_an_interrupted_run_leaves_a_valid_csv(folder, tmp_path, monkeypatch):
    out = tmp_path / "out"
    original = report.evaluate_file
    seen = []

    def stop_on_the_second(job):
        seen.append(job)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return original(job)

    monkeypatch.setattr(report, "evaluate_file", stop_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        report.run(folder, out, scale=0.3, methods=METHODS, progress=False)
    rows = _rows(out / "results.csv")
    assert len({r["image"] for r in rows}) == 1 and all(set(r) == set(report.COLUMNS) for r in rows)
    monkeypatch.setattr(report, "evaluate_file", original)
    report.run(folder, out, scale=0.3, methods=METHODS, progress=False)      # resumes the rest
    assert len({r["image"] for r in _rows(out / "results.csv")}) == 4


@pytest.mark.slow
def test_two_worker_processes_and_a_dask_cluster_give_the_same_rows(folder, tmp_path):
    serial, parallel, dask_out = tmp_path / "serial", tmp_path / "parallel", tmp_path / "dask"
    report.run(folder, serial, scale=0.3, methods=METHODS, progress=False)
    report.run(folder, parallel, scale=0.3, methods=METHODS, workers=2, progress=False)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        report.run(folder, dask_out, scale=0.3, methods=METHODS, dask=cluster.scheduler_address, progress=False)

    def comparable(path):
        return sorted((r["image"], r["method"], r["psnr"], r["ssim"], r["aliasing"], r["error"])
                      for r in _rows(path / "results.csv"))

    assert comparable(serial) == comparable(parallel) == comparable(dask_out)


def test_the_command_line_refuses_an_unknown_method_with_a_sentence(folder, tmp_path):
    run = subprocess.run([sys.executable, "-m", "core.resize.report", str(folder), "--methods", "magic",
                          "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert run.returncode == 2 and "Unknown resize method 'magic'" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.e2e
def test_the_html_report_opens_offline_in_chromium_without_console_errors(folder, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    out = tmp_path / "out"
    report.run(folder, out, scale=0.3, methods=METHODS, progress=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.route("http*://**", lambda route: route.abort())      # offline: nothing to fetch
            page.goto((out / "report.html").as_uri())
            page.wait_for_selector(".plotly .main-svg", timeout=30_000)
            assert page.locator(".js-plotly-plot").count() == 4
            assert errors == []
        finally:
            browser.close()
