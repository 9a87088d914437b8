"""The submit flow of the official client, end to end, and the blob storage it goes through."""

from __future__ import annotations

import gzip
import json
import re
import time
from urllib.parse import urlencode

import pytest
import requests
from azure_support import (
    BELL,
    CLASSIC,
    FIRST_NEW,
    IONQ,
    LATEST,
    AzureWire,
    advance_clock,
    azure_error,
    new_id,
    patch_config,
    sas_fields,
    storage_error,
    strip_sas,
)

AZURE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}(Z|\+00:00)$")


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


@pytest.mark.parametrize(
    ("api_version", "vocabulary", "statuses"),
    [
        (CLASSIC, "legacy", ("Waiting", "Succeeded")),
        (LATEST, "legacy", ("Waiting", "Succeeded")),
        (LATEST, "current", ("Queued", "Completed")),
    ],
)
def test_official_client_submit_flow_runs_a_bell_circuit(
    wire, emulator, api_version, vocabulary, statuses
):
    # The job stays queued until the test ends it: under load, the answer to its PUT could
    # otherwise come after the test's 0.2 s queue and say "Executing".
    patch_config(emulator.url, azure_status_words=vocabulary, queue_seconds=600)
    wire = wire.with_version(api_version)
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    assert sas.startswith(f"{emulator.url}/devstoreaccount1/job-{job_id}?")
    fields = sas_fields(sas)
    assert {"sv", "se", "sr", "sp", "sig"} <= set(fields) and fields["sr"] == "c"
    wire.ensure_container(sas)  # a no-op from 2026-01-15-preview: the service created it

    data = gzip.compress(json.dumps(BELL).encode())
    headers = {
        "x-ms-blob-type": "BlockBlob",
        "x-ms-blob-content-type": "application/json",
        "x-ms-blob-content-encoding": "gzip",
        "x-ms-version": "2023-11-03",
        "If-None-Match": "*",
    }
    base, query = sas.split("?", 1)
    put = requests.put(f"{base}/inputData?{query}", data=data, headers=headers, timeout=5)
    assert put.status_code == 201 and put.headers["ETag"]
    assert put.headers["x-ms-request-server-encrypted"] == "true"

    body = wire.job_body(IONQ, sas, {"shots": 100}, name="bell")
    created = wire.call("PUT", f"/jobs/{job_id}", json=body)
    assert created.status_code in (200, 201)
    details = created.json()
    assert details["status"] == statuses[0]
    assert details["id"] == job_id and details["providerId"] == "ionq"
    assert strip_sas(details["outputDataUri"]).endswith("/outputData")

    final = wire.wait(job_id)
    assert final["status"] == statuses[1]
    assert final["outputDataFormat"] == "ionq.quantum-results.v1"
    output = final["outputDataUri"]
    assert strip_sas(output) == f"{emulator.url}/devstoreaccount1/job-{job_id}/rawOutputData"
    assert sas_fields(output)["sp"] == "r"

    download = wire.download(output)
    assert download.status_code == 206
    size = len(download.content)
    assert download.headers["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert download.headers["x-ms-blob-type"] == "BlockBlob"
    assert download.headers["ETag"] and download.headers["Content-Type"] == "application/json"
    assert download.json() == {"histogram": {"0": 0.5, "3": 0.5}}


def test_job_details_carry_the_fields_the_official_client_reads(wire):
    details = wire.wait(wire.submit(IONQ, BELL, {"shots": 10}, tags=["t1"])["id"])
    for field in ("id", "status", "target", "providerId", "outputDataUri", "outputDataFormat"):
        assert details[field] is not None, field
    assert details["itemType"] == "Job" and details["jobType"] == "QuantumComputing"
    assert details["tags"] == ["t1"] and details["jobPriority"] == "Basic"
    for stamp in ("creationTime", "beginExecutionTime", "endExecutionTime", "lastUpdatedTime"):
        assert AZURE_TIME.match(details[stamp]), (stamp, details[stamp])
    assert details["cancellationTime"] is None and details["errorData"] is None
    assert details["quantumComputingData"] == {"count": 1}
    assert details["costEstimate"]["currencyCode"] == "USD"
    assert "usage" not in details  # real jobs carry none (recorded sessions)
    assert details["createdByType"] == "Key"


def test_blob_put_with_if_none_match_star_on_an_existing_blob_is_409(wire):
    sas = wire.sas_uri(f"job-{new_id()}")
    assert wire.upload(sas, b"{}").status_code == 201
    again = wire.upload(sas, b"{}")
    assert storage_error(again) == (409, "BlobAlreadyExists")


def test_gzip_blob_is_served_with_content_encoding_and_decoded_by_the_client(wire):
    sas = wire.sas_uri(f"job-{new_id()}")
    wire.upload(sas, b'{"a": 1}')
    base, query = sas.split("?", 1)
    raw = requests.get(f"{base}/inputData?{query}", stream=True, timeout=5)
    assert raw.status_code == 200 and raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw.raw.read(decode_content=False)) == b'{"a": 1}'
    assert requests.get(f"{base}/inputData?{query}", timeout=5).json() == {"a": 1}


