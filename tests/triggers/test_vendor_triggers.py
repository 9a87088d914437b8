"""The real Azure and IBM triggers against the emulator over loopback HTTP.

Each test runs ``trigger.run()`` to its end, as the triggerer does, against real emulator jobs:
success, failure, outside cancellation, deadline, kill, cleanup, token expiry and 5xx/429
bursts. The waiting loop itself is unit-tested with a scripted hook in
``test_quantum_trigger_loop.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import pytest
from airflow_face_support import (
    SECRET,
    check_small_event,
    configure,
    control,
    finish,
    hold,
    http_fault,
    job_fault,
    make_vendor,
    phase,
    run_trigger,
    stats,
)

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger
from airflow_quantum.triggers.scope import live_scopes

#: Status requests as the emulator's statistics name their routes: one job, or the listing
#: of pending jobs the shared poller reads.
STATUS_ROUTES = ("/jobs/{job_id}", "/jobs")
#: Seconds a token of the expiry test lives: many 50 ms polls to one token, even on a loaded
#: machine whose polls come slower.
TOKEN_LIFETIME = 1.0


@pytest.fixture(params=["azure", "ibm"])
def vendor(request):
    return make_vendor(request.param, request)


def polls(emulator, vendor) -> int:
    """Status requests so far: GETs of one job plus listings of jobs."""
    routes = stats(emulator, vendor.name)["routes"]
    return sum(
        count
        for route, count in routes.items()
        if route.startswith("GET ") and route.endswith(STATUS_ROUTES)
    )


async def started(task: asyncio.Task, emulator, vendor, before: int) -> None:
    """Wait until the trigger has polled at least once (it is really waiting)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if polls(emulator, vendor) > before:
            return
        assert not task.done(), task
        await asyncio.sleep(0.01)
    raise AssertionError("the trigger never polled")


async def until_logged(task: asyncio.Task, capsys, logged: list[str], text: str) -> None:
    """Wait until the running trigger has printed ``text``; what it printed goes to ``logged``."""
    deadline = time.monotonic() + 30
    while not any(text in chunk for chunk in logged):
        assert time.monotonic() < deadline, f"never logged {text!r}: {logged}"
        assert not task.done(), task
        await asyncio.sleep(0.02)
        logged.append(capsys.readouterr().out)


# --------------------------------------------------------------------------- outcomes


