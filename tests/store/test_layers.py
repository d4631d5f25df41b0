"""The layers keep their places: the pure core imports neither flask nor sqlalchemy nor
the layers above it; the store imports no use-case and no web code; and no module of the
case, job and worker layers imports inside a function to dodge a cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

RUNTIME = Path(__file__).parents[2] / "runtime"
# Modules whose cycles were broken by moving code to its layer; the others follow as their
# owners move theirs (store/submissions.py, store/files.py, web/...).
NO_LATE_IMPORTS = [
    *sorted((RUNTIME / "flows").glob("*.py")), *sorted((RUNTIME / "casework").glob("*.py")),
    *(RUNTIME / "store" / name for name in ("cases.py", "jobs.py", "scoping.py", "inbox.py",
                                            "notifications.py")),
    RUNTIME / "worker.py",
    *(RUNTIME / "web" / name for name in ("workbench.py", "taskforms.py", "workwords.py",
                                          "casepages.py")),
]


def imports(path: Path) -> Iterator[tuple[str, bool]]:
    """Each module `path` imports, and whether the import is inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inner = {id(node) for function in ast.walk(tree)
             if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
             for node in ast.walk(function)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, id(node) in inner) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, id(node) in inner


@pytest.mark.parametrize("path", NO_LATE_IMPORTS, ids=lambda p: str(p.relative_to(RUNTIME)))
def test_no_import_inside_a_function(path: Path) -> None:
    assert [name for name, late in imports(path) if late] == []


@pytest.mark.parametrize("path", sorted((RUNTIME / "flows").glob("*.py")),
                         ids=lambda p: p.name)
def test_the_engine_is_pure(path: Path) -> None:
    found = {name for name, _ in imports(path)}
    assert not {n for n in found if n.split(".")[0] in ("flask", "sqlalchemy")}
    assert not {n for n in found if n.startswith(("runtime.store", "runtime.casework",
                                                  "runtime.web"))}


@pytest.mark.parametrize("path", sorted((RUNTIME / "store").glob("*.py")),
                         ids=lambda p: p.name)
def test_the_store_imports_no_use_case_and_no_web_code(path: Path) -> None:
    above = {name for name, late in imports(path)
             if name.startswith(("runtime.casework", "runtime.web"))
             and not (path.name == "submissions.py" and late)}  # until submit moves up
    assert above == set()
