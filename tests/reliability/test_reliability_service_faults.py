"""Reliability scenarios where the service misbehaves: expiring tokens, rate limits and 5xx
bursts, a minute of connection refused. Each counts what the service saw.

The deployment and the emulator are those of tests/reliability/test_reliability_scenarios.py
(``tests/reliability/conftest.py``); under pytest-xdist (``make test``) this module runs beside
that one, in a worker with a deployment of its own. See docs/reliability.md for the promises
each test proves.
"""

from __future__ import annotations

import itertools
import sqlite3
import time

import pytest
from reliability_support import (
    BRAKET,
    POLL_PATH,
    TEMPORARY_CREDENTIALS_LIFETIME,
    VENDORS,
    AirflowDeployment,
    ScenarioVendor,
    assert_bell_counts,
    deferred_job,
    emulator_id,
    job_polls,
    wait_for,
    wait_for_polls,
)

pytestmark = pytest.mark.slow
#: The scenarios every vendor goes through (an IBM Sampler job, an Amazon Braket task on SV1).
EVERY_VENDOR = pytest.mark.parametrize("vendor", VENDORS, ids=str)


def test_tokens_expiring_mid_wait_cost_one_request_per_lifetime(
    deployment: AirflowDeployment,
) -> None:
    """(6) IAM tokens live 4 s during a 16 s wait: refreshed once per lifetime, not per poll."""
    lifetime = 4.0
    deployment.emulator_api("PATCH", "/config", json={"ibm_token_lifetime": lifetime})
    dag_id = "reliability_wait"
    run_id, job_id = deferred_job(deployment, dag_id)
    time.sleep(16)
    deployment.emulator_api("POST", f"/jobs/{job_id}/finish")
    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)

    requests = deployment.requests()
    polls = [r for r in requests if r["method"] == "GET" and POLL_PATH.match(r["path"])]
    # polls[0] and polls[1]: the operator's idempotency listing and its own check.
    first, last = polls[2]["time"], polls[-1]["time"]
    tokens = [r for r in requests if r["route"] == "/identity/token" and first <= r["time"] <= last]
    wait_polls = [r for r in polls if first <= r["time"] <= last]
    # Refreshed at 80 % of the lifetime: at most one token per 0.8 lifetime of waiting, plus
    # one for a token the shared triggerer cached before the emulator reset forgot it (a 401).
    allowed = int((last - first) / (0.8 * lifetime)) + 2
    unauthorized = sum(r["status"] == 401 for r in requests)
    print(
        f"\n[tokens] wait {last - first:.1f} s, {len(wait_polls)} polls, "
        f"{len(tokens)} token requests (allowed {allowed}), 401s {unauthorized}"
    )
    assert len(tokens) <= allowed
    assert len(tokens) < len(wait_polls)
    assert unauthorized <= 1
    fresh = [r for r in wait_polls if tokens and r["time"] > tokens[0]["time"]]
    assert all(r["status"] == 200 for r in fresh)  # no poll failed on an expired token
    assert deployment.stats()["jobs_submitted"] == 1


def test_braket_temporary_credentials_expiring_mid_wait_are_renewed_through_the_connection(
    deployment: AirflowDeployment,
) -> None:
    """(6) Braket with an AWS profile's temporary credentials (``credential_process``), each
    living 6 s, during a wait of about 20 s: the triggerer renews them through the connection
    before they expire (no request refused, one renewal per lifetime, not per poll), and no
    key or session token reaches a log, the trigger's row or XCom."""
    dag_id = BRAKET.dag("temporary")
    run_id, job_id = deferred_job(deployment, dag_id, BRAKET)
    trigger_kwargs = _trigger_rows(deployment, run_id)
    time.sleep(4 * TEMPORARY_CREDENTIALS_LIFETIME)
    deployment.emulator_api("POST", f"/jobs/{emulator_id(job_id)}/finish")
    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)

    issued = list(deployment.emulator.state.stores["braket"].credentials.values())
    polls = job_polls(deployment, BRAKET)
    wait = polls[-1]["time"] - polls[0]["time"]
    expired_mid_wait = [c for c in issued if polls[0]["time"] < c.expires_at < polls[-1]["time"]]
    refused = [r for r in deployment.requests("braket") if r["status"] in (401, 403)]
    # Renewed 2 s before each expiry: one key pair per 4 s of the wait, the worker's own pair
    # (it submitted), and one a process may renew at the very end.
    allowed = int(wait / (TEMPORARY_CREDENTIALS_LIFETIME - 2)) + 3
    print(
        f"\n[temporary credentials] wait {wait:.1f} s, {len(polls)} polls, {len(issued)} key "
        f"pairs issued (allowed {allowed}), {len(expired_mid_wait)} expired mid-wait"
    )
    assert len(expired_mid_wait) >= 2  # the wait outlived several key pairs
    assert len(issued) <= allowed
    assert len(issued) < len(polls)
    assert refused == []
    assert deployment.stats("braket")["jobs_submitted"] == 1

    secrets = {f"secret key {c.access_key_id}": c.secret_access_key for c in issued}
    secrets |= {f"session token {c.access_key_id}": c.session_token for c in issued}
    sample = deployment.task(dag_id, run_id, "sample")
    places = {
        "trigger row": trigger_kwargs,
        "task log": deployment.task_log(dag_id, run_id, "sample", sample["try_number"]),
        "XCom": repr(
            [deployment.xcom(dag_id, run_id, "sample", k) for k in ("job_id", "return_value")]
        ),
        "process output": deployment.all_process_output(),
    }
    leaks = [
        f"{what} in {place}"
        for place, text in places.items()
        for what, secret in secrets.items()
        if secret in text
    ]
    assert job_id in trigger_kwargs  # the row was read, and readable
    assert not leaks, leaks


