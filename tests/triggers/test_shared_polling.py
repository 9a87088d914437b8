"""Shared polling against the emulator: many waits, one listing per round, one token.

Every test runs real triggers in one event loop, as one triggerer does, and counts what the
emulator saw (``/_emulator/stats`` and its request log): listings of pending jobs, GETs of one
job, token requests. The assertions are on counts, never on timings.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from typing import Any

import pytest
from airflow_face_support import (
    configure,
    control,
    hold,
    http_fault,
    make_vendor,
    run_trigger,
    stats,
)

from airflow_quantum import waiting as timing
from airflow_quantum.clients.auth import TOKEN_CACHE
from airflow_quantum.clients.azure import protocol as azure_client
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import protocol as ibm_client
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.base import QuantumHook
from airflow_quantum.triggers import poller as poller_module
from airflow_quantum.triggers import scope as scopes
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger
from airflow_quantum.triggers.scope import live_scopes

#: The emulator's route names (from its statistics) of the two kinds of status request.
LIST_ROUTE = re.compile(r"^GET .*/jobs$")
JOB_ROUTE = re.compile(r"^GET .*/jobs/\{job_id\}$")


@pytest.fixture(params=["azure", "ibm"])
def vendor(request):
    return make_vendor(request.param, request)


def counts(emulator: Any, vendor: str) -> dict[str, int]:
    """Listings, single-job GETs and token requests the emulator answered so far."""
    counters = stats(emulator, vendor)
    routes = counters["routes"]
    return {
        "list": sum(n for route, n in routes.items() if LIST_ROUTE.match(route)),
        "get": sum(n for route, n in routes.items() if JOB_ROUTE.match(route)),
        "tokens": counters["token_requests"],
    }


def since(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after[key] - before[key] for key in before}


def submit_many(vendor: Any, count: int) -> list[str]:
    return [vendor.submit() for _ in range(count)]


async def wait_all(triggers: list[Any]) -> list[dict[str, Any]]:
    results = await asyncio.gather(*(run_trigger(trigger, timeout=60) for trigger in triggers))
    return [event for events in results for event in events]


async def poller_of(tasks: list[asyncio.Task]) -> Any:
    """The shared poller the running waits registered with (once they have)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for scope in live_scopes():
            if scope._poller is not None and len(scope._poller):
                return scope._poller
        assert not all(task.done() for task in tasks)
        await asyncio.sleep(0.01)
    raise AssertionError("no shared poller appeared")


async def end_jobs(emulator: Any, jobs: list[str]) -> None:
    """End held jobs now, all at one instant (control API)."""
    await asyncio.to_thread(control, emulator, "POST", "/jobs/finish", {"ids": jobs})


async def until(predicate: Any, tasks: list[asyncio.Task], what: str) -> None:
    """Wait until ``predicate()`` holds, while the waits still run (a held job never ends)."""
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        assert not any(task.done() for task in tasks), what
        await asyncio.sleep(0.02)


async def wait_with_poller(
    emulator: Any, vendor: Any, jobs: list[str], interval: float, rounds: int = 2
) -> tuple[list, Any]:
    """Wait for each held job (polling every ``interval``) and end them all once the shared
    poller has done ``rounds`` rounds: the events, and the shared poller."""
    triggers = [vendor.trigger(j, poll_interval=interval, max_poll_interval=interval) for j in jobs]
    tasks = [asyncio.ensure_future(run_trigger(trigger)) for trigger in triggers]
    poller = await poller_of(tasks)
    await until(lambda: poller.rounds >= rounds, tasks, f"{rounds} rounds of the poller")
    await end_jobs(emulator, jobs)
    events = [event for result in await asyncio.gather(*tasks) for event in result]
    return events, poller


# ----------------------------------------------------------------------------- scale