def test_range_requests_answer_206_with_content_range_and_416_past_the_end(wire):
    sas = wire.sas_uri(f"job-{new_id()}")
    wire.upload(sas, b"0123456789", compress=False, content_type="text/plain")
    base, query = sas.split("?", 1)
    url = f"{base}/inputData?{query}"
    part = requests.get(url, headers={"Range": "bytes=2-5"}, timeout=5)
    assert part.status_code == 206 and part.content == b"2345"
    assert part.headers["Content-Range"] == "bytes 2-5/10"
    tail = requests.get(url, headers={"x-ms-range": "bytes=7-"}, timeout=5)
    assert tail.content == b"789"
    assert storage_error(requests.get(url, headers={"x-ms-range": "bytes=10-20"}, timeout=5)) == (
        416,
        "InvalidRange",
    )
    whole = requests.get(url, timeout=5)
    assert whole.status_code == 200 and whole.headers["Content-MD5"]
    head = requests.head(url, timeout=5)
    assert head.status_code == 200 and head.headers["Content-Length"] == "10"


def test_expired_output_link_is_refreshed_by_asking_sas_uri_for_the_blob(wire, emulator):
    details = wire.wait(wire.submit(IONQ, BELL, {"shots": 10})["id"])
    advance_clock(emulator.url, 3700)
    expired = wire.download(details["outputDataUri"])
    assert storage_error(expired) == (403, "AuthenticationFailed")
    assert "time frame" in expired.text
    container = f"job-{details['id']}"
    fresh = wire.sas_uri(container, "rawOutputData")
    assert sas_fields(fresh)["sr"] == "b"
    assert wire.download(fresh).json() == {"histogram": {"0": 0.5, "3": 0.5}}
    assert wire.get_job(details["id"])["outputDataUri"] != details["outputDataUri"]


def test_short_sas_lifetime_from_config_expires_links(wire, emulator):
    patch_config(emulator.url, sas_lifetime=2)
    sas = wire.sas_uri(f"job-{new_id()}")
    advance_clock(emulator.url, 5)
    assert storage_error(wire.upload(sas, b"{}")) == (403, "AuthenticationFailed")


def test_older_clients_create_the_container_explicitly(wire):
    wire = wire.with_version(CLASSIC)
    container = f"job-{new_id()}"
    sas = wire.sas_uri(container)
    base, query = sas.split("?", 1)
    url = f"{base}?restype=container&{query}"
    assert storage_error(requests.get(url, timeout=5)) == (404, "ContainerNotFound")
    # Before 2026-01-15-preview a Put Blob into the missing container is refused (recorded).
    refused = wire.upload(sas, b"{}")
    assert storage_error(refused) == (404, "ContainerNotFound")
    assert requests.put(url, timeout=5).status_code == 201
    assert requests.get(url, timeout=5).status_code == 200
    assert storage_error(requests.put(url, timeout=5)) == (409, "ContainerAlreadyExists")
    wire.upload(sas, b"{}")
    listing = requests.get(f"{base}?restype=container&comp=list&{query}", timeout=5)
    assert listing.status_code == 200 and "<Name>inputData</Name>" in listing.text


def test_blob_requests_need_a_valid_sas_with_the_right_permission(wire, emulator):
    container = f"job-{new_id()}"
    sas = wire.sas_uri(container)
    wire.upload(sas, b"{}")
    blob = f"{strip_sas(sas)}/inputData"
    assert storage_error(requests.get(blob, timeout=5)) == (401, "NoAuthenticationInformation")
    forged = urlencode({**sas_fields(sas), "sig": "A" * 43 + "="})
    assert storage_error(requests.get(f"{blob}?{forged}", timeout=5)) == (
        403,
        "AuthenticationFailed",
    )
    other = wire.sas_uri(f"job-{new_id()}").split("?", 1)[1]
    assert storage_error(requests.get(f"{blob}?{other}", timeout=5)) == (
        403,
        "AuthenticationFailed",
    )
    details = wire.wait(wire.submit(IONQ, BELL, {"shots": 5})["id"])
    read_only = details["outputDataUri"]
    put = requests.put(read_only, data=b"x", headers={"x-ms-blob-type": "BlockBlob"}, timeout=5)
    assert storage_error(put) == (403, "AuthorizationPermissionMismatch")


