"""The provider's two waits and the policy they share (``airflow_quantum.waiting``), no network."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from airflow_quantum import waiting
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidInputError,
    JobTimeoutError,
    NotFoundError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.state import JobState

LOG = logging.getLogger("test-waiting")


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def scripted(*steps: Any):
    """A fetch answering each step in turn (an exception is raised), the last one for ever."""
    answers = list(steps)

    def fetch() -> Any:
        step = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(step, Exception):
            raise step
        return step

    return fetch


def run_wait(fetch: Any, clock: FakeClock, **kwargs: Any) -> Any:
    options = {"backoff": waiting.Backoff(1.0, 4.0), "watch": waiting.Watch("job j", LOG)}
    return waiting.wait(
        fetch, lambda state: state.is_final, sleep=clock.sleep, clock=clock, **options, **kwargs
    )


def test_one_backoff_grows_by_half_up_to_its_cap_and_honours_a_hold():
    backoff = waiting.Backoff(1.0, 4.0)
    assert [backoff.next() for _ in range(5)] == [1.0, 1.5, 2.25, 3.375, 4.0]
    backoff.hold(9.0)
    assert backoff.next() == 9.0 and backoff.next() == 4.0
    assert [waiting.Backoff(2.0).next() for _ in range(2)] == [2.0, 2.0]  # no cap: fixed
    assert waiting.Backoff(5.0, 1.0).cap == 5.0  # the cap is never below the first wait


def test_the_shared_poller_reads_the_same_curve_by_age():
    poll, cap, age, wait = 2.0, 60.0, 0.0, 2.0
    for _ in range(8):
        assert waiting.interval_at_age(poll, cap, age) == pytest.approx(min(wait, cap))
        age, wait = age + wait, wait * waiting.BACKOFF


@pytest.mark.parametrize(
    ("error", "pause"),
    [
        (ServiceError("down", status=503), 0.0),
        (ServiceError("unreachable"), 0.0),  # a connection error after the transport's retries
        (RateLimitedError("slow", status=429, retry_after=7.0), 7.0),
        (RateLimitedError("slow", status=429), 0.0),
        (NotFoundError("gone", status=404), None),
        (AuthenticationError("no", status=401), None),
        (BadRequestError("bad", status=400), None),
        (ValueError("a bug"), None),
    ],
)
def test_one_transient_policy(error, pause):
    assert waiting.transient_pause(error) == pause


def test_one_outcome_map_for_every_final_state():
    assert waiting.OUTCOMES == {
        JobState.SUCCEEDED: waiting.SUCCESS,
        JobState.FAILED: waiting.FAILED,
        JobState.CANCELLED: waiting.CANCELLED,
    }
    assert waiting.final_event("X job j", JobState.SUCCEEDED, None) == (
        "success",
        "X job j succeeded",
    )
    assert waiting.final_event("X job j", JobState.FAILED, "boom") == ("failed", "boom")
    assert waiting.final_event("X job j", JobState.FAILED, None)[1] == "X job j failed (no message)"
    assert waiting.final_event("X job j", JobState.CANCELLED, None)[1] == "X job j was cancelled"
    assert waiting.failure_text("X job j", JobState.FAILED, "boom") == "X job j ended failed: boom"
    assert waiting.failure_text("X job j", JobState.CANCELLED, None) == (
        "X job j ended cancelled: was cancelled"
    )


def test_the_sync_wait_rides_out_transient_errors_and_honours_retry_after():
    clock = FakeClock()
    fetch = scripted(
        JobState.QUEUED,
        ServiceError("down", status=503),
        RateLimitedError("slow", status=429, retry_after=10.0),
        JobState.RUNNING,
        JobState.SUCCEEDED,
    )
    assert run_wait(fetch, clock) is JobState.SUCCEEDED
    assert clock.sleeps == [1.0, 1.5, 10.0, 3.375]


@pytest.mark.parametrize("error", [NotFoundError("gone", status=404), AuthenticationError("no")])
def test_the_sync_wait_ends_on_any_other_error(error):
    with pytest.raises(type(error)):
        run_wait(scripted(JobState.QUEUED, error), FakeClock())


def test_the_sync_wait_times_out_with_the_last_value_and_cancels_nothing():
    clock = FakeClock()
    with pytest.raises(waiting.WaitTimeout) as caught:
        run_wait(scripted(JobState.QUEUED), clock, timeout=5.0)
    assert isinstance(caught.value, JobTimeoutError)
    assert caught.value.last is JobState.QUEUED and "not cancelled" in str(caught.value)
    assert sum(clock.sleeps) == pytest.approx(5.0)  # the last pause is cut to the deadline


def test_a_single_look_calls_transient_errors_not_known_yet():
    watch = waiting.Watch("job j", LOG)
    assert waiting.look(scripted(ServiceError("down", status=502)), watch) is None
    assert watch.failures == 1
    assert waiting.look(scripted(JobState.RUNNING), watch) is JobState.RUNNING
    assert watch.failures == 0
    with pytest.raises(NotFoundError):
        waiting.look(scripted(NotFoundError("gone", status=404)), watch)


def test_the_watch_tells_each_state_once():
    watch = waiting.Watch("job j", LOG)
    assert [watch.changed(s) for s in (JobState.QUEUED, JobState.QUEUED, JobState.RUNNING)] == [
        True,
        False,
        True,
    ]
    quiet = waiting.Watch("job j", LOG, quiet_if_final=True)
    assert quiet.changed(JobState.SUCCEEDED) is False and quiet.last is JobState.SUCCEEDED


@pytest.mark.parametrize(
    ("timeout", "poll_interval", "name"),
    [
        (-1, None, "timeout"),
        (True, None, "timeout"),
        (None, 0, "poll_interval"),
        (None, "1", "poll"),
    ],
)
def test_wait_arguments_are_checked(timeout, poll_interval, name):
    with pytest.raises(InvalidInputError, match=name):
        waiting.check_wait(timeout, poll_interval)
    waiting.check_wait(0, 0.1)  # a zero timeout is one look


class ListSchedule:
    """A schedule answering from a list: ``LOOK``, a value, or None."""

    def __init__(self, news: list[Any]) -> None:
        self.news = news
        self.pauses: list[float] = []
        self.errors = 0

    async def next(self) -> Any:
        await asyncio.sleep(0)
        return self.news.pop(0) if len(self.news) > 1 else self.news[0]

    def back_off(self, seconds: float) -> None:
        self.pauses.append(seconds)

    def saw_error(self) -> None:
        self.errors += 1


async def test_the_async_twin_shares_the_policy():
    answers = iter(
        [
            RateLimitedError("slow", status=429, retry_after=3.0),
            JobState.RUNNING,
            JobState.SUCCEEDED,
        ]
    )

    async def fetch() -> Any:
        step = next(answers)
        if isinstance(step, Exception):
            raise step
        return step

    schedule = ListSchedule([waiting.LOOK, None, waiting.LOOK, JobState.QUEUED, waiting.LOOK])
    seen: list[JobState] = []

    async def saw(state: JobState) -> None:
        seen.append(state)

    watch = waiting.Watch("job j", LOG)
    done = await waiting.await_until(
        fetch, lambda s: s.is_final, schedule=schedule, watch=watch, seen=saw
    )
    assert done is JobState.SUCCEEDED
    assert seen == [JobState.RUNNING, JobState.QUEUED, JobState.SUCCEEDED]
    assert schedule.pauses == [3.0] and schedule.errors == 1


async def test_the_async_twin_ends_at_its_deadline_with_the_last_state():
    async def fetch() -> JobState:
        return JobState.QUEUED

    watch = waiting.Watch("job j", LOG)

    async def saw(state: JobState) -> None:
        watch.saw(state)

    schedule = waiting.Pacing(0.01, 0.02, deadline=None)
    with pytest.raises(waiting.WaitTimeout) as caught:
        await waiting.await_until(
            fetch,
            lambda s: s.is_final,
            schedule=schedule,
            watch=watch,
            deadline=time.time() + 0.1,
            seen=saw,
        )
    assert caught.value.last is JobState.QUEUED