async def test_hundreds_of_waits_share_listings_and_one_token(emulator, request, monkeypatch):
    """100 waits per vendor in one loop: one connection read and one token request per
    connection for all of them, and about one GET per job in all."""
    reads: list[str] = []
    real_read = QuantumHook.aget_connection.__func__

    async def counted_read(cls: Any, conn_id: str) -> Any:
        reads.append(conn_id)
        return await real_read(cls, conn_id)

    monkeypatch.setattr(QuantumHook, "aget_connection", classmethod(counted_read))
    configure(emulator, queue_seconds=1.5, run_seconds=0.3, azure_token_lifetime=3600)
    ibm = make_vendor("ibm", request)
    azure = make_vendor("azure", request)
    entra = request.getfixturevalue("azure_entra_connection")  # Azure with a bearer token
    azure.hook, azure.conn_id = AzureQuantumHook(entra), entra
    jobs = {vendor.name: submit_many(vendor, 100) for vendor in (ibm, azure)}
    TOKEN_CACHE.clear()  # the submissions' tokens: the triggerer starts without any
    before = {name: counts(emulator, name) for name in jobs}
    triggers = [
        vendor.trigger(job_id, poll_interval=0.2, max_poll_interval=0.2)
        for vendor in (ibm, azure)
        for job_id in jobs[vendor.name]
    ]
    events = await wait_all(triggers)

    assert len(events) == 200 and {event["status"] for event in events} == {"success"}
    assert sorted(reads) == sorted([ibm.conn_id, azure.conn_id])
    for name, job_ids in jobs.items():
        seen = since(before[name], counts(emulator, name))
        # One token for all the waits of a connection (single-flight at the start).
        assert seen["tokens"] == 1, (name, seen)
        # Each job is confirmed by one GET once it has left the listing (a few more when a
        # listing shifted under its paging); polling each job would cost about 10 per job.
        assert len(job_ids) <= seen["get"] <= len(job_ids) * 1.3, (name, seen)
        assert seen["list"] <= 40, (name, seen)
    assert live_scopes() == []  # the last wait closed the scope and stopped the poller


async def test_other_users_jobs_in_the_listing_are_ignored(vendor, emulator):
    configure(emulator, queue_seconds=30.0)
    others = submit_many(vendor, 5)  # pending the whole time, in every listing
    configure(emulator, queue_seconds=0.6)
    mine = vendor.submit()
    events = await run_trigger(vendor.trigger(mine, poll_interval=0.1, max_poll_interval=0.1))
    assert [event["status"] for event in events] == ["success"]
    log = control(emulator, "GET", f"/requests?vendor={vendor.name}")["requests"]
    asked = {record["path"].rsplit("/", 1)[-1] for record in log if record["method"] == "GET"}
    assert mine in asked and not asked & set(others)


async def test_paged_listing_finds_every_wait(vendor, emulator, monkeypatch):
    """Pages of 4 jobs: the waits on later pages are found there, not GET one by one."""
    module = ibm_client if vendor.name == "ibm" else azure_client
    monkeypatch.setattr(module, "PENDING_PAGE_SIZE", 4)
    hold(emulator)  # pending, all 14, until the poller has read them a few times
    jobs = submit_many(vendor, 14)
    before = counts(emulator, vendor.name)
    events, poller = await wait_with_poller(emulator, vendor, jobs, 0.15)
    assert {event["status"] for event in events} == {"success"}
    seen = since(before, counts(emulator, vendor.name))
    assert seen["list"] > poller.rounds  # rounds read several pages
    assert seen["get"] <= len(jobs) + 4, seen


# ----------------------------------------------------------------------------- failures


async def test_failing_listing_falls_back_to_one_get_per_job(vendor, emulator, caplog):
    """The list endpoint answers 503 throughout (Retry-After 0.05 s): each job is polled on
    its own, and the waits end as usual."""
    hold(emulator)  # pending until the poller has failed a few rounds
    http_fault(
        emulator,
        vendor.name,
        kind="status",
        status=503,
        retry_after=0.05,
        method="GET",
        path="/jobs$",
    )
    jobs = submit_many(vendor, 3)
    before = counts(emulator, vendor.name)
    events, poller = await wait_with_poller(emulator, vendor, jobs, 0.1)
    assert {event["status"] for event in events} == {"success"}
    seen = since(before, counts(emulator, vendor.name))
    # Every round failed (the last one may still have been listing when the waits ended).
    assert poller.failed_rounds >= max(1, poller.rounds - 1)
    assert seen["list"] >= poller.rounds and seen["get"] >= len(jobs)
    warnings = [r for r in caplog.records if "listing the pending jobs failed" in r.getMessage()]
    assert len(warnings) == 1 + poller.failed_rounds // 10  # once, then every tenth failure


