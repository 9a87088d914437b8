"""Reading the docs as the site build does: code blocks, and the snippets they include from
``example_dags/`` (``--8<-- "file.py"`` for a whole file, ``--8<-- "file.py:section"`` for the
lines between ``# --8<-- [start:section]`` and ``# --8<-- [end:section]`` there), and the
constants the example DAGs define, for tests that use the DAGs' own values instead of copies."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE_DAGS = ROOT / "example_dags"
INCLUDE = re.compile(r'^\s*--8<-- "([\w.]+)(?::(\w+))?"\s*$', re.M)


def example_constant(dag_file: str, name: str) -> Any:
    """The value ``name`` in ``example_dags/{dag_file}`` (the file is run, as Airflow does)."""
    return runpy.run_path(str(EXAMPLE_DAGS / dag_file))[name]


def python_blocks(page: Path) -> list[str]:
    """The bodies of a page's ```python blocks."""
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def includes(text: str) -> list[tuple[str, str | None]]:
    """(file, section or None) of every snippet include in ``text``."""
    return [(name, section or None) for name, section in INCLUDE.findall(text)]


def is_include_block(block: str) -> bool:
    """A code block made only of includes (and blank lines)."""
    lines = [line for line in block.splitlines() if line.strip()]
    return bool(lines) and all(INCLUDE.match(line) for line in lines)


def section(path: Path, name: str) -> str:
    """The lines of ``path`` between its start and end markers for ``name``."""
    text = path.read_text()
    match = re.search(
        rf"^[ \t]*# --8<-- \[start:{name}\][^\n]*\n(.*?)^[ \t]*# --8<-- \[end:{name}\]",
        text,
        flags=re.S | re.M,
    )
    if match is None:
        raise LookupError(f"{path.name} has no section {name!r}")
    return match.group(1)
