"""Where the emulator used to be kinder than the service, and how the client copes (issue 12).

Each behaviour is the one recorded in the official client's real sessions (2025-12-01-preview):
a Put Blob into a missing container answers 404 ``ContainerNotFound`` before 2026-01-15-preview,
a job sent to a finished session gets 400 ``InvalidJobDefinition``, job ids are GUIDs, the job's
``containerUri`` is a read/list SAS, JobDetails carry ``lastModifiedTime``. Also: api-version
2026-08-01-preview and its queue position.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from azure_client_support import BELL, api_key_settings, calls, finish, patch_config

from airflow_quantum.clients.azure import (
    AsyncAzureQuantumClient,
    AzurePreparedJob,
    AzureQuantumClient,
)
from airflow_quantum.clients.azure import queue as queue_module
from airflow_quantum.clients.azure.queue import AzureQueueInfo
from airflow_quantum.clients.errors import (
    BadResponseError,
    InvalidInputError,
    InvalidStateError,
    SessionClosedError,
)

QUEUE_VERSION = "2026-08-01-preview"


def client(url: str, api_version: str | None = None) -> AzureQuantumClient:
    extra = {"api_version": api_version} if api_version else {}
    return AzureQuantumClient(api_key_settings(url, **extra))


@pytest.mark.parametrize(
    ("api_version", "creates"),
    [("2024-10-01-preview", 1), ("2025-12-01-preview", 1), ("2026-01-15-preview", 0)],
)
def test_the_client_creates_the_container_where_the_service_does_not(
    emulator, api_version, creates
):
    with client(emulator.url, api_version) as azure:
        job = azure.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10))
        container = f"/job-{job.id}"
        # Refused once (404 ContainerNotFound), created, then uploaded; or uploaded at once.
        assert calls(emulator.url, "PUT", f"{container}/inputData", 404) == creates
        assert calls(emulator.url, "PUT", container, 201) == creates
        assert calls(emulator.url, "PUT", f"{container}/inputData", 201) == 1
        finish(emulator.url, job.id)
        assert azure.get_results(job.id)


def test_a_job_for_a_closed_session_raises_a_clear_error(emulator):
    with client(emulator.url) as azure:
        session = azure.open_session(provider_id="ionq", target="ionq.simulator")
        azure.close_session(session.id)
        with pytest.raises(SessionClosedError) as caught:
            azure.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10, session_id=session.id))
    error = caught.value
    assert isinstance(error, InvalidStateError)
    assert (error.status, error.code) == (400, "InvalidJobDefinition")
    assert f"session {session.id} accepts no more jobs" in str(error)
    assert "open a new session" in str(error) and "terminal state" in str(error)


def test_job_ids_are_guids_on_both_sides(emulator):
    with client(emulator.url) as azure:
        for bad in ("job-1", "abc-123", "0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6"):
            with pytest.raises(InvalidInputError, match="GUID"):
                azure.get_job(bad)
    workspace = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Quantum/workspaces/ws"
    answer = requests.get(
        f"{emulator.url}{workspace}/jobs/abc-123?api-version=2026-01-15-preview",
        headers={"x-ms-quantum-api-key": "local-emulator-key"},
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "InvalidJobId"


def test_container_uri_is_read_and_list_only_and_last_modified_time_is_set(emulator):
    with client(emulator.url) as azure:
        job = azure.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10))
        details = azure.get_job(job.id)
    sas = dict(parse_qsl(urlsplit(details.container_uri).query))
    assert (sas["sr"], sas["sp"]) == ("c", "rl")
    base, query = details.container_uri.split("?", 1)
    write = requests.put(
        f"{base}/other?{query}", data=b"{}", headers={"x-ms-blob-type": "BlockBlob"}, timeout=5
    )
    assert write.status_code == 403
    assert write.headers["x-ms-error-code"] == "AuthorizationPermissionMismatch"
    listing = requests.get(f"{base}?restype=container&comp=list&{query}", timeout=5)
    assert listing.status_code == 200 and "<Name>inputData</Name>" in listing.text
    assert details.last_modified_time is not None
    assert details.last_modified_time >= details.creation_time


def test_queue_position_at_2026_08_01_preview(emulator):
    patch_config(emulator.url, queue_seconds=600)
    with client(emulator.url, QUEUE_VERSION) as azure:
        jobs = [
            azure.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10)).id for _ in range(3)
        ]
        infos = [azure.queue_info(job_id) for job_id in jobs]
        assert [info.position for info in infos] == [1, 2, 3]
        assert all(info.job_id == job_id for info, job_id in zip(infos, jobs, strict=True))
        assert infos[0].estimated_start_time is not None
        finish(emulator.url, jobs[0])
        assert azure.queue_info(jobs[0]).position is None
        assert azure.queue_info(jobs[1]).position == 1
    with client(emulator.url) as older:  # 2026-01-15-preview: no such operation, no request
        before = calls(emulator.url, "GET", "ueuePosition")
        assert older.queue_info(jobs[1]) is None
        assert calls(emulator.url, "GET", "ueuePosition") == before


async def test_queue_position_falls_back_to_the_action_path(emulator, monkeypatch):
    """The path is unverified: when the first variant is an unknown route, the second is used."""
    monkeypatch.setattr(queue_module, "PATH_VARIANTS", ("/noSuchRoute", ":queuePosition"))
    patch_config(emulator.url, queue_seconds=600)
    settings = api_key_settings(emulator.url, api_version=QUEUE_VERSION)
    with AzureQuantumClient(settings) as sync_azure:
        job = sync_azure.submit_job(AzurePreparedJob.ionq_circuit(BELL, shots=10))
    async with AsyncAzureQuantumClient(settings) as azure:
        assert (await azure.queue_info(job.id)).position == 1
    assert calls(emulator.url, "GET", "/noSuchRoute", 404) == 1
    assert calls(emulator.url, "GET", ":queuePosition", 200) == 1


@pytest.mark.parametrize(
    ("body", "position"),
    [
        ({"jobId": "j", "position": 4}, 4),
        ({"jobId": "j", "queuePosition": 7, "estimatedStartTime": None}, 7),
        ({"jobId": "j", "position": None}, None),
        ({"jobId": "j"}, None),
    ],
)
def test_queue_position_answer_variants_are_accepted(body, position):
    assert AzureQueueInfo.from_wire(body).position == position


def test_queue_position_answer_of_the_wrong_type_is_a_bad_response():
    with pytest.raises(BadResponseError):
        AzureQueueInfo.from_wire({"jobId": "j", "position": "first"})