def test_blob_put_needs_x_ms_blob_type_and_honours_if_match(wire):
    sas = wire.sas_uri(f"job-{new_id()}")
    base, query = sas.split("?", 1)
    url = f"{base}/data.bin?{query}"
    assert storage_error(requests.put(url, data=b"x", timeout=5)) == (400, "MissingRequiredHeader")
    bad_type = requests.put(url, data=b"x", headers={"x-ms-blob-type": "PageBlob"}, timeout=5)
    assert storage_error(bad_type) == (400, "InvalidHeaderValue")
    first = requests.put(url, data=b"x", headers={"x-ms-blob-type": "BlockBlob"}, timeout=5)
    etag = first.headers["ETag"]
    stale = requests.put(
        url, data=b"y", headers={"x-ms-blob-type": "BlockBlob", "If-Match": '"0x0"'}, timeout=5
    )
    assert storage_error(stale) == (412, "ConditionNotMet")
    fresh = requests.put(
        url, data=b"y", headers={"x-ms-blob-type": "BlockBlob", "If-Match": etag}, timeout=5
    )
    assert fresh.status_code == 201 and fresh.headers["ETag"] != etag
    assert requests.get(url, timeout=5).content == b"y"


def test_sas_uri_validates_the_container_name(wire):
    response = wire.call("POST", "/storage/sasUri", json={"containerName": "Bad_Name"})
    assert azure_error(response)[:2] == (400, "InvalidContainerName")
    response = wire.call("POST", "/storage/sasUri", json={"blobName": "x"})
    assert azure_error(response)[0] == 400


def test_resubmitting_the_same_job_body_returns_the_job_and_a_different_one_409(wire):
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    wire.upload(sas, json.dumps(BELL).encode())
    body = wire.job_body(IONQ, sas, {"shots": 10})
    assert wire.call("PUT", f"/jobs/{job_id}", json=body).status_code == 200
    replay = wire.call("PUT", f"/jobs/{job_id}", json=body)
    assert replay.status_code == 200 and replay.json()["id"] == job_id
    changed = wire.call("PUT", f"/jobs/{job_id}", json={**body, "name": "other"})
    assert azure_error(changed)[:2] == (409, "JobAlreadyExists")


def test_jobs_are_scoped_per_workspace(wire, emulator):
    job_id = wire.submit(IONQ, BELL, {"shots": 5})["id"]
    other = AzureWire(emulator.url, workspace="other-ws")
    assert azure_error(other.call("GET", f"/jobs/{job_id}"))[:2] == (404, "JobNotFound")
    assert other.list()["value"] == []
    assert [job["id"] for job in wire.list()["value"]] == [job_id]


def test_statuses_in_the_first_new_vocabulary_version_include_finishing(wire, emulator):
    patch_config(emulator.url, queue_seconds=10, run_seconds=10, azure_status_words="current")
    wire = wire.with_version(FIRST_NEW)
    job_id = wire.submit(IONQ, BELL, {"shots": 5})["id"]
    seen = [wire.get_job(job_id)["status"]]
    for step in (11, 7.5, 3):
        advance_clock(emulator.url, step)
        time.sleep(0.05)
        seen.append(wire.get_job(job_id)["status"])
    assert seen == ["Queued", "Executing", "Finishing", "Completed"]
    assert "isCancelling" not in wire.get_job(job_id)


def test_a_client_named_output_blob_receives_the_result(wire):
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    wire.upload(sas, json.dumps(BELL).encode())
    body = wire.job_body(IONQ, sas, outputDataUri=f"{strip_sas(sas)}/results/bell.json")
    assert wire.call("PUT", f"/jobs/{job_id}", json=body).status_code == 200
    details = wire.wait(job_id)
    assert strip_sas(details["outputDataUri"]).endswith(f"/job-{job_id}/results/bell.json")
    assert wire.download(details["outputDataUri"]).json() == {"histogram": {"0": 0.5, "3": 0.5}}