async def test_success_event_is_small_and_logs_each_state_once(
    vendor, emulator, capsys, monkeypatch
):
    def blocking_lookup(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a trigger must read its connection with the async API")

    # Each phase lasts until the test moves the job on, once the trigger has logged it: the
    # emulator's clock past the queue (not past a token's life), then the end.
    configure(emulator, queue_seconds=600, run_seconds=600)
    job_id = vendor.submit()
    monkeypatch.setattr(QuantumHook, "get_connection", classmethod(blocking_lookup))
    trigger = vendor.trigger(job_id)
    task = asyncio.ensure_future(run_trigger(trigger))
    logged: list[str] = []
    await until_logged(task, capsys, logged, f"job {job_id}: queued")
    await asyncio.to_thread(control, emulator, "POST", "/clock/advance", {"seconds": 600})
    await until_logged(task, capsys, logged, f"job {job_id}: running")
    await asyncio.to_thread(finish, emulator, job_id)
    events = await task

    assert len(events) == 1
    (event,) = events
    check_small_event(event, job_id)
    assert event["status"] == "success" and event["state"] == "succeeded"
    assert live_scopes() == []  # the connection's client was closed with the last wait
    logged.append(capsys.readouterr().out)
    for state in ("queued", "running", "succeeded"):
        assert "".join(logged).count(f"job {job_id}: {state}") == 1, logged


async def test_failed_job_event_carries_the_vendor_message(vendor, emulator):
    job_fault(emulator, vendor.name, outcome="fail", code="1517", message="Qubit 7 lost its mind")
    job_id = vendor.submit()
    (event,) = await run_trigger(vendor.trigger(job_id))
    check_small_event(event, job_id)
    assert event["status"] == "failed" and event["state"] == "failed"
    assert "Qubit 7 lost its mind" in event["message"]


async def test_job_cancelled_from_outside_gives_a_cancelled_event(vendor, emulator):
    hold(emulator)  # still cancellable, however slow
    job_id = vendor.submit()
    before = polls(emulator, vendor)
    task = asyncio.ensure_future(run_trigger(vendor.trigger(job_id)))
    await started(task, emulator, vendor, before)
    await asyncio.to_thread(control, emulator, "POST", f"/jobs/{job_id}/cancel")
    (event,) = await task
    check_small_event(event, job_id)
    assert event["status"] == "cancelled" and event["state"] == "cancelled"


async def test_deadline_gives_timeout_and_really_cancels_the_job(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    began = time.monotonic()
    (event,) = await run_trigger(vendor.trigger(job_id, deadline=time.time() + 0.4))
    assert time.monotonic() - began < 15  # at its deadline, not after the 30 s queue
    check_small_event(event, job_id)
    assert event["status"] == "timeout" and event["state"] == "queued"
    assert "passed its deadline; the job was cancelled" in event["message"]
    assert phase(emulator, job_id) == "cancelled"


async def test_deadline_without_cancel_on_kill_leaves_the_job_running(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    trigger = vendor.trigger(job_id, deadline=time.time() + 0.2, cancel_on_kill=False)
    (event,) = await run_trigger(trigger)
    assert event["status"] == "timeout" and "keeps running" in event["message"]
    assert phase(emulator, job_id) == "queued"


async def test_a_deadline_already_past_cancels_at_once(vendor, emulator):
    """A triggerer that picks the trigger up after its deadline (e.g. after an outage)."""
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    (event,) = await run_trigger(vendor.trigger(job_id, deadline=time.time() - 5))
    assert event["status"] == "timeout" and event["state"] is None
    assert phase(emulator, job_id) == "cancelled"


async def test_missing_job_is_an_error_event(vendor, emulator):
    missing = "00000000-0000-0000-0000-00000000dead" if vendor.name == "azure" else "nosuchjob1"
    (event,) = await run_trigger(vendor.trigger(missing))
    assert event["status"] == "error" and "not found" in event["message"]


# --------------------------------------------------------------------------- kill, cleanup


async def test_on_kill_cancels_the_remote_job(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    trigger = vendor.trigger(job_id)
    before = polls(emulator, vendor)
    task = asyncio.ensure_future(run_trigger(trigger))
    await started(task, emulator, vendor, before)
    # What the triggerer does when the user marks the deferred task failed or clears it:
    # cancel the run, then call on_kill().
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await trigger.on_kill()
    assert phase(emulator, job_id) == "cancelled"
    assert live_scopes() == []


async def test_on_kill_with_cancel_on_kill_false_leaves_the_job(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    job_id = vendor.submit()
    await vendor.trigger(job_id, cancel_on_kill=False).on_kill()
    assert phase(emulator, job_id) == "queued"


async def test_on_kill_of_a_finished_job_is_quiet(vendor, emulator):
    job_id = vendor.submit()
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    await vendor.trigger(job_id).on_kill()  # 409 from the service: nothing to cancel
    assert phase(emulator, job_id) == "succeeded"


async def test_cleanup_never_cancels(vendor, emulator):
    """A triggerer restart cancels the run and calls cleanup(): the job must live on."""
    hold(emulator)  # live until the second triggerer waits on it, however slow
    job_id = vendor.submit()
    trigger = vendor.trigger(job_id)
    before = polls(emulator, vendor)
    task = asyncio.ensure_future(run_trigger(trigger))
    await started(task, emulator, vendor, before)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await trigger.cleanup()
    assert phase(emulator, job_id) == "queued"
    # ... and another triggerer, given the serialized trigger, sees it through.
    _, kwargs = trigger.serialize()
    before = polls(emulator, vendor)
    task = asyncio.ensure_future(run_trigger(type(trigger)(**kwargs)))
    await started(task, emulator, vendor, before)
    await asyncio.to_thread(finish, emulator, job_id)
    (event,) = await task
    assert event["status"] == "success"


# --------------------------------------------------------------------------- serialization


@pytest.mark.parametrize("cls", [AzureQuantumJobTrigger, IBMQuantumJobTrigger])
def test_serialize_round_trip_rebuilds_an_equal_trigger(cls):
    trigger = cls(
        conn_id="my_conn",
        job_id="job-1",
        poll_interval=2,
        max_poll_interval=30,
        deadline=1_900_000_000.5,
        cancel_on_kill=False,
    )
    path, kwargs = trigger.serialize()
    assert path == f"{cls.__module__}.{cls.__qualname__}"
    assert kwargs == {
        "conn_id": "my_conn",
        "job_id": "job-1",
        "poll_interval": 2.0,
        "max_poll_interval": 30.0,
        "deadline": 1_900_000_000.5,
        "cancel_on_kill": False,
        "shared_polling": None,
        "deferred_at": None,
    }
    json.dumps(kwargs)  # the triggerer stores them as JSON
    module, _, name = path.rpartition(".")
    rebuilt = getattr(__import__(module, fromlist=[name]), name)(**kwargs)
    assert rebuilt.serialize() == (path, kwargs)
    assert vars(rebuilt) == vars(trigger)


async def test_serialized_kwargs_hold_no_secret(vendor, emulator):
    job_id = vendor.submit()
    trigger = vendor.trigger(job_id, deadline=time.time() + 60)
    (event,) = await run_trigger(trigger)
    _, kwargs = trigger.serialize()
    assert set(kwargs) == {
        "conn_id",
        "job_id",
        "poll_interval",
        "max_poll_interval",
        "deadline",
        "cancel_on_kill",
        "shared_polling",
        "deferred_at",
    }
    text = json.dumps(kwargs) + json.dumps(event) + repr(trigger)
    assert SECRET not in text and emulator.url not in text


# --------------------------------------------------------------------------- resilience


async def test_token_expiry_mid_wait_refreshes_once_per_lifetime_not_per_poll(
    vendor, emulator, request
):
    if vendor.name == "azure":  # the API key has no token: use a service principal
        conn_id = request.getfixturevalue("azure_entra_connection")
        vendor.hook, vendor.conn_id = AzureQuantumHook(conn_id), conn_id
        configure(emulator, azure_token_lifetime=TOKEN_LIFETIME, queue_seconds=3600)
    else:
        configure(emulator, ibm_token_lifetime=TOKEN_LIFETIME, queue_seconds=3600)
    job_id = vendor.submit()
    tokens_before = stats(emulator, vendor.name)["token_requests"]
    polls_before = polls(emulator, vendor)
    trigger = vendor.trigger(job_id, poll_interval=0.05, max_poll_interval=0.05)
    task = asyncio.ensure_future(run_trigger(trigger))
    # The job ends once the wait has lasted several token lifetimes *and* polled 20 times: a
    # count of polls, not a fixed time, so a loaded machine (slower polls) changes neither.
    started_at = time.monotonic()
    while time.monotonic() - started_at < 2.5 or polls(emulator, vendor) - polls_before < 20:
        assert not task.done(), task
        await asyncio.sleep(0.05)
    control(emulator, "POST", f"/jobs/{job_id}/finish")
    (event,) = await task
    assert event["status"] == "success"
    polled = polls(emulator, vendor) - polls_before
    tokens = stats(emulator, vendor.name)["token_requests"] - tokens_before
    # ~2.5 s of waiting with 1 s tokens (renewed at 80 % of their life): about 4 tokens for
    # some 50 polls. One token per poll would mean the cache does not work.
    assert polled >= 20, polled
    assert 2 <= tokens <= 8 and tokens * 3 < polled, (tokens, polled)
    assert 401 not in stats(emulator, vendor.name)["statuses"]


async def test_token_rejected_by_the_service_is_renewed_and_the_wait_goes_on(
    vendor, emulator, request
):
    """The service's clock says the token expired (the client thought it fresh): 401, then a
    new token, and the wait goes on."""
    if vendor.name == "azure":
        conn_id = request.getfixturevalue("azure_entra_connection")
        vendor.hook, vendor.conn_id = AzureQuantumHook(conn_id), conn_id
    hold(emulator)  # still queued when the clock moves, however slow
    job_id = vendor.submit()
    tokens_before = stats(emulator, vendor.name)["token_requests"]
    before = polls(emulator, vendor)
    task = asyncio.ensure_future(run_trigger(vendor.trigger(job_id)))
    await started(task, emulator, vendor, before)
    await asyncio.to_thread(control, emulator, "POST", "/clock/advance", {"seconds": 90_000})
    (event,) = await task
    assert event["status"] == "success"
    counters = stats(emulator, vendor.name)
    assert counters["statuses"].get("401", counters["statuses"].get(401)) >= 1
    assert counters["token_requests"] - tokens_before == 1


async def test_burst_of_429_and_503_with_retry_after_is_survived(vendor, emulator, capsys):
    configure(emulator, queue_seconds=0.4)
    job_id = vendor.submit()
    since = time.time()
    # Ten failures in a row: more than the client's own retries, so the trigger itself sees
    # the service down, keeps waiting, and honours Retry-After (sent as retry-after-ms: 80).
    for status, count in ((429, 4), (503, 6)):
        http_fault(
            emulator,
            vendor.name,
            kind="status",
            status=status,
            retry_after=0.08,
            retry_after_format="ms",
            count=count,
            method="GET",
            path="/jobs/",
        )
    (event,) = await run_trigger(vendor.trigger(job_id, poll_interval=0.02))
    check_small_event(event, job_id)
    assert event["status"] == "success"
    statuses = stats(emulator, vendor.name)["statuses"]
    assert statuses.get("429", statuses.get(429)) == 4
    assert statuses.get("503", statuses.get(503)) == 6
    log = control(emulator, "GET", f"/requests?vendor={vendor.name}&since={since}")["requests"]
    polled = [record for record in log if record["method"] == "GET" and "/jobs/" in record["path"]]
    refused = [i for i, record in enumerate(polled) if record["status"] in (429, 503)]
    assert len(refused) == 10
    for earlier, later in itertools.pairwise(refused):
        assert polled[later]["time"] - polled[earlier]["time"] >= 0.075  # Retry-After kept
    logged = capsys.readouterr().out
    assert logged.count("service unavailable") == 1 and "still waiting" in logged
    assert logged.count("reachable again") == 1


async def test_ibm_queue_position_is_logged_while_queued(emulator, request, capsys):
    hold(emulator)  # both queued until the trigger has logged the second's place
    vendor = make_vendor("ibm", request)
    first = vendor.submit()
    second = vendor.submit()
    task = asyncio.ensure_future(run_trigger(vendor.trigger(second)))
    logged: list[str] = []
    await until_logged(task, capsys, logged, f"job {second}: queued")
    await asyncio.to_thread(finish, emulator, first, second)
    (event,) = await task
    assert event["status"] == "success"
    logged.append(capsys.readouterr().out)
    lines = "".join(logged).splitlines()
    (line,) = [line for line in lines if f"job {second}: queued" in line]
    assert "(queue position 2)" in line, line
    assert phase(emulator, first) == "succeeded"
