"""Injected faults answered in IBM's shapes, and the counters tests and benchmarks read."""

from __future__ import annotations

import time

import pytest
import requests
from ibm_support import APIKEY_GRANT, BELL, IBMWire, ibm_error


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def _fault(url: str, **rule) -> None:
    answer = requests.post(f"{url}/_emulator/faults", json={"vendor": "ibm", **rule}, timeout=5)
    assert answer.status_code == 201, answer.text


def test_429_carries_retry_after_in_ibm_shape_for_count_requests(ibm, emulator):
    _fault(emulator.url, kind="status", status=429, retry_after=2, count=2)
    for _ in range(2):
        answer = ibm.get("/backends")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "2"
        assert ibm_error(answer)["code"] == 1255
    assert ibm.get("/backends").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503, 504, 520, 521, 522, 523, 524])
def test_5xx_faults_are_answered_in_ibm_shape(ibm, emulator, status):
    _fault(emulator.url, kind="status", status=status, count=1, path="/api/v1/jobs")
    answer = ibm.run("sampler", [[BELL, None, 10]])
    assert answer.status_code == status
    assert ibm_error(answer)["message"]
    assert ibm.run("sampler", [[BELL, None, 10]]).status_code == 200


def test_a_fault_before_post_jobs_submits_no_job(ibm, emulator):
    _fault(emulator.url, kind="status", status=503, count=1, method="POST")
    assert ibm.run("sampler", [[BELL]]).status_code == 503
    assert ibm.get("/jobs").json()["count"] == 0


def test_iam_faults_are_answered_in_iam_shape(emulator):
    _fault(emulator.url, kind="status", status=500, count=1, path="/identity/token")
    answer = requests.post(
        f"{emulator.url}/identity/token",
        data={"grant_type": APIKEY_GRANT, "apikey": "local-emulator-key"},
        timeout=5,
    )
    assert answer.status_code == 500
    assert answer.json()["errorCode"].startswith("BXNIM")


def test_drop_breaks_the_connection(ibm, emulator):
    _fault(emulator.url, kind="drop", count=1)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        ibm.get("/backends")
    assert ibm.get("/backends").status_code == 200


def test_latency_delays_the_answer(ibm, emulator):
    _fault(emulator.url, kind="latency", delay=0.3, count=1)
    started = time.monotonic()
    assert ibm.get("/backends").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_azure_faults_leave_ibm_alone(ibm, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults",
        json={"vendor": "azure", "kind": "status", "status": 503},
        timeout=5,
    )
    assert ibm.get("/backends").status_code == 200


def test_job_faults_apply_to_the_next_jobs_only(ibm, emulator):
    requests.post(
        f"{emulator.url}/_emulator/faults/jobs",
        json={"vendor": "ibm", "outcome": "fail", "count": 2},
        timeout=5,
    )
    statuses = [ibm.wait(ibm.submit("sampler", [[BELL, None, 5]]))["status"] for _ in range(3)]
    assert statuses == ["Failed", "Failed", "Completed"]


def test_stats_count_requests_per_route_and_status(ibm, emulator):
    job_id = ibm.submit("sampler", [[BELL, None, 5]])
    ibm.get(f"/jobs/{job_id}")
    ibm.get(f"/jobs/{job_id}")
    ibm.get("/jobs/nosuchjob")
    stats = requests.get(f"{emulator.url}/_emulator/stats", timeout=5).json()["ibm"]
    assert stats["jobs_submitted"] == 1
    assert stats["token_requests"] == 1
    assert stats["routes"]["POST /api/v1/jobs"] == 1
    # Counted per route template (the request log keeps the paths).
    log = requests.get(
        f"{emulator.url}/_emulator/requests", params={"route": "/api/v1/jobs/{job_id}"}, timeout=5
    ).json()["requests"]
    mine = [r for r in log if r["path"] in (f"/api/v1/jobs/{job_id}", "/api/v1/jobs/nosuchjob")]
    assert [r["status"] for r in mine] == [200, 200, 404]
    assert stats["routes"]["GET /api/v1/jobs/{job_id}"] >= 3
