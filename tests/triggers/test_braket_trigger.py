"""Braket waits in one event loop, as one triggerer runs them, against the emulator: one search
of pending tasks per round and region whatever the number of waits, a GET per task only to
confirm its end; cancel on kill and at the deadline. Assertions on counts, never timings."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from airflow_face_support import control, hold, run_trigger, stats

from airflow_quantum.clients.braket import BraketPreparedJob
from airflow_quantum.hooks.braket import BraketHook
from airflow_quantum.triggers.braket import BraketTaskTrigger
from airflow_quantum.triggers.scope import live_scopes

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"


def submit(device: str, count: int) -> list[str]:
    hook = BraketHook()
    job = BraketPreparedJob.openqasm(BELL, device, 10)
    return [hook.submit_job(job, f"airflow-{i:032x}") for i in range(count)]


def requests_by_kind(emulator: Any) -> dict[str, int]:
    routes = stats(emulator, "braket")["routes"]
    return {
        "search": sum(n for route, n in routes.items() if route.startswith("POST /quantum-tasks")),
        "get": sum(
            n
            for route, n in routes.items()
            if route.startswith("GET /quantum-task/") and "cancel" not in route
        ),
    }


def trigger(arn: str, **kwargs: Any) -> BraketTaskTrigger:
    values = {"conn_id": "braket_default", "job_id": arn, "poll_interval": 0.1}
    return BraketTaskTrigger(**{"max_poll_interval": 0.1, **values, **kwargs})


async def test_waits_grow_with_regions_not_tasks(braket_connection, emulator):
    hold(emulator)
    tasks_us = submit(SV1, 30)
    tasks_eu = submit(GARNET, 10)
    arns = tasks_us + tasks_eu
    before = requests_by_kind(emulator)
    runs = [asyncio.ensure_future(run_trigger(trigger(arn), timeout=60)) for arn in arns]
    poller = None
    deadline = time.monotonic() + 30
    while poller is None or poller.rounds < 4:
        assert time.monotonic() < deadline and not any(run.done() for run in runs)
        scopes = [scope for scope in live_scopes() if scope._poller is not None]
        poller = scopes[0]._poller if scopes else None
        await asyncio.sleep(0.02)
    during = requests_by_kind(emulator)
    ids = [arn.rsplit("/", 1)[1] for arn in arns]
    await asyncio.to_thread(control, emulator, "POST", "/jobs/finish", {"ids": ids})
    events = [event for result in await asyncio.gather(*runs) for event in result]
    after = requests_by_kind(emulator)

    assert [event["status"] for event in events] == ["success"] * 40
    rounds = poller.rounds
    searches = after["search"] - before["search"]
    # One search per round and region (two regions), however many waits.
    assert searches <= 2 * rounds + 2, (searches, rounds)
    # While the tasks waited, the waits cost searches, not GETs of each task every round
    # (a state change is logged with the queue position: about one GET per task).
    assert during["get"] - before["get"] <= len(arns) * 1.3
    # At the end each task is confirmed by about one GET.
    assert after["get"] - during["get"] <= len(arns) * 1.5
    assert live_scopes() == []


async def test_killing_the_wait_cancels_the_task(braket_connection, emulator):
    hold(emulator)
    (arn,) = submit(SV1, 1)
    await trigger(arn).on_kill()
    task = BraketHook().get_conn().get_job(arn)
    assert task.status_word in ("CANCELLING", "CANCELLED")


async def test_the_deadline_ends_the_wait_and_cancels(braket_connection, emulator):
    hold(emulator)
    (arn,) = submit(SV1, 1)
    events = await run_trigger(trigger(arn, deadline=time.time() + 0.5))
    assert [event["status"] for event in events] == ["timeout"]
    assert "cancelled" in events[0]["message"]


async def test_a_failed_task_ends_with_its_reason_and_cause(braket_connection, emulator):
    control(
        emulator,
        "POST",
        "/faults/jobs",
        {"vendor": "braket", "outcome": "fail", "message": "Validation failed: too many qubits"},
    )
    (arn,) = submit(SV1, 1)
    (event,) = await run_trigger(trigger(arn))
    assert event["status"] == "failed" and "too many qubits" in event["message"]
    assert event["cause"] == "permanent"
