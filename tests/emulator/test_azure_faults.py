"""Injected faults in Azure's own shapes, and the counters tests and benchmarks read."""

from __future__ import annotations

import time

import pytest
import requests
from azure_support import BELL, IONQ, AzureWire, azure_error, patch_config, storage_error


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def add_fault(url: str, **rule) -> None:
    response = requests.post(f"{url}/_emulator/faults", json={"vendor": "azure", **rule}, timeout=5)
    assert response.status_code == 201, response.text


def add_job_fault(url: str, **fault) -> None:
    body = {"vendor": "azure", **fault}
    response = requests.post(f"{url}/_emulator/faults/jobs", json=body, timeout=5)
    assert response.status_code == 201, response.text


def test_429_with_retry_after_in_azure_shape_then_recovery(wire, emulator):
    add_fault(emulator.url, kind="status", status=429, retry_after=2, count=2)
    for _ in range(2):
        response = wire.call("GET", "/jobs")
        assert azure_error(response)[:2] == (429, "TooManyRequests")
        assert response.headers["Retry-After"] == "2"
    assert wire.call("GET", "/jobs").status_code == 200


def test_5xx_burst_in_azure_shape(wire, emulator):
    add_fault(emulator.url, kind="status", status=503, count=1)
    assert azure_error(wire.call("GET", "/providerStatus"))[:2] == (503, "ServiceUnavailable")
    add_fault(emulator.url, kind="status", status=500, count=1, code="InternalServerError")
    assert azure_error(wire.call("GET", "/jobs"))[:2] == (500, "InternalServerError")


def test_faults_on_storage_paths_answer_storage_xml(wire, emulator):
    sas = wire.sas_uri("job-abc")
    add_fault(emulator.url, kind="status", status=503, count=1, path="^/devstoreaccount1/")
    assert storage_error(wire.upload(sas, b"{}")) == (503, "ServiceUnavailable")
    assert wire.upload(sas, b"{}").status_code == 201


def test_dropped_connection_is_a_client_connection_error(wire, emulator):
    add_fault(emulator.url, kind="drop", count=1)
    broken = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
    with pytest.raises(broken):
        requests.get(
            f"{wire.workspace_url}/jobs",
            params={"api-version": wire.api_version},
            headers=wire.headers(),
            timeout=5,
        ).json()
    assert wire.call("GET", "/jobs").status_code == 200


def test_latency_fault_slows_answers(wire, emulator):
    add_fault(emulator.url, kind="latency", delay=0.3, count=1)
    started = time.monotonic()
    assert wire.call("GET", "/jobs").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_job_fault_fail_ends_the_job_failed_with_error_data(wire, emulator):
    add_job_fault(emulator.url, outcome="fail")
    details = wire.wait(wire.submit(IONQ, BELL)["id"])
    assert details["status"] == "Failed"
    assert details["errorData"]["code"] == "InternalError" and details["errorData"]["message"]
    assert details["beginExecutionTime"] and details["endExecutionTime"]
    assert details["costEstimate"] is None
    assert "/outputData?" in details["outputDataUri"]


def test_job_fault_with_a_code_is_reported_verbatim(wire, emulator):
    add_job_fault(emulator.url, outcome="fail", code="ExecutionTimeout", message="took too long")
    details = wire.wait(wire.submit(IONQ, BELL)["id"])
    assert details["errorData"] == {"code": "ExecutionTimeout", "message": "took too long"}


def test_job_fault_cancel_cancels_the_job_from_outside(wire, emulator):
    add_job_fault(emulator.url, outcome="cancel")
    job_id = wire.submit(IONQ, BELL)["id"]
    details = wire.wait(job_id)
    assert details["status"] == "Cancelled" and details["cancellationTime"]
    assert details["beginExecutionTime"] is None
    assert wire.wait(wire.submit(IONQ, BELL)["id"])["status"] == "Succeeded"  # legacy words


def test_control_api_can_fail_a_running_job(wire, emulator):
    patch_config(emulator.url, queue_seconds=600)  # not done on its own before the fault
    job_id = wire.submit(IONQ, BELL)["id"]
    failed = requests.post(f"{emulator.url}/_emulator/jobs/{job_id}/fail", json={}, timeout=5)
    assert failed.status_code == 200, failed.text
    details = wire.wait(job_id, finish=False)
    assert details["status"] == "Failed" and details["errorData"]["code"] == "InternalError"


def test_invalid_submissions_do_not_use_up_a_job_fault(wire, emulator):
    add_job_fault(emulator.url, outcome="fail")
    wire.submit(("ionq", "ionq.nowhere", *IONQ[2:]), BELL, expect=400)
    assert wire.wait(wire.submit(IONQ, BELL)["id"])["status"] == "Failed"


def test_stats_count_jobs_tokens_and_routes(wire, emulator):
    for _ in range(2):
        wire.wait(wire.submit(IONQ, BELL)["id"])
    wire.submit(("ionq", "ionq.nowhere", *IONQ[2:]), BELL, expect=400)
    stats = requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()["azure"]
    assert stats["jobs_submitted"] == 2
    routes = stats["routes"]
    prefix = (
        "/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        "/providers/Microsoft.Quantum/workspaces/{workspace}"
    )
    assert routes[f"PUT {prefix}/jobs/{{job_id}}"] == 3
    assert routes[f"POST {prefix}/storage/sasUri"] == 3
    assert routes["PUT /{account}/{container}/{blob:path}"] == 3
    assert stats["statuses"]["400"] == 1
    log = requests.get(
        f"{emulator.url}/_emulator/requests",
        params={"vendor": "azure", "route": "sasUri"},
        timeout=5,
    ).json()["requests"]
    assert len(log) == 3 and all(entry["status"] == 200 for entry in log)
