"""Every chosen resize method on every image of a folder: a CSV and a self-contained HTML report.

    python -m core.resize.report DIR --scale 0.25 [--size WxH] [--methods ...] --out OUTDIR
                                 [--workers N] [--dask ADDRESS]

* images are found recursively and read with :func:`core.images.load_image` (the app's loader
  and limits); a file it refuses gets one CSV row with the loader's sentence, and the run goes on;
* one image at a time per worker, its rows appended to ``results.csv`` and flushed before the
  next: memory stays flat, Ctrl-C leaves a valid CSV, and a rerun skips images already in it;
* ``--workers N`` processes (``multiprocessing``), or ``--dask ADDRESS`` to map the same
  per-image function over an existing ``dask.distributed`` cluster (optional dependency).

Columns: the image's path relative to ``DIR``, its size and the result's, the method, the time of
one resize (ms, after a warm-up), PSNR and SSIM against the band-limited reference of
:mod:`core.resize.lesson`, the aliasing score, the largest difference to the other methods of the
same name ("bilinear", "bicubic", …) on that image, and the loader's sentence when it failed.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from core.errors import ScaleScopeError
from core.images import load_image
from core.resize.lesson import aliasing_scores, psnr, reference_image, ssim
from core.resize.methods import DEFAULT_METHODS, get_method, resize, scaled_size

COLUMNS = ("image", "width", "height", "out_width", "out_height", "method", "time_ms", "psnr", "ssim",
           "aliasing", "same_name_max_diff", "error")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif"}
FAMILIES = {"nearest": "nearest", "linear": "bilinear", "bilinear": "bilinear", "cubic": "bicubic",
            "bicubic": "bicubic", "lanczos": "Lanczos", "lanczos4": "Lanczos", "area": "area", "box": "area"}


def family(key: str) -> str:
    """The name a method goes by across libraries: ``"opencv-linear"`` → ``"bilinear"``.

    >>> family("opencv-linear"), family("torch-bilinear-antialias"), family("pyramid-bilinear")
    ('bilinear', 'bilinear', 'pyramid-bilinear')
    """
    library, _, rest = key.partition("-")
    if library not in ("opencv", "pillow", "torch", "skimage"):
        return key
    return FAMILIES.get(rest.split("-")[0], rest.split("-")[0])


def target_size(height: int, width: int, scale: float | None, size: tuple[int, int] | None) -> tuple[int, int]:
    """``(h, w)``: the fixed ``size`` when given, else the image scaled by ``scale``."""
    return size if size is not None else scaled_size(height, width, scale if scale is not None else 0.25)


def evaluate_array(image: np.ndarray, size: tuple[int, int], methods: Sequence[str]) -> list[dict]:
    """The CSV rows of one decoded image (without the ``image`` column)."""
    reference = reference_image(image, size)
    results, rows = {}, []
    aliasing = aliasing_scores(image, size, methods)
    for key in methods:
        resize(image, size, key)                                  # warm-up
        start = time.perf_counter()
        results[key] = resize(image, size, key)
        ms = (time.perf_counter() - start) * 1e3
        rows.append({"width": image.shape[1], "height": image.shape[0], "out_width": size[1],
                     "out_height": size[0], "method": key, "time_ms": ms,
                     "psnr": psnr(reference, results[key]), "ssim": ssim(reference, results[key]),
                     "aliasing": aliasing[key], "error": ""})
    for row in rows:
        same = [k for k in methods if k != row["method"] and family(k) == family(row["method"])]
        gaps = [int(np.abs(results[k].astype(np.int16) - results[row["method"]].astype(np.int16)).max())
                for k in same]
        row["same_name_max_diff"] = max(gaps) if gaps else ""
    return rows


def evaluate_file(job: tuple[str, str, float | None, tuple[int, int] | None, tuple[str, ...]]) -> list[dict]:
    """One image file → its CSV rows; a file the loader refuses → one row with its sentence."""
    path, name, scale, size, methods = job
    try:
        image = load_image(path)
        rows = evaluate_array(image, target_size(image.shape[0], image.shape[1], scale, size), methods)
    except ScaleScopeError as error:
        return [{"image": name, "error": str(error)}]
    return [{"image": name, **row} for row in rows]


def find_images(folder: Path) -> Iterator[Path]:
    """Every file under ``folder`` with an image suffix, in a stable order (lazily)."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for file in sorted(files):
            if Path(file).suffix.lower() in IMAGE_SUFFIXES:
                yield Path(root) / file


