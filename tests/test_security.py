"""Static checks over the project's own code: bandit's rules (through ruff) and no unpickling."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_CODE = ["app.py", "core", "ui", "app_pages", "benchmarks"]


def test_ruff_security_rules_find_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "S", "--no-cache",
                             "--output-format", "concise", *APP_CODE], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_code_path_unpickles_data():
    offenders = []
    for path in [REPO / "app.py", *[p for folder in APP_CODE[1:] for p in (REPO / folder).rglob("*.py")]]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(import pickle|from pickle|import dill|import joblib)", text, re.M):
            offenders.append(f"{path.name}: imports a pickle library")
        for call in re.findall(r"torch\.load\([^)]*\)", text):
            if "weights_only=True" not in call:
                offenders.append(f"{path.name}: {call}")
        if re.search(r"(?<![.\w])(eval|exec)\(", text):   # builtins, not Module.eval()
            offenders.append(f"{path.name}: eval/exec")
    assert not offenders, offenders


# Calls that change what every thread of the server process shares: the global random generators,
# torch's thread pools and defaults. Streamlit runs every visitor in a thread of one process.
GLOBAL_STATE_CALLS = {"manual_seed", "seed", "set_num_threads", "set_num_interop_threads",
                      "set_default_dtype", "set_default_device", "use_deterministic_algorithms"}
GLOBAL_RECEIVERS = ("torch", "np.random", "numpy.random", "random", "torch.cuda", "torch.random")
# Where setting them is the point: command lines, and the one start-up hook app.py calls once.
ALLOWED_FUNCTIONS = {"main"}
ALLOWED_PLACES = {("core/device.py", "configure_threads")}


def _dotted(node) -> str | None:
    import ast

    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def global_state_calls(path: Path, source: str) -> list[str]:
    """``file:line call`` for each process-wide state change outside a CLI ``main()``."""
    import ast

    tree = ast.parse(source)
    relative = path.relative_to(REPO).as_posix() if path.is_absolute() else path.as_posix()
    found = []

    def visit(node, functions: tuple[str, ...], under_main_guard: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions = (*functions, node.name)
        if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) and "__main__" in ast.unparse(node.test):
            under_main_guard = True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GLOBAL_STATE_CALLS:
            receiver = _dotted(node.func.value)
            allowed = (under_main_guard or ALLOWED_FUNCTIONS & set(functions)
                       or any((relative, f) in ALLOWED_PLACES for f in functions))
            if receiver in GLOBAL_RECEIVERS and not allowed:
                found.append(f"{relative}:{node.lineno} {receiver}.{node.func.attr}()")
        for child in ast.iter_child_nodes(node):
            visit(child, functions, under_main_guard)

    visit(tree, (), False)
    return found


def test_the_global_state_detector_tells_a_seeded_generator_from_the_global_seed():
    source = """
import torch, random
import numpy as np
g = torch.Generator().manual_seed(0)
rng = np.random.default_rng(1)
torch.manual_seed(0)
def build():
    np.random.seed(2)
    random.seed(3)
    torch.set_num_threads(1)
def main():
    torch.set_num_threads(4)
if __name__ == "__main__":
    torch.manual_seed(5)
"""
    found = global_state_calls(Path("core/x.py"), source)
    assert [f.split(" ", 1)[1] for f in found] == ["torch.manual_seed()", "np.random.seed()", "random.seed()",
                                                   "torch.set_num_threads()"]
    assert [int(f.split(":")[1].split()[0]) for f in found] == [6, 8, 9, 10]


def test_library_and_page_code_never_changes_process_wide_state():
    offenders = []
    for folder in ("core", "ui", "app_pages"):
        for path in sorted((REPO / folder).rglob("*.py")):
            offenders += global_state_calls(path, path.read_text(encoding="utf-8"))
    offenders += global_state_calls(REPO / "app.py", (REPO / "app.py").read_text(encoding="utf-8"))
    assert not offenders, "seed a torch.Generator / np.random.default_rng instead:\n" + "\n".join(offenders)
