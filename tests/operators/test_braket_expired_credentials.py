"""The expired-credential scenario against the emulator: a deferred wait whose temporary keys
expire ends with a clear error (no secret in it), and the retry, with fresh keys, reattaches to
the task the first try created instead of paying for a second one."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from airflow.sdk.exceptions import AirflowException, TaskDeferred
from airflow_face_support import configure, control, make_context, run_trigger

from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"


def temporary_connection(emulator, monkeypatch, lifetime: float) -> dict[str, str]:
    """``braket_default`` (the ``braket_connection`` fixture's) with temporary keys the
    emulator issued, expiring on its clock."""
    issued = control(emulator, "POST", "/braket/credentials", {"lifetime_seconds": lifetime})
    conn = json.loads(os.environ["AIRFLOW_CONN_BRAKET_DEFAULT"])  # the emulator's
    conn["login"], conn["password"] = issued["AccessKeyId"], issued["SecretAccessKey"]
    conn["extra"]["aws_session_token"] = issued["SessionToken"]
    monkeypatch.setenv("AIRFLOW_CONN_BRAKET_DEFAULT", json.dumps(conn))
    return issued


def bell() -> BraketRunQuantumTaskOperator:
    return BraketRunQuantumTaskOperator(
        task_id="bell",
        device_arn=SV1,
        program=BELL,
        shots=10,
        deferrable=True,
        poll_interval=0.05,
        max_poll_interval=0.1,
    )


def submitted(emulator) -> int:
    return control(emulator, "GET", "/stats")["braket"]["jobs_submitted"]


def test_expired_keys_end_the_wait_clearly_and_the_retry_reattaches(
    braket_connection, emulator, monkeypatch
):
    configure(emulator, queue_seconds=10**6)  # queued however far the clock moves
    first_keys = temporary_connection(emulator, monkeypatch, lifetime=600)
    op = bell()
    context = make_context(op, try_number=1)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    arn = context["ti"].pushed("job_id")

    control(emulator, "POST", "/clock/advance", {"seconds": 1200})  # the keys expire
    (event,) = asyncio.run(run_trigger(deferred.value.trigger))
    assert event["status"] == "error"
    assert "ExpiredToken" in event["message"]
    assert first_keys["SecretAccessKey"] not in json.dumps(event)
    assert first_keys["SessionToken"] not in json.dumps(event)
    with pytest.raises(AirflowException, match="ExpiredToken"):
        op.execute_complete(context, event=event)

    before = submitted(emulator)
    temporary_connection(emulator, monkeypatch, lifetime=600)  # the keys are rotated
    retry = bell()
    retry_context = make_context(retry, try_number=2)
    with pytest.raises(TaskDeferred):
        retry.execute(retry_context)
    assert retry_context["ti"].pushed("job_id") == arn  # the same task: nothing paid twice
    assert submitted(emulator) == before
