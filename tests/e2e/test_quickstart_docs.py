"""docs/quickstart.md shows the example DAGs as they are: its Python excerpts are includes of
sections of the example DAG files (resolved by the site build), emulator first, then the real
clouds."""

from __future__ import annotations

import re

from docs_support import EXAMPLE_DAGS, includes, is_include_block, python_blocks, section
from e2e_support import ROOT

QUICKSTART = ROOT / "docs" / "quickstart.md"


def test_every_python_excerpt_is_included_from_an_example_dag():
    blocks = python_blocks(QUICKSTART)
    assert len(blocks) >= 4
    for block in blocks:
        assert is_include_block(block), f"hand-copied code; include it instead:\n{block}"
        for name, part in includes(block):
            assert part and section(EXAMPLE_DAGS / name, part).strip(), (name, part)


def test_linked_example_dags_exist():
    for name in re.findall(r"\(example-dags\.md#(\w+)\)", QUICKSTART.read_text()):
        assert (EXAMPLE_DAGS / f"{name}.py").is_file(), name


def test_emulator_first_then_the_real_clouds():
    headings = re.findall(r"^##+ (.+)$", QUICKSTART.read_text(), flags=re.M)
    emulator = next(i for i, h in enumerate(headings) if "emulator" in h.lower())
    clouds = next(i for i, h in enumerate(headings) if "real clouds" in h.lower())
    assert emulator < clouds
    assert {"Azure Quantum", "IBM Quantum"} <= set(headings[clouds:])
