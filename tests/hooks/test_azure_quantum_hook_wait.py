"""AzureQuantumHook.wait_until_completed: moved here from the client's tests when the client
stopped waiting (issue 16); the wait is the hook's."""

from __future__ import annotations

import time

import pytest
from azure_client_support import FAST, X_ON_1, patch_config

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.errors import JobTimeoutError
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook


def test_wait_timeout_does_not_cancel_the_job(azure_connection, emulator):
    hook = AzureQuantumHook(azure_connection, retry_policy=FAST)
    patch_config(emulator.url, queue_seconds=60)
    job = hook.get_conn().submit_job(AzurePreparedJob.ionq_circuit(X_ON_1))
    started = time.monotonic()
    with pytest.raises(JobTimeoutError, match="not cancelled"):
        hook.wait_for_job(job.id, timeout=0.5, poll_interval=0.1)
    # At its timeout, far from the 60 s queue (the bound leaves room for a loaded machine).
    assert 0.45 <= time.monotonic() - started < 20
    assert hook.get_conn().get_job(job.id).state is JobState.QUEUED
    hook.close()
