"""A refusal of the input by the service (400-class) fails the task at once: no retry resends it.

The client-side checks cannot catch everything (an OpenQASM program is parsed by the service),
so the service's 400 must be as final as a client-side ``InvalidInputError``. A service error
that may pass (5xx, 429) stays an ordinary failure that Airflow retries. So does an API key:
one IAM does not know (400 ``BXNIM0415E``) fails at once, a refusal of a known key (401/403,
e.g. while a new key's access is still being granted) is retried.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import requests
from airflow.sdk.exceptions import AirflowFailException
from airflow_face_support import make_context

from airflow_quantum.clients.errors import AuthenticationError, ServiceError
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: Starts like OpenQASM (the client's check passes) but the gate call is never closed.
MALFORMED = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\nrz(pi/2 q[0];\n'


def job_posts(emulator: Any) -> list[dict[str, Any]]:
    """The emulator's own record of every ``POST /api/v1/jobs`` it answered."""
    records = requests.get(f"{emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    return [r for r in records if r["method"] == "POST" and r["path"] == "/api/v1/jobs"]


def sampler(circuit: str) -> IBMQuantumRunSamplerOperator:
    return IBMQuantumRunSamplerOperator(
        task_id="sample", backend="ibm_fez", circuits=[circuit], shots=10, deferrable=False
    )


def test_a_circuit_the_service_refuses_fails_the_task_without_retry(ibm_connection, emulator):
    op = sampler(MALFORMED)
    with pytest.raises(AirflowFailException) as failed:
        op.execute(make_context(op))
    message = str(failed.value)
    assert "sample: the service refused the input" in message
    assert "HTTP 400" in message and "code 1211" in message, message
    assert [r["status"] for r in job_posts(emulator)] == [400]  # sent once, refused once
    assert op.job_id is None and op.job_link is None  # no job, so no link


def test_a_passing_service_failure_is_still_retried(ibm_connection, emulator, monkeypatch):
    op = sampler(MALFORMED)

    def unavailable(*_: Any, **__: Any) -> str:
        raise ServiceError("IBM Quantum HTTP 503: try later", status=503)

    monkeypatch.setattr(type(op.hook), "submit_job", unavailable)
    with pytest.raises(ServiceError):  # an ordinary error: Airflow retries the task
        op.execute(make_context(op))


def test_a_backend_the_instance_does_not_have_fails_without_retry(ibm_connection, emulator):
    op = IBMQuantumRunSamplerOperator(
        task_id="sample", backend="ibm_nowhere", circuits=[MALFORMED], shots=10, deferrable=False
    )
    with pytest.raises(AirflowFailException) as failed:
        op.execute(make_context(op))
    # The client reads the instance's backends before the ISA check: nothing is sent at all.
    assert "'ibm_nowhere' does not exist on this instance" in str(failed.value)
    assert job_posts(emulator) == []


def test_an_api_key_iam_does_not_know_fails_without_retry(ibm_connection, emulator, monkeypatch):
    conn = json.loads(os.environ["AIRFLOW_CONN_IBM_QUANTUM_DEFAULT"])
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_QUANTUM_DEFAULT", json.dumps({**conn, "password": "wrong-key-27"})
    )
    op = sampler(MALFORMED)
    with pytest.raises(AirflowFailException) as failed:
        op.execute(make_context(op))
    message = str(failed.value)
    assert "code BXNIM0415E" in message, message
    assert "the connection's API key (its password) was not found" in message
    assert "wrong-key-27" not in message
    assert job_posts(emulator) == []


def test_a_refusal_of_a_known_key_is_still_retried(ibm_connection, emulator):
    # The runtime API refuses the token (as while a new key's access is being granted).
    rule = {"vendor": "ibm", "kind": "status", "status": 401, "count": 10, "path": "/api/v1/jobs"}
    requests.post(f"{emulator.url}/_emulator/faults", json=rule, timeout=10).raise_for_status()
    op = sampler(MALFORMED)
    with pytest.raises(AuthenticationError):  # an ordinary error: Airflow retries the task
        op.execute(make_context(op))


# ------------------------------------------- a job accepted, then failed: by the failure's cause


def _failing_job(emulator: Any, vendor: str, code: str) -> None:
    """The next job of ``vendor`` is accepted, then fails with ``code`` (the service's way)."""
    fault = {"vendor": vendor, "outcome": "fail", "code": code, "message": f"failed with {code}"}
    answer = requests.post(f"{emulator.url}/_emulator/faults/jobs", json=fault, timeout=10)
    assert answer.status_code < 300, answer.text


def _azure(deferrable: bool) -> Any:
    from airflow_face_support import BELL_IONQ

    from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator

    return AzureQuantumSubmitJobOperator(
        task_id="submit", target="ionq.simulator", ionq_circuit=BELL_IONQ, shots=10,
        deferrable=deferrable, poll_interval=0.1,
    )  # fmt: skip


def _ibm(deferrable: bool) -> Any:
    from airflow_face_support import BELL_QASM

    return IBMQuantumRunSamplerOperator(
        task_id="sample", backend="ibm_fez", circuits=[BELL_QASM], shots=10,
        deferrable=deferrable, poll_interval=0.1,
    )  # fmt: skip


def _run(op: Any) -> None:
    """Execute, and when it defers, run its trigger here and resume it with the event."""
    import asyncio

    from airflow.sdk.exceptions import TaskDeferred
    from airflow_face_support import run_trigger

    context = make_context(op)
    try:
        op.execute(context)
    except TaskDeferred as deferred:
        (event,) = asyncio.run(run_trigger(deferred.trigger))
        getattr(op, deferred.method_name)(context, event=event)


@pytest.mark.parametrize("deferrable", [False, True], ids=["worker", "deferred"])
@pytest.mark.parametrize(
    ("vendor", "code", "permanent"),
    [
        ("azure", "InvalidInputData", True),  # QVM could not run the program: it never will
        ("azure", "CompilationError", True),
        ("azure", "ProviderTimeout", False),  # may pass
        ("ibm", "1517", True),  # not ISA circuits of the backend
        ("ibm", "1305", True),  # ran longer than its max_execution_time
        ("ibm", "1010", False),  # "Error returned at backend level": retry
    ],
)
def test_a_job_that_failed_after_acceptance_fails_by_cause(
    connections, emulator, vendor, code, permanent, deferrable
):
    """A permanent cause fails the task without retry (the same job would be queued again and
    fail again); a transient one is an ordinary failure that Airflow's retries may cure."""
    from airflow.sdk.exceptions import AirflowException

    _failing_job(emulator, vendor, code)
    op = (_azure if vendor == "azure" else _ibm)(deferrable)
    with pytest.raises(AirflowException) as failed:
        _run(op)
    assert f"failed with {code}" in str(failed.value)
    assert isinstance(failed.value, AirflowFailException) is permanent
    assert ("not retried" in str(failed.value)) is permanent
