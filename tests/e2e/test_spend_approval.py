"""The approval example under a real Airflow: scheduler, triggerer, dag-processor, api-server
(those of the UI tests, tests/conftest.py: ``example_dags_deployment``).

A run whose estimate is over its threshold waits in ``approve_spend`` with no job or task at
the emulator until a person answers through Airflow's REST API (the HITL endpoint of the public
API, as the *Required Actions* page of the UI does): *Approve* sends the work (an Azure job, a
Braket task and a Braket sweep of three tasks), *Reject* skips it. The approver reads each
piece's estimate, the sweep's as the sum of its tasks, and the total. A run under its threshold
goes straight to the work.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum_emulator import EmulatorConfig

# The deployment harness of the reliability tests starts the Airflow processes; reuse it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))
from reliability_support import ADMIN, AirflowDeployment, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not hasattr(AzureQuantumHook, "estimate_cost"),
        reason="needs AzureQuantumHook.estimate_cost (issue 15 item 1, the Azure branch)",
    ),
]

DAG_ID = "example_quantum_spend_approval"
HITL = "/dags/{dag}/dagRuns/{run}/taskInstances/approve_spend/-1/hitlDetails"
APPROVAL_EMULATOR = EmulatorConfig(queue_seconds=1.0, run_seconds=0.5, seed=11)


@pytest.fixture
def airflow(example_dags_deployment: AirflowDeployment) -> AirflowDeployment:
    """The example DAGs' deployment (tests/conftest.py); its emulator's jobs end by themselves."""
    timings = APPROVAL_EMULATOR.model_dump(include={"queue_seconds", "run_seconds", "seed"})
    example_dags_deployment.emulator_api("PATCH", "/config", json=timings)
    example_dags_deployment.wait_for_dags([DAG_ID])
    return example_dags_deployment


def azure_jobs(airflow: AirflowDeployment) -> int:
    return airflow.stats("azure")["jobs_submitted"]


def braket_tasks(airflow: AirflowDeployment) -> int:
    return airflow.stats("braket")["jobs_submitted"]


def states(airflow: AirflowDeployment, run_id: str) -> dict[str, str]:
    listing = airflow.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")
    return {ti["task_id"]: ti["state"] for ti in listing["task_instances"]}


def awaiting_approval(airflow: AirflowDeployment, threshold: float) -> tuple[str, dict[str, Any]]:
    """Trigger a run; once it waits for a person: its id and the estimate it showed them."""
    jobs_before, tasks_before = azure_jobs(airflow), braket_tasks(airflow)
    run_id = airflow.trigger(DAG_ID, {"approval_threshold": threshold})
    airflow.wait_for_task_state(DAG_ID, run_id, "approve_spend", {"awaiting_input"}, timeout=180)
    # A person answers after seconds at the least. An answer within the same second, before the
    # scheduler has handled the executor's event for the parked try, races it in Airflow 3.3.2:
    # the scheduler then sees the resumed try queued, says "state changed externally" and fails
    # it. So answer, as a person would, once the parked try is over for the scheduler too.
    parked = f"TaskInstance Finished: dag_id={DAG_ID}, task_id=approve_spend, run_id={run_id},"
    wait_for(lambda: parked in airflow.process_log("scheduler"), 60, "the parked try's end")
    assert azure_jobs(airflow) == jobs_before  # nothing is submitted before the answer
    assert braket_tasks(airflow) == tasks_before
    found = airflow.xcom(DAG_ID, run_id, "estimate")
    assert found["priced"] and found["estimated_total"] > threshold, found
    return run_id, found


def answer(airflow: AirflowDeployment, run_id: str, option: str) -> dict[str, Any]:
    return airflow.api(
        "PATCH", HITL.format(dag=DAG_ID, run=run_id), json={"chosen_options": [option]}
    )


def test_over_the_threshold_the_job_waits_for_an_approval_given_through_the_api(airflow):
    run_id, found = awaiting_approval(airflow, threshold=0.0)
    detail = airflow.api("GET", HITL.format(dag=DAG_ID, run=run_id))
    assert detail["options"] == ["Approve", "Reject"] and detail["response_received"] is False
    assert f"{found['estimated_total']} {found['currency']}" in detail["body"]
    assert "ionq.qpu.aria-1" in detail["subject"]
    # Each piece, the sweep's estimate as the sum of its three tasks.
    sweep = found["items"][2]
    assert sweep["jobs"] == 3
    assert f"{sweep['estimated_total']} USD (sum of 3 tasks)" in detail["body"]
    assert f"{found['items'][1]['estimated_total']} USD |" in detail["body"]

    jobs_before, tasks_before = azure_jobs(airflow), braket_tasks(airflow)
    response = answer(airflow, run_id, "Approve")
    assert response["chosen_options"] == ["Approve"]
    assert response["responded_by"]["name"] == ADMIN[0]
    assert airflow.wait_for_run(DAG_ID, run_id, timeout=180) == "success"
    assert states(airflow, run_id) == {
        "estimate": "success",
        "route": "success",
        "approve_spend": "success",
        "within_threshold": "skipped",
        "run_on_qpu": "success",
        "run_on_braket": "success",
        "sweep_on_qpu": "success",
    }
    assert azure_jobs(airflow) == jobs_before + 1
    assert braket_tasks(airflow) == tasks_before + 1 + 3  # the GHZ task, the sweep's three
    result = airflow.xcom(DAG_ID, run_id, "run_on_qpu")
    assert set(result["probabilities"]) == {"000", "111"}
    assert airflow.xcom(DAG_ID, run_id, "sweep_on_qpu")["items"] == 240


def test_a_rejected_run_sends_no_job(airflow):
    run_id, _ = awaiting_approval(airflow, threshold=0.0)
    jobs_before, tasks_before = azure_jobs(airflow), braket_tasks(airflow)
    answer(airflow, run_id, "Reject")
    assert airflow.wait_for_run(DAG_ID, run_id, timeout=180) == "success"
    assert states(airflow, run_id)["run_on_qpu"] == "skipped"
    assert states(airflow, run_id)["run_on_braket"] == "skipped"
    assert states(airflow, run_id)["sweep_on_qpu"] == "skipped"
    assert azure_jobs(airflow) == jobs_before
    assert braket_tasks(airflow) == tasks_before


def test_under_the_threshold_the_job_runs_without_asking(airflow):
    jobs_before, tasks_before = azure_jobs(airflow), braket_tasks(airflow)
    run_id = airflow.trigger(DAG_ID)  # the default threshold: over this estimate
    assert airflow.wait_for_run(DAG_ID, run_id, timeout=180) == "success"
    assert states(airflow, run_id) == {
        "estimate": "success",
        "route": "success",
        "approve_spend": "skipped",
        "within_threshold": "success",
        "run_on_qpu": "success",
        "run_on_braket": "success",
        "sweep_on_qpu": "success",
    }
    assert azure_jobs(airflow) == jobs_before + 1
    assert braket_tasks(airflow) == tasks_before + 1 + 3
    found = airflow.xcom(DAG_ID, run_id, "estimate")
    assert found["estimated_total"] <= 500.0
