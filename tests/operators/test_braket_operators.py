"""The Amazon Braket operators and sensor against the emulator over loopback HTTP: Bell counts
on the worker and deferred, XCom before the deferral, one task however often a task instance
is retried, bad input and budgets refused before any request, AHS, results, cancel, sensor."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred
from airflow_face_support import SECRET, control, finish, hold, make_context, run_trigger
from docs_support import example_constant

from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.operators.braket import (
    BraketCancelTaskOperator,
    BraketGetResultsOperator,
    BraketRunAHSOperator,
    BraketRunProgramSetOperator,
    BraketRunQuantumTaskOperator,
)
from airflow_quantum.sensors.braket import BraketTaskSensor
from airflow_quantum.triggers.braket import BraketTaskTrigger

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1}
#: Two atoms driven through resonance: the example DAG's program (loaded, not copied).
AHS_PROGRAM = example_constant("example_braket_quantum.py", "RYDBERG_PAIR")


def bell(**kwargs: Any) -> BraketRunQuantumTaskOperator:
    values = {"task_id": "bell", "device_arn": SV1, "program": BELL, "shots": 100, **FAST}
    return BraketRunQuantumTaskOperator(**{**values, **kwargs})


def submitted(emulator) -> int:
    return control(emulator, "GET", "/stats")["braket"]["jobs_submitted"]


def test_bell_on_the_worker_returns_counts_and_pushes_xcom_first(braket_connection, emulator):
    op = bell()
    context = make_context(op)
    result = op.execute(context)
    assert json.loads(json.dumps(result)) == result
    assert sum(result["counts"].values()) == 100 and set(result["counts"]) <= {"00", "11"}
    ti = context["ti"]
    assert [key for key, _ in ti.pushes] == ["cost_estimate", "job_id", "job_url"]
    arn = ti.pushed("job_id")
    assert ti.pushed("job_url").endswith("/page") and arn.startswith("arn:aws:braket:us-east-1:")
    task = BraketHook().get_conn().get_job(arn)
    assert task.tags["airflow-quantum:idempotency-key"].startswith("airflow-")
    assert ti.pushed("cost_estimate")["currency"] == "USD"


def test_a_qiskit_circuit_runs_as_openqasm3(braket_connection):
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    op = bell(program=circuit)
    assert isinstance(op.program, str)  # plain text for templates and serialization
    assert set(op.execute(make_context(op))["counts"]) <= {"00", "11"}


def test_deferred_the_task_waits_in_the_trigger_and_resumes_with_counts(
    braket_connection, emulator
):
    hold(emulator)
    op = bell(deferrable=True)
    context = make_context(op)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    arn = context["ti"].pushed("job_id")  # pushed before the deferral
    trigger = deferred.value.trigger
    assert type(trigger) is BraketTaskTrigger
    path, kwargs = trigger.serialize()
    assert path == "airflow_quantum.triggers.braket.BraketTaskTrigger"
    assert kwargs["conn_id"] == "braket_default" and kwargs["job_id"] == arn
    assert SECRET not in json.dumps(kwargs)
    finish(emulator, arn.rsplit("/", 1)[1])
    (event,) = asyncio.run(run_trigger(trigger))
    assert event["status"] == "success" and event["job_id"] == arn
    result = op.execute_complete(context, event=event)
    assert sum(result["counts"].values()) == 100


@pytest.mark.parametrize("reading", ["idempotent", "first", "ignored"])
def test_a_retry_reattaches_instead_of_paying_twice(braket_connection, emulator, reading):
    # Whatever the service does with a clientToken it has seen (UNVERIFIED): the retry finds
    # the first try's task by its tag, not by the token.
    control(emulator, "PATCH", "/config", {"braket_client_token": reading})
    hold(emulator)
    first = bell(wait_for_completion=False)
    arn = first.execute(make_context(first, try_number=1))
    before = submitted(emulator)
    again = bell(wait_for_completion=False)
    assert again.execute(make_context(again, try_number=2)) == arn
    assert submitted(emulator) == before
    other_run = bell(wait_for_completion=False)
    context = make_context(other_run, run_id="manual__other")
    assert other_run.execute(context) != arn


def test_a_retry_after_a_cancelled_task_submits_a_new_one(braket_connection, emulator):
    hold(emulator)
    first = bell(wait_for_completion=False)
    arn = first.execute(make_context(first, try_number=1))
    BraketHook().cancel_job(arn)
    again = bell(wait_for_completion=False)
    assert again.execute(make_context(again, try_number=2)) != arn


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"program": "OPENQASM 2.0; qreg q[1];"}, "OPENQASM 3"),
        ({"device_arn": "sv1"}, "device ARN"),
        ({"shots": -5}, "shots"),
        ({"s3_bucket": "Not A Bucket"}, "bucket"),
    ],
)
def test_bad_input_fails_before_any_request(braket_connection, emulator, kwargs, message):
    before = submitted(emulator)
    op = bell(**kwargs)
    with pytest.raises(AirflowFailException, match=message):
        op.execute(make_context(op))
    assert submitted(emulator) == before


def test_a_task_over_max_cost_is_never_created(braket_connection, emulator):
    before = submitted(emulator)
    op = bell(device_arn=FORTE, max_cost=1.0)  # 0.30 + 100 x 0.08 = 8.30 USD
    context = make_context(op)
    with pytest.raises(AirflowFailException, match=r"8\.3 USD"):
        op.execute(context)
    assert submitted(emulator) == before
    assert context["ti"].pushed("cost_estimate")["estimated_total"] == 8.3


def test_the_devices_spending_limit_is_read_before_submitting(braket_connection, emulator):
    client = BraketHook().get_conn()
    limit = client.create_spending_limit(FORTE, 5)
    try:
        op = bell(device_arn=FORTE)
        with pytest.raises(AirflowFailException, match=r"spending limit leaves \(5 USD"):
            op.execute(make_context(op))
    finally:
        client.delete_spending_limit(limit)


def test_a_program_set_gives_counts_per_executable(braket_connection):
    theta = (
        "OPENQASM 3.0;\ninput float theta;\nqubit[1] q;\nbit[1] c;\nrx(theta) q[0];\n"
        "c = measure q;\n"
    )
    op = BraketRunProgramSetOperator(
        task_id="set",
        device_arn=SV1,
        programs=[BELL, (theta, {"theta": [0.0, 3.141592653589793]})],
        shots=20,
        **FAST,
    )
    result = op.execute(make_context(op))
    # The task's metadata, stored as a file of its own, was read too.
    assert result["task_metadata"]["id"].startswith("arn:aws:braket:us-east-1:")
    counts = [entry["counts"] for entry in result["results"]]
    assert len(counts) == 3
    assert counts[1] == {"0": 20} and counts[2] == {"1": 20}


def test_an_ahs_program_on_aquila(braket_connection):
    op = BraketRunAHSOperator(
        task_id="ahs", device_arn=AQUILA, ahs_program=AHS_PROGRAM, shots=20, **FAST
    )
    result = op.execute(make_context(op))
    assert result["format"].endswith("analog_hamiltonian_simulation_task_result")
    assert len(result["shots"]) == 20
    assert sum(result["counts"].values()) == result["successful_shots"]
    assert all(set(state) <= {"g", "r", "e"} for state in result["counts"])


def test_get_results_and_cancel_of_a_task_submitted_elsewhere(braket_connection, emulator):
    hook = BraketHook()
    from airflow_quantum.clients.braket import BraketPreparedJob

    done = hook.submit_job(BraketPreparedJob.openqasm(BELL, SV1, 10), "airflow-" + "2" * 32)
    get = BraketGetResultsOperator(task_id="get", job_id=done, timeout=60)
    assert sum(get.execute(make_context(get))["counts"].values()) == 10
    hold(emulator)
    held = hook.submit_job(BraketPreparedJob.openqasm(BELL, SV1, 10), "airflow-" + "3" * 32)
    cancel = BraketCancelTaskOperator(task_id="cancel", job_id=held)
    assert cancel.execute(make_context(cancel)) in ("cancelling", "cancelled")
    bad = BraketGetResultsOperator(task_id="get", job_id="not-an-arn")
    with pytest.raises(AirflowFailException):
        bad.execute(make_context(bad))


def test_a_failed_task_fails_the_operator_with_its_reason(braket_connection, emulator):
    control(
        emulator,
        "POST",
        "/faults/jobs",
        {"vendor": "braket", "outcome": "fail", "message": "Device calibration lost"},
    )
    op = bell()
    with pytest.raises(AirflowException, match="calibration lost"):
        op.execute(make_context(op))


def test_the_sensor_waits_deferred_for_a_task(braket_connection, emulator):
    hold(emulator)
    from airflow_quantum.clients.braket import BraketPreparedJob

    arn = BraketHook().submit_job(BraketPreparedJob.openqasm(BELL, SV1, 10), "airflow-" + "4" * 32)
    sensor = BraketTaskSensor(task_id="wait", job_id=arn, deferrable=True, poke_interval=0.05)
    context = make_context(sensor)
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(context)
    finish(emulator, arn.rsplit("/", 1)[1])
    (event,) = asyncio.run(run_trigger(deferred.value.trigger))
    assert event["status"] == "success"
    sensor.execute_complete(context, event=event)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"device_arn": "arn:aws:braket:::device/quantum-simulator/amazon/nosuch"}, "no device"),
        ({"device_arn": "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1"}, "retired"),
        ({"shots": 10**9}, "shots a task"),
        ({"device_arn": AQUILA}, "not braket.ir.openqasm.program"),
    ],
)
def test_the_device_is_asked_what_it_takes_before_submitting(
    braket_connection, emulator, kwargs, message
):
    before = submitted(emulator)
    op = bell(**kwargs)
    with pytest.raises(AirflowFailException, match=message):
        op.execute(make_context(op))
    assert submitted(emulator) == before


def test_the_poll_interval_is_never_below_the_devices(braket_connection, emulator):
    op = bell(wait_for_completion=False, poll_interval=0.01, max_poll_interval=0.02)
    op.execute(make_context(op))
    device = BraketHook().get_conn().get_device(SV1)
    assert op.waits.poll_interval == device.poll_interval > 0.01
