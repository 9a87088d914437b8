"""docs/quickstart.md shows the example DAGs as they are: every Python excerpt is in one."""

from __future__ import annotations

import re

import pytest
from e2e_support import EXAMPLE_DAGS, ROOT

QUICKSTART = ROOT / "docs" / "quickstart.md"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", QUICKSTART.read_text(), flags=re.DOTALL)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    return any(
        haystack[start : start + len(needle)] == needle
        for start in range(len(haystack) - len(needle) + 1)
    )


def test_quickstart_has_python_excerpts():
    assert len(_python_blocks()) >= 4


@pytest.mark.parametrize("block", _python_blocks(), ids=lambda b: _lines(b)[0][:40])
def test_python_excerpt_is_taken_from_an_example_dag(block):
    needle = _lines(block)
    files = {path.name: _lines(path.read_text()) for path in EXAMPLE_DAGS.glob("*.py")}
    found = [name for name, lines in files.items() if _contains(lines, needle)]
    assert found, f"not in any example DAG (as written there):\n{block}"
    assert any(name in QUICKSTART.read_text() for name in found), f"{found} not referenced"


def test_linked_example_files_exist():
    for name in re.findall(r"\(\.\./example_dags/([\w.]+)\)", QUICKSTART.read_text()):
        assert (EXAMPLE_DAGS / name).is_file(), name
