"""Request building (paths, api-version, retry safety), filters, paging and storage URLs."""

from __future__ import annotations

import gzip
import json
import time
from datetime import date, datetime, timezone

import pytest

from airflow_quantum.clients.azure import AzurePreparedJob, AzureQuantumClient
from airflow_quantum.clients.azure.listing import (
    build_job_filter,
    list_params,
    parse_page,
    status_words,
)
from airflow_quantum.clients.azure.settings import AzureQuantumSettings
from airflow_quantum.clients.azure.storage import (
    container_name_for,
    decode_blob,
    needs_renewal,
    parse_blob_url,
    sas_expiry,
    upload_request,
)
from airflow_quantum.clients.azure.validation import check_job_id
from airflow_quantum.clients.calls import Call
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError
from airflow_quantum.clients.state import JobState

NEW = "2026-01-15-preview"
OLD = "2024-10-01-preview"
JOB = "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"


def protocol(api_version: str = NEW) -> AzureQuantumClient:
    """A client that sends nothing here: the tests read the calls its operations build."""
    return AzureQuantumClient(
        AzureQuantumSettings.create(
            subscription_id="sub",
            resource_group="rg",
            workspace="ws",
            location="eastus",
            api_key="k",
            api_version=api_version,
        )
    )


def requests_of(built, *values):
    """The requests an operation sends: its call, or its flow's calls given ``values``."""
    if isinstance(built, Call):
        return [built.request]
    sent = [next(built).request]
    for value in values:
        sent.append(built.send(value).request)
    return sent


PREFIX = (
    "https://eastus.quantum.azure.com/subscriptions/sub/resourceGroups/rg"
    "/providers/Microsoft.Quantum/workspaces/ws"
)


def test_job_requests_carry_the_api_version_and_retry_safety():
    p = protocol()
    job = AzurePreparedJob.ionq_circuit([{"gate": "h", "target": 0}], shots=10)
    sas_url = "http://127.0.0.1:1/devstoreaccount1/job-x?sig=s"
    sas, upload, put = requests_of(p.submit_job.call(job, job_id=JOB), sas_url, None)
    assert sas.json_body == {"containerName": f"job-{JOB}"} and not sas.safe_to_repeat
    assert upload.method == "PUT" and not upload.authenticated
    assert (put.method, put.url) == ("PUT", f"{PREFIX}/jobs/{JOB}")
    assert put.params == {"api-version": NEW} and put.safe_to_repeat
    (get,) = requests_of(p.get_job.call(JOB))
    assert get.method == "GET" and get.safe_to_repeat
    (cancel,) = requests_of(p.cancel_job.call(JOB))
    assert (cancel.method, cancel.url) == ("POST", f"{PREFIX}/jobs/{JOB}:cancel")
    assert cancel.ok_statuses == {200, 204} and not cancel.safe_to_repeat
    (sas,) = requests_of(p.get_sas_uri.call("job-1", "rawOutputData"))
    assert sas.json_body == {"containerName": "job-1", "blobName": "rawOutputData"}
    assert not sas.safe_to_repeat
    listing = p.list_jobs.__wrapped__(p, top=5)  # the pager, unsent
    assert listing.next_call().request.params == {"api-version": NEW, "top": 5}
    (status,) = requests_of(p.get_provider_status.call())
    assert status.url.endswith("/providerStatus")
    (quotas,) = requests_of(p.get_quotas.call())
    assert quotas.url.endswith("/quotas")
    (close,) = requests_of(p.close_session.call(JOB))
    assert close.url.endswith(f"/sessions/{JOB}:close")
    jobs = p.list_session_jobs.__wrapped__(p, JOB)
    assert jobs.next_call().request.url.endswith(f"/sessions/{JOB}/jobs")


def test_older_versions_cancel_with_delete_and_patch_with_json_patch():
    p = protocol(OLD)
    assert requests_of(p.cancel_job.call(JOB))[0].method == "DELETE"
    (patch,) = requests_of(p.update_job.call(JOB, tags=["a"]))
    assert patch.url == f"{PREFIX}/jobs/{JOB}"
    assert patch.headers["Content-Type"] == "application/json-patch+json"
    assert json.loads(patch.content) == [{"op": "add", "path": "/tags", "value": ["a"]}]
    (merge,) = requests_of(protocol().update_job.call(JOB, name="n", priority="High", tags=["a"]))
    assert merge.url == f"{PREFIX}/jobUpdateOptions/{JOB}"
    assert merge.headers["Content-Type"] == "application/merge-patch+json"
    assert json.loads(merge.content) == {"name": "n", "priority": "High", "tags": ["a"]}
    with pytest.raises(InvalidInputError, match="nothing to update"):
        requests_of(p.update_job.call(JOB))
    with pytest.raises(InvalidInputError, match="priority"):
        requests_of(p.update_job.call(JOB, priority="Urgent"))


