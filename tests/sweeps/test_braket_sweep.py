"""The Braket sweep against the emulator over loopback HTTP: program sets of at most 100
executables on devices that run them, shot ranges split and summed, one task per circuit
elsewhere, a clientToken per chunk per try, failures by cause, spend over the whole sweep."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred
from airflow_face_support import control, hold, job_fault, make_context

from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.operators.braket_sweep import BraketSweepOperator
from airflow_quantum.sweeps.limits import split

from .test_sweep_operators import resume, run_deferred

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
IBEX = "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
#: rx(theta) then a measurement: 0 and pi give certain outcomes whatever the seed.
RX_QASM3 = (
    "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nbit[1] c;\nrx(theta) q[0];\nc = measure q;\n"
)
ANGLES = {"theta": [0.0, math.pi, 0.0]}


def sweep(**kwargs: Any) -> BraketSweepOperator:
    options = {
        "task_id": "sweep",
        "device_arn": SV1,
        "circuits": RX_QASM3,
        "parameter_values": ANGLES,
        "shots": 6,
        "poll_interval": 0.05,
        "max_poll_interval": 0.2,
        **kwargs,
    }
    return BraketSweepOperator(**options)


def submitted(emulator: Any) -> int:
    return control(emulator, "GET", "/stats")["braket"]["jobs_submitted"]


def certain(count: int, shots: int) -> list[dict[str, int]]:
    """The counts of ``count`` points of 0, pi, 0, pi, ..."""
    return [{"0" if index % 2 == 0 else "1": shots} for index in range(count)]


def test_a_program_set_device_runs_a_sweep_as_tasks_of_at_most_100_executables(
    braket_connection, emulator
):
    points = {"theta": [0.0 if index % 2 == 0 else math.pi for index in range(205)]}
    operator = sweep(device_arn=GARNET, parameter_values=points, shots=10, deferrable=True)
    context = make_context(operator)
    summary = run_deferred(operator, context)
    assert [row["counts"] for row in summary["rows"]] == certain(205, 10)
    job_ids = context["ti"].pushed("job_ids")
    assert len(job_ids) == summary["jobs"] == 3 == submitted(emulator)
    hook = BraketHook()
    tasks = [hook.get_conn().get_job(arn) for arn in job_ids]
    assert [task.shots for task in tasks] == [1000, 1000, 50]  # 100, 100 and 5 executables
    assert [row["jobs"] for row in summary["rows"][99:101]] == [job_ids[:1], job_ids[1:2]]


def test_a_program_set_keeps_its_total_shots_within_the_devices_range(braket_connection, emulator):
    # Garnet takes at most 20,000 shots a task: 5,000 shots a point is 4 points a task.
    operator = sweep(device_arn=GARNET, parameter_values={"theta": [0.0] * 6}, shots=5000)
    context = make_context(operator)
    summary = operator.execute(context)
    assert [row["counts"] for row in summary["rows"]] == [{"0": 5000}] * 6
    assert summary["jobs"] == 2 == submitted(emulator)


def test_shots_beyond_a_devices_range_are_split_over_tasks_and_summed(braket_connection, emulator):
    # AQT Ibex-Q1 takes at most 2,000 shots a task: 8,192 shots are 5 tasks (one circuit
    # each: the device runs no program sets) of 1,639 or 1,638 shots, summed into one row.
    operator = sweep(device_arn=IBEX, parameter_values={"theta": [math.pi]}, shots=8192)
    context = make_context(operator)
    summary = operator.execute(context)
    assert summary["rows"][0]["counts"] == {"1": 8192}
    job_ids = context["ti"].pushed("job_ids")
    assert len(job_ids) == len(summary["rows"][0]["jobs"]) == 5 == submitted(emulator)
    shots = [BraketHook().get_conn().get_job(arn).shots for arn in job_ids]
    assert sorted(shots) == [1638, 1638, 1638, 1639, 1639]


def test_a_batch_on_a_device_without_program_sets_is_one_task_per_circuit(
    braket_connection, emulator
):
    zero = RX_QASM3.replace("input float theta;\n", "").replace("theta", "0.0")
    one = RX_QASM3.replace("input float theta;\n", "").replace("theta", "pi")
    operator = sweep(device_arn=FORTE, circuits=[zero, one, zero], parameter_values=None)
    summary = operator.execute(make_context(operator))
    assert [row["counts"] for row in summary["rows"]] == certain(3, 6)
    assert [row["circuit"] for row in summary["rows"]] == [0, 1, 2]
    assert summary["jobs"] == 3 == submitted(emulator)


def test_uneven_shot_parts_never_share_a_program_set(braket_connection, emulator):
    # 20,001 shots a point on Garnet: parts of 10,001 and 10,000, each in a task of its own
    # (every executable of a set has the task's shots divided evenly).
    operator = sweep(device_arn=GARNET, parameter_values={"theta": [0.0, math.pi]}, shots=20_001)
    limits = operator.job_limits()
    chunks = list(split([20_001, 20_001], limits))
    assert all(len({part.shots for part in chunk.parts}) == 1 for chunk in chunks)
    summary = operator.execute(make_context(operator))
    assert [row["counts"] for row in summary["rows"]] == [{"0": 20_001}, {"1": 20_001}]
    assert summary["jobs"] == len(chunks) == submitted(emulator)


def test_each_chunk_has_its_own_client_token_per_try_and_a_retry_reattaches(
    braket_connection, emulator, monkeypatch
):
    tokens: list[str] = []
    real_submit = BraketHook.submit_job

    def recording_submit(self, job, key):
        tokens.append(job.client_token)
        return real_submit(self, job, key)

    monkeypatch.setattr(BraketHook, "submit_job", recording_submit)
    hold(emulator)
    first = sweep(device_arn=FORTE, wait_for_completion=False)
    arns = first.execute(make_context(first, try_number=1))
    assert len(arns) == 3 == submitted(emulator) == len(set(tokens))
    assert all(token.endswith("-1-0") and len(token) <= 64 for token in tokens)
    again = sweep(device_arn=FORTE, wait_for_completion=False)
    assert again.execute(make_context(again, try_number=2)) == arns
    assert submitted(emulator) == 3 == len(tokens)


def test_a_chunk_failing_for_a_transient_reason_is_resubmitted_with_a_new_token(
    braket_connection, emulator
):
    job_fault(emulator, "braket", outcome="fail", message="Device calibration lost", count=1)
    operator = sweep(device_arn=GARNET, deferrable=True)
    context = make_context(operator)
    summary = run_deferred(operator, context)
    assert [row["counts"] for row in summary["rows"]] == certain(3, 6)
    assert submitted(emulator) == 2
    assert context["ti"].pushed("chunk_resubmits") == {"0": 1}


def test_a_chunk_failing_for_a_permanent_reason_fails_the_task_naming_it(
    braket_connection, emulator
):
    job_fault(emulator, "braket", outcome="fail", message="Program validation failed: bad", count=1)
    operator = sweep(device_arn=GARNET, deferrable=True)
    with pytest.raises(AirflowFailException, match=r"chunk 0 .*validation failed"):
        run_deferred(operator, make_context(operator))
    assert submitted(emulator) == 1


def test_max_cost_applies_to_the_sum_of_the_tasks_before_any_is_created(
    braket_connection, emulator
):
    # Garnet: 0.30 a task + 0.00145 a shot. 205 points x 10 shots: 3 tasks, 2,050 shots.
    points = {"theta": [0.0] * 205}
    whole = 3 * 0.30 + 2050 * 0.00145
    operator = sweep(device_arn=GARNET, parameter_values=points, shots=10, max_cost=whole - 0.01)
    context = make_context(operator)
    with pytest.raises(AirflowFailException, match="over the limit"):
        operator.execute(context)
    estimate = context["ti"].pushed("cost_estimate")
    assert estimate["estimated_total"] == pytest.approx(whole) and estimate["jobs"] == 3
    assert submitted(emulator) == 0


def test_the_devices_spending_limit_is_checked_against_the_whole_sweep(braket_connection, emulator):
    client = BraketHook().get_conn()
    limit = client.create_spending_limit(GARNET, 1.0)  # each task is under 1 USD; the sum is not
    try:
        operator = sweep(device_arn=GARNET, parameter_values={"theta": [0.0] * 205}, shots=10)
        with pytest.raises(AirflowFailException, match=r"the sweep would cost .*leaves \(1 USD"):
            operator.execute(make_context(operator))
    finally:
        client.delete_spending_limit(limit)
    assert submitted(emulator) == 0


def test_a_device_that_runs_no_openqasm_is_refused_before_anything_is_sent(
    braket_connection, emulator
):
    operator = sweep(device_arn=AQUILA)
    with pytest.raises(AirflowFailException, match=r"runs braket\.ir\.ahs\.program"):
        operator.execute(make_context(operator))
    assert submitted(emulator) == 0


def test_the_trigger_waits_for_every_task_and_holds_no_secret(braket_connection, emulator):
    operator = sweep(deferrable=True)
    context = make_context(operator)
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    assert deferred.value.trigger.job_ids == context["ti"].pushed("job_ids")
    assert "local-emulator-key" not in json.dumps(deferred.value.trigger.serialize())
    summary = resume(operator, context, deferred.value)
    assert [row["counts"] for row in summary["rows"]] == certain(3, 6)


def test_a_retry_after_a_transient_failure_on_the_worker_leaves_it_to_airflow(
    braket_connection, emulator
):
    job_fault(emulator, "braket", outcome="fail", message="Internal error", count=2)
    operator = sweep(parameter_values={"theta": [0.0]}, max_chunk_resubmits=1)
    with pytest.raises(AirflowException, match="a retry of the task submits only") as failed:
        operator.execute(make_context(operator))
    assert not isinstance(failed.value, AirflowFailException)
    assert submitted(emulator) == 2


def test_the_sweeps_estimate_is_the_sum_of_its_tasks_and_sends_nothing(braket_connection, emulator):
    """What the approval example shows: 240 points x 100 shots on Garnet are 3 program sets
    (100, 100, 40 circuits): 3 task fees and 24,000 shots."""
    operator = sweep(
        device_arn=GARNET, parameter_values={"theta": [0.1 * i for i in range(240)]}, shots=100
    )
    found = operator.estimate_cost()
    assert found["priced"] and found["jobs"] == 3 and found["currency"] == "USD"
    assert found["estimated_total"] == pytest.approx(3 * 0.30 + 24_000 * 0.00145)
    assert submitted(emulator) == 0
