"""Control API for benchmarks: clone a job many times, then end many jobs at one instant."""

from __future__ import annotations

import httpx
import pytest
from ibm_circuits import ISA_BELL

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook

BELL = ISA_BELL


def _control(emulator, method: str, path: str, **kwargs) -> httpx.Response:
    return httpx.request(method, f"{emulator.url}/_emulator{path}", timeout=30, **kwargs)


def _finished(emulator, job_id: str) -> None:
    _control(emulator, "POST", f"/jobs/{job_id}/finish").raise_for_status()


@pytest.fixture
def ibm_hook(ibm_connection):
    hook = IBMQuantumHook(ibm_quantum_conn_id=ibm_connection)
    yield hook
    hook.close()


@pytest.fixture
def azure_hook(azure_connection):
    hook = AzureQuantumHook(azure_quantum_conn_id=azure_connection)
    yield hook
    hook.close()


def test_ibm_clones_wait_then_end_together_with_the_original_result(emulator, ibm_hook):
    original = ibm_hook.get_conn().run_job(IBMPreparedJob.sampler([BELL], "ibm_fez", shots=50)).id
    _finished(emulator, original)
    answer = _control(
        emulator, "POST", f"/jobs/{original}/clone", json={"count": 3, "queue_seconds": 3600}
    )
    assert answer.status_code == 201
    clones = answer.json()["ids"]
    assert len(set(clones)) == 3 and original not in clones
    assert all(ibm_hook.get_conn().get_job(job_id).state is JobState.QUEUED for job_id in clones)

    ended = _control(emulator, "POST", "/jobs/finish", json={"ids": clones}).json()
    assert ended["finished"] == 3
    for job_id in clones:
        assert ibm_hook.get_conn().get_job(job_id).state is JobState.SUCCEEDED
        counts = ibm_hook.get_job_result(job_id)["pub_results"][0]["counts"]
        assert set(counts) <= {"00", "11"} and sum(counts.values()) == 50
    # Final jobs are left alone by a second bulk finish.
    assert _control(emulator, "POST", "/jobs/finish", json={"ids": clones}).json()["finished"] == 0


def test_azure_clones_have_their_own_output_blob(emulator, azure_hook):
    program = (
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nx q[1];\nmeasure q -> c;\n'
    )
    original = (
        azure_hook.get_conn().submit_job(AzurePreparedJob.quantinuum_program(program, shots=20)).id
    )
    _finished(emulator, original)
    clones = _control(
        emulator, "POST", f"/jobs/{original}/clone", json={"count": 2, "run_seconds": 0}
    ).json()["ids"]
    _control(emulator, "POST", "/jobs/finish", json={"ids": clones}).raise_for_status()
    outputs = set()
    for job_id in clones:
        job = azure_hook.get_conn().get_job(job_id)
        assert job.state is JobState.SUCCEEDED
        outputs.add(job.output_data_uri.split("?")[0])
        assert azure_hook.get_job_result(job_id)["counts"] == {"c": {"10": 20}}
    assert len(outputs) == 2


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/jobs/nope/clone", {"count": 1}),
        ("/jobs/finish", {"ids": ["nope"]}),
    ],
)
def test_unknown_jobs_are_refused(emulator, path, body):
    assert _control(emulator, "POST", path, json=body).status_code == 404


def test_bad_clone_counts_are_refused(emulator, ibm_hook):
    original = ibm_hook.get_conn().run_job(IBMPreparedJob.sampler([BELL], "ibm_fez", shots=10)).id
    for count in (0, 100_001, "many"):
        answer = _control(emulator, "POST", f"/jobs/{original}/clone", json={"count": count})
        assert answer.status_code == 400
        assert "count" in answer.text