@pytest.mark.parametrize("bad", ["", "not a guid", "x" * 37, "../jobs", None, 42, "a/b"])
def test_bad_job_ids_are_refused(bad):
    with pytest.raises(InvalidInputError, match="job_id"):
        check_job_id(bad)
    with pytest.raises(InvalidInputError):
        protocol().get_job.call(bad)


def test_filter_grammar_from_keywords():
    query = build_job_filter(
        name_prefix="it's",
        provider="ionq",
        target=["ionq.simulator", "ionq.qpu.aria-1"],
        status=JobState.SUCCEEDED,
        created_after=date(2024, 1, 1),
        session_id=JOB,
    )
    assert query == (
        "startswith(Name, 'it''s') and (ProviderId eq 'ionq') and "
        "(Target eq 'ionq.simulator' or Target eq 'ionq.qpu.aria-1') and "
        "(State eq 'Succeeded' or State eq 'Completed') and CreationTime ge 2024-01-01 and "
        f"SessionId eq '{JOB}'"
    )
    assert build_job_filter() is None
    after = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert build_job_filter(created_after=after) == ("CreationTime ge 2024-05-01T12:00:00.000000Z")


def test_status_words_name_both_vocabularies_whatever_the_api_version():
    # Real traffic says Waiting/Finishing/Succeeded at 2025-12-01-preview; the spec also names
    # Queued/Completed: a filter that names one word only misses the jobs that say the other.
    assert status_words([JobState.SUCCEEDED]) == ["Succeeded", "Completed"]
    assert status_words(["Completed"]) == ["Succeeded", "Completed"]
    assert status_words(["Waiting"]) == ["Waiting", "Queued"]
    assert status_words(["queued", "Executing"]) == ["Waiting", "Queued", "Executing"]
    assert status_words([JobState.FINISHING]) == ["Finishing"]
    assert status_words([JobState.CANCELLING]) == ["CancellationRequested", "Cancelling"]
    assert status_words(["SomethingNew"]) == ["SomethingNew"]
    with pytest.raises(InvalidInputError):
        status_words([JobState.UNKNOWN])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"top": 0},
        {"top": 1001},
        {"skip": -1},
        {"top": True},
        {"orderby": "CreationTime sideways"},
        {"orderby": "x; drop"},
    ],
)
def test_bad_listing_parameters(kwargs):
    with pytest.raises(InvalidInputError):
        list_params(**kwargs)


def test_next_link_must_stay_on_the_workspace_host():
    p = protocol()
    follow = p.next_page(f"{PREFIX}/jobs?skip=100&top=100&filter=x")
    assert "api-version=" in follow.url and follow.params is None
    with pytest.raises(BadResponseError, match="leaves the workspace endpoint"):
        p.next_page("https://evil.example.com/jobs?skip=100")
    with pytest.raises(BadResponseError):
        p.next_page("http://eastus.quantum.azure.com/jobs")  # downgraded scheme


def test_page_parsing():
    page = parse_page({"value": [{"id": "a"}], "nextLink": None}, "jobs")
    assert page.items == [{"id": "a"}] and page.next_link is None
    assert parse_page({"value": None}, "jobs").items == []
    for bad in ([], {"value": {}}, {"value": [], "nextLink": 3}):
        with pytest.raises(BadResponseError):
            parse_page(bad, "jobs")


