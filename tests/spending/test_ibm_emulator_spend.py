"""The emulator's IBM usage, estimates and backend status: real-shaped and scriptable.

Read through the provider's client over loopback HTTP (the wire shapes are the ones of
shared/wire/ibm-quantum.md); scripted through ``/_emulator/ibm/...``.
"""

from __future__ import annotations

import requests
from airflow_face_support import BELL_QASM, configure, control

from airflow_quantum.clients.errors import QuotaExhaustedError
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook


def test_scripted_usage_adds_up_with_what_jobs_consume(ibm_connection, emulator):
    client = IBMQuantumHook().get_conn()
    assert control(emulator, "PUT", "/ibm/usage", {"consumed_seconds": 7, "limit_seconds": 20})
    usage = client.get_instance_usage()
    assert (usage.usage_consumed_seconds, usage.usage_limit_seconds) == (7, 20)
    assert usage.usage_remaining_seconds == 13 and usage.usage_limit_reached is False
    configure(emulator, queue_seconds=0.0, run_seconds=2.5)
    job_id = client.run_job(
        IBMPreparedJob.program("sampler", "ibm_fez", {"version": 2, "pubs": [[BELL_QASM, None, 5]]})
    ).id
    control(emulator, "POST", "/clock/advance", {"seconds": 3})
    billed = client.get_job(job_id).usage.qpu_charge_time_seconds
    assert billed >= 3  # whole seconds, at least its run time
    assert client.get_instance_usage().usage_consumed_seconds == 7 + billed


def test_post_jobs_answers_409_once_the_limit_is_reached(ibm_connection, emulator):
    control(emulator, "PUT", "/ibm/usage", {"consumed_seconds": 20, "limit_seconds": 20})
    client = IBMQuantumHook().get_conn()
    assert client.get_instance_usage().usage_limit_reached is True
    try:
        client.run_job(
            IBMPreparedJob.program(
                "sampler", "ibm_fez", {"version": 2, "pubs": [[BELL_QASM, None, 5]]}
            )
        )
    except QuotaExhaustedError as exc:  # the client's name for the service's 409 there
        assert "HTTP 409" in str(exc) and "usage limit" in str(exc)
    else:
        raise AssertionError("POST /jobs was accepted over the limit")
    assert emulator.state.stores["ibm"].jobs == {}


def test_estimates_are_scripted_per_job_and_appear_when_due(ibm_connection, emulator):
    client = IBMQuantumHook().get_conn()
    configure(emulator, queue_seconds=60.0, run_seconds=0.5)
    params = {"version": 2, "pubs": [[BELL_QASM, None, 5]]}
    control(emulator, "POST", "/ibm/estimates", {"seconds": 42})
    control(emulator, "POST", "/ibm/estimates", {"seconds": 9, "after_seconds": 30})
    first = client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params)).id
    second = client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params)).id
    third = client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params)).id
    assert client.get_job(first).usage_estimation == {"quantum_seconds": 42}
    assert client.get_job(second).usage_estimation == {"quantum_seconds": None}
    control(emulator, "POST", "/clock/advance", {"seconds": 31})
    assert client.get_job(second).usage_estimation == {"quantum_seconds": 9}
    assert client.get_job(third).usage_estimation == {"quantum_seconds": 0.5}  # its run time
    control(emulator, "PUT", f"/ibm/jobs/{third}/estimate", {"seconds": 77})
    listed = {job.id: job for job in client.list_jobs(pending=True)}
    assert listed[third].estimated_running_time_seconds == 77


def test_backend_status_and_queue_are_scriptable_and_reset(ibm_connection, emulator):
    client = IBMQuantumHook().get_conn()
    control(
        emulator,
        "PUT",
        "/ibm/backends/ibm_fez",
        {"status": "paused", "reason": "calibrating", "queue_length": 4},
    )
    fez = next(device for device in client.list_backends() if device.name == "ibm_fez")
    assert fez.status.name == "paused" and fez.status.reason == "calibrating"
    assert fez.queue_length == 4 and fez.is_simulator is False and fez.qubits == 156
    status = client.get_backend_status("ibm_fez")
    assert (status.state, status.status, status.length_queue) == (False, "paused", 4)
    control(emulator, "DELETE", "/ibm/backends/ibm_fez")
    status = client.get_backend_status("ibm_fez")
    assert (status.state, status.status, status.length_queue) == (True, "active", 0)
    control(emulator, "PUT", "/ibm/backends/ibm_fez", {"is_simulator": True, "qubits": 5})
    control(emulator, "POST", "/reset")
    fez = next(device for device in client.list_backends() if device.name == "ibm_fez")
    assert (fez.is_simulator, fez.qubits, fez.status.name) == (False, 156, "online")


def test_bad_scripts_are_refused(emulator):
    url = f"{emulator.url}/_emulator/ibm"
    assert requests.put(f"{url}/backends/ibm_nowhere", json={}, timeout=5).status_code == 404
    bad_status = requests.put(f"{url}/backends/ibm_fez", json={"status": "asleep"}, timeout=5)
    assert bad_status.status_code == 400
    assert requests.put(f"{url}/usage", json={"consumed_seconds": -1}, timeout=5).status_code == 400
    assert (
        requests.put(f"{url}/jobs/nope/estimate", json={"seconds": 1}, timeout=5).status_code == 404
    )
