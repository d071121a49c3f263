"""core/ must work without Streamlit or Plotly: a notebook or a script can use it alone."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_core_module_imports_with_streamlit_and_plotly_blocked():
    modules = sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                     for p in (REPO / "core").rglob("*.py"))
    script = (
        "import sys\n"
        "for name in ('streamlit', 'plotly'):\n"
        "    sys.modules[name] = None  # any import of them now raises ImportError\n"
        f"import importlib\nfor m in {modules!r}:\n    importlib.import_module(m)\n"
        "print(len([m for m in sys.modules if m == 'core' or m.startswith('core.')]))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= len(modules)
