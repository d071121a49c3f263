"""``python -m benchmarks NAME`` replaces NAME's results and keeps every other benchmark's."""

import json

from benchmarks.__main__ import merge, section, split_sections

PYRAMIDS = """## pyramids

_`python -m benchmarks.pyramids`, 33 s_

## 1024×1024

| implementation | median ms |
|---|---:|
| cv2.pyrDown loop | 1.1 |
"""
BROWSER_OLD = """## browser

_`python -m benchmarks.browser`, 27 s_

| page | first load s |
|---|---:|
| /pyramids | 4.85 |
"""
MEMORY = """## memory

_`python -m benchmarks.memory`, 34 s_

| scenario | resident memory |
|---|---|
| one session | 622 MB |
"""


def _old_results(directory):
    (directory / "RESULTS.md").write_text("# Benchmark results\n\nMachine: old box\n\n"
                                          + "\n".join([PYRAMIDS, BROWSER_OLD, MEMORY]), encoding="utf-8")
    (directory / "results.json").write_text(json.dumps({"machine": "old box", "benchmarks": {
        "pyramids": {"seconds": 33, "returncode": 0,
                     "tables": [[{"implementation": "cv2.pyrDown loop", "median ms": "1.1"}]]},
        "browser": {"seconds": 27, "returncode": 0, "tables": [[{"page": "/pyramids", "first load s": "4.85"}]]},
        "memory": {"seconds": 34, "returncode": 0, "tables": [[{"scenario": "one session"}]]},
    }}), encoding="utf-8")


def test_sections_are_found_by_heading_and_command_not_by_inner_headings():
    sections = split_sections("# title\n\n" + "\n".join([PYRAMIDS, BROWSER_OLD, MEMORY]))
    assert list(sections) == ["pyramids", "browser", "memory"]
    assert sections["pyramids"] == PYRAMIDS            # its own "## 1024×1024" stays inside it
    assert sections["memory"] == MEMORY


def test_running_one_benchmark_replaces_its_section_and_keeps_the_others(tmp_path):
    _old_results(tmp_path)
    new_text = section("browser", 412.4, "2026-12-02 02:30 UTC", "| page | settle s |\n|---|---:|\n| home | 1.20 |")
    entry = {"seconds": 412.4, "returncode": 0, "tables": [[{"page": "home", "settle s": "1.20"}]],
             "machine": "new box", "when": "2026-12-02 02:30 UTC", "markdown": new_text}
    merge(tmp_path, {"browser": entry}, "new box")

    markdown = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "Machine (latest run): new box" in markdown
    assert split_sections(markdown)["pyramids"] == PYRAMIDS.replace(
        "33 s_\n\n", "33 s_\n\n_Measured on: old box_\n\n")     # an older machine is named
    assert "Measured on" not in split_sections(markdown)["browser"]
    assert MEMORY.split("\n\n", 2)[2] in markdown
    assert "4.85" not in markdown and "| home | 1.20 |" in markdown
    assert "_`python -m benchmarks.browser`, 412 s, 2026-12-02 02:30 UTC_" in markdown
    # the order is the runner's: pyramids before browser before memory
    assert markdown.index("## pyramids") < markdown.index("## browser") < markdown.index("## memory")

    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert list(results["benchmarks"]) == ["pyramids", "browser", "memory"]
    assert results["benchmarks"]["pyramids"]["tables"] == [[{"implementation": "cv2.pyrDown loop",
                                                             "median ms": "1.1"}]]
    assert results["benchmarks"]["pyramids"]["machine"] == "old box"
    assert results["benchmarks"]["browser"]["tables"] == [[{"page": "home", "settle s": "1.20"}]]
    assert results["benchmarks"]["browser"]["machine"] == "new box"

    # a second run of another benchmark keeps the browser section just written
    memory_text = section("memory", 30, "2026-12-02 02:40 UTC", "| scenario |\n|---|\n| two sessions |")
    merge(tmp_path, {"memory": {"seconds": 30, "returncode": 0, "tables": [], "markdown": memory_text}}, "new box")
    again = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| home | 1.20 |" in again and "| two sessions |" in again and "622 MB" not in again
    assert PYRAMIDS.split("\n\n", 2)[2] in again and again.count("_Measured on: old box_") == 1


def test_first_run_into_an_empty_folder(tmp_path):
    text = section("scaling", 4, "2026-12-02 02:00 UTC", "| size | ms |\n|---|---:|\n| 512² | 0.3 |")
    merge(tmp_path, {"scaling": {"seconds": 4, "returncode": 0, "tables": [], "markdown": text}}, "box")
    assert split_sections((tmp_path / "RESULTS.md").read_text(encoding="utf-8")) == {"scaling": text}
    assert list(json.loads((tmp_path / "results.json").read_text())["benchmarks"]) == ["scaling"]
