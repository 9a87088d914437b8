"""IBM spend control against the emulator: usage before submit, max_quantum_seconds while queued.

The emulator's usage and estimates are scripted through ``/_emulator/ibm/...``; what a test
says about jobs is read from the emulator's own job list and metrics, never from the provider.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException, TaskDeferred
from airflow_face_support import (
    BELL_QASM,
    SECRET,
    configure,
    control,
    finish,
    hold,
    make_context,
    phase,
    run_trigger,
    stats,
)

from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.clients.ibm.models import IBMJob
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumRunEstimatorOperator,
    IBMQuantumRunJobOperator,
    IBMQuantumRunSamplerOperator,
)
from airflow_quantum.spending import ibm_usage
from airflow_quantum.spending.budget import QuotaExhaustedError
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
CANCELLED_WHILE_QUEUED = "the job was cancelled while queued, nothing was charged"


def sampler(**kwargs: Any) -> IBMQuantumRunSamplerOperator:
    options = {
        "task_id": "sample",
        "backend": "ibm_fez",
        "circuits": [BELL_QASM],
        "shots": 100,
        "deferrable": False,
        **FAST,
        **kwargs,
    }
    return IBMQuantumRunSamplerOperator(**options)


def set_usage(emulator: Any, **body: Any) -> None:
    control(emulator, "PUT", "/ibm/usage", body)


def script_estimate(emulator: Any, seconds: float | None, **body: Any) -> None:
    control(emulator, "POST", "/ibm/estimates", {"seconds": seconds, **body})


def emulator_jobs(emulator: Any) -> dict[str, Any]:
    """The emulator's own record of IBM jobs (every instance)."""
    return dict(emulator.state.stores["ibm"].jobs)


def never_ran(job_id: str) -> bool:
    """The service's metrics: the job has no running timestamp and nothing was charged."""
    metrics = IBMQuantumHook().get_conn().get_metrics(job_id).model_dump(mode="json")
    return metrics["timestamps"]["running"] is None and metrics["usage"][
        "qpu_charge_time_seconds"
    ] in (0, None)


# ------------------------------------------------------------------------ estimate_cost


def test_estimate_cost_before_submit_and_once_the_job_is_estimated(ibm_connection, emulator):
    set_usage(emulator, consumed_seconds=40, limit_seconds=100)
    hook = IBMQuantumHook()
    before = hook.estimate_usage()
    assert before.instance_consumed_seconds == 40 and before.instance_limit_seconds == 100
    assert before.instance_remaining_seconds == 60 and not before.instance_limit_reached
    assert before.job_id is None and before.job_quantum_seconds is None
    assert before.unit == "quantum seconds"
    configure(emulator, queue_seconds=30.0)
    script_estimate(emulator, 12.5)
    job_id = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", shots=10)).id
    after = hook.estimate_usage(job_id)
    assert after.job_id == job_id and after.job_quantum_seconds == 12.5
    assert hook.get_conn().get_job(job_id).usage_estimation == {"quantum_seconds": 12.5}
    assert json.loads(json.dumps(after.as_dict()))["job_quantum_seconds"] == 12.5


def test_an_estimate_not_made_yet_is_none(ibm_connection, emulator):
    configure(emulator, queue_seconds=30.0)
    script_estimate(emulator, 12.0, after_seconds=600)
    hook = IBMQuantumHook()
    job_id = hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", shots=10)).id
    assert hook.estimate_usage(job_id).job_quantum_seconds is None


# ------------------------------------------------------------------- quota before submit


def test_limit_reached_fails_before_any_job_exists(ibm_connection, emulator):
    set_usage(emulator, consumed_seconds=100, limit_seconds=100)
    op = sampler(max_quantum_seconds=60)
    with pytest.raises(AirflowFailException, match="reached its usage limit") as failed:
        op.execute(make_context(op))
    assert "100 of 100 quantum seconds" in str(failed.value)
    assert emulator_jobs(emulator) == {}
    assert stats(emulator, "ibm")["jobs_submitted"] == 0
    assert not [route for route in stats(emulator, "ibm")["routes"] if route.endswith(" /jobs")]


