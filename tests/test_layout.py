"""The layout the architecture promises, kept by tests: the pure core imports neither flask
nor sqlalchemy nor its own extensions, and no module hides an import cycle inside a function
(the CLI's lazy imports for start-up speed are the one exception)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ("runtime/definitions", "runtime/expressions", "runtime/forms", "runtime/flows",
        "runtime/views",
        "runtime/decisions.py", "runtime/decisiongrid.py")
# Importing these at start-up would slow every `lowcode` command; the CLI imports them
# when the subcommand that needs them runs.
LAZY_IMPORTS_ALLOWED = {"runtime/cli.py"}


def _modules(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = ROOT / part
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def _imported(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _modules(*CORE), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_imports_no_framework_and_no_extension(path: Path) -> None:
    imported = _imported(ast.parse(path.read_text(encoding="utf-8")))
    banned = {name for name in imported
              if name.split(".")[0] in ("flask", "sqlalchemy", "templates_lib", "alembic")
              or name.startswith(("runtime.store", "runtime.web", "runtime.casework"))}
    assert not banned, f"{path.relative_to(ROOT)} imports {sorted(banned)}"


def _imports_inside_functions(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines.extend(inner.lineno for inner in ast.walk(node)
                         if isinstance(inner, ast.Import | ast.ImportFrom))
    return sorted(set(lines))


@pytest.mark.parametrize("path", _modules("runtime", "templates_lib", "designer"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_inside_a_function(path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    if relative in LAZY_IMPORTS_ALLOWED:
        return
    lines = _imports_inside_functions(ast.parse(path.read_text(encoding="utf-8")))
    assert not lines, f"{relative}: import inside a function at lines {lines}"


@pytest.mark.parametrize("path", _modules("runtime/store"), ids=lambda p: p.name)
def test_the_store_imports_no_use_case_and_no_web_code(path: Path) -> None:
    imported = _imported(ast.parse(path.read_text(encoding="utf-8")))
    above = {name for name in imported if name.startswith(("runtime.casework", "runtime.web"))}
    assert not above, f"{path.name} imports {sorted(above)}"
