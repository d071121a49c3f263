"""The house by lesson: where things live is checked, so the layout cannot drift back."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = ("pyramids", "search", "blend", "resize", "sampling", "modules", "receptive_field",
           "scale_invariance", "downsizenet", "models")
MAX_LINES = 360


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_every_lesson_has_its_own_core_package():
    for lesson in LESSONS:
        assert (REPO / "core" / lesson / "__init__.py").is_file(), lesson
    assert not list((REPO / "core").glob("*_analysis.py")), "lesson adapters are called lesson.py"


@pytest.mark.parametrize("path", _python_files("core", "ui", "app_pages"), ids=lambda p: str(p.relative_to(REPO)))
def test_no_file_outgrows_one_idea(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(REPO)} has {lines} lines; split it by job"


def test_lessons_use_each_other_only_through_their_public_package():
    offences = []
    for path in _python_files("core"):
        parts = path.relative_to(REPO / "core").parts
        own = parts[0] if len(parts) > 1 else None
        for module in _imports(path):
            bits = module.split(".")
            if len(bits) >= 3 and bits[0] == "core" and bits[1] in LESSONS and bits[1] != own:
                offences.append(f"{path.relative_to(REPO)} imports {module}")
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize("path", _python_files("app_pages"), ids=lambda p: p.name)
def test_pages_hold_lesson_text_and_widgets_only(path):
    imports = _imports(path)
    computing = [m for m in imports if m.split(".")[0] in ("torch", "cv2", "plotly", "PIL", "scipy", "skimage")]
    assert not computing, f"{path.name} computes or draws itself: {computing}"
    source = path.read_text(encoding="utf-8")
    assert "st.cache_data" not in source, f"{path.name}: cache through ui.cache.cached, keyed on content"