async def test_waits_missing_from_a_cut_listing_are_confirmed_on_their_own(
    vendor, emulator, monkeypatch
):
    """The listing stops after one page of 2: the other waits never see their job listed,
    so each confirms it with a GET, at most once per its interval."""
    module = ibm_client if vendor.name == "ibm" else azure_client
    monkeypatch.setattr(module, "PENDING_PAGE_SIZE", 2)
    monkeypatch.setattr(poller_module, "MAX_LIST_PAGES", 1)
    hold(emulator)  # pending until the unlisted ones have been confirmed twice each
    jobs = submit_many(vendor, 5)
    before = counts(emulator, vendor.name)
    triggers = [vendor.trigger(j, poll_interval=0.2, max_poll_interval=0.2) for j in jobs]
    began = time.monotonic()
    tasks = [asyncio.ensure_future(run_trigger(trigger, timeout=60)) for trigger in triggers]
    await until(
        lambda: since(before, counts(emulator, vendor.name))["get"] >= 3 * 2,
        tasks,
        "two GETs of each unlisted job",
    )
    await end_jobs(emulator, jobs)
    waited = time.monotonic() - began
    events = [event for result in await asyncio.gather(*tasks) for event in result]
    assert {event["status"] for event in events} == {"success"}
    seen = since(before, counts(emulator, vendor.name))
    # 3 unlisted jobs with at most one GET per 0.2 s (-20 %) each, and one to see the end;
    # 2 listed with about 1.
    assert 3 * 2 <= seen["get"] <= 3 * (int(waited / (0.8 * 0.2)) + 2) + 2 * 2, (seen, waited)


# ----------------------------------------------------------------------------- lifecycle


async def test_restarted_waits_reregister_and_finish(vendor, emulator):
    """A triggerer restart: the running waits are cancelled, new trigger objects for the
    same jobs register again, and the old ones are gone from the poller."""
    hold(emulator)  # pending until the restarted waits have registered
    jobs = submit_many(vendor, 4)
    first = [vendor.trigger(j, poll_interval=0.1, max_poll_interval=0.1) for j in jobs]
    tasks = [asyncio.ensure_future(run_trigger(trigger)) for trigger in first]
    poller = await poller_of(tasks)
    await until(lambda: poller.rounds >= 2, tasks, "2 rounds of the poller")
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert live_scopes() == [] and not len(poller)
    again = [type(t)(**t.serialize()[1]) for t in first]
    tasks = [asyncio.ensure_future(run_trigger(trigger)) for trigger in again]
    await poller_of(tasks)
    await end_jobs(emulator, jobs)
    events = [event for result in await asyncio.gather(*tasks) for event in result]
    assert {event["status"] for event in events} == {"success"}
    assert live_scopes() == []


async def test_two_waits_on_one_job_both_hear_the_end(vendor, emulator):
    configure(emulator, queue_seconds=0.5)
    job_id = vendor.submit()
    events = await wait_all([vendor.trigger(job_id), vendor.trigger(job_id)])
    assert [event["status"] for event in events] == ["success", "success"]


