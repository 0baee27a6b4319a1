"""The architecture stays as designed: the layered import contract (pyproject's
[tool.importlinter]) holds, and no module hides an import inside a function (which is how import
cycles get papered over) except the CLI, which imports lazily for start-up time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cxroi

PACKAGE = Path(cxroi.__file__).parent
ROOT = PACKAGE.parent.parent
# lazy imports kept on purpose: the CLI's start-up time, and optional rendering libraries
DEFERRED_ALLOWED = {"cli.py"}


def test_the_layered_import_contract_holds() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run(
        [str(lint), "--config", str(ROOT / "pyproject.toml")],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def _imports_inside_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    label = path.relative_to(PACKAGE) if path.is_relative_to(PACKAGE) else path.name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    found.append(f"{label}:{inner.lineno} {ast.unparse(inner)}")
    return found


def test_no_module_defers_its_imports_into_functions() -> None:
    deferred = [
        hit
        for path in sorted(PACKAGE.rglob("*.py"))
        if str(path.relative_to(PACKAGE)) not in DEFERRED_ALLOWED
        for hit in _imports_inside_functions(path)
    ]
    assert deferred == []


def test_the_checker_finds_a_deferred_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import json\n    return json\n", encoding="utf-8")
    assert len(_imports_inside_functions(module)) == 1
