"""The shared waiting loop, driven by a scripted hook (no network): every path of the event."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from airflow_quantum.clients.errors import (
    AuthenticationError,
    InvalidStateError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.state import CancelOutcome, FailureCause, JobState
from airflow_quantum.triggers.base import QuantumJobTrigger


@dataclass
class FakeJob:
    state: JobState
    message: str | None = None

    def error_message(self) -> str | None:
        return self.message

    def failure_cause(self) -> FailureCause | None:
        return FailureCause.TRANSIENT if self.state is JobState.FAILED else None


@dataclass
class ScriptedHook:
    """Hook and async client in one: ``get_job`` answers from a script (a JobState, a FakeJob
    or an exception per call); ``acancel_job`` is the hook's (``ALREADY_FINAL``: the job was
    final)."""

    script: list[Any]
    cancel_error: Exception | None = None
    polls: list[float] = field(default_factory=list)
    cancels: int = 0
    closed: bool = False

    async def get_job(self, job_id: str) -> FakeJob:
        self.polls.append(time.monotonic())
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step if isinstance(step, FakeJob) else FakeJob(step)

    async def acancel_job(self, job_id: str) -> CancelOutcome:
        self.cancels += 1
        if isinstance(self.cancel_error, InvalidStateError):
            return CancelOutcome.ALREADY_FINAL  # the hook's answer for a job already final
        if self.cancel_error:
            raise self.cancel_error
        return CancelOutcome.CANCELLED

    async def aqueue_position(self, job_id: str) -> int | None:
        return None  # the script knows no queue

    def bind_connection(self, conn: Any) -> None:
        """The scope hands over the connection it read (the script needs none)."""

    async def aclient(self) -> ScriptedHook:
        return self

    async def aclose(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def _connection(monkeypatch):
    """The triggers read their connection (``conn``) before they use the scripted hook."""
    monkeypatch.setenv("AIRFLOW_CONN_CONN", json.dumps({"conn_type": "generic"}))


class ScriptedTrigger(QuantumJobTrigger):
    vendor = "Test"
    script_hook: ScriptedHook

    def _make_hook(self) -> ScriptedHook:
        return self.script_hook


def _trigger(hook: ScriptedHook, **kwargs: Any) -> ScriptedTrigger:
    options = {"poll_interval": 0.01, "max_poll_interval": 0.02, **kwargs}
    trigger = ScriptedTrigger(conn_id="conn", job_id="job-1", **options)
    trigger.script_hook = hook
    return trigger


async def _first_event(trigger: QuantumJobTrigger) -> dict[str, Any]:
    """Run the trigger as the triggerer does (to the end) and return its single event."""
    events = [event.payload async for event in trigger.run()]
    assert len(events) == 1, events
    return events[0]


def test_serialize_holds_only_ids_and_polling_settings():
    trigger = ScriptedTrigger("conn", "job-1", poll_interval=3, deadline=123.0)
    path, kwargs = trigger.serialize()
    assert path.endswith("ScriptedTrigger")
    assert kwargs == {
        "conn_id": "conn",
        "job_id": "job-1",
        "poll_interval": 3.0,
        "max_poll_interval": 60.0,
        "deadline": 123.0,
        "cancel_on_kill": True,
        "shared_polling": None,
        "deferred_at": None,
    }
    assert ScriptedTrigger(**kwargs).serialize() == (path, kwargs)


async def test_success_after_queue_and_run():
    hook = ScriptedHook([JobState.QUEUED, JobState.RUNNING, JobState.SUCCEEDED])
    event = await _first_event(_trigger(hook))
    assert event == {
        "status": "success",
        "job_id": "job-1",
        "state": "succeeded",
        "message": "Test job job-1 succeeded",
        "cause": None,
    }
    assert len(hook.polls) == 3 and hook.closed


async def test_failed_job_carries_the_vendor_message():
    hook = ScriptedHook([FakeJob(JobState.FAILED, "InvalidInputData: bad terms")])
    event = await _first_event(_trigger(hook))
    assert event["status"] == "failed" and event["message"] == "InvalidInputData: bad terms"


async def test_cancelled_job_gives_a_cancelled_event():
    event = await _first_event(_trigger(ScriptedHook([JobState.CANCELLED])))
    assert event["status"] == "cancelled" and event["state"] == "cancelled"


async def test_transient_errors_are_survived():
    hook = ScriptedHook(
        [ServiceError("502", status=502), RateLimitedError("slow", status=429), JobState.SUCCEEDED]
    )
    event = await _first_event(_trigger(hook))
    assert event["status"] == "success" and len(hook.polls) == 3


async def test_retry_after_of_a_rate_limit_is_respected():
    hook = ScriptedHook([RateLimitedError("slow", status=429, retry_after=0.3), JobState.SUCCEEDED])
    await _first_event(_trigger(hook))
    assert hook.polls[1] - hook.polls[0] >= 0.3


async def test_auth_failure_is_an_error_event_not_an_endless_wait():
    hook = ScriptedHook([AuthenticationError("bad key", status=401)])
    event = await _first_event(_trigger(hook))
    assert event["status"] == "error" and "bad key" in event["message"]


async def test_missing_job_is_an_error_event():
    event = await _first_event(_trigger(ScriptedHook([NotFoundError("gone", status=404)])))
    assert event["status"] == "error" and "not found" in event["message"]


async def test_deadline_cancels_the_job_and_reports_timeout():
    hook = ScriptedHook([JobState.QUEUED])
    event = await _first_event(_trigger(hook, deadline=time.time() + 0.1))
    assert event["status"] == "timeout" and hook.cancels == 1
    assert "was cancelled" in event["message"]


async def test_deadline_reached_as_the_job_ends_does_not_claim_a_cancel():
    hook = ScriptedHook([JobState.RUNNING], cancel_error=InvalidStateError("final", status=409))
    event = await _first_event(_trigger(hook, deadline=time.time() + 0.05))
    assert event["status"] == "timeout" and hook.cancels == 1
    assert "had already ended" in event["message"] and "was cancelled" not in event["message"]


async def test_a_failing_cancel_at_the_deadline_is_reported():
    hook = ScriptedHook([JobState.RUNNING], cancel_error=ServiceError("down", status=503))
    event = await _first_event(_trigger(hook, deadline=time.time() + 0.05))
    assert event["status"] == "timeout" and "cancelling it failed" in event["message"]


async def test_deadline_without_cancel_on_kill_leaves_the_job():
    hook = ScriptedHook([JobState.RUNNING])
    event = await _first_event(_trigger(hook, deadline=time.time() + 0.1, cancel_on_kill=False))
    assert event["status"] == "timeout" and hook.cancels == 0
    assert "keeps running" in event["message"]


async def test_on_kill_cancels_the_remote_job():
    hook = ScriptedHook([JobState.RUNNING])
    trigger = _trigger(hook)
    await trigger.on_kill()
    assert hook.cancels == 1 and hook.closed


async def test_on_kill_of_a_final_job_is_quiet():
    hook = ScriptedHook([JobState.SUCCEEDED], cancel_error=InvalidStateError("final", status=409))
    await _trigger(hook).on_kill()
    assert hook.cancels == 1


async def test_on_kill_respects_cancel_on_kill_false():
    hook = ScriptedHook([JobState.RUNNING])
    await _trigger(hook, cancel_on_kill=False).on_kill()
    assert hook.cancels == 0


async def test_cleanup_never_cancels():
    hook = ScriptedHook([JobState.RUNNING])
    await _trigger(hook).cleanup()
    assert hook.cancels == 0


async def test_polls_back_off_towards_the_cap():
    hook = ScriptedHook([JobState.QUEUED] * 6 + [JobState.SUCCEEDED])
    await _first_event(_trigger(hook, poll_interval=0.02, max_poll_interval=0.08))
    gaps = [later - earlier for earlier, later in zip(hook.polls, hook.polls[1:], strict=False)]
    assert gaps[-1] > gaps[0]
    assert max(gaps) < 0.08 * 1.2 + 0.05


async def test_a_killed_wait_closes_its_hook():
    hook = ScriptedHook([JobState.RUNNING])
    task = asyncio.ensure_future(_first_event(_trigger(hook)))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert hook.closed and hook.cancels == 0


def test_vendor_triggers_poll_with_a_short_transport_retry_budget():
    from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger
    from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger

    for trigger_class in (AzureQuantumJobTrigger, IBMQuantumJobTrigger):
        hook = trigger_class(conn_id="any", job_id="j")._make_hook()
        policy = hook.client_options["retry_policy"]
        assert policy.max_retries == 2 and policy.backoff_max <= 10.0