def _trigger_rows(deployment: AirflowDeployment, run_id: str) -> str:
    """The serialized trigger rows of a run's deferred tasks (no Fernet key is set: the kwargs
    are stored as they are), read from the SQLite metadata DB."""
    database = deployment.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(database, timeout=30) as db:
        rows = db.execute(
            "SELECT t.classpath, t.kwargs FROM trigger t JOIN task_instance ti"
            " ON ti.trigger_id = t.id WHERE ti.run_id = ?",
            (run_id,),
        ).fetchall()
    return "\n".join(f"{classpath} {kwargs}" for classpath, kwargs in rows)


@EVERY_VENDOR
def test_rate_limits_and_5xx_bursts_are_waited_out(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(7) 429 + Retry-After (3 s), then 5 s of 503s: the wait succeeds, never polls early."""
    dag_id = vendor.dag("wait")
    run_id, job_id = deferred_job(deployment, dag_id, vendor)
    rule = vendor.poll_fault
    deployment.emulator_api(
        "POST",
        "/faults",
        json={**rule, "kind": "status", "status": 429, "retry_after": 3, "count": 3},
    )
    wait_for(
        lambda: not deployment.emulator_api("GET", "/faults")["rules"],
        60,
        "the three 429 answers to be served",
    )
    deployment.emulator_api(
        "POST", "/faults", json={**rule, "kind": "status", "status": 503, "duration": 5}
    )
    time.sleep(7)
    deployment.emulator_api("POST", f"/jobs/{emulator_id(job_id)}/finish")
    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)

    polls = sorted(job_polls(deployment, vendor), key=lambda r: r["time"])
    gaps_after_429 = [
        after["time"] - before["time"]
        for before, after in itertools.pairwise(polls)
        if before["status"] == 429
    ]
    statuses = [r["status"] for r in polls]
    print(
        f"\n[rate limits] {statuses.count(429)}x429, {statuses.count(503)}x503, "
        f"min gap after 429 {min(gaps_after_429):.2f} s (Retry-After 3 s)"
    )
    assert statuses.count(429) == 3
    assert statuses.count(503) >= 1
    assert min(gaps_after_429) >= 3.0 - 0.05
    assert statuses[-1] == 200
    assert deployment.stats(vendor.name)["jobs_submitted"] == 1


@EVERY_VENDOR
def test_service_unreachable_for_a_minute_then_back(
    deployment: AirflowDeployment, vendor: ScenarioVendor
) -> None:
    """(8) The service is down for 60 s (connection refused), then back with the same jobs."""
    dag_id = vendor.dag("wait")
    run_id, job_id = deferred_job(deployment, dag_id, vendor)
    polls_before = len(job_polls(deployment, vendor))
    deployment.emulator.stop()
    try:
        time.sleep(60)
        assert deployment.task(dag_id, run_id, "sample")["state"] == "deferred"  # still waiting
    finally:
        deployment.emulator.start()
    # The trigger polls again.
    wait_for_polls(deployment, polls_before, timeout=60, vendor=vendor)
    deployment.emulator_api("POST", f"/jobs/{emulator_id(job_id)}/finish")

    assert deployment.wait_for_run(dag_id, run_id) == "success"
    assert_bell_counts(deployment, dag_id, run_id)
    assert deployment.stats(vendor.name)["jobs_submitted"] == 1
    assert deployment.task(dag_id, run_id, "sample")["try_number"] == 1
