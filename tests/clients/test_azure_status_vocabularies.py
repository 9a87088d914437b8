"""The Azure clients against both status vocabularies of the service, at old and new api-versions.

Real traffic says Waiting/Executing/Finishing/Succeeded at every api-version (2025-12 included);
the 2025-12 spec also names Queued/Completed. The emulator answers one of them
(``azure_status_words``) and its ``State`` filter matches only the words it answers, so a client
that filters on one vocabulary only misses jobs here, as it would on the service.
"""

from __future__ import annotations

import pytest
from azure_client_support import BELL, api_key_settings, finish, patch_config

from airflow_quantum.clients.azure import (
    AsyncAzureQuantumClient,
    AzurePreparedJob,
    AzureQuantumClient,
)
from airflow_quantum.clients.state import JobState

CLASSIC = "2024-10-01-preview"
LATEST = "2026-01-15-preview"
WORDS = {"legacy": ("Waiting", "Succeeded"), "current": ("Queued", "Completed")}


@pytest.fixture(params=["legacy", "current"])
def vocabulary(request, emulator) -> str:
    patch_config(emulator.url, azure_status_words=request.param, queue_seconds=600)
    return request.param


@pytest.fixture(params=[CLASSIC, LATEST])
def api_version(request) -> str:
    return request.param


@pytest.fixture
def three_jobs(emulator, vocabulary, api_version) -> tuple[list[str], str]:
    """Two queued ionq.simulator jobs and one succeeded; (queued ids, succeeded id)."""
    settings = api_key_settings(emulator.url, api_version=api_version)
    with AzureQuantumClient(settings) as client:
        ids = [
            client.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10, name=f"v-{i}")).id
            for i in range(3)
        ]
    finish(emulator.url, ids[2])
    return ids[:2], ids[2]


def test_status_filters_find_jobs_in_either_vocabulary(
    emulator, vocabulary, api_version, three_jobs
):
    queued, done = three_jobs
    queued_word, done_word = WORDS[vocabulary]
    settings = api_key_settings(emulator.url, api_version=api_version)
    with AzureQuantumClient(settings) as client:
        assert client.get_job(queued[0]).status == queued_word
        assert client.get_job(done).status == done_word
        assert client.get_job(done).state is JobState.SUCCEEDED
        for status in (JobState.QUEUED, "Waiting", "Queued", ["queued"]):
            assert sorted(j.id for j in client.list_jobs(status=status)) == sorted(queued), status
        for status in (JobState.SUCCEEDED, "Succeeded", "Completed"):
            assert [j.id for j in client.list_jobs(status=status)] == [done], status
        assert {j.id for j in client.list_jobs(status=[JobState.QUEUED, "Completed"])} == {
            *queued,
            done,
        }


async def test_pending_listing_holds_every_pending_job(
    emulator, vocabulary, api_version, three_jobs
):
    queued, _ = three_jobs
    settings = api_key_settings(emulator.url, api_version=api_version)
    async with AsyncAzureQuantumClient(settings) as client:
        listed = [item async for page in client.pending_job_pages() for item in page]
        assert sorted(item.id for item in listed) == sorted(queued)
        assert {item.status for item in listed} == {(WORDS[vocabulary][0],)}
        assert all(client.job_from_listing(item).state is JobState.QUEUED for item in listed)
