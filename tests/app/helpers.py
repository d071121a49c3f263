"""AppTest helpers: run the real entry script and read the Plotly figures it sent."""

import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def figures(at: AppTest) -> dict[str, dict]:
    """Plotly specs by the name given to ``show_figure`` (AppTest has no chart accessor)."""
    found = {}
    for element in at.get("plotly_chart"):
        name = element.proto.id.split("-figure-", 1)[-1]
        found[name] = json.loads(element.proto.spec)
    return found


def metric(at: AppTest, label_start: str) -> str:
    matches = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert len(matches) == 1, f"{label_start!r}: {[m.label for m in at.metric]}"
    return matches[0]


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def open_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    """Run the home page once, then switch to ``script`` (as a person arriving would)."""
    at = app(query).run()
    at.switch_page(script)
    return at.run()


def titles_too_wide(spec: dict, width: int = 800) -> list[str]:
    """Panel titles wider than their panel on a ``width``-pixel page (about 0.55 em a character;
    a title's longest ``<br>``-separated line counts)."""
    layout = spec["layout"]
    margin = layout.get("margin", {})
    plot = width - margin.get("l", 80) - margin.get("r", 80)
    domains = [layout[k]["domain"] for k in layout if k.startswith("xaxis")]
    too_wide = []
    for note in layout.get("annotations", []):
        if note.get("xref") != "paper" or note.get("yanchor") != "bottom":
            continue
        size = note.get("font", {}).get("size", 16)
        panel = next(d for d in domains if d[0] - 1e-6 <= note["x"] <= d[1] + 1e-6)
        longest = max(len(line) for line in note["text"].split("<br>"))
        if longest * 0.55 * size > (panel[1] - panel[0]) * plot:
            too_wide.append(note["text"])
    return too_wide


def snippet_result(entry: dict, name: str = "<snippet>") -> object:
    """Run a "Reproduce in Python" snippet in a fresh namespace and return the ``result`` it leaves."""
    namespace: dict[str, object] = {"__name__": name}
    exec(compile(entry["code"], name, "exec"), namespace)   # noqa: S102 (the page's own snippet)
    assert "result" in namespace, f"{name} sets no result:\n{entry['code']}"
    return namespace["result"]


def reproduces(found: object, shown: object, tolerance: float) -> bool:
    """Whether a snippet's ``found`` result is the ``shown`` one, within the absolute ``tolerance``."""
    if isinstance(shown, str):
        return found == shown
    found_array, shown_array = np.asarray(found), np.asarray(shown)
    if found_array.shape != shown_array.shape:
        return False
    if tolerance == 0 and shown_array.dtype.kind in "iub":
        return bool(np.array_equal(found_array, shown_array))
    # tolerance is absolute, in the result's own units (grey levels, pixels, IoU…)
    return bool(np.allclose(found_array.astype(np.float64), shown_array.astype(np.float64),
                            rtol=0.0, atol=max(tolerance, 1e-9)))
