"""Parsing realistic Azure payloads: JobDetails, sessions, provider status, quotas, errors."""

from __future__ import annotations

import json

import pendulum
import pytest

from airflow_quantum.clients.azure.models import (
    JobDetails,
    ProviderStatus,
    Quota,
    SessionDetails,
    state_of,
)
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadResponseError,
    InvalidStateError,
    NotFoundError,
    ServiceError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.clients.transport import api_error, parse_error_body

SIG = "aBcD%2BsecretSIG%3D"
#: A succeeded job as the service sends it (2024-10 vocabulary, with isCancelling).
SUCCEEDED_JOB = {
    "id": "5d2f9cd7-0f55-f149-e3ed-3aef00000001",
    "name": "qio job",
    "itemType": "Job",
    "providerId": "microsoft",
    "target": "microsoft.substochasticmontecarlo.cpu",
    "jobType": "Optimization",
    "sessionId": None,
    "containerUri": f"https://acct.blob.core.windows.net/job-1?sv=2019-02-02&sr=c&sig={SIG}&se=2099-01-01T00%3A00%3A00Z&sp=rcwl",
    "inputDataUri": "https://acct.blob.core.windows.net/job-1/inputData",
    "inputDataFormat": "microsoft.qio.v2",
    "inputParams": {"params": {"sweeps": 100}},
    "metadata": None,
    "outputDataUri": f"https://acct.blob.core.windows.net/job-1/rawOutputData?sv=2019-02-02&sr=b&sig={SIG}&se=2099-01-01T00%3A00%3A00Z&sp=r",
    "outputDataFormat": "microsoft.qio-results.v2",
    "status": "Succeeded",
    "creationTime": "2021-05-01T01:41:59.9498516+00:00",
    "beginExecutionTime": "2021-05-01T01:42:03.1234567Z",
    "endExecutionTime": "2021-05-01T01:42:04.0000001Z",
    "cancellationTime": None,
    "costEstimate": {
        "currencyCode": "USD",
        "events": [
            {
                "dimensionId": "jobhours",
                "dimensionName": "Job Hours",
                "measureUnit": "Hours",
                "amountBilled": 0.0003,
                "amountConsumed": 0.0003,
                "unitPrice": 0.0,
            }
        ],
        "estimatedTotal": 0.0,
    },
    "errorData": None,
    "tags": ["nightly"],
    "priority": "Standard",
    "usage": {"terms": 3},
    "quantumComputingData": None,
    "isCancelling": False,
    "someFutureField": {"nested": [1, 2]},
}


def test_every_wire_field_has_its_snake_case_attribute():
    job = JobDetails.from_wire(SUCCEEDED_JOB)
    assert job.id == SUCCEEDED_JOB["id"]
    assert job.container_uri.startswith("https://acct.blob.core.windows.net/job-1?")
    assert job.input_data_format == "microsoft.qio.v2"
    assert job.input_params == {"params": {"sweeps": 100}}
    assert job.provider_id == "microsoft" and job.job_type == "Optimization"
    assert job.output_data_format == "microsoft.qio-results.v2"
    assert job.cost_estimate.events[0].dimension_id == "jobhours"
    assert job.cost_estimate.currency_code == "USD"
    assert job.tags == ["nightly"] and job.job_priority == "Standard" and job.usage == {"terms": 3}
    assert job.is_cancelling is False and job.item_type == "Job"
    assert job.additional_properties == {"someFutureField": {"nested": [1, 2]}}


def test_seven_digit_timestamps_with_z_and_offset_are_tz_aware():
    job = JobDetails.from_wire(SUCCEEDED_JOB)
    assert isinstance(job.creation_time, pendulum.DateTime)
    assert job.creation_time == pendulum.datetime(2021, 5, 1, 1, 41, 59, 949851)
    assert job.begin_execution_time == pendulum.datetime(2021, 5, 1, 1, 42, 3, 123456)
    for moment in (job.creation_time, job.begin_execution_time, job.end_execution_time):
        assert moment.utcoffset().total_seconds() == 0
    assert job.cancellation_time is None


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("Waiting", JobState.QUEUED),
        ("Queued", JobState.QUEUED),
        ("Executing", JobState.RUNNING),
        ("Finishing", JobState.FINISHING),
        ("CancellationRequested", JobState.CANCELLING),
        ("Cancelling", JobState.CANCELLING),
        ("Succeeded", JobState.SUCCEEDED),
        ("Completed", JobState.SUCCEEDED),
        ("Failed", JobState.FAILED),
        ("Cancelled", JobState.CANCELLED),
        ("cOmPlEtEd", JobState.SUCCEEDED),
        ("Paused", JobState.UNKNOWN),
        (None, JobState.UNKNOWN),
    ],
)
def test_both_status_vocabularies_map_case_insensitively(status, state):
    assert state_of(status) is state
    assert JobDetails.from_wire({"id": "j", "status": status}).state is state


def test_predicates_follow_the_state():
    done = JobDetails.from_wire({"id": "j", "status": "Completed"})
    assert done.has_completed() and done.in_final_state() and done.done()
    assert not done.running() and not done.errored() and not done.cancelled()
    running = JobDetails.from_wire({"id": "j", "status": "Finishing"})
    assert running.running() and not running.has_completed()
    cancelling = JobDetails.from_wire({"id": "j", "status": "Executing", "isCancelling": True})
    assert cancelling.state is JobState.CANCELLING
    assert JobDetails.from_wire({"id": "j", "status": "Cancelled"}).cancelled()


