"""The hand-written Python examples of docs/operators.md, sensors.md and triggers.md build real
tasks, and every public operator has its section. (Blocks included from example_dags/ are
checked by tests/test_docs_site.py and run with the example DAGs.)"""

from __future__ import annotations

import inspect

import pytest
from airflow.sdk import DAG, BaseOperator
from docs_support import DOCS, is_include_block, python_blocks

import airflow_quantum.operators.azure_quantum as azure_operators
import airflow_quantum.operators.ibm_quantum as ibm_operators

PAGES = ("operators.md", "sensors.md", "triggers.md")


def hand_written_blocks(page: str) -> list[str]:
    return [block for block in python_blocks(DOCS / page) if not is_include_block(block)]


@pytest.mark.parametrize("page", PAGES)
def test_python_examples_build_their_tasks(page):
    namespace: dict = {}
    built = 0
    for number, block in enumerate(hand_written_blocks(page)):
        with DAG(dag_id=f"docs_{page.split('.')[0]}_{number}", schedule=None) as dag:
            exec(compile(block, f"docs/{page}", "exec"), namespace)
        built += len(dag.task_ids)
    assert built or page == "triggers.md"


def test_every_operator_has_a_section():
    text = (DOCS / "operators.md").read_text()
    for module in (azure_operators, ibm_operators):
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseOperator)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                assert f"`{name}`" in text, name
