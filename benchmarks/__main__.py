"""Run benchmarks and merge their results into ``benchmarks/RESULTS.md`` and ``benchmarks/results.json``.

Usage: ``.venv/bin/python -m benchmarks [name ...]`` (default: every benchmark in ``DEFAULT``).
Each benchmark prints Markdown tables whose ratios compare against a reference measured in the
same run; this runner records them with a description of the machine, and parses every table
into rows for the JSON file. Only the benchmarks run are replaced: the sections of the others
stay as they were, each with the machine and date it was measured on.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = ("pyramids", "scaling", "resize", "search", "modules", "receptive_field", "downsizenet",
           "training", "pages", "browser", "memory", "gpu")
HEADER = ("# Benchmark results\n\nMachine (latest run): {machine}\n\n"
          "Medians after warm-up; ratios compare with the reference measured in the same run, "
          "which is what to quote — absolute times move with the machine and its load. Each "
          "section says when it was measured; `python -m benchmarks NAME` replaces only NAME's.\n")
# A section starts with its heading followed by the command line that produced it; the
# benchmarks' own output has "## " headings too, so the heading alone does not mark a section.
_SECTION = re.compile(r"^## (\w+)\n\n_`python -m benchmarks\.\1`", re.MULTILINE)


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


def split_sections(markdown: str) -> dict[str, str]:
    """The sections of a RESULTS.md by benchmark name, each from its heading to the next one's."""
    starts = list(_SECTION.finditer(markdown))
    ends = [match.start() for match in starts[1:]] + [len(markdown)]
    return {match.group(1): markdown[match.start():end].strip() + "\n" for match, end in zip(starts, ends, strict=True)}


def section(name: str, seconds: float, when: str, output: str) -> str:
    return f"## {name}\n\n_`python -m benchmarks.{name}`, {seconds:.0f} s, {when}_\n\n{output.strip()}\n"


def _shown(entry: dict, machine_text: str) -> str:
    """A section's Markdown, saying which machine measured it when that is not the latest run's."""
    text = entry.get("markdown", "")
    other = entry.get("machine")
    if not other or other == machine_text or "_Measured on:" in text:
        return text
    heading, _, rest = text.partition("\n\n")
    command, _, rest = rest.partition("\n\n")
    return f"{heading}\n\n{command}\n\n_Measured on: {other}_\n\n{rest}"


def merge(directory: Path, runs: dict[str, dict], machine_text: str) -> dict:
    """Write ``directory``'s RESULTS.md and results.json with ``runs`` replacing those benchmarks.

    ``runs`` maps a benchmark name to its entry (``seconds``, ``returncode``, ``tables``,
    ``markdown`` and ``machine``, ``when``); the entries and sections of benchmarks not in ``runs``
    are kept. Sections are ordered as in ``DEFAULT``, then any others in the order found.
    Returns the merged JSON object.
    """
    json_path, md_path = directory / "results.json", directory / "RESULTS.md"
    old = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    old_sections = split_sections(md_path.read_text(encoding="utf-8")) if md_path.exists() else {}
    entries: dict[str, dict] = {}
    for name, entry in old.get("benchmarks", {}).items():
        entries[name] = {"machine": old.get("machine", ""), **entry}
        if "markdown" not in entries[name] and name in old_sections:
            entries[name]["markdown"] = old_sections[name]
    for name, text in old_sections.items():   # a section without a JSON entry is kept too
        entries.setdefault(name, {"markdown": text, "tables": parse_tables(text)})
    entries.update(runs)
    order = [n for n in DEFAULT if n in entries] + [n for n in entries if n not in DEFAULT]
    results = {"machine": machine_text, "benchmarks": {name: entries[name] for name in order}}
    body = "\n".join(_shown(entries[name], machine_text) for name in order)
    md_path.write_text(HEADER.format(machine=machine_text) + "\n" + body, encoding="utf-8")
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def main() -> None:
    names = sys.argv[1:] or [n for n in DEFAULT if (HERE / f"{n}.py").exists()]
    machine_text = machine()
    runs: dict[str, dict] = {}
    for name in names:
        start = time.perf_counter()
        # Only this package's own module names are run, with this interpreter.
        run = subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], cwd=HERE.parent,  # noqa: S603
                             capture_output=True, text=True, timeout=3600)
        seconds = time.perf_counter() - start
        output = run.stdout if run.returncode == 0 else run.stdout + "\n```\n" + run.stderr[-2000:] + "\n```"
        print(f"{name}: {'ok' if run.returncode == 0 else 'FAILED'} in {seconds:.0f} s", flush=True)
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        runs[name] = {"seconds": round(seconds, 1), "returncode": run.returncode,
                      "tables": parse_tables(run.stdout), "machine": machine_text, "when": when,
                      "markdown": section(name, seconds, when, output)}
    merge(HERE, runs, machine_text)
    print(f"wrote {HERE / 'RESULTS.md'} and {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