def test_blob_urls_of_both_shapes():
    real = parse_blob_url(
        "https://myacct.blob.core.windows.net/job-1/rawOutputData?sv=1&sig=abc&se=2099-01-01T00%3A00%3A00Z"
    )
    assert (real.account, real.container, real.blob, real.path_style) == (
        "myacct",
        "job-1",
        "rawOutputData",
        False,
    )
    assert real.bare_url == "https://myacct.blob.core.windows.net/job-1/rawOutputData"
    local = parse_blob_url("http://127.0.0.1:10000/devstoreaccount1/job-1/sub/dir/blob?sig=x")
    assert (local.account, local.container, local.blob, local.path_style) == (
        "devstoreaccount1",
        "job-1",
        "sub/dir/blob",
        True,
    )
    container = parse_blob_url("http://localhost:8765/devstoreaccount1/job-1?sig=s&sp=rcwl")
    assert container.blob is None
    assert container.with_blob("inputData").url == (
        "http://localhost:8765/devstoreaccount1/job-1/inputData?sig=s&sp=rcwl"
    )
    docker = parse_blob_url("http://azurite:10000/devstoreaccount1/c/b")
    assert docker.account == "devstoreaccount1"
    for bad in (
        "ftp://x/y/z",
        "http://127.0.0.1/onlyaccount",
        "https://acct.blob.core.windows.net/",
    ):
        with pytest.raises(BadResponseError):
            parse_blob_url(bad)


def test_sas_renewal_rule():
    now = time.time()
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))  # noqa: E731
    base = "https://a.blob.core.windows.net/c/b"
    assert needs_renewal(base)  # no SAS at all
    assert needs_renewal(f"{base}?se={stamp(now + 3600)}")  # no signature
    assert not needs_renewal(f"{base}?sig=x&se={stamp(now + 3600)}")
    assert needs_renewal(f"{base}?sig=x&se={stamp(now + 299)}")  # within five minutes
    assert needs_renewal(f"{base}?sig=x&se={stamp(now - 10)}")
    assert needs_renewal(f"{base}?sig=x&se=garbage")
    assert sas_expiry(f"{base}?se=2030-01-01") is not None


def test_upload_request_headers():
    request, location = upload_request(
        "http://127.0.0.1:1/devstoreaccount1/job-1?sv=1&sig=s",
        "inputData",
        gzip.compress(b"{}"),
        content_type="application/json",
        content_encoding="gzip",
    )
    assert request.method == "PUT" and not request.authenticated
    assert request.url == "http://127.0.0.1:1/devstoreaccount1/job-1/inputData?sv=1&sig=s"
    assert request.headers["x-ms-blob-type"] == "BlockBlob"
    assert request.headers["x-ms-blob-content-encoding"] == "gzip"
    assert request.headers["x-ms-blob-content-type"] == "application/json"
    assert request.headers["If-None-Match"] == "*"
    assert location.bare_url == "http://127.0.0.1:1/devstoreaccount1/job-1/inputData"


def test_decode_blob_handles_gzip_and_refuses_broken_gzip():
    assert decode_blob(gzip.compress(b'{"a": 1}')) == b'{"a": 1}'
    assert decode_blob(b"plain") == b"plain"
    with pytest.raises(BadResponseError):
        decode_blob(b"\x1f\x8bnot gzip")
    with pytest.raises(BadResponseError, match="larger"):
        decode_blob(gzip.compress(b"x" * 1000), limit=10)


def test_container_names():
    assert container_name_for("ABC-def") == "job-abc-def"
    with pytest.raises(InvalidInputError):
        container_name_for("ends-with-")


def test_redirects_are_not_followed_with_the_api_key():
    import requests

    from airflow_quantum.clients.azure import AzureQuantumClient
    from airflow_quantum.clients.errors import QuantumAPIError
    from airflow_quantum.clients.retries import RetryPolicy

    class Redirecting(requests.adapters.BaseAdapter):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[str, str | None]] = []

        def send(self, request, **kwargs):
            self.seen.append((request.url, request.headers.get("x-ms-quantum-api-key")))
            response = requests.Response()
            response.status_code = 302
            response.headers["Location"] = "https://elsewhere.example.com/collect"
            response.url, response.request, response._content = request.url, request, b""
            return response

        def close(self) -> None:
            pass

    adapter = Redirecting()
    session = requests.Session()
    session.mount("https://", adapter)
    settings = AzureQuantumSettings.create(
        subscription_id="sub", resource_group="rg", workspace="ws", location="eastus", api_key="k"
    )
    client = AzureQuantumClient(settings, session=session, retry_policy=RetryPolicy(max_retries=0))
    with pytest.raises(QuantumAPIError, match="HTTP 302"):
        client.get_job(JOB)
    assert [url.split("?")[0] for url, _ in adapter.seen] == [f"{PREFIX}/jobs/{JOB}"]
