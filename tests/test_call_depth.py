"""How much provider code one GET of a job's state passes: the frames between the operator's
wait loop (or the hook's verb) and the HTTP library, counted on a real request to the emulator."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import requests
from airflow_face_support import BELL_QASM

import airflow_quantum
from airflow_quantum import waiting
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

PACKAGE = Path(airflow_quantum.__file__).resolve().parent


def provider_frames_of_each_get(monkeypatch, action) -> list[list[str]]:
    """For each GET that ``action`` sends: the provider functions on the stack, innermost last."""
    stacks: list[list[str]] = []
    send = requests.Session.request

    def recording(session, method, url, *args, **kwargs):
        if method == "GET":
            frames = [
                f"{Path(info.filename).stem}.{info.function}"
                for info in inspect.stack()[1:]
                if Path(info.filename).resolve().is_relative_to(PACKAGE)
            ]
            stacks.append(frames[::-1])
        return send(session, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", recording)
    action()
    monkeypatch.undo()
    return stacks


def test_a_worker_wait_reaches_the_wire_through_five_provider_frames(
    ibm_connection, emulator, monkeypatch
):
    op = IBMQuantumRunSamplerOperator(task_id="bell", backend="ibm_fez", circuits=[BELL_QASM])
    job_id = op.hook.submit_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 10), "k")
    watch = waiting.Watch("job", None)
    stacks = provider_frames_of_each_get(
        monkeypatch, lambda: op._wait_on_worker(job_id, watch, None) and None
    )
    assert stacks
    loop = stacks[0][stacks[0].index("waiting.wait") :]
    assert loop == [
        "waiting.wait",
        "base._state",  # the operator's look: the spend control judges the job
        "calls.method",  # client.get_job, derived from the operation
        "calls.run",
        "transport.send",
    ]


@pytest.mark.parametrize("verb", ["get_job_status", "queue_position"])
def test_a_hook_verb_reaches_the_wire_through_four_provider_frames(
    ibm_connection, emulator, monkeypatch, verb
):
    op = IBMQuantumRunSamplerOperator(task_id="bell", backend="ibm_fez", circuits=[BELL_QASM])
    hook = op.hook
    job_id = hook.submit_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 10), "k")
    (stack,) = provider_frames_of_each_get(monkeypatch, lambda: getattr(hook, verb)(job_id))
    assert stack == [f"base.{verb}", "calls.method", "calls.run", "transport.send"]


def test_a_braket_wait_passes_the_same_frames(braket_connection, emulator, monkeypatch):
    """The third vendor adds no frame: its signer runs before the request, not around it."""
    from airflow_quantum.clients.braket import BraketPreparedJob
    from airflow_quantum.operators.braket import BraketRunQuantumTaskOperator

    sv1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
    bell = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
    op = BraketRunQuantumTaskOperator(task_id="bell", device_arn=sv1, program=bell)
    job_id = op.hook.submit_job(BraketPreparedJob.openqasm(bell, sv1, 10), "k")
    watch = waiting.Watch("job", None)
    stacks = provider_frames_of_each_get(
        monkeypatch, lambda: op._wait_on_worker(job_id, watch, None) and None
    )
    loop = stacks[0][stacks[0].index("waiting.wait") :]
    assert loop == [
        "waiting.wait",
        "base._state",
        "calls.method",
        "calls.run",
        "transport.send",
    ]
    (stack,) = provider_frames_of_each_get(monkeypatch, lambda: op.hook.get_job_status(job_id))
    assert stack == ["base.get_job_status", "calls.method", "calls.run", "transport.send"]
