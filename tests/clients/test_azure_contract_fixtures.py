"""Our Azure client decodes every answer shape recorded in real traffic (tests/fixtures/azure).

The fixtures reproduce the shapes of the official client's recorded real sessions (field names,
value types, 7-digit and 3-digit timestamps with ``Z`` or ``+00:00``, legacy status words, error
bodies); ``tests/emulator/test_azure_contract.py`` holds the emulator to the same fixtures.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from contract_support import fixture_names, load_fixture

from airflow_quantum.clients.azure.listing import parse_items, parse_page
from airflow_quantum.clients.azure.models import (
    STATUS_WORDS,
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
)
from airflow_quantum.clients.azure.protocol import _session_closed
from airflow_quantum.clients.azure.results import decode_results
from airflow_quantum.clients.azure.workspace import _sas_uri
from airflow_quantum.clients.errors import (
    BadRequestError,
    NotFoundError,
    SessionClosedError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import api_error


def fixture(name: str) -> dict:
    return load_fixture("azure", name)["body"]


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("job_created", JobState.QUEUED),
        ("job_waiting", JobState.QUEUED),
        ("job_executing", JobState.RUNNING),
        ("job_finishing", JobState.FINISHING),
        ("job_succeeded", JobState.SUCCEEDED),
        ("job_failed", JobState.FAILED),
    ],
)
def test_recorded_job_details_decode(name, state):
    body = fixture(name)
    job = JobDetails.from_wire(body)
    assert job.state is state and job.status == body["status"]
    assert job.id == body["id"] and job.target == "ionq.simulator"
    assert job.creation_time.utcoffset() == timedelta(0)
    assert job.creation_time.microsecond == int(body["creationTime"][20:26])
    assert job.is_cancelling is False and job.has_completed() is state.is_final
    # Every recorded field is one the model names (an unknown one would be kept, not fatal).
    assert job.additional_properties == {} and job.job_priority == "Basic"
    if body["lastModifiedTime"] is None:
        assert job.last_modified_time is None
    else:
        assert job.last_modified_time >= job.creation_time
    if state is JobState.FINISHING:
        assert job.running() and job.end_execution_time > job.begin_execution_time
    if state is JobState.FAILED:
        assert job.error_message() == f"InvalidInputData: {body['errorData']['message']}"
    if state is JobState.SUCCEEDED:
        events = job.cost_estimate.events
        assert [e.dimension_id for e in events] == ["gs1q", "gs2q"]
        assert job.cost_estimate.currency_code == "USD"
    if body["containerUri"] and "sig=" in body["containerUri"]:
        assert "sig=***" in repr(job) and "sig=REDACTED" not in repr(job)
    assert job.to_dict()["id"] == body["id"]


def test_recorded_status_words_are_all_known():
    words = {fixture(n)["status"] for n in fixture_names("azure", "job_")}
    assert words == {"Waiting", "Executing", "Finishing", "Succeeded", "Failed"}
    assert words <= set(STATUS_WORDS)


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("jobs_page", JobDetails),
        ("session_jobs_page", JobDetails),
        ("sessions_page", SessionDetails),
        ("quotas", Quota),
        ("provider_status", ProviderStatus),
    ],
)
def test_recorded_pages_decode(name, model):
    page = parse_page(fixture(name), name)
    assert page.next_link is None and len(page.items) == 1
    (item,) = parse_items(page.items, model, name)
    assert isinstance(item, model)


def test_recorded_page_contents():
    (job,) = parse_items(parse_page(fixture("jobs_page"), "jobs").items, JobDetails, "jobs")
    assert job.done() and job.last_modified_time is None
    assert job.begin_execution_time.microsecond == 824000  # a 3-digit 'Z' time
    (quota,) = parse_items(parse_page(fixture("quotas"), "q").items, Quota, "q")
    assert (quota.dimension, quota.limit, quota.period) == ("qgs", 1000.0, "Monthly")
    (provider,) = parse_items(
        parse_page(fixture("provider_status"), "p").items, ProviderStatus, "p"
    )
    assert [t.id for t in provider.targets] == ["ionq.simulator", "ionq.qpu.forte-1"]
    assert provider.targets[0].average_queue_time == 2


def test_recorded_sessions_decode():
    opened = SessionDetails.from_wire(fixture("session_opened"))
    assert opened.status == "Waiting" and opened.active() and not opened.in_final_state()
    assert opened.job_failure_policy == "Abort" and opened.creation_time.tzinfo is not None
    closed = SessionDetails.from_wire(fixture("session_closed"))
    assert closed.status == "Executing" and closed.active()  # closed, its jobs still running
    assert closed.cost_estimate.estimated_total == 0.0
    (done,) = parse_items(
        parse_page(fixture("sessions_page"), "s").items, SessionDetails, "sessions"
    )
    assert done.in_final_state() and done.end_execution_time > done.creation_time


def test_recorded_sas_uri_decodes():
    uri = _sas_uri(fixture("sas_uri"))
    assert uri.startswith("https://examplestore.blob.core.windows.net/job-") and "sp=rwlac" in uri


def test_recorded_session_terminal_error_becomes_session_closed():
    recorded = load_fixture("azure", "error_session_terminal")
    content = json.dumps(recorded["body"]).encode()
    error = api_error("Azure Quantum", 400, {}, content, "PUT", "https://x/jobs/1")
    assert isinstance(error, BadRequestError) and error.code == "InvalidJobDefinition"
    closed = _session_closed(error, "5e551000-1b2c-4d3e-8f40-0000000000b1")
    assert isinstance(closed, SessionClosedError) and closed.status == 400
    assert _session_closed(error, None) is None  # a job outside any session: left as it is


def test_recorded_container_not_found_is_the_404_that_creates_the_container():
    recorded = load_fixture("azure", "storage_container_not_found")
    content = recorded["body"].encode("utf-8")
    error = api_error("Azure Quantum", 404, recorded["headers"], content, "GET", "https://x/c")
    assert isinstance(error, NotFoundError) and error.code == "ContainerNotFound"
    assert "The specified container does not exist." in str(error)


@pytest.mark.parametrize("name", ["result_ionq", "result_quantinuum", "result_ms_v2"])
def test_recorded_results_decode(name):
    recorded = load_fixture("azure", name)
    decoded = decode_results(json.dumps(recorded["body"]).encode(), recorded["format"])
    assert decoded["format"] == recorded["format"]
    if name == "result_ionq":
        assert decoded["histogram"] == {"0": 0.5, "7": 0.5}
    elif name == "result_quantinuum":
        assert decoded["shots"] == 2 and decoded["counts"]["c2"] == {"1": 2}
    else:
        assert decoded["shots"] == 4
        assert decoded["counts"] == {"[0, 0, 0]": 2, "[1, 1, 1]": 2}
