"""Reliability scenarios on a real deployment: each counts what the service saw.

The processes (scheduler with the LocalExecutor, triggerer, dag-processor, api-server) and the
emulator are shared by the whole module (``tests/reliability/conftest.py``); every test resets
the emulator, triggers its DAG through the REST API and reads the outcome back from the API and
from the emulator's statistics. See docs/reliability.md for the promises each test proves.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
from reliability_support import (
    VENDORS,
    AirflowDeployment,
    ScenarioVendor,
    assert_bell_counts,
    deferred_job,
    emulator_id,
    emulator_job,
    job_polls,
    wait_for,
    wait_for_polls,
)

pytestmark = pytest.mark.slow
#: The scenarios every vendor goes through (an IBM Sampler job, an Amazon Braket task on SV1).
EVERY_VENDOR = pytest.mark.parametrize("vendor", VENDORS, ids=str)


@EVERY_VENDOR
def test_triggerer_sigkilled_mid_wait_resumes_with_one_job(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(1) The triggerer dies (SIGKILL) while a job waits; a new one finishes the wait."""
    dag_id = vendor.dag("wait")
    run_id, job_id = deferred_job(deployment, dag_id, vendor)
    deployment.kill_triggerer()
    polls_while_dead = len(job_polls(deployment, vendor))
    time.sleep(3)
    assert len(job_polls(deployment, vendor)) == polls_while_dead  # nobody waits any more
    deployment.start_triggerer()
    # The new triggerer took it over.
    wait_for_polls(deployment, polls_while_dead, timeout=90, vendor=vendor)
    deployment.emulator_api("POST", f"/jobs/{emulator_id(job_id)}/finish")

    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)
    stats = deployment.stats(vendor.name)
    assert stats["jobs_submitted"] == 1
    assert stats["routes"].get(vendor.cancel_route, 0) == 0  # a restart is not a kill
    assert deployment.task(dag_id, run_id, "sample")["try_number"] == 1


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("fail", "Reliability scenario: the backend failed the job"),
        ("cancel", "cancelled"),
    ],
)
def test_job_ended_from_outside_fails_task_and_skips_downstream(
    deployment: AirflowDeployment, action: str, expected: str
) -> None:
    """(9) The job fails, or an administrator cancels it: the task fails, nothing runs after."""
    dag_id = "reliability_wait"
    run_id, job_id = deferred_job(deployment, dag_id)
    body = {"code": "1517", "message": expected} if action == "fail" else None
    deployment.emulator_api("POST", f"/jobs/{job_id}/{action}", json=body)

    assert deployment.wait_for_run(dag_id, run_id) == "failed"
    sample = deployment.task(dag_id, run_id, "sample")
    assert sample["state"] == "failed"
    assert deployment.task(dag_id, run_id, "summarize")["state"] == "upstream_failed"
    log = deployment.task_log(dag_id, run_id, "sample", sample["try_number"])
    assert f"IBM Quantum job {job_id}: " in log
    assert expected in log
    assert deployment.stats()["jobs_submitted"] == 1


