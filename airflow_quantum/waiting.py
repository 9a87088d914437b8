"""The provider's two waits for a job, side by side: one sync, one async, one policy.

Every wait of the provider runs here: the hooks' ``wait_for_job`` (Azure's ``wait_until_completed``,
IBM's ``wait_for_final_state``), an operator waiting on its worker (``deferrable=False``), the IBM
session wait, a sensor's poke (one look, :func:`look`), a deferrable task's look before it
defers (:func:`first_look`) and the triggers' loop. They share:

- one backoff: the first wait, then 1.5 times longer each time up to a cap (:class:`Backoff`);
- one transient-error policy (:func:`transient_pause`): a 429 (after its ``Retry-After``), a
  5xx or a connection failure is ridden out, the wait looks again later; any other error (a
  4xx: the job is gone, the credentials are refused, ...) ends the wait;
- one final-state → outcome map (:data:`OUTCOMES`, :func:`final_event`, :func:`failure_text`).

So a wait rides out the same faults whether it runs deferred, on a worker or in a sensor.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from airflow_quantum.clients.errors import (
    InvalidInputError,
    JobTimeoutError,
    RateLimitedError,
    ServiceError,
)
from airflow_quantum.clients.state import JobState

T = TypeVar("T")

#: Event statuses a wait can end with.
SUCCESS, FAILED, CANCELLED, TIMEOUT, ERROR = "success", "failed", "cancelled", "timeout", "error"
#: The outcome of each final state.
OUTCOMES: dict[JobState, str] = {
    JobState.SUCCEEDED: SUCCESS,
    JobState.FAILED: FAILED,
    JobState.CANCELLED: CANCELLED,
}
#: Growth of the polling interval after each poll, up to the cap.
BACKOFF = 1.5
#: Share of each wait drawn at random, so thousands of waits do not poll in lockstep.
JITTER = 0.2
#: A run of transient failures is logged at its first and then every this many.
LOG_EVERY = 10
#: Errors a wait rides out: the service failed or was unreachable (5xx, connection errors
#: after the transport's own retries), or asked for a pause (429).
TRANSIENT: tuple[type[Exception], ...] = (ServiceError, RateLimitedError)


# ------------------------------------------------------------------------- the policy


def transient_pause(exc: BaseException) -> float | None:
    """None when ``exc`` ends a wait; else how long the service asked to pause (0: no ask)."""
    if isinstance(exc, TRANSIENT):
        return float(getattr(exc, "retry_after", None) or 0.0)
    return None


def spread(seconds: float) -> float:
    """``seconds`` with +/- ``JITTER`` drawn at random."""
    return seconds * (1 + random.uniform(-JITTER, JITTER))


def interval_at_age(poll_interval: float, max_poll_interval: float, age: float) -> float:
    """The interval a wait of this ``age`` (seconds) has reached by backing off.

    After ``k`` polls a wait has waited ``2p(1.5^k - 1)`` seconds and its interval is
    ``p * 1.5^k``; so at age ``t`` its interval is ``p + t/2`` (the shared poller needs each
    wait's interval *now*, however often the wait was served).
    """
    return min(max_poll_interval, poll_interval + max(0.0, age) * (BACKOFF - 1))


class Backoff:
    """The growing interval: ``first``, then ×1.5 each time up to ``cap``.

    ``hold(seconds)`` makes the next pause at least that long (a ``Retry-After``).
    """

    __slots__ = ("cap", "held", "wait")

    def __init__(self, first: float, cap: float | None = None) -> None:
        self.wait = float(first)
        self.cap = max(float(cap), self.wait) if cap is not None else self.wait
        self.held = 0.0

    def next(self) -> float:
        """The pause before the next look; the interval after it grows."""
        pause = max(self.wait, self.held)
        self.held = 0.0
        self.wait = min(self.cap, self.wait * BACKOFF)
        return pause

    def hold(self, seconds: float) -> None:
        self.held = max(self.held, seconds)


def final_event(what: str, state: JobState, message: str | None) -> tuple[str, str]:
    """The outcome of a final ``state`` and its message (the vendor's, when it gave one)."""
    if state is JobState.SUCCEEDED:
        return SUCCESS, f"{what} succeeded"
    if state is JobState.CANCELLED:
        return CANCELLED, message or f"{what} was cancelled"
    return OUTCOMES[state], message or f"{what} failed (no message)"


def failure_text(what: str, state: JobState, message: str | None) -> str:
    """Why a task fails on a job that did not succeed, e.g. ``... ended failed: <message>``."""
    reason = message or ("was cancelled" if state is JobState.CANCELLED else "failed")
    return f"{what} ended {state.value}: {reason}"


class WaitTimeout(JobTimeoutError):
    """The wait ran out of time; the job was not cancelled. ``last`` is the last value seen."""

    def __init__(self, message: str, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class Watch:
    """What a wait tells its log: each state once, and runs of transient failures.

    ``last`` is the last state seen (None before the first). ``quiet_if_final`` keeps quiet
    about a job already final at the first look (its state was reported where it was seen).
    """

    def __init__(self, what: str, log: Any, *, quiet_if_final: bool = False) -> None:
        self.what = what
        self.log = log if log is not None else logging.getLogger(__name__)
        self.quiet_if_final = quiet_if_final
        self.last: JobState | None = None
        self.looks = 0
        self.failures = 0

    def changed(self, state: JobState) -> bool:
        """Whether ``state`` is news (the caller logs it, maybe with details)."""
        first = self.looks == 0
        self.looks += 1
        if state is self.last:
            return False
        self.last = state
        return not (first and self.quiet_if_final and state.is_final)

    def saw(self, state: JobState, detail: str = "") -> None:
        """Log ``state`` when it is news."""
        if self.changed(state):
            self.log.info("%s: %s%s", self.what, state.value, detail)

    def failed(self, exc: BaseException) -> None:
        self.failures += 1
        if self.failures == 1 or self.failures % LOG_EVERY == 0:
            self.log.warning("%s: service unavailable (%s); still waiting", self.what, exc)

    def recovered(self) -> None:
        if self.failures:
            self.log.info("%s: service reachable again", self.what)
            self.failures = 0


def look(fetch: Callable[[], T], watch: Watch) -> T | None:
    """One look (a sensor's poke, the check before deferring): None when it met a
    transient error (logged; look again later); any other error is raised."""
    try:
        value = fetch()
    except TRANSIENT as exc:
        watch.failed(exc)
        return None
    watch.recovered()
    return value


def check_wait(timeout: Any, poll_interval: Any) -> None:
    """``InvalidInputError`` naming ``timeout`` (seconds >= 0 or None) or ``poll_interval``
    (seconds > 0 or None) when it is not a number in range."""
    for name, value, zero_ok in (
        ("timeout", timeout, True),
        ("poll_interval", poll_interval, False),
    ):
        if value is None:
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not (value >= 0 if zero_ok else value > 0):
            bound = ">= 0" if zero_ok else "> 0"
            raise InvalidInputError(
                f"{name} must be a number of seconds {bound}, got {value!r:.40}"
            )


def _left(deadline: float | None, now: float) -> float | None:
    return None if deadline is None else max(0.0, deadline - now)


# ------------------------------------------------------------------------- sync


def wait(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    backoff: Backoff,
    watch: Watch,
    timeout: float | None = None,
    seen: Callable[[T], None] | None = None,
    sleep: Callable[[float], Any] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Look with ``fetch`` until ``done``; return the last value.

    ``seen`` is called with every value looked at (e.g. ``lambda job: watch.saw(job.state)``).
    Transient errors are ridden out (:func:`transient_pause`). After ``timeout`` seconds,
    ``WaitTimeout`` (with the last value seen); nothing is cancelled here.
    """
    deadline = None if timeout is None else clock() + timeout
    last: T | None = None
    while True:
        try:
            value = fetch()
        except TRANSIENT as exc:
            watch.failed(exc)
            backoff.hold(transient_pause(exc) or 0.0)
        else:
            watch.recovered()
            last = value
            if seen is not None:
                seen(value)
            if done(value):
                return value
        left = _left(deadline, clock())
        if left == 0.0:
            raise WaitTimeout(
                f"{watch.what} did not finish within {timeout:g} s; it was not cancelled", last
            )
        pause = backoff.next()
        sleep(pause if left is None else min(pause, left))


#: Pauses between the looks of a first look: from 1 s up to 3 s (or the task's own intervals
#: if shorter): about ten requests in 20 s.
FIRST_LOOK_PAUSE, LOOK_PAUSE_CAP = 1.0, 3.0


def first_look(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    within: float,
    poll_interval: float,
    max_poll_interval: float,
    watch: Watch,
    seen: Callable[[T], None] | None = None,
) -> T | None:
    """The look of a task before it defers (an operator's, a sensor's): :func:`wait` for up
    to ``within`` seconds, looking every 1-3 s, so that a job done by then ends the task on
    its worker; one :func:`look` when ``within`` is 0. Returns the last value seen, done or
    not (None: only transient errors were met; look again later).
    """
    if within <= 0:
        value = look(fetch, watch)
        if value is not None and seen is not None:
            seen(value)
        return value
    backoff = Backoff(min(poll_interval, FIRST_LOOK_PAUSE), min(max_poll_interval, LOOK_PAUSE_CAP))
    try:
        return wait(fetch, done, backoff=backoff, watch=watch, timeout=within, seen=seen)
    except WaitTimeout as timed_out:
        return timed_out.last


# ------------------------------------------------------------------------ async


class Schedule(Protocol):
    """When an async wait looks next (the triggers' own or shared polling)."""

    async def next(self) -> Any:
        """``LOOK`` (fetch now), a value to use as fetched, or None (nothing new)."""

    def back_off(self, seconds: float) -> None:
        """The service asked for a pause (``Retry-After``)."""

    def saw_error(self) -> None:
        """A look failed."""


#: What ``Schedule.next`` answers when the wait should fetch its job itself.
LOOK = "confirm"


class Pacing:
    """The async wait's own schedule: a :class:`Backoff` with jitter, first pause random."""

    __slots__ = ("backoff", "deadline", "delay")

    def __init__(self, first: float, cap: float, deadline: float | None = None) -> None:
        self.backoff = Backoff(first, cap)
        self.deadline = deadline
        # A random first delay spreads the waits that start together (a restart, a mapped task).
        self.delay = random.uniform(0, first)

    async def next(self) -> Any:
        delay = self.delay
        left = _left(self.deadline, time.time())
        await asyncio.sleep(delay if left is None else min(delay, left))
        self.delay = spread(self.backoff.next())
        return LOOK

    def back_off(self, seconds: float) -> None:
        self.delay = max(self.delay, seconds)

    def saw_error(self) -> None:
        """A look failed: nothing to remember here."""

    def close(self) -> None:
        """Nothing to give back."""


async def await_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    schedule: Schedule,
    watch: Watch,
    deadline: float | None = None,
    seen: Callable[[T], Awaitable[None]] | None = None,
) -> T:
    """The async twin of :func:`wait`: look when ``schedule`` says, until ``done``.

    ``deadline`` is wall-clock (epoch seconds, as a trigger carries it); past it,
    ``WaitTimeout`` with the last state seen. Transient errors are ridden out.
    """
    while True:
        news = await schedule.next()
        if deadline is not None and time.time() >= deadline:
            raise WaitTimeout(f"{watch.what} passed its deadline", watch.last)
        if news is None:
            continue
        if news is LOOK:
            try:
                value = await fetch()
            except TRANSIENT as exc:
                watch.failed(exc)
                schedule.back_off(transient_pause(exc) or 0.0)
                schedule.saw_error()
                continue
        else:
            value = news
        watch.recovered()
        if seen is not None:
            await seen(value)
        if done(value):
            return value
        # Hold no job model while waiting: thousands of waits would keep thousands.
        value = news = None
