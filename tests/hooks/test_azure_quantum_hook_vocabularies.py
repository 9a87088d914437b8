"""``AzureQuantumHook`` against both status vocabularies of the service (legacy and current).

The emulator answers one vocabulary at every api-version and filters on the words it answers
only, as the service may: the hook's status filters must name both (see docs/emulator.md).
"""

from __future__ import annotations

import pytest
from azure_client_support import BELL, emulator_connection, finish, patch_config

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook

WORDS = {"legacy": ("Waiting", "Succeeded"), "current": ("Queued", "Completed")}


@pytest.fixture(params=["legacy", "current"])
def vocabulary(request, emulator) -> str:
    patch_config(emulator.url, azure_status_words=request.param, queue_seconds=600)
    return request.param


@pytest.fixture(params=["2024-10-01-preview", None])
def hook(request, emulator, monkeypatch) -> AzureQuantumHook:
    """The hook at an old api-version, or at the connection's default (the newest)."""
    return AzureQuantumHook(
        emulator_connection(emulator.url, monkeypatch, "azure_quantum_words", request.param)
    )


async def test_hook_filters_and_states_work_in_either_vocabulary(hook, emulator, vocabulary):
    queued_word, done_word = WORDS[vocabulary]
    queued = hook.get_conn().submit_job(
        AzurePreparedJob.ionq_circuit(BELL, shots=10, name="words-queued")
    )
    done = hook.get_conn().submit_job(
        AzurePreparedJob.ionq_circuit(BELL, shots=10, name="words-done")
    )
    assert queued.status == queued_word and queued.state is JobState.QUEUED
    finish(emulator.url, done.id)
    assert hook.get_conn().get_job(done.id).status == done_word
    assert (
        hook.get_job_status(done.id)[0].is_final and not hook.get_job_status(queued.id)[0].is_final
    )
    for status in ("Succeeded", "Completed", JobState.SUCCEEDED):
        assert [j.id for j in hook.get_conn().list_jobs(status=status)] == [done.id], status
    client = await hook.aclient()
    pending = [j.id async for page in client.pending_job_pages() for j in page]
    assert pending == [queued.id]
    assert (await client.get_job(done.id)).done()
