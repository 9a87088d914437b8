"""Every example DAG file imports cleanly and follows the house style of the examples."""

from __future__ import annotations

import ast

import pytest
from e2e_support import EXAMPLE_DAGS

from airflow_quantum.operators.base import QuantumJobOperator
from airflow_quantum.operators.sweep import QuantumSweepOperator
from airflow_quantum.sensors.base import QuantumJobSensor
from airflow_quantum_emulator import demo

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # pragma: no cover - older Airflow 3 layouts
    from airflow.models.dagbag import DagBag  # type: ignore[no-redef]


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(EXAMPLE_DAGS), safe_mode=False)


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == set(demo.DEMO_DAGS)


@pytest.mark.parametrize("dag_id", demo.DEMO_DAGS)
def test_example_dag_style(dagbag, dag_id):
    dag = dagbag.dags[dag_id]  # parsed from the file (get_dag would ask the metadata DB)
    assert dag.catchup is False
    assert dag.doc_md and len(dag.doc_md) > 200
    assert "example" in dag.tags and "quantum" in dag.tags
    if dag.schedule is not None:
        # Only a DAG run by another example's results: scheduled on assets they produce.
        produced = {
            outlet for other in dagbag.dags.values() for t in other.tasks for outlet in t.outlets
        }
        assert set(dag.timetable.asset_condition.objects) <= produced, dag_id
        return
    waits = 0
    for task in dag.tasks:
        # A mapped task keeps its class and its arguments apart until it runs.
        cls = getattr(task, "operator_class", type(task))
        kwargs = getattr(task, "partial_kwargs", None) or vars(task)
        if not issubclass(cls, QuantumJobOperator | QuantumJobSensor | QuantumSweepOperator):
            continue
        if kwargs.get("wait_for_completion", True) is False:
            continue  # it only submits; a sensor waits
        waits += 1
        # A task's deferrable lives in its wait settings (the mapped one's in its arguments).
        deferrable = kwargs["deferrable"] if hasattr(task, "partial_kwargs") else task.deferrable
        assert deferrable, f"{dag_id}.{task.task_id} should wait in the triggerer"
    assert waits, "every example waits for a quantum job (or a sweep of them)"


@pytest.mark.parametrize("path", sorted(EXAMPLE_DAGS.glob("*.py")), ids=lambda p: p.stem)
def test_examples_use_only_the_public_face(path):
    """Only connections differ between the emulator and the clouds: no emulator in the DAGs."""
    tree = ast.parse(path.read_text())
    imported = {
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    ours = {name for name in imported if name.startswith("airflow_quantum")}
    assert ours <= {
        "airflow_quantum.clients.azure",  # the prepared job an estimate prices
        "airflow_quantum.clients.braket",  # likewise
        "airflow_quantum.clients.ibm.qiskit_interop",  # to_primitive_result, for qiskit users
        "airflow_quantum.hooks.azure_quantum",  # estimate_cost, before a paid run
        "airflow_quantum.hooks.braket",  # likewise
        "airflow_quantum.operators.azure_quantum",
        "airflow_quantum.operators.azure_quantum_sweep",
        "airflow_quantum.operators.braket",
        "airflow_quantum.operators.braket_sweep",
        "airflow_quantum.operators.ibm_quantum",
        "airflow_quantum.operators.ibm_quantum_sessions",
        "airflow_quantum.operators.ibm_quantum_sweep",
        "airflow_quantum.results.plot",  # the sweep's plot, drawn without a plotting library
        "airflow_quantum.sensors.azure_quantum",
        "airflow_quantum.sensors.ibm_quantum",
    }
    assert "127.0.0.1" not in path.read_text() and "localhost" not in path.read_text()
