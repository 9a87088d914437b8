"""The docs site's examples come from example_dags/: every include resolves, every example DAG
is shown whole, and no page carries a hand-copied excerpt of one (it would drift)."""

from __future__ import annotations

import re

import pytest
from docs_support import (
    DOCS,
    EXAMPLE_DAGS,
    includes,
    is_include_block,
    python_blocks,
    section,
)

PAGES = sorted(DOCS.rglob("*.md"))
#: Consecutive lines a hand-written block may share with an example DAG before it counts as
#: a copy (a shorter match is a common idiom, such as two imports).
COPIED_LINES = 3


def _code_lines(text: str) -> list[str]:
    """Lines that say something: not blank, not a lone bracket, not a section marker."""
    lines = (line.strip() for line in text.splitlines())
    return [
        line
        for line in lines
        if len(line) > 3
        and not line.startswith("# --8<--")
        and not re.fullmatch(r"[)\]}(,]+", line)
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_includes_resolve_to_example_dag_code(page):
    for name, part in includes(page.read_text()):
        path = EXAMPLE_DAGS / name
        assert path.is_file(), f"{page.name}: {name} is not in example_dags/"
        if part is not None:
            assert _code_lines(section(path, part)), f"{page.name}: {name}:{part} is empty"


def test_example_dags_page_shows_every_example_dag_whole():
    shown = {name for name, part in includes((DOCS / "example-dags.md").read_text()) if not part}
    assert shown == {path.name for path in EXAMPLE_DAGS.glob("*.py")}


def test_every_section_marker_is_closed():
    for path in EXAMPLE_DAGS.glob("*.py"):
        text = path.read_text()
        starts = re.findall(r"# --8<-- \[start:(\w+)\]", text)
        assert sorted(starts) == sorted(re.findall(r"# --8<-- \[end:(\w+)\]", text)), path.name
        for name in starts:
            section(path, name)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_hand_copied_example_dag_code(page):
    dags = {path.name: _code_lines(path.read_text()) for path in EXAMPLE_DAGS.glob("*.py")}
    for block in python_blocks(page):
        if is_include_block(block):
            continue
        lines = _code_lines(block)
        for start in range(len(lines) - COPIED_LINES + 1):
            run = lines[start : start + COPIED_LINES]
            for name, dag in dags.items():
                copied = any(
                    dag[i : i + COPIED_LINES] == run for i in range(len(dag) - COPIED_LINES + 1)
                )
                assert not copied, f"{page.name} copies {name}; include it instead:\n{run}"