def test_the_services_409_is_quota_exhausted_for_every_submit_path(ibm_connection, emulator):
    set_usage(emulator, consumed_seconds=5, limit_seconds=5)
    hook = IBMQuantumHook()
    with pytest.raises(QuotaExhaustedError, match="usage limit is reached"):
        hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", shots=10))
    with pytest.raises(QuotaExhaustedError, match="HTTP 409"):
        hook.client.run_job(
            IBMPreparedJob.program(
                "sampler", "ibm_fez", {"version": 2, "pubs": [[BELL_QASM, None, 10]]}
            )
        )
    assert emulator_jobs(emulator) == {}


def test_remaining_usage_below_the_limit_is_only_logged(ibm_connection, emulator, capsys):
    set_usage(emulator, consumed_seconds=90, limit_seconds=100)
    op = sampler(max_quantum_seconds=60)
    result = op.execute(make_context(op))
    assert sum(result["pub_results"][0]["counts"].values()) == 100
    logged = capsys.readouterr().out
    assert "Spending limit: max_quantum_seconds=60 (from the operator)" in logged
    assert "10 quantum seconds left, less than max_quantum_seconds=60" in logged


# --------------------------------------------------------------- estimate while queued


def test_worker_wait_cancels_a_queued_job_estimated_over_the_limit(ibm_connection, emulator):
    configure(emulator, queue_seconds=30.0)
    # Not estimated at the first look: the worker wait is what catches it.
    script_estimate(emulator, 120, after_seconds=0.3)
    op = sampler(max_quantum_seconds=60)
    context = make_context(op)
    with pytest.raises(AirflowFailException) as failed:
        op.execute(context)
    job_id = context["ti"].pushed("job_id")
    message = str(failed.value)
    assert "estimates 120 quantum seconds, over max_quantum_seconds=60" in message
    assert CANCELLED_WHILE_QUEUED in message and job_id in message
    assert phase(emulator, job_id) == "cancelled" and never_ran(job_id)


def test_execute_checks_the_estimate_before_deferring(ibm_connection, emulator):
    configure(emulator, queue_seconds=30.0)
    script_estimate(emulator, 120)
    op = sampler(max_quantum_seconds=60, deferrable=True)
    context = make_context(op)
    with pytest.raises(AirflowFailException, match=CANCELLED_WHILE_QUEUED):
        op.execute(context)  # no TaskDeferred: it never reached the triggerer
    job_id = context["ti"].pushed("job_id")
    assert phase(emulator, job_id) == "cancelled" and never_ran(job_id)


@pytest.mark.parametrize("shared_polling", [True, False], ids=["shared", "own"])
def test_trigger_cancels_a_queued_job_estimated_over_the_limit(
    ibm_connection, emulator, shared_polling
):
    configure(emulator, queue_seconds=30.0)
    script_estimate(emulator, 120, after_seconds=0.5)  # after the look before deferring
    op = sampler(max_quantum_seconds=60, deferrable=True)
    context = make_context(op)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, IBMQuantumJobTrigger) and trigger.max_quantum_seconds == 60
    trigger.shared_polling = shared_polling
    # The trigger as the triggerer rebuilds it: from its serialized kwargs (no secret there).
    path, kwargs = trigger.serialize()
    assert path.endswith(".IBMQuantumJobTrigger")
    assert kwargs["max_quantum_seconds"] == 60 and SECRET not in json.dumps(kwargs)
    (event,) = asyncio.run(run_trigger(IBMQuantumJobTrigger(**kwargs)))
    job_id = context["ti"].pushed("job_id")
    assert event["status"] == "cancelled" and event["state"] == "cancelled"
    assert event[ibm_usage.OVER_BUDGET_KEY] is True and CANCELLED_WHILE_QUEUED in event["message"]
    assert phase(emulator, job_id) == "cancelled" and never_ran(job_id)
    with pytest.raises(AirflowFailException, match="over max_quantum_seconds=60"):
        op.execute_complete(context, event)


