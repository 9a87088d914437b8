"""The emulator's Azure answers have the shapes recorded in real traffic (tests/fixtures/azure).

Each test brings a job, session or listing into the state a fixture shows (at 2025-12-01-preview,
the api-version of the recordings, with the default legacy status words) and compares the
emulator's answer with the fixture: every field our client reads is there, with a value of the
same kind (timestamp, url, guid, number...), and the status word is the recorded one. The client
decodes the same fixtures in ``tests/clients/test_azure_contract_fixtures.py``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from azure_support import BELL, IONQ, AzureWire, advance_clock, new_id, patch_config
from contract_support import load_fixture, shape_differences

from airflow_quantum.clients.azure.models import (
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
)
from airflow_quantum.clients.transport import parse_error_body

RECORDED_VERSION = "2025-12-01-preview"


def read_keys(model: Any) -> set[str]:
    """The wire names of the fields our client's model reads."""
    return {field.alias or name for name, field in model.model_fields.items()}


def check(name: str, answer: Any, model: Any = None, maps: tuple[str, ...] = ()) -> dict:
    """Compare ``answer`` with fixture ``name``; returns the fixture's body."""
    expected = load_fixture("azure", name)["body"]
    keys = read_keys(model) if model is not None else None
    assert shape_differences(expected, answer, keys=keys, maps=maps) == [], name
    return expected


def check_page(name: str, answer: dict, model: Any) -> None:
    expected = load_fixture("azure", name)["body"]
    assert set(answer) == {"value", "nextLink"} and answer["value"], answer
    assert shape_differences({"nextLink": None}, answer) == []
    for item in answer["value"]:
        assert shape_differences(expected["value"][0], item, keys=read_keys(model)) == [], name


@pytest.fixture
def wire(emulator) -> AzureWire:
    patch_config(emulator.url, queue_seconds=10, run_seconds=10)
    return AzureWire(emulator.url, api_version=RECORDED_VERSION)


def test_every_recorded_job_and_session_field_is_read_by_the_client():
    recorded = set(load_fixture("azure", "job_waiting")["body"])
    assert recorded - read_keys(JobDetails) == set()
    session = set(load_fixture("azure", "session_opened")["body"])
    assert session - read_keys(SessionDetails) == set()


def test_a_job_through_its_recorded_states(wire, emulator):
    created = wire.submit(IONQ, BELL, {"shots": 100}, name="contract-bell", expect=200)
    check("job_created", created, JobDetails)
    fixtures = ["job_waiting", "job_executing", "job_finishing", "job_succeeded"]
    for name, step in zip(fixtures, (0, 11, 7.5, 3), strict=True):
        if step:
            advance_clock(emulator.url, step)
            time.sleep(0.05)  # let the worker thread finish the (tiny) computation
        answer = wire.get_job(created["id"])
        expected = check(name, answer, JobDetails)
        assert answer["status"] == expected["status"], name
        assert answer["isCancelling"] is False
        if name == "job_finishing":
            assert answer["beginExecutionTime"] and answer["endExecutionTime"]
    check_page("jobs_page", wire.list(), JobDetails)


def test_a_failed_job(wire, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs",
        json={"vendor": "azure", "outcome": "fail"},
        timeout=5,
    )
    failed = wire.wait(wire.submit(IONQ, BELL, {"shots": 100})["id"])
    expected = check("job_failed", failed, JobDetails)
    assert failed["status"] == expected["status"]
    assert set(failed["errorData"]) >= {"code", "message"}


def test_sessions_and_their_jobs(wire, emulator):
    session_id = new_id()
    body = {"id": session_id, "name": "contract-session", "providerId": "ionq"}
    body.update({"target": "ionq.simulator", "jobFailurePolicy": "Abort", "itemType": "Session"})
    opened = wire.call("PUT", f"/sessions/{session_id}", json=body)
    assert opened.status_code in (200, 201)
    check("session_opened", opened.json(), SessionDetails)
    job = wire.submit(IONQ, BELL, {"shots": 100}, sessionId=session_id)
    advance_clock(emulator.url, 11)
    closed = wire.call("POST", f"/sessions/{session_id}:close").json()
    assert check("session_closed", closed, SessionDetails)["status"] == closed["status"]
    refused = wire.submit(IONQ, BELL, {"shots": 100}, sessionId=session_id, expect=400)
    check("error_session_terminal", refused)
    assert refused["error"]["code"] == "InvalidJobDefinition"
    check_page("session_jobs_page", wire.list(f"/sessions/{session_id}/jobs"), JobDetails)
    wire.wait(job["id"])
    check_page("sessions_page", wire.list("/sessions"), SessionDetails)


def test_workspace_listings_and_sas(wire):
    check_page("provider_status", wire.list("/providerStatus") | {"nextLink": None}, ProviderStatus)
    check_page("quotas", wire.list("/quotas"), Quota)
    answer = wire.call("POST", "/storage/sasUri", json={"containerName": f"job-{new_id()}"})
    assert answer.status_code == 200
    check("sas_uri", answer.json())


def test_missing_container_error(wire):
    sas = wire.sas_uri(f"job-{new_id()}")  # 2025-12: the service does not create it
    base, query = sas.split("?", 1)
    answer = requests.get(f"{base}?restype=container&{query}", timeout=5)
    recorded = load_fixture("azure", "storage_container_not_found")
    assert answer.status_code == recorded["status"]
    assert answer.headers["content-type"].startswith(recorded["headers"]["content-type"])
    assert answer.content.startswith("\ufeff<?xml".encode())
    mine = parse_error_body(answer.content, {})
    theirs = parse_error_body(recorded["body"].encode("utf-8"), {})
    assert (
        mine[:2] == theirs[:2] == ("ContainerNotFound", "The specified container does not exist.")
    )


@pytest.mark.parametrize(
    ("name", "maps"),
    [("result_ionq", ("$.histogram",)), ("result_ms_v2", ())],
)
def test_result_blobs(wire, emulator, name, maps):
    patch_config(emulator.url, queue_seconds=0.1, run_seconds=0.1)
    fmt = load_fixture("azure", name)["format"]
    kind = (IONQ[0], IONQ[1], IONQ[2], fmt)
    done = wire.wait(wire.submit(kind, BELL, {"shots": 100})["id"])
    blob = wire.download(done["outputDataUri"])
    assert blob.status_code == 206
    check(name, blob.json(), maps=maps)