@EVERY_VENDOR
def test_deferral_timeout_cancels_job_and_says_so(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(5) The wait passes its timeout: the job is cancelled and the failure says so."""
    dag_id = vendor.dag("timeout")
    run_id, job_id = deferred_job(deployment, dag_id, vendor)

    assert deployment.wait_for_run(dag_id, run_id, timeout=90) == "failed"
    sample = deployment.task(dag_id, run_id, "sample")
    assert sample["state"] == "failed"
    assert deployment.task(dag_id, run_id, "summarize")["state"] == "upstream_failed"
    assert emulator_job(deployment, job_id)["phase"] == "cancelled"
    log = deployment.task_log(dag_id, run_id, "sample", sample["try_number"])
    assert "passed its deadline; the job was cancelled" in log
    stats = deployment.stats(vendor.name)
    assert stats["jobs_submitted"] == 1
    assert stats["routes"].get(vendor.cancel_route) == 1


@EVERY_VENDOR
def test_marking_deferred_task_failed_cancels_job(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(4) A user marks the deferred task failed: the trigger's on_kill cancels the job."""
    dag_id = vendor.dag("wait")
    run_id, job_id = deferred_job(deployment, dag_id, vendor)
    deployment.set_task_state(dag_id, run_id, "sample", "failed")

    wait_for(
        lambda: emulator_job(deployment, job_id)["phase"] == "cancelled",
        60,
        f"job {job_id} to be cancelled",
    )
    assert deployment.wait_for_run(dag_id, run_id) == "failed"
    assert deployment.task(dag_id, run_id, "sample")["state"] == "failed"
    stats = deployment.stats(vendor.name)
    assert stats["jobs_submitted"] == 1
    assert stats["routes"].get(vendor.cancel_route) == 1


def test_sweep_worker_killed_mid_submission_retry_submits_only_the_missing_chunks(
    deployment: AirflowDeployment,
) -> None:
    """A sweep of three Azure jobs: the worker dies while the service holds back its answer
    to the first job's PUT (the job exists). The retry reattaches to that chunk by its key and
    submits the other two: three jobs in all, never four."""
    dag_id = "reliability_sweep"
    deployment.emulator_api(
        "POST",
        "/faults",
        json={"kind": "late", "delay": 60, "count": 1, "method": "PUT", "path": "/jobs/[^/]+$"},
    )
    run_id = deployment.trigger(dag_id)
    wait_for(
        lambda: deployment.stats("azure")["jobs_submitted"] == 1, 90, "the first chunk's submit"
    )
    first_try = deployment.task(dag_id, run_id, "sweep")
    pids = wait_for(
        lambda: deployment.task_runner_pids(first_try["id"]), 30, "the task's worker process"
    )
    for pid in pids:
        os.kill(pid, signal.SIGKILL)

    retried = deployment.wait_for_task_state(dag_id, run_id, "sweep", {"deferred"}, timeout=120)
    assert retried["try_number"] == 2
    job_ids = deployment.xcom(dag_id, run_id, "sweep", "job_ids")
    assert len(set(job_ids)) == 3
    assert deployment.stats("azure")["jobs_submitted"] == 3
    deployment.emulator_api("POST", "/jobs/finish", json={"ids": job_ids})
    assert deployment.wait_for_run(dag_id, run_id) == "success"
    rows = deployment.xcom(dag_id, run_id, "sweep")["rows"]
    assert [row["counts"] for row in rows] == [{"0": 50}, {"1": 50}, {"0": 50}]
    assert deployment.stats("azure")["jobs_submitted"] == 3


@EVERY_VENDOR
def test_worker_killed_after_submit_retry_reattaches_to_the_same_job(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(3) The worker dies after the job was created but before its id reached XCom."""
    dag_id = vendor.dag("retry")
    # The service creates the job at once and holds its answer back: the worker is killed
    # while it waits for it, so no job id ever reaches XCom from the first try.
    method, path = vendor.submit
    deployment.emulator_api(
        "POST",
        "/faults",
        json={"kind": "late", "delay": 60, "count": 1, "method": method, "path": path},
    )
    run_id = deployment.trigger(dag_id)
    wait_for(
        lambda: deployment.stats(vendor.name)["jobs_submitted"] == 1, 90, "the first try's submit"
    )
    first_try = deployment.task(dag_id, run_id, "sample")
    pids = wait_for(
        lambda: deployment.task_runner_pids(first_try["id"]), 30, "the task's worker process"
    )
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(AssertionError, match="HTTP 404"):  # the first try never got its job id
        deployment.xcom(dag_id, run_id, "sample", "job_id")

    # The retry finds the job by its idempotency tag and waits for it instead of paying again.
    retried = deployment.wait_for_task_state(dag_id, run_id, "sample", {"deferred"}, timeout=120)
    assert retried["try_number"] == 2
    job_id = deployment.xcom(dag_id, run_id, "sample", "job_id")
    assert emulator_job(deployment, job_id)["phase"] in ("queued", "running")
    assert deployment.stats(vendor.name)["jobs_submitted"] == 1
    deployment.emulator_api("POST", f"/jobs/{emulator_id(job_id)}/finish")
    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)
    assert deployment.stats(vendor.name)["jobs_submitted"] == 1
