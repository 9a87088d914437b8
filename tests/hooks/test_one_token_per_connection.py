"""One bearer token per connection per process (issue 16): whatever mix of hooks, sync calls
and async calls uses a connection, and even when they start together, the identity service is
asked once per vendor."""

from __future__ import annotations

import asyncio
import threading

import requests
from ibm_circuits import ISA_BELL

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

X0 = [{"gate": "x", "target": 0}]


def _emulator(emulator, method: str, route: str, body=None):
    answer = requests.request(method, f"{emulator.url}/_emulator{route}", json=body, timeout=10)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def _token_requests(emulator) -> dict[str, int]:
    stats = _emulator(emulator, "GET", "/stats")
    return {vendor: stats[vendor]["token_requests"] for vendor in ("azure", "ibm")}


def _together(sync_call, async_call) -> None:
    """Run ``async_call`` in its own event loop (a triggerer) while ``sync_call`` runs here."""
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            asyncio.run(async_call())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=loop)
    thread.start()
    sync_call()
    thread.join(30)
    assert not errors, errors


def test_two_hooks_sync_and_async_ask_for_one_token_per_vendor(
    emulator, azure_entra_connection, ibm_connection
):
    # Slow token answers: a sync and an async call that start together overlap their fetches.
    for vendor in ("azure", "ibm"):
        _emulator(
            emulator,
            "POST",
            "/faults",
            {"vendor": vendor, "kind": "latency", "delay": 0.3, "path": "token"},
        )
    azure_submitter, azure_reader = (AzureQuantumHook(azure_entra_connection) for _ in range(2))
    ibm_submitter, ibm_reader = (IBMQuantumHook(ibm_connection) for _ in range(2))
    job = azure_submitter.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X0, shots=10))
    ibm_job = ibm_submitter.get_conn().run_job(IBMPreparedJob.sampler([ISA_BELL], "ibm_fez", 10)).id
    assert _token_requests(emulator) == {"azure": 1, "ibm": 1}

    from airflow_quantum.clients.auth import TOKEN_CACHE

    TOKEN_CACHE.clear()  # as in a new process: the reading hooks start without a token

    async def async_reads() -> None:
        assert (await (await azure_reader.aclient()).get_job(job.id)).id == job.id
        assert (await (await ibm_reader.aclient()).get_job(ibm_job)).id == ibm_job
        await azure_reader.aclose()
        await ibm_reader.aclose()

    def sync_reads() -> None:
        assert azure_reader.get_conn().get_job(job.id).id == job.id
        assert ibm_reader.get_conn().get_job(ibm_job).id == ibm_job

    _together(sync_reads, async_reads)
    _emulator(emulator, "POST", f"/jobs/{job.id}/finish")
    _emulator(emulator, "POST", f"/jobs/{ibm_job}/finish")
    assert azure_reader.get_job_result(job.id, timeout=30)["probabilities"] == {"1": 1.0}
    assert ibm_reader.get_job_result(ibm_job, timeout=30, poll_interval=0.05)["pub_results"]
    # Two per vendor in all: one for the submitting "process", one for the reading one.
    assert _token_requests(emulator) == {"azure": 2, "ibm": 2}
    for hook in (azure_submitter, azure_reader, ibm_submitter, ibm_reader):
        hook.close()
