"""A wait on the worker rides out the faults a deferred wait rides out (issue 16, outcome 3).

The emulator answers a burst of 503s and then a 429 with ``Retry-After`` to every status request
of the job, right after it was submitted. The hooks here make no transport retries, so what rides
the faults out is the wait loop itself (``waiting.wait``), the twin of the trigger's loop.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from airflow_face_support import BELL_QASM, BELL_QASM2, control, http_fault, make_context

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.errors import AuthenticationError
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator

#: No transport retry: a 503 or a 429 reaches the wait loop at once.
NO_RETRY = RetryPolicy(max_retries=0)
RETRY_AFTER = 0.4
BURST = 3


def hook_for(vendor: str) -> Any:
    if vendor == "azure":
        return AzureQuantumHook(retry_policy=NO_RETRY)
    return IBMQuantumHook(retry_policy=NO_RETRY)


def break_status_reads(emulator: Any, vendor: str, job_id: str) -> None:
    """The next reads of the job: ``BURST`` times 503, then one 429 with Retry-After."""
    path = f"/jobs/{job_id}$"
    http_fault(emulator, vendor, kind="status", status=503, count=BURST, method="GET", path=path)
    http_fault(
        emulator,
        vendor,
        kind="status",
        status=429,
        retry_after=RETRY_AFTER,
        count=1,
        method="GET",
        path=path,
    )


def status_reads(emulator: Any, vendor: str, job_id: str) -> list[dict[str, Any]]:
    """The GETs of the job the emulator answered, oldest first."""
    records = control(emulator, "GET", f"/requests?vendor={vendor}")["requests"]
    return [r for r in records if r["method"] == "GET" and r["path"].rstrip("/").endswith(job_id)]


def check_ridden_out(emulator: Any, vendor: str, job_id: str) -> None:
    reads = status_reads(emulator, vendor, job_id)
    if vendor == "azure" and reads and reads[0]["status"] == 404:
        reads = reads[1:]  # the operator asked whether an earlier try submitted the job
    statuses = [r["status"] for r in reads]
    assert statuses[: BURST + 1] == [503] * BURST + [429], statuses
    assert statuses[BURST + 1] == 200, statuses
    # The 429's Retry-After was honoured before the next look.
    assert reads[BURST + 1]["time"] - reads[BURST]["time"] >= RETRY_AFTER * 0.9


def submit_small(hook: Any, vendor: str) -> str:
    if vendor == "azure":
        return (
            hook.get_conn().submit_job(AzurePreparedJob.quantinuum_program(BELL_QASM2, shots=10)).id
        )
    return hook.get_conn().run_job(IBMPreparedJob.sampler([BELL_QASM], "ibm_fez", 10)).id


def hook_wait(hook: Any, vendor: str, job_id: str) -> Any:
    """The hook's own wait: the official clients' ``wait_until_completed`` and
    ``wait_for_final_state``."""
    if vendor == "azure":
        return hook.wait_for_job(job_id, timeout=30, poll_interval=0.1)
    return hook.wait_for_job(job_id, timeout=30, poll_interval=0.05)


def submitter(vendor: str) -> Any:
    fast = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}
    if vendor == "azure":
        return AzureQuantumSubmitJobOperator(
            task_id="bell",
            target="quantinuum.sim.h2-1e",
            quantinuum_program=BELL_QASM2,
            shots=50,
            **fast,
        )
    return IBMQuantumRunSamplerOperator(
        task_id="bell", backend="ibm_fez", circuits=[BELL_QASM], shots=50, **fast
    )


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_a_worker_wait_rides_out_a_503_burst_and_a_429(connections, emulator, vendor, monkeypatch):
    operator = submitter(vendor)
    operator.__dict__["hook"] = hook_for(vendor)  # the operator's (cached) hook, retry-free
    real_submit = operator.hook.submit_job
    submitted: list[str] = []

    def submit_then_break(job: Any, key: str) -> str:
        job_id = real_submit(job, key)
        submitted.append(job_id)
        break_status_reads(emulator, vendor, job_id)
        return job_id

    monkeypatch.setattr(operator.hook, "submit_job", submit_then_break)
    result = operator.execute(make_context(operator))
    (job_id,) = submitted
    check_ridden_out(emulator, vendor, job_id)
    if vendor == "azure":
        assert sum(result["counts"]["c"].values()) == 50
    else:
        assert sum(result["pub_results"][0]["counts"].values()) == 50


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_a_hook_wait_rides_out_a_503_burst_and_a_429(connections, emulator, vendor):
    hook = hook_for(vendor)
    job_id = submit_small(hook, vendor)
    break_status_reads(emulator, vendor, job_id)
    started = time.monotonic()
    assert hook_wait(hook, vendor, job_id).done()
    assert time.monotonic() - started >= RETRY_AFTER * 0.9
    check_ridden_out(emulator, vendor, job_id)


@pytest.mark.parametrize("vendor", ["azure", "ibm"])
def test_a_refused_status_read_still_fails_the_wait(connections, emulator, vendor):
    """Only transient faults are ridden out: a 403 (credentials refused) ends the wait."""
    hook = hook_for(vendor)
    job_id = submit_small(hook, vendor)
    path = f"/jobs/{job_id}$"
    http_fault(emulator, vendor, kind="status", status=403, count=5, method="GET", path=path)
    with pytest.raises(AuthenticationError):
        hook_wait(hook, vendor, job_id)
