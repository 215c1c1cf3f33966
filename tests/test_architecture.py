"""The shape of the package: one-way imports, data models at the bottom, short modules.

Run alone with ``python -m pytest tests/test_architecture.py``: it is the command that
checks for import cycles (it reads every module's imports with :mod:`ast`, including
imports inside functions, and looks for strongly connected components).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "solver"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80  # outside solver/files/


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# Alembic's migrations are kept as Alembic writes them (one long upgrade per revision).
MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts}


def _imports(path: Path) -> set[str]:
    """The solver modules ``path`` imports (at any depth, typing-only imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name in MODULES:
                found.add(name)
    return found


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_no_import_cycle_in_the_package() -> None:
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


BOTTOM = {
    "solver.errors",
    "solver.documents",
    "solver.intervals",
    "solver.instance_parts",
    "solver.instance_checks",
    "solver.instance_v1",
    "solver.instance",
}


@pytest.mark.parametrize("bottom", sorted(BOTTOM))
def test_the_data_models_import_nothing_above_them(bottom: str) -> None:
    allowed = BOTTOM
    assert GRAPH[bottom] <= allowed, GRAPH[bottom] - allowed


def test_the_roster_imports_only_the_instance_below_it() -> None:
    allowed = BOTTOM | {"solver.roster_v1"}
    assert GRAPH["solver.roster"] <= allowed, GRAPH["solver.roster"] - allowed


def test_the_checker_shares_no_code_with_the_model() -> None:
    below = {"solver.errors", "solver.documents", "solver.instance", "solver.roster"}
    for name, imported in GRAPH.items():
        if name == "solver.checker" or name.startswith("solver.checker."):
            outside = {m for m in imported if not m.startswith("solver.checker")}
            assert outside <= below, (name, outside - below)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_short(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name}: {lines} lines"


def test_functions_are_short_outside_the_file_formats() -> None:
    long = []
    for name, path in MODULES.items():
        if name.startswith("solver.files"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []


def test_import_solver_loads_neither_ortools_nor_pandas() -> None:
    code = (
        "import sys, solver\n"
        "from solver import InputError, Instance, Roster, SolveOptions, load_instance\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('ortools', 'pandas')]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_public_api_is_the_basic_loop() -> None:
    import solver
    from solver.checker import check as check_function
    from solver.entry import solve as solve_function

    assert solver.solve is solve_function
    assert solver.check is check_function
    for name in solver.__all__:
        assert getattr(solver, name).__doc__, name