def test_error_data_and_error_message():
    job = JobDetails.from_wire(
        {
            "id": "j",
            "status": "Failed",
            "errorData": {
                "code": "InvalidInputData",
                "message": "Invalid job params: sweeps must be positive",
                "target": "inputParams",
                "details": [{"code": "X"}],
                "innererror": {"trace": "..."},
            },
        }
    )
    assert job.errored()
    assert job.error_data.code == "InvalidInputData"
    assert job.error_message() == "InvalidInputData: Invalid job params: sweeps must be positive"
    assert JobDetails.from_wire({"id": "j", "status": "Failed"}).error_message()
    assert JobDetails.from_wire({"id": "j", "status": "Succeeded"}).error_message() is None


def test_new_audit_fields():
    job = JobDetails.from_wire(
        {
            "id": "j",
            "status": "Queued",
            "lastUpdatedTime": "2026-01-20T10:00:00.1234567Z",
            "createdBy": "my-app",
            "createdByType": "Application",
            "quantumComputingData": {"count": 1},
        }
    )
    assert job.last_updated_time.year == 2026
    assert (job.created_by, job.created_by_type) == ("my-app", "Application")
    assert job.quantum_computing_data == {"count": 1}


def test_repr_str_and_to_dict_redact_sas_signatures():
    job = JobDetails.from_wire(SUCCEEDED_JOB)
    for text in (repr(job), str(job), json.dumps(job.to_dict())):
        assert "secretSIG" not in text and SIG not in text
    data = job.to_dict()
    assert "sig=%2A%2A%2A" in data["output_data_uri"] or "sig=***" in data["output_data_uri"]
    assert data["creation_time"].startswith("2021-05-01T01:41:59.949851")
    assert data["someFutureField"] == {"nested": [1, 2]}
    assert "secretSIG" in job.to_dict(redact=False)["output_data_uri"]
    json.dumps(job.to_dict())  # plain JSON, fit for XCom


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "job",
        {"name": "no id"},
        {"id": 5},
        {"id": "j", "tags": "not-a-list"},
        {"id": "j", "creationTime": "yesterday-ish"},
        {"id": "j", "errorData": "boom"},
    ],
)
def test_malformed_job_details_raise_bad_response(payload):
    with pytest.raises(BadResponseError):
        JobDetails.from_wire(payload)


def test_session_provider_status_and_quota_models():
    session = SessionDetails.from_wire(
        {
            "id": "s1",
            "name": "s",
            "itemType": "Session",
            "providerId": "ionq",
            "target": "ionq.simulator",
            "jobFailurePolicy": "Abort",
            "status": "Failed",
            "creationTime": "2024-01-01T00:00:00.0000000Z",
            "errorData": {"code": "SessionFailed", "message": "a job failed"},
        }
    )
    assert session.in_final_state() and not session.active()
    # A Continue session after a failed job: still open, still taking jobs (recorded).
    going_on = SessionDetails.from_wire({"id": "s3", "status": "Failure(s)"})
    assert going_on.active() and not going_on.in_final_state()
    assert session.error_message() == "SessionFailed: a job failed"
    waiting = SessionDetails.from_wire({"id": "s2", "status": "Waiting"})
    assert waiting.active() and not waiting.in_final_state()
    provider = ProviderStatus.from_wire(
        {
            "id": "ionq",
            "currentAvailability": "Degraded",
            "targets": [
                {
                    "id": "ionq.qpu.aria-1",
                    "currentAvailability": "Unavailable",
                    "averageQueueTime": 3600,
                    "statusPage": "https://status.ionq.co",
                }
            ],
        }
    )
    assert provider.target("IONQ.QPU.ARIA-1").average_queue_time == 3600
    assert provider.target("nope") is None
    quota = Quota.from_wire(
        {
            "dimension": "gs",
            "scope": "Subscription",
            "providerId": "ionq",
            "utilization": 12.5,
            "holds": 0,
            "limit": 16666667,
            "period": "Monthly",
        }
    )
    assert quota.provider_id == "ionq" and quota.limit == 16666667


def test_error_shapes_json_and_storage_xml():
    code, message, request_id = parse_error_body(
        json.dumps({"error": {"code": "JobNotFound", "message": "Job x was not found."}}).encode(),
        {"x-ms-request-id": "rid-1", "x-ms-error-code": "JobNotFound"},
    )
    assert (code, message, request_id) == ("JobNotFound", "Job x was not found.", "rid-1")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
        "<Message>Server failed to authenticate the request.\nRequestId:abc\nTime:...</Message>"
        "</Error>"
    )
    code, message, _ = parse_error_body(xml.encode(), {"x-ms-request-id": "rid-2"})
    assert code == "AuthenticationFailed"
    assert message == "Server failed to authenticate the request."
    url = f"https://acct.blob.core.windows.net/c/b?sig={SIG}&se=x"
    error = api_error("Azure Storage", 403, {"x-ms-request-id": "r"}, xml.encode(), "GET", url)
    assert isinstance(error, AuthenticationError) and "secretSIG" not in str(error)
    not_found = api_error(
        "Azure Quantum",
        404,
        {},
        b'{"error": {"code": "JobNotFound", "message": "gone"}}',
        "GET",
        "https://x/jobs/1",
    )
    assert isinstance(not_found, NotFoundError) and not_found.code == "JobNotFound"
    final = api_error(
        "Azure Quantum",
        409,
        {},
        b'{"error": {"code": "JobInFinalState", "message": "done"}}',
        "POST",
        "https://x/jobs/1:cancel",
    )
    assert isinstance(final, InvalidStateError)
    busy = api_error(
        "Azure Quantum", 503, {"x-ms-request-id": "rid-9"}, b"", "GET", "https://x/jobs"
    )
    assert isinstance(busy, ServiceError)
    assert "HTTP 503" in str(busy) and "rid-9" in str(busy)
