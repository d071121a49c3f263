"""Figures and the self-contained HTML page of ``python -m core.resize.report`` (and of the
lab's "compare on several images"): a results table in, Plotly figures out."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from PIL import Image

from core.errors import ScaleScopeError
from core.images import load_image
from core.resize import get_method, resize
from core.resize.report import target_size

METRICS = {"psnr": "PSNR (dB)", "ssim": "SSIM", "aliasing": "aliasing", "time_ms": "time (ms)"}


def _label(key: str) -> str:
    try:
        return get_method(key).label
    except ValueError:
        return key


def distributions_figure(rows: pd.DataFrame, metric: str) -> go.Figure:
    """One box per method: the spread of ``metric`` over the images."""
    fig = go.Figure()
    for key, group in rows.groupby("method", sort=False):
        values = pd.to_numeric(group[metric], errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
        fig.add_trace(go.Box(y=values, name=_label(str(key)), boxpoints="outliers"))
    fig.update_layout(title=f"{METRICS[metric]} over the images", showlegend=False, height=420,
                      margin=dict(l=50, r=10, t=50, b=120), yaxis_title=METRICS[metric])
    return fig


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method: medians and quartiles of PSNR and aliasing, median time and images/s."""
    out = []
    for key, group in rows.groupby("method", sort=False):
        numbers = {m: pd.to_numeric(group[m], errors="coerce").replace([np.inf, -np.inf], np.nan)
                   for m in ("psnr", "ssim", "aliasing", "time_ms")}
        time_ms = numbers["time_ms"].median()
        out.append({"method": str(key), "label": _label(str(key)), "images": len(group),
                    "psnr": numbers["psnr"].median(), "psnr_lo": numbers["psnr"].quantile(0.25),
                    "psnr_hi": numbers["psnr"].quantile(0.75), "ssim": numbers["ssim"].median(),
                    "aliasing": numbers["aliasing"].median(),
                    "aliasing_lo": numbers["aliasing"].quantile(0.25),
                    "aliasing_hi": numbers["aliasing"].quantile(0.75),
                    "time_ms": time_ms, "per_second": 1e3 / time_ms if time_ms > 0 else np.nan})
    return pd.DataFrame(out)


def tradeoff_figure(table: pd.DataFrame) -> go.Figure:
    """Median aliasing against median PSNR, one point per method, whiskers from quartile to quartile."""
    fig = go.Figure(go.Scatter(
        x=table["aliasing"], y=table["psnr"], mode="markers+text", text=table["label"],
        textposition="top center", marker=dict(size=11),
        error_x=dict(type="data", symmetric=False, array=table["aliasing_hi"] - table["aliasing"],
                     arrayminus=table["aliasing"] - table["aliasing_lo"]),
        error_y=dict(type="data", symmetric=False, array=table["psnr_hi"] - table["psnr"],
                     arrayminus=table["psnr"] - table["psnr_lo"]),
        hovertemplate="%{text}<br>aliasing %{x:.3f}<br>PSNR %{y:.1f} dB<extra></extra>"))
    fig.update_layout(title="Quality against aliasing (median, whiskers from the 25th to the 75th "
                            "percentile)", xaxis_title="aliasing (0 = none folded back)",
                      yaxis_title="PSNR (dB) against the band-limited reference", height=480,
                      margin=dict(l=60, r=20, t=60, b=50))
    return fig


def speed_table(table: pd.DataFrame) -> pd.DataFrame:
    """The speed and quality table as shown, each column with one number of decimals."""
    return pd.DataFrame({"method": table["label"], "median time (ms)": table["time_ms"].map("{:.2f}".format),
                         "resizes per second": table["per_second"].map("{:.0f}".format),
                         "median PSNR (dB)": table["psnr"].map("{:.2f}".format),
                         "median SSIM": table["ssim"].map("{:.3f}".format),
                         "median aliasing": table["aliasing"].map("{:.3f}".format)})


def disagreements(rows: pd.DataFrame, count: int = 4) -> list[str]:
    """The images whose methods of the same name differ the most."""
    gaps = pd.to_numeric(rows["same_name_max_diff"], errors="coerce")
    worst = rows.assign(gap=gaps).groupby("image")["gap"].max().dropna().sort_values(ascending=False)
    return [str(name) for name in worst.index[:count]]


def _png_uri(image: np.ndarray, side: int = 160) -> str:
    picture = Image.fromarray(image)
    picture.thumbnail((side, side), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _thumbnails(folder: Path, names: list[str], methods: list[str], scale, size) -> str:
    parts = []
    for name in names:
        try:
            image = load_image(folder / name)
        except (ScaleScopeError, OSError):
            continue
        target = target_size(image.shape[0], image.shape[1], scale, size)
        cells = "".join(f"<figure><img src='{_png_uri(resize(image, target, k))}'><figcaption>"
                        f"{html.escape(_label(k))}</figcaption></figure>" for k in methods)
        parts.append(f"<h3>{html.escape(name)}</h3><div class='row'>{cells}</div>")
    return "".join(parts)


def write_html(csv_path: Path, html_path: Path, folder: Path, scale, size) -> None:
    """``report.html`` from ``results.csv``: Plotly inlined once, so it opens offline."""
    rows = pd.read_csv(csv_path, dtype={"image": str, "method": str, "error": str}, keep_default_na=False)
    good = rows[rows["error"] == ""]
    failed = rows[rows["error"] != ""]
    parts = ["<h1>Resize report</h1>",
             f"<p>{good['image'].nunique()} images, {good['method'].nunique()} methods; "
             f"{len(failed)} files could not be read.</p>"]
    if len(good):
        table = summary(good)
        figs = [tradeoff_figure(table)] + [distributions_figure(good, m) for m in ("psnr", "ssim", "aliasing")]
        for i, fig in enumerate(figs):
            parts.append(pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False))
        parts.append("<h2>Speed</h2>" + speed_table(table).to_html(index=False, escape=True))
        methods = list(dict.fromkeys(good["method"]))
        parts.append("<h2>Where the methods disagree most</h2>"
                     + _thumbnails(folder, disagreements(good), methods, scale, size))
    if len(failed):
        items = "".join(f"<li>{html.escape(r.image)}: {html.escape(r.error)}</li>" for r in failed.itertuples())
        parts.append(f"<h2>Files that could not be read</h2><ul>{items}</ul>")
    style = ("body{font-family:sans-serif;margin:2em} .row{display:flex;flex-wrap:wrap;gap:8px} "
             "figure{margin:0} img{image-rendering:pixelated} table{border-collapse:collapse} "
             "td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:right}")
    html_path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Resize report</title>"
                         f"<style>{style}</style></head><body>{''.join(parts)}</body></html>", encoding="utf-8")