def test_trigger_without_a_limit_waits_as_before(ibm_connection, emulator):
    script_estimate(emulator, 10_000)
    job_id = (
        IBMQuantumHook()
        .get_conn()
        .run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", shots=10))
        .id
    )
    (event,) = asyncio.run(run_trigger(IBMQuantumJobTrigger("ibm_quantum_default", job_id)))
    assert event["status"] == "success" and ibm_usage.OVER_BUDGET_KEY not in event


# ------------------------------------------------------------------------ under the limit


def test_under_the_limit_runs_in_both_wait_modes(ibm_connection, emulator):
    script_estimate(emulator, 5, count=2)
    op = sampler(max_quantum_seconds=60)
    assert sum(op.execute(make_context(op))["pub_results"][0]["counts"].values()) == 100
    deferring = sampler(task_id="sample_deferred", max_quantum_seconds=60, deferrable=True)
    context = make_context(deferring)
    hold(emulator)  # still queued at the first look, however slow
    with pytest.raises(TaskDeferred) as deferred:
        deferring.execute(context)
    finish(emulator, deferred.value.trigger.job_id)
    (event,) = asyncio.run(run_trigger(deferred.value.trigger))
    assert event["status"] == "success"
    result = deferring.execute_complete(context, event)
    assert sum(result["pub_results"][0]["counts"].values()) == 100


def test_limit_from_the_connection_extra_and_the_config(ibm_connection, emulator, monkeypatch):
    extra = json.loads(os.environ["AIRFLOW_CONN_IBM_QUANTUM_DEFAULT"])
    extra["extra"]["max_quantum_seconds"] = 50
    monkeypatch.setenv("AIRFLOW_CONN_IBM_QUANTUM_DEFAULT", json.dumps(extra))
    configure(emulator, queue_seconds=30.0)
    script_estimate(emulator, 70)
    estimator = IBMQuantumRunEstimatorOperator(
        task_id="energy",
        backend="ibm_fez",
        circuits=[BELL_QASM.replace("c = measure q;\n", "")],
        observables=["ZZ"],
        deferrable=False,
        **FAST,
    )
    with pytest.raises(AirflowFailException, match="over max_quantum_seconds=50"):
        estimator.execute(make_context(estimator))
    extra["extra"].pop("max_quantum_seconds")
    monkeypatch.setenv("AIRFLOW_CONN_IBM_QUANTUM_DEFAULT", json.dumps(extra))
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_QUANTUM_SECONDS", "40")
    script_estimate(emulator, 45)
    raw = IBMQuantumRunJobOperator(
        task_id="raw",
        program_id="sampler",
        backend="ibm_fez",
        program_params={"version": 2, "pubs": [[BELL_QASM, None, 10]]},
        deferrable=False,
        **FAST,
    )
    context = make_context(raw)
    with pytest.raises(AirflowFailException, match="over max_quantum_seconds=40"):
        raw.execute(context)
    assert phase(emulator, context["ti"].pushed("job_id")) == "cancelled"


# ------------------------------------------------------------------------ the one rule


def job(status: str, estimate: float | None) -> IBMJob:
    return IBMJob.from_wire(
        {
            "id": "j1",
            "backend": "ibm_fez",
            "state": {"status": status},
            "estimated_running_time_seconds": estimate,
        },
        "job",
    )


def test_over_limit_only_judges_queued_jobs_with_a_known_estimate():
    assert ibm_usage.over_limit(job("Queued", 61), 60) == ibm_usage.OverLimit("j1", 61, 60)
    assert ibm_usage.over_limit(job("Queued", 60), 60) is None  # at the limit is fine
    assert ibm_usage.over_limit(job("Queued", None), 60) is None
    assert ibm_usage.over_limit(job("Running", 61), 60) is None  # charging already
    assert ibm_usage.over_limit(job("Queued", 61), None) is None
