"""The sweep trigger against the emulator: N jobs in one wait through the shared poller, a
bounded progress log, the stop policy, the deadline and a kill."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from airflow_face_support import control, hold, job_fault, make_vendor, run_trigger, stats

from airflow_quantum.triggers.azure_quantum import AzureQuantumSweepTrigger
from airflow_quantum.triggers.ibm_quantum import IBMQuantumSweepTrigger
from airflow_quantum.triggers.scope import live_scopes

LIST_ROUTE = re.compile(r"^GET .*/jobs$")
JOB_ROUTE = re.compile(r"^GET .*/jobs/\{job_id\}$")
TRIGGERS = {"ibm": IBMQuantumSweepTrigger, "azure": AzureQuantumSweepTrigger}


@pytest.fixture(params=["azure", "ibm"])
def vendor(request):
    return make_vendor(request.param, request)


def requests_seen(emulator: Any, vendor: str) -> dict[str, int]:
    routes = stats(emulator, vendor)["routes"]
    return {
        "list": sum(n for route, n in routes.items() if LIST_ROUTE.match(route)),
        "get": sum(n for route, n in routes.items() if JOB_ROUTE.match(route)),
    }


def sweep_trigger(vendor: Any, job_ids: list[str], **kwargs: Any) -> Any:
    options = {"poll_interval": 0.05, "max_poll_interval": 0.1, **kwargs}
    return TRIGGERS[vendor.name](conn_id=vendor.conn_id, job_ids=job_ids, **options)


async def end_after_rounds(emulator: Any, vendor: str, jobs: list[str], listings: int) -> None:
    before = requests_seen(emulator, vendor)["list"]
    while requests_seen(emulator, vendor)["list"] < before + listings:
        await asyncio.sleep(0.05)
    await asyncio.to_thread(control, emulator, "POST", "/jobs/finish", {"ids": jobs})


async def test_requests_grow_with_rounds_not_jobs(vendor, emulator):
    """40 held jobs, 10 rounds of waiting: listings per round, one GET per job at its end
    (polling each job would be about 10 GETs a job)."""
    hold(emulator)
    jobs = [vendor.submit() for _ in range(40)]
    before = requests_seen(emulator, vendor.name)
    trigger = sweep_trigger(vendor, jobs)
    (event,), _ = await asyncio.gather(
        run_trigger(trigger, timeout=60), end_after_rounds(emulator, vendor.name, jobs, 10)
    )
    assert event["status"] == "success" and event["succeeded"] == 40, event
    seen = {key: value - before[key] for key, value in requests_seen(emulator, vendor.name).items()}
    assert len(jobs) <= seen["get"] <= len(jobs) * 1.3, seen
    assert live_scopes() == []
    text = json.dumps(event)
    assert len(text) < 600 and "local-emulator-key" not in text


@pytest.mark.parametrize(("interval", "most"), [(3600, 1), (0.2, 40)])
async def test_progress_is_logged_at_a_bounded_rate(vendor, emulator, capsys, interval, most):
    hold(emulator)
    jobs = [vendor.submit() for _ in range(3)]
    trigger = sweep_trigger(vendor, jobs, progress_interval=interval)
    capsys.readouterr()
    await asyncio.gather(
        run_trigger(trigger, timeout=60), end_after_rounds(emulator, vendor.name, jobs, 15)
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if " sweep: " in line]
    # At most one line per interval, and always the last one (however many rounds ran).
    assert 1 <= len(lines) <= most
    assert "sweep: 3/3 jobs done (0 failed or cancelled), 0 running, 0 queued" in lines[-1]
    if interval < 1:
        assert any("0/3 jobs done" in line and "3 queued" in line for line in lines[:-1])


async def test_a_permanent_failure_stops_the_wait_and_cancels_the_rest(vendor, emulator):
    code = "1517" if vendor.name == "ibm" else "InvalidInputData"
    job_fault(emulator, vendor.name, outcome="fail", code=code, message="cannot run", count=1)
    failing = vendor.submit()
    hold(emulator)
    held = [vendor.submit() for _ in range(2)]
    (event,) = await run_trigger(sweep_trigger(vendor, [failing, *held]), timeout=60)
    assert event["status"] == "failed", event
    (failure,) = event["failures"]
    assert failure["job_id"] == failing and failure["cause"] == "permanent"
    assert failure["code"] == code and "cannot run" in failure["message"]
    assert "were cancelled" in event["message"]
    assert {vendor.state(job_id) for job_id in held} <= {"cancelled", "cancelling"}


async def test_a_transient_failure_waits_for_the_others(vendor, emulator):
    code = "1500" if vendor.name == "ibm" else "ProviderTimeout"
    job_fault(emulator, vendor.name, outcome="fail", code=code, message="busy", count=1)
    jobs = [vendor.submit() for _ in range(3)]
    (event,) = await run_trigger(sweep_trigger(vendor, jobs), timeout=60)
    assert event["status"] == "failed" and event["succeeded"] == 2, event
    assert [failure["cause"] for failure in event["failures"]] == ["transient"]


async def test_the_deadline_cancels_the_jobs_not_final(vendor, emulator):
    import time

    hold(emulator)
    jobs = [vendor.submit() for _ in range(2)]
    trigger = sweep_trigger(vendor, jobs, deadline=time.time() + 0.5)
    (event,) = await run_trigger(trigger, timeout=60)
    assert event["status"] == "timeout" and "they were cancelled" in event["message"], event
    assert {vendor.state(job_id) for job_id in jobs} <= {"cancelled", "cancelling"}


async def test_a_kill_while_deferred_cancels_every_job(vendor, emulator):
    hold(emulator)
    jobs = [vendor.submit() for _ in range(2)]
    await sweep_trigger(vendor, jobs).on_kill()
    assert {vendor.state(job_id) for job_id in jobs} <= {"cancelled", "cancelling"}


def test_the_trigger_round_trips_through_its_kwargs(vendor):
    trigger = sweep_trigger(vendor, ["a", "b"], deadline=5.0)
    path, kwargs = trigger.serialize()
    assert path.endswith("SweepTrigger")
    assert TRIGGERS[vendor.name](**kwargs).serialize() == (path, kwargs)
