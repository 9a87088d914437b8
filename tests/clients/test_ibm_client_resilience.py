"""IAM tokens (sharing, refresh, 401) and injected faults (429, 5xx, drops) on both faces."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import pytest
from ibm_client_support import BELL, FAST, configure, control, fault, settings, stats

from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum.clients.errors import (
    AuthenticationError,
    CredentialNotFoundError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.ibm import AsyncIBMQuantumClient, IBMPreparedJob, IBMQuantumClient
from airflow_quantum.clients.ibm import circuits as pubs

JOBS_ROUTE = "POST /api/v1/jobs"
BACKENDS_ROUTE = "GET /api/v1/backends"


@pytest.fixture
def client(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        yield client


async def pending(client):
    """Every pending job, through the async client's listing (what the shared poller reads)."""
    return [job async for page in client.pending_job_pages() for job in page]


def submit(client):
    params = pubs.primitive_params(pubs.sampler_pubs([BELL], 10))
    return client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", params))


# ------------------------------------------------------------------------------- auth


def test_wrong_api_key_is_an_authentication_error_with_iams_code(emulator):
    client = IBMQuantumClient(settings(emulator.url, api_key="not-the-key"), retry_policy=FAST)
    with client, pytest.raises(AuthenticationError) as caught:
        client.list_backends()
    error = caught.value
    assert error.code == "BXNIM0415E" and error.status == 400
    # A key IAM does not know stays unknown: the operators fail at once (no retry).
    assert isinstance(error, CredentialNotFoundError)
    assert "the connection's API key (its password) was not found" in str(error)
    assert "not-the-key" not in str(error) and "not-the-key" not in repr(error)
    assert BACKENDS_ROUTE not in stats(emulator.url)["routes"]  # nothing reached the runtime API


async def test_wrong_api_key_async(emulator):
    async with AsyncIBMQuantumClient(settings(emulator.url, api_key="nope")) as client:
        with pytest.raises(AuthenticationError, match="BXNIM0415E"):
            await client.authenticate()


def test_one_token_is_shared_by_every_client_of_the_process(emulator):
    clients = [IBMQuantumClient(settings(emulator.url)) for _ in range(3)]
    for client in clients:
        for _ in range(5):
            client.list_backends()
        client.close()
    assert stats(emulator.url)["token_requests"] == 1


def test_expiring_token_is_refreshed_once_per_lifetime_not_per_call(client, emulator):
    configure(emulator.url, ibm_token_lifetime=2)
    started = time.monotonic()
    calls = 0
    while time.monotonic() - started < 4.0:
        client.get_instance_usage()
        calls += 1
        time.sleep(0.02)  # short: a loaded machine, whose calls come slower, still makes 30
    seen = stats(emulator.url)
    # Refreshed at 80% of 2 s: fetches at about 0, 1.6 and 3.2 s (the next would be at 4.8).
    assert seen["token_requests"] == 3, seen
    assert calls > 30
    assert "401" not in seen["statuses"]  # never used an expired token


async def test_concurrent_async_calls_after_expiry_fetch_one_token(emulator):
    # 3 s, not 1: on a loaded machine the twenty calls took over a second, and the renewed
    # token expired before they were all answered.
    configure(emulator.url, ibm_token_lifetime=3)
    async with AsyncIBMQuantumClient(settings(emulator.url)) as client:
        await pending(client)
        await asyncio.sleep(2.5)  # past 80% of the lifetime
        await asyncio.gather(*(pending(client) for _ in range(20)))
    assert stats(emulator.url)["token_requests"] == 2


def test_a_token_the_server_forgot_is_refreshed_once_and_the_call_retried(client, emulator):
    client.list_backends()
    control(emulator.url, "POST", "/reset")  # forgets tokens (and jobs, and counters)
    assert len(client.list_backends()) >= 4
    seen = stats(emulator.url)
    assert seen["token_requests"] == 1 and seen["statuses"]["401"] == 1
    assert seen["routes"][BACKENDS_ROUTE] == 2


async def test_a_forgotten_token_async(emulator):
    async with AsyncIBMQuantumClient(settings(emulator.url)) as client:
        await pending(client)
        control(emulator.url, "POST", "/reset")
        await pending(client)
    assert stats(emulator.url)["token_requests"] == 1


def test_a_401_that_a_new_token_does_not_cure_is_raised_after_one_refresh(client, emulator):
    fault(emulator.url, kind="status", status=401, count=5, path="/api/v1/backends")
    with pytest.raises(AuthenticationError) as caught:
        client.list_backends()
    # The key is known; its access may still be on its way (a new key): retried as usual.
    assert not isinstance(caught.value, CredentialNotFoundError)
    seen = stats(emulator.url)
    assert seen["token_requests"] == 2 and seen["routes"][BACKENDS_ROUTE] == 2


def test_iam_outage_is_retried(client, emulator):
    fault(emulator.url, kind="status", status=503, count=2, path="/identity/token")
    client.list_backends()
    assert stats(emulator.url)["token_requests"] == 1


# ------------------------------------------------------------------------------ faults


