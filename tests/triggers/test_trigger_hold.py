"""The hold of a trigger's event until ``[quantum] min_deferral_seconds`` after the deferral.

The clock and the sleep of ``triggers.hold`` are replaced: the tests count what the trigger
asked to sleep, never how long anything took. The race the hold avoids, and the end-to-end
proof, are in tests/reliability/test_reliability_quick_jobs.py.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from test_quantum_trigger_loop import FakeJob, ScriptedHook, _first_event, _trigger

from airflow_quantum.clients.errors import InvalidStateError, NotFoundError
from airflow_quantum.clients.state import JobState
from airflow_quantum.get_provider_info import get_provider_info
from airflow_quantum.triggers import hold

NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _connection(monkeypatch):
    """The triggers read their connection (``conn``) before they use the scripted hook."""
    monkeypatch.setenv("AIRFLOW_CONN_CONN", json.dumps({"conn_type": "generic"}))


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The hold's clock stands at ``NOW``; its sleeps are recorded and return at once."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(hold, "asyncio", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(hold, "time", SimpleNamespace(time=lambda: NOW))
    monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", "5")
    return asked


async def test_a_job_final_soon_after_the_deferral_is_held_until_the_minimum(sleeps, capsys):
    hook = ScriptedHook([JobState.SUCCEEDED])
    event = await _first_event(_trigger(hook, deferred_at=NOW - 1.5))
    assert event["status"] == "success"
    assert sleeps == [pytest.approx(3.5)]
    said = capsys.readouterr().out  # the trigger's log says why the task waits
    assert "resumes its task in 3.5 s" in said and "min_deferral_seconds" in said
    assert hook.closed  # the connection was given back before the hold


async def test_a_job_final_after_the_minimum_is_not_held(sleeps):
    hook = ScriptedHook([JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED])
    event = await _first_event(_trigger(hook, deferred_at=NOW - 5.0))
    assert event["status"] == "success" and sleeps == []


@pytest.mark.parametrize(
    "script",
    [
        [FakeJob(JobState.FAILED, "bad circuit")],
        [JobState.CANCELLED],
        [NotFoundError("gone", status=404)],
    ],
    ids=["failed", "cancelled", "error"],
)
async def test_every_event_is_held_not_only_success(sleeps, script):
    """Any event resumes the task, so any event could meet the stale executor success."""
    event = await _first_event(_trigger(ScriptedHook(script), deferred_at=NOW))
    assert event["status"] in ("failed", "cancelled", "error")
    assert sleeps == [pytest.approx(5.0)]


async def test_no_deferral_time_no_hold(sleeps):
    """Triggers serialized before the hold existed carry no ``deferred_at``."""
    event = await _first_event(_trigger(ScriptedHook([JobState.SUCCEEDED])))
    assert event["status"] == "success" and sleeps == []


async def test_zero_turns_the_hold_off(sleeps, monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", "0")
    await _first_event(_trigger(ScriptedHook([JobState.SUCCEEDED]), deferred_at=NOW))
    assert sleeps == []


async def test_a_worker_clock_ahead_of_the_triggerer_holds_no_longer_than_the_minimum(sleeps):
    await _first_event(_trigger(ScriptedHook([JobState.SUCCEEDED]), deferred_at=NOW + 3600))
    assert sleeps == [pytest.approx(5.0)]


async def test_a_task_killed_during_the_hold_gets_no_event_and_a_quiet_on_kill(monkeypatch):
    holding = asyncio.Event()

    async def endless_sleep(seconds: float) -> None:
        holding.set()
        await asyncio.Future()  # only a cancel ends it

    monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", "20")
    monkeypatch.setattr(hold, "asyncio", SimpleNamespace(sleep=endless_sleep))
    hook = ScriptedHook([JobState.SUCCEEDED], cancel_error=InvalidStateError("final", status=409))
    trigger = _trigger(hook, deferred_at=hold.time.time())
    events: list[object] = []

    async def run() -> None:
        events.extend([event async for event in trigger.run()])

    task = asyncio.ensure_future(run())
    await asyncio.wait_for(holding.wait(), 10)
    task.cancel()  # the triggerer cancels the trigger of a task marked failed ...
    with pytest.raises(asyncio.CancelledError):
        await task
    await trigger.on_kill()  # ... and calls on_kill: the job is final, nothing to cancel
    assert events == [] and hook.cancels == 1 and hook.closed


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.5", 2.5), ("0", 0.0), ("-1", hold.DEFAULT_MIN_DEFERRAL_SECONDS), ("soon", None)],
)
def test_the_minimum_comes_from_the_config(monkeypatch, value, expected):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MIN_DEFERRAL_SECONDS", value)
    default = hold.DEFAULT_MIN_DEFERRAL_SECONDS
    assert hold.min_deferral_seconds() == (default if expected is None else expected)


def test_the_documented_default_is_the_code_default():
    option = get_provider_info()["config"]["quantum"]["options"]["min_deferral_seconds"]
    assert float(option["default"]) == hold.DEFAULT_MIN_DEFERRAL_SECONDS


def test_deferred_at_survives_serialization():
    trigger = _trigger(ScriptedHook([JobState.SUCCEEDED]), deferred_at=NOW)
    path, kwargs = trigger.serialize()
    assert kwargs["deferred_at"] == NOW
    assert type(trigger)(**kwargs).serialize() == (path, kwargs)
