"""``backend="least_busy"`` and ``backend=[...]``: the shortest queue among the devices that can
run the circuits, chosen before submit, against the emulator's scripted backend status."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException
from airflow_face_support import BELL_QASM, control, make_context, stats
from ibm_circuits import TEXTBOOK_BELL

from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumRunJobOperator,
    IBMQuantumRunSamplerOperator,
)
from airflow_quantum.spending.choice import CHOSEN_BACKEND_KEY, NoBackendAvailableError
from airflow_quantum.spending.ibm_backends import needed_qubits

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}


def device(emulator: Any, name: str, **facts: Any) -> None:
    control(emulator, "PUT", f"/ibm/backends/{name}", facts)


def busy_fleet(emulator: Any) -> None:
    """ibm_marrakesh has the shortest queue of the devices a Bell pair can run on."""
    device(emulator, "ibm_fez", queue_length=5)
    device(emulator, "ibm_marrakesh", queue_length=3)
    device(emulator, "ibm_kingston", queue_length=0, status="paused", reason="calibrating")
    device(emulator, "ibm_pittsburgh", queue_length=0, is_simulator=True)
    device(emulator, "ibm_boston", queue_length=0, qubits=1)
    device(emulator, "ibm_miami", queue_length=9)  # the 120-qubit Nighthawk


def emulator_backends(emulator: Any) -> list[str]:
    """Backends of the jobs in the emulator's own list."""
    return [record.backend for record in emulator.state.stores["ibm"].jobs.values()]


def test_least_busy_picks_the_shortest_queue_among_fitting_operational_devices(
    ibm_connection, emulator, capsys
):
    busy_fleet(emulator)
    op = IBMQuantumRunSamplerOperator(
        task_id="bell", backend="least_busy", circuits=[BELL_QASM], shots=20, **FAST
    )
    context = make_context(op)
    result = op.execute(context)
    assert sum(result["pub_results"][0]["counts"].values()) == 20
    assert context["ti"].pushed(CHOSEN_BACKEND_KEY) == "ibm_marrakesh"
    assert emulator_backends(emulator) == ["ibm_marrakesh"]
    logged = capsys.readouterr().out
    assert "Chose IBM Quantum backend ibm_marrakesh (queue 3)" in logged
    for why in ("ibm_kingston: paused", "ibm_pittsburgh: a simulator", "ibm_boston: 1 qubits"):
        assert why in logged


def test_a_list_chooses_among_its_names_and_counts_queued_jobs(ibm_connection, emulator):
    device(emulator, "ibm_fez", queue_length=1)
    device(emulator, "ibm_boston", queue_length=1)
    hook = IBMQuantumHook()
    # Ties go to the first name; jobs really queued count in the queue.
    assert hook.least_busy(["ibm_boston", "ibm_fez"], 2).name == "ibm_boston"
    control(emulator, "PATCH", "/config", {"queue_seconds": 60.0})
    hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_boston", shots=10))
    choice = hook.least_busy(["ibm_boston", "ibm_fez"], 2)
    assert (choice.name, choice.queue) == ("ibm_fez", 1)
    op = IBMQuantumRunJobOperator(
        task_id="raw",
        program_id="sampler",
        backend=["ibm_boston", "ibm_fez"],
        program_params={"version": 2, "pubs": [[BELL_QASM, None, 10]]},
        wait_for_completion=False,
    )
    context = make_context(op)
    op.execute(context)
    assert context["ti"].pushed(CHOSEN_BACKEND_KEY) == "ibm_fez"
    assert sorted(emulator_backends(emulator)) == ["ibm_boston", "ibm_fez"]


def test_an_offline_status_route_is_not_operational(ibm_connection, emulator):
    device(emulator, "ibm_fez", status="offline")
    status = IBMQuantumHook().get_conn().get_backend_status("ibm_fez")
    assert status.state is False and status.status == "offline"
    assert IBMQuantumHook().least_busy(["ibm_fez", "ibm_kingston"], 2).name == "ibm_kingston"


def test_no_device_can_run_the_circuits_fails_before_any_job(ibm_connection, emulator):
    for name in ("ibm_fez", "ibm_marrakesh"):
        device(emulator, name, qubits=1)
    op = IBMQuantumRunSamplerOperator(
        task_id="bell",
        backend=["ibm_fez", "ibm_marrakesh", "ibm_nowhere"],
        circuits=[BELL_QASM],
        **FAST,
    )
    with pytest.raises(AirflowFailException, match="no backend of the instance can run") as e:
        op.execute(make_context(op))
    assert "ibm_nowhere: not a backend of this instance" in str(e.value)
    assert emulator_backends(emulator) == [] and stats(emulator, "ibm")["jobs_submitted"] == 0


def test_all_fitting_devices_paused_is_worth_a_retry(ibm_connection, emulator):
    for name in (
        "ibm_fez",
        "ibm_marrakesh",
        "ibm_kingston",
        "ibm_pittsburgh",
        "ibm_boston",
        "ibm_miami",
    ):
        device(emulator, name, status="paused")
    op = IBMQuantumRunSamplerOperator(
        task_id="bell", backend="least_busy", circuits=[BELL_QASM], **FAST
    )
    with pytest.raises(NoBackendAvailableError, match="no backend takes jobs now"):
        op.execute(make_context(op))
    assert emulator_backends(emulator) == []


def test_isa_preparation_and_validation_use_the_chosen_backend(ibm_connection, emulator):
    busy_fleet(emulator)
    refused = IBMQuantumRunSamplerOperator(
        task_id="textbook", backend="least_busy", circuits=[TEXTBOOK_BELL], **FAST
    )
    with pytest.raises(AirflowFailException, match="not an ISA circuit of ibm_marrakesh"):
        refused.execute(make_context(refused))
    assert emulator_backends(emulator) == []
    transpiled = IBMQuantumRunSamplerOperator(
        task_id="transpiled",
        backend="least_busy",
        circuits=[TEXTBOOK_BELL],
        shots=20,
        optimization_level=1,
        **FAST,
    )
    result = transpiled.execute(make_context(transpiled))
    assert set(result["pub_results"][0]["counts"]) <= {"00", "11"}
    assert emulator_backends(emulator) == ["ibm_marrakesh"]


@pytest.mark.parametrize(
    ("backend", "match"),
    [
        (["ibm_fez", 7], r"backend\[\] must be a backend name"),
        ([], "list of backends to choose from is empty"),
    ],
)
def test_bad_choices_fail_before_any_request(ibm_connection, emulator, backend, match):
    op = IBMQuantumRunSamplerOperator(task_id="bell", backend=backend, circuits=[BELL_QASM])
    with pytest.raises(AirflowFailException, match=match):
        op.execute(make_context(op))
    assert stats(emulator, "ibm")["jobs_submitted"] == 0


def test_a_session_fixes_the_backend(ibm_connection, emulator):
    op = IBMQuantumRunSamplerOperator(
        task_id="bell", backend="least_busy", session_id="s1", circuits=[BELL_QASM]
    )
    with pytest.raises(AirflowFailException, match="cannot be combined with session_id"):
        op.execute(make_context(op))


def test_needed_qubits_reads_openqasm_and_leaves_qpy_to_the_service():
    three = "OPENQASM 3.0;\nqubit[3] q;\nbit[3] c;\nc = measure q;\n"
    assert needed_qubits([BELL_QASM, three, {"__type__": "QuantumCircuit"}]) == 3
    assert needed_qubits([]) == 0
