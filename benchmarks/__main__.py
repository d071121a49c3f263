"""Run every benchmark and write ``benchmarks/RESULTS.md`` and ``benchmarks/results.json``.

Usage: ``.venv/bin/python -m benchmarks [name ...]`` (default: all but the browser load test).
Each benchmark prints Markdown tables whose ratios compare against a library measured in the
same run; this runner records them with a description of the machine, and parses every table
into rows for the JSON file.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = ("pyramids", "scaling", "resize", "search", "modules", "receptive_field", "downsizenet",
           "training", "pages", "browser", "memory", "gpu")


def machine() -> str:
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return (f"{cpu} · {os.cpu_count()} logical cores · torch {torch.__version__} "
            f"({torch.get_num_threads()} threads) · GPU: {gpu} · Python {platform.python_version()}")


def parse_tables(markdown: str) -> list[list[dict[str, str]]]:
    tables, current, header = [], None, None
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            current, header = None, None
            continue
        if header is None:
            header, current = cells, []
            tables.append(current)
        elif all(set(c) <= set("-: ") for c in cells):
            continue
        else:
            current.append(dict(zip(header, cells, strict=False)))
    return tables


def main() -> None:
    names = sys.argv[1:] or [n for n in DEFAULT if (HERE / f"{n}.py").exists()]
    sections, results = [], {"machine": machine(), "benchmarks": {}}
    for name in names:
        start = time.perf_counter()
        # Only this package's own module names are run, with this interpreter.
        run = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent,  # noqa: S603
                             capture_output=True, text=True, timeout=1800)
        seconds = time.perf_counter() - start
        output = run.stdout if run.returncode == 0 else run.stdout + "\n```\n" + run.stderr[-2000:] + "\n```"
        print(f"{name}: {'ok' if run.returncode == 0 else 'FAILED'} in {seconds:.0f} s", flush=True)
        sections.append(f"## {name}\n\n_`python -m benchmarks.{name}`, {seconds:.0f} s_\n\n{output.strip()}\n")
        results["benchmarks"][name] = {"seconds": round(seconds, 1), "returncode": run.returncode,
                                       "tables": parse_tables(run.stdout)}
    header = (f"# Benchmark results\n\nMachine: {results['machine']}\n\n"
              "Medians after warm-up; ratios compare with the reference library timed in the same run, "
              "which is what to quote — absolute times move with the machine and its load.\n")
    (HERE / "RESULTS.md").write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    (HERE / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