def test_429_waits_as_long_as_retry_after_says(client, emulator):
    fault(emulator.url, kind="status", status=429, retry_after=1, count=1, path="/backends")
    started = time.monotonic()
    client.list_backends()
    elapsed = time.monotonic() - started
    assert 1.0 <= elapsed < 2.0
    assert stats(emulator.url)["routes"][BACKENDS_ROUTE] == 2


def test_429_retry_after_as_an_http_date_is_obeyed(client, emulator):
    fault(
        emulator.url,
        kind="status",
        status=429,
        retry_after=1,
        retry_after_format="http-date",
        count=1,
        path="/backends",
    )
    started = time.monotonic()
    client.list_backends()
    # An HTTP date has whole seconds: the wait is 0-2 s (the bound leaves room for a loaded
    # machine), not the minute of a date misread as far off.
    assert time.monotonic() - started < 6.0
    assert stats(emulator.url)["routes"][BACKENDS_ROUTE] == 2


def test_429_without_retry_after_is_not_retried(client, emulator):
    fault(emulator.url, kind="status", status=429, count=1, path="/backends")
    with pytest.raises(RateLimitedError):
        client.list_backends()
    assert stats(emulator.url)["routes"][BACKENDS_ROUTE] == 1


def test_429_on_submission_is_never_retried(client, emulator):
    fault(emulator.url, kind="status", status=429, retry_after=1, method="POST", path="/jobs")
    with pytest.raises(RateLimitedError) as caught:
        submit(client)
    assert caught.value.retry_after == 1
    seen = stats(emulator.url)
    assert seen["routes"][JOBS_ROUTE] == 1 and seen["jobs_submitted"] == 0


def test_5xx_bursts_on_submission_are_retried_and_submit_once(client, emulator):
    for status in (502, 520, 503, 524):
        fault(emulator.url, kind="status", status=status, count=1, method="POST", path="/jobs")
    submitted = submit(client)
    assert client.get_job(submitted.id).id == submitted.id
    seen = stats(emulator.url)
    assert seen["routes"][JOBS_ROUTE] == 5 and seen["jobs_submitted"] == 1


def test_giving_up_names_status_code_and_request_id(client, emulator):
    fault(emulator.url, kind="status", status=503, path="/backends")
    with pytest.raises(ServiceError) as caught:
        client.list_backends()
    error = caught.value
    assert error.status == 503 and error.code == "1209" and error.request_id
    assert "HTTP 503" in str(error) and "code 1209" in str(error)
    assert error.request_id in str(error)
    assert stats(emulator.url)["routes"][BACKENDS_ROUTE] == 1 + FAST.max_retries


def test_a_dropped_connection_on_get_is_retried(client, emulator):
    fault(emulator.url, kind="drop", count=2, method="GET", path="/backends")
    assert len(client.list_backends()) >= 4
    assert stats(emulator.url)["routes"][BACKENDS_ROUTE] == 3


def test_a_dropped_submission_is_not_sent_twice(client, emulator):
    fault(emulator.url, kind="drop", count=1, method="POST", path="/jobs")
    with pytest.raises(ServiceError, match="could not reach"):
        submit(client)
    assert stats(emulator.url)["routes"][JOBS_ROUTE] == 1


def test_an_unreachable_service_is_a_service_error(emulator):
    dead = settings("http://127.0.0.1:9")  # discard port: nothing listens
    policy = dataclasses.replace(FAST, max_retries=1)
    client = IBMQuantumClient(dead, retry_policy=policy)
    with client, pytest.raises(ServiceError, match="could not reach"):
        client.list_backends()


async def test_async_face_retries_the_same_way(emulator):
    # Retargeted from backends/usage to the job routes: the async client reads jobs only.
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as sync_client:
        job_id = submit(sync_client).id
    fault(emulator.url, kind="status", status=429, retry_after=1, count=1, path="/jobs$")
    fault(emulator.url, kind="status", status=520, count=2, path="/metrics")
    fault(emulator.url, kind="drop", count=1, path=f"/jobs/{job_id}$")
    async with AsyncIBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        started = time.monotonic()
        await pending(client)
        assert time.monotonic() - started >= 1.0
        await client.get_metrics(job_id)
        await client.get_job(job_id)
        fault(emulator.url, kind="status", status=500, path=f"/jobs/{job_id}$")
        with pytest.raises(ServiceError, match="HTTP 500"):
            await client.get_job(job_id)
    routes = stats(emulator.url)["routes"]
    metrics = sum(count for route, count in routes.items() if route.endswith("/metrics"))
    assert routes["GET /api/v1/jobs"] == 2 and metrics == 3  # faults count under the raw path


def test_the_cache_is_keyed_by_credential_and_iam_host(emulator):
    with IBMQuantumClient(settings(emulator.url)) as client:
        client.list_backends()
    fetches = TOKEN_CACHE.fetches
    other_host = settings(emulator.url.replace("127.0.0.1", "localhost"))
    with IBMQuantumClient(other_host) as client:
        client.list_backends()
    assert TOKEN_CACHE.fetches == fetches + 1
