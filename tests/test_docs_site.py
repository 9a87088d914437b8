"""The docs site's examples come from example_dags/: every include resolves, every example DAG
is shown whole, and no page carries a hand-copied excerpt of one (it would drift). Read on the
repository host, where an include shows as its ``--8<--`` line, each has a link to the file
beside it; the site build turns those links into links to the Example DAGs page, and
``make docs`` fails on any warning."""

from __future__ import annotations

import importlib.util
import re

import pytest
from docs_support import (
    DOCS,
    EXAMPLE_DAGS,
    ROOT,
    includes,
    is_include_block,
    python_blocks,
    section,
)

PAGES = sorted(DOCS.rglob("*.md"))
#: A block of includes, then the first line of text after it (past ``<!-- fmt: on -->``).
INCLUDE_BLOCK = re.compile(
    r"```python\n((?:[ \t]*--8<--[^\n]*\n|[ \t]*\n)+)```\n(?:<!-- fmt: on -->\n)?\n*([^\n]*)"
)
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


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_include_has_a_link_to_its_file_beside_it(page):
    text = page.read_text()
    blocks = INCLUDE_BLOCK.findall(text)
    assert sum(len(includes(block)) for block, _ in blocks) == len(includes(text))
    up = "../" * len(page.relative_to(DOCS).parts)  # from docs/<page> to the repository's root
    for block, after in blocks:
        for name, _ in includes(block):
            assert f"]({up}example_dags/{name})" in after, f"{page.name}: no link to {name}"


def test_the_site_links_the_example_dags_page_instead_of_the_files():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    source = "Source: [`example_dags/sampler.py`](../example_dags/example_ibm_quantum_sampler.py)"
    assert hooks.site_links(source, "quickstart.md") == (
        "Source: [`example_dags/sampler.py`](example-dags.md#example_ibm_quantum_sampler)"
    )
    assert "(../example-dags.md#x)" in hooks.site_links("[x](../../example_dags/x.py)", "api/a.md")
    assert "hooks:\n  - mkdocs_hooks.py" in (ROOT / "mkdocs.yml").read_text()


def test_make_docs_fails_on_warnings():
    # mkdocs --quiet hides warnings from --strict's count too: a broken link would pass.
    recipe = re.search(r"^docs:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert "--strict" in recipe[1] and "--quiet" not in recipe[1] and " -q" not in recipe[1]
