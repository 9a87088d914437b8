"""A DAG's budget under a real ``airflow dags test``: over the estimate, the task fails at once
(no retry, though the DAG allows two) and no job exists in the emulator; within it, the job runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_support import AirflowE2E

from airflow_quantum_emulator import demo

pytestmark = pytest.mark.slow

DAGS = Path(__file__).parent / "dags"


def test_over_budget_fails_before_any_job_and_within_budget_runs(airflow_e2e: AirflowE2E):
    env = {**airflow_e2e.env, "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS)}
    log = airflow_e2e.home / "logs-e2e" / "quantum_budget.log"
    demo.run_dag_test("quantum_budget", env, log)
    record = airflow_e2e.db.latest_run("quantum_budget")
    assert record is not None, f"see {log}"
    assert record.tasks[("over_budget", -1)] == "failed", f"see {log}"
    assert record.tasks[("within_budget", -1)] == "success", f"see {log}"
    output = log.read_text(errors="replace")
    assert "over the limit max_cost=50 (from the operator)" in output
    assert output.count("over the limit max_cost=50") == 1  # one try: no retry was spent on it

    # The emulator's own job list: the over-budget task never created a job.
    names = [job.name for job in airflow_e2e.emulator.state.stores["azure"].jobs.values()]
    assert "budget-over_budget" not in names
    assert names.count("budget-within_budget") == 1
    assert record.xcom("over_budget", "cost_estimate")["estimated_total"] == pytest.approx(97.6195)
    within = record.xcom("within_budget")  # the Bell pair's result: only 00 and 11
    assert set(within["probabilities"]) <= {"00", "11"}
    assert sum(within["probabilities"].values()) == pytest.approx(1.0)
