"""The approval example's estimate, against the emulator without a scheduler: an Azure job, a
Braket task and a Braket sweep priced before anything is sent (the sweep as the sum of its
tasks, by the sweep task itself), and what the approver reads. The whole flow under a real
Airflow is tests/e2e/test_spend_approval.py."""

from __future__ import annotations

import runpy
from pathlib import Path

import jinja2
import pytest
from airflow_face_support import make_context, stats

EXAMPLE = Path(__file__).parents[2] / "example_dags" / "example_quantum_spend_approval.py"


class _TaskInstance:
    def __init__(self, value):
        self.value = value

    def xcom_pull(self, task_ids):
        assert task_ids == "estimate"
        return self.value


def test_every_piece_is_priced_and_summed_before_anything_is_sent(
    connections, braket_connection, emulator, capsys
):
    module = runpy.run_path(str(EXAMPLE))
    dag = module["example_quantum_spend_approval"]()
    found = dag.get_task("estimate").python_callable(dag=dag)
    azure, braket, sweep = found["items"]
    assert azure["target"] == "ionq.qpu.aria-1" and azure["priced"]
    assert braket["target"] == module["GARNET"]
    assert braket["estimated_total"] == pytest.approx(0.30 + 100 * 0.00145)
    # 240 points x 100 shots: program sets of 100, 100 and 40 circuits.
    assert sweep["jobs"] == 3
    assert sweep["estimated_total"] == pytest.approx(3 * 0.30 + 24_000 * 0.00145)
    assert found["priced"] and found["currency"] == "USD"
    assert found["estimated_total"] == pytest.approx(
        azure["estimated_total"] + braket["estimated_total"] + sweep["estimated_total"]
    )
    assert found["estimated_total"] <= 500  # the default threshold: no approval by default
    assert stats(emulator, "azure")["jobs_submitted"] == 0
    assert stats(emulator, "braket")["jobs_submitted"] == 0

    # Airflow renders templates with StrictUndefined: a missing key fails the task.
    body = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(module["APPROVAL_BODY"])
    text = body.render(ti=_TaskInstance(found), params={"approval_threshold": 0})
    assert f"| rx sweep of 240 points | {module['GARNET']} | " in text
    assert f"{sweep['estimated_total']} USD (sum of 3 tasks) |" in text
    assert f"| GHZ task | {module['GARNET']} | {braket['estimated_total']} USD |" in text
    assert f"In all **{found['estimated_total']} USD**" in text


def test_an_unpriced_piece_makes_the_whole_unpriced():
    total = runpy.run_path(str(EXAMPLE))["total"]
    found = total(
        [
            {"priced": True, "estimated_total": 1.0, "currency": "USD"},
            {"priced": False, "currency": None, "detail": "no price known"},
        ]
    )
    assert found["priced"] is False and found["estimated_total"] is None


def test_the_sweep_it_prices_runs_as_priced(braket_connection, emulator):
    """The sweep task on the emulator (waiting on the worker): 240 rows from 3 tasks."""
    dag = runpy.run_path(str(EXAMPLE))["example_quantum_spend_approval"]()
    sweep = dag.get_task("sweep_on_qpu")
    sweep.deferrable = False
    summary = sweep.execute(make_context(sweep))
    assert summary["items"] == 240 and summary["jobs"] == 3
    assert stats(emulator, "braket")["jobs_submitted"] == 3