def done_images(csv_path: Path) -> set[str]:
    """The images a previous run already wrote to ``csv_path``."""
    if not csv_path.exists():
        return set()
    with open(csv_path, newline="") as f:
        return {row["image"] for row in csv.DictReader(f) if row.get("image")}


def _format(value: object) -> object:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else ("" if math.isnan(value) else f"{value:.6g}")
    return value


def _mapped(jobs: Iterable[tuple], workers: int, dask: str | None) -> Iterator[list[dict]]:
    if dask:
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise SystemExit("--dask needs dask.distributed: pip install 'dask[distributed]'") from None
        with Client(dask) as client:
            window = 2 * max(1, sum(client.nthreads().values()))
            iterator = iter(jobs)
            pending = as_completed([client.submit(evaluate_file, job, pure=False)
                                    for job in _take(iterator, window)])
            for future in pending:
                yield future.result()
                pending.update([client.submit(evaluate_file, job, pure=False) for job in _take(iterator, 1)])
    elif workers > 1:
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            yield from pool.imap_unordered(evaluate_file, jobs)
    else:
        yield from map(evaluate_file, jobs)


def _take(iterator: Iterator, count: int) -> list:
    return [job for _, job in zip(range(count), iterator, strict=False)]


def run(folder: Path, out: Path, *, scale: float | None = 0.25, size: tuple[int, int] | None = None,
        methods: Sequence[str] = DEFAULT_METHODS, workers: int = 1, dask: str | None = None,
        progress: bool = True) -> Path:
    """Write ``out/results.csv`` (resuming) and ``out/report.html``; return the CSV's path."""
    for key in methods:
        get_method(key)                      # an unknown key stops here, with the valid ones
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "results.csv"
    done = done_images(csv_path)
    paths = [p for p in find_images(folder) if str(p.relative_to(folder)) not in done]
    jobs = ((str(p), str(p.relative_to(folder)), scale, size, tuple(methods)) for p in paths)
    new_file = not csv_path.exists() or csv_path.stat().st_size == 0
    with open(csv_path, "a", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS, restval="")
        if new_file:
            writer.writeheader()
        bar = _progress(len(paths), progress)
        try:
            for rows in _mapped(jobs, workers, dask):
                writer.writerows({k: _format(v) for k, v in row.items()} for row in rows)
                f.flush()
                bar.update(1)
        except KeyboardInterrupt:
            print("\nStopped: results.csv holds every image finished so far; rerun to resume.",
                  file=sys.stderr)
            raise
        finally:
            bar.close()
    from ui.resize_report import write_html  # Plotly only for the HTML page, never for the CSV

    write_html(csv_path, out / "report.html", folder, scale, size)
    return csv_path


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="image", disable=not enabled, file=sys.stderr)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size must look like 320x240, got {text!r}") from None
    return height, width


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.resize.report", description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder of images, searched recursively")
    parser.add_argument("--scale", type=float, default=0.25, help="scale factor (default 0.25)")
    parser.add_argument("--size", type=_size, help="a fixed target size WxH instead of --scale")
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), help="method keys")
    parser.add_argument("--out", type=Path, required=True, help="output folder (rerun to resume)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--dask", help="address of a dask.distributed scheduler to run on")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    try:
        path = run(args.folder, args.out, scale=args.scale, size=args.size, methods=args.methods,
                   workers=args.workers, dask=args.dask)
    except (ValueError, ScaleScopeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"{path}\n{args.out / 'report.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
