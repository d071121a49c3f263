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
