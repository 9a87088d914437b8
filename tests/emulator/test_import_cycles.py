"""The emulator package has no import cycles, not even behind function-local imports.

Every ``import``/``from ... import`` anywhere in a module (top level, functions, ``TYPE_CHECKING``
blocks) is an edge of the graph: a cycle hidden in a function still ties the modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import airflow_quantum_emulator

PACKAGE = "airflow_quantum_emulator"
ROOT = Path(airflow_quantum_emulator.__file__).resolve().parent


def module_names() -> dict[str, Path]:
    names = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules that ``name`` (at ``path``) imports anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from pkg import mod`` imports the submodule; ``from mod import name`` the module.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target in known and target != name:
                found.add(target)
    return found


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_checker_sees_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "a.py").write_text("def f():\n    from pkg import b\n")
    (tmp_path / "b.py").write_text("from pkg.a import f\n")
    known = {"pkg.a", "pkg.b"}
    graph = {
        "pkg.a": imported_modules(tmp_path / "a.py", "pkg.a", known),
        "pkg.b": imported_modules(tmp_path / "b.py", "pkg.b", known),
    }
    assert find_cycles(graph) == [["pkg.a", "pkg.b"]]


def test_the_emulator_package_has_no_import_cycle():
    modules = module_names()
    known = set(modules)
    graph = {name: imported_modules(path, name, known) for name, path in modules.items()}
    assert len(graph) > 70  # the whole package was read
    assert find_cycles(graph) == []