async def test_per_job_polling_by_kwarg_or_connection_extra(vendor, emulator, monkeypatch):
    """shared_polling=False, or the connection's extra: no listing, one GET per interval."""
    monkeypatch.setattr(scopes, "CONNECTION_TTL", 0.0)  # the edit below is seen at once
    hold(emulator)  # pending until polled three times
    job_id = vendor.submit()
    before = counts(emulator, vendor.name)
    trigger = vendor.trigger(job_id, poll_interval=0.1, max_poll_interval=0.1, shared_polling=False)
    began = time.monotonic()
    task = asyncio.ensure_future(run_trigger(trigger))
    await until(
        lambda: since(before, counts(emulator, vendor.name))["get"] >= 3, [task], "three GETs"
    )
    await end_jobs(emulator, [job_id])
    waited = time.monotonic() - began
    (event,) = await task
    seen = since(before, counts(emulator, vendor.name))
    assert event["status"] == "success" and seen["list"] == 0
    # At 0.1 s (+/- 20 %): never more than one GET per 0.08 s, and one to see the end.
    assert 3 <= seen["get"] <= int(waited / 0.08) + 2, (seen, waited)

    variable = f"AIRFLOW_CONN_{vendor.conn_id.upper()}"
    conn = json.loads(os.environ[variable])
    conn["extra"]["shared_polling"] = "false"
    monkeypatch.setenv(variable, json.dumps(conn))
    job_id = vendor.submit()
    before = counts(emulator, vendor.name)
    task = asyncio.ensure_future(run_trigger(vendor.trigger(job_id)))
    await until(lambda: since(before, counts(emulator, vendor.name))["get"] >= 1, [task], "a GET")
    await end_jobs(emulator, [job_id])
    (event,) = await task
    assert event["status"] == "success"
    assert since(before, counts(emulator, vendor.name))["list"] == 0


def test_shared_polling_kwarg_must_be_a_boolean_or_none():
    with pytest.raises(InvalidInputError, match="shared_polling"):
        IBMQuantumJobTrigger(conn_id="c", job_id="j", shared_polling="false")


async def test_bad_shared_polling_extra_is_an_error_event_naming_it(vendor, monkeypatch):
    variable = f"AIRFLOW_CONN_{vendor.conn_id.upper()}"
    conn = json.loads(os.environ[variable])
    conn["extra"]["shared_polling"] = "sometimes"
    monkeypatch.setenv(variable, json.dumps(conn))
    (event,) = await run_trigger(vendor.trigger("job-1"))
    assert event["status"] == "error" and "shared_polling" in event["message"]


async def test_an_edited_connection_gets_a_new_scope(vendor, emulator, monkeypatch):
    """Waits started after an edit use the new connection; running ones keep theirs."""
    monkeypatch.setattr(scopes, "CONNECTION_TTL", 0.0)
    hold(emulator)  # both pending until both scopes are there
    jobs = submit_many(vendor, 2)
    first = asyncio.ensure_future(run_trigger(vendor.trigger(jobs[0])))
    await poller_of([first])
    variable = f"AIRFLOW_CONN_{vendor.conn_id.upper()}"
    conn = json.loads(os.environ[variable])
    conn["extra"]["verify"] = "false"  # any change of content
    monkeypatch.setenv(variable, json.dumps(conn))
    second = asyncio.ensure_future(run_trigger(vendor.trigger(jobs[1])))
    await until(lambda: len(live_scopes()) == 2, [first, second], "a second scope")
    await end_jobs(emulator, jobs)
    events = [event for result in await asyncio.gather(first, second) for event in result]
    assert {event["status"] for event in events} == {"success"}
    assert live_scopes() == []


async def test_a_broken_poller_fails_its_waits_instead_of_leaving_them_hanging(
    vendor, emulator, monkeypatch
):
    async def broken(self: Any, wanted: set[str], listed: dict[str, Any]) -> None:
        raise ZeroDivisionError("a bug in the poller")

    monkeypatch.setattr(poller_module.SharedPoller, "_sort", broken)
    configure(emulator, queue_seconds=30.0)
    trigger = vendor.trigger(vendor.submit(), poll_interval=0.05, max_poll_interval=0.05)
    with pytest.raises(RuntimeError, match="shared poller stopped"):
        await run_trigger(trigger)
    assert live_scopes() == []


def test_the_round_interval_is_the_backoff_curve_in_closed_form():
    """The interval a wait reaches by ×1.5 per poll equals p + age/2 at the poll times."""
    poll, cap, age, wait = 2.0, 1000.0, 0.0, 2.0
    for _ in range(8):
        assert timing.interval_at_age(poll, cap, age) == pytest.approx(wait)
        age, wait = age + wait, wait * timing.BACKOFF
    assert timing.interval_at_age(poll, 60.0, 10_000) == 60.0
