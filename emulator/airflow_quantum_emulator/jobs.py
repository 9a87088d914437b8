"""The life of an emulated job, shared by both vendors.

A job is queued for ``queue_seconds``, runs for ``run_seconds`` (and until its computation,
started in a worker thread at submission, has finished), then ends. Its phase is derived from
the clock on every read, so no background task has to move thousands of jobs along. Each
vendor maps ``Phase`` onto its own status words.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_quantum_emulator.clock import Clock


class Phase(str, enum.Enum):
    """Vendor-neutral phase of an emulated job."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHING = "finishing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)


#: Longest a control call that ends a job waits for its computation, in seconds.
COMPUTE_WAIT = 30.0
#: Share of the run time reported as "finishing" by vocabularies that have that word.
FINISHING_SHARE = 0.2


@dataclass
class JobFailure:
    """Why a job failed: the vendor's error code and message."""

    code: str
    message: str


@dataclass
class EmulatedJob:
    """Timing, outcome and computed result of one job; vendors keep their wire fields beside it."""

    vendor: str
    job_id: str
    created_at: float
    queue_seconds: float
    run_seconds: float
    backend: str = ""
    result_future: Future[Any] | None = None
    computed_at: float | None = None
    forced_failure: JobFailure | None = None
    failure_at_start: bool = False
    external_cancel: bool = False
    cancelled_at: float | None = None
    wire: dict[str, Any] = field(default_factory=dict)

    @property
    def starts_at(self) -> float:
        return self.created_at + self.queue_seconds

    @property
    def scheduled_end(self) -> float:
        return self.starts_at + self.run_seconds

    def phase(self, now: float) -> Phase:
        """The phase at time ``now``."""
        if self.cancelled_at is not None and self.cancelled_at <= now:
            return Phase.CANCELLED
        if now < self.starts_at:
            return Phase.QUEUED
        if self.external_cancel:
            self.cancelled_at = self.starts_at
            return Phase.CANCELLED
        if self.forced_failure is not None and self.failure_at_start:
            return Phase.FAILED
        end = self.ended_at(now)
        if end is None:
            if now >= self.scheduled_end - FINISHING_SHARE * self.run_seconds and (
                self.result_future is None or self.result_future.done()
            ):
                return Phase.FINISHING
            return Phase.RUNNING
        if self.forced_failure is not None or self.compute_error() is not None:
            return Phase.FAILED
        return Phase.SUCCEEDED

    def ended_at(self, now: float) -> float | None:
        """When the job ended (or None while it has not)."""
        if self.cancelled_at is not None and self.cancelled_at <= now:
            return self.cancelled_at
        if now < self.starts_at:
            return None
        if self.external_cancel:
            return self.starts_at
        if self.forced_failure is not None and self.failure_at_start:
            return self.starts_at
        if self.result_future is not None and not self.result_future.done():
            return None
        end = max(self.scheduled_end, self.computed_at or 0.0)
        return end if now >= end else None

    def started_at(self, now: float) -> float | None:
        """When the job started running (None while queued or if cancelled in the queue)."""
        if now < self.starts_at:
            return None
        if self.cancelled_at is not None and self.cancelled_at < self.starts_at:
            return None
        if self.external_cancel:
            return None
        return self.starts_at

    def failure(self, now: float) -> JobFailure | None:
        """The failure of a failed job."""
        if self.phase(now) is not Phase.FAILED:
            return None
        return self.forced_failure or self.compute_error()

    def compute_error(self) -> JobFailure | None:
        if self.result_future is None or not self.result_future.done():
            return None
        error = self.result_future.exception()
        if error is None:
            return None
        if isinstance(error, JobFailureError):
            return error.failure
        return JobFailure("ExecutionFailed", f"the job failed while running: {error}")

    def result(self) -> Any:
        """The computed result (only call once the job has succeeded)."""
        return None if self.result_future is None else self.result_future.result()

    def cancel(self, now: float) -> None:
        self.cancelled_at = now

    def copy_as(self, job_id: str, now: float) -> EmulatedJob:
        """A twin submitted at ``now``: same timings, outcome and (shared) computed result."""
        return replace(self, job_id=job_id, created_at=now, cancelled_at=None, wire={})

    def finish_now(self, now: float) -> None:
        """Make the job end at ``now`` (control API): skip what is left of queue and run."""
        elapsed = max(0.0, now - self.created_at)
        self.queue_seconds = min(self.queue_seconds, elapsed)
        self.run_seconds = max(0.0, min(self.run_seconds, elapsed - self.queue_seconds))

    async def computation_done(self, timeout: float = COMPUTE_WAIT) -> None:
        """Wait (without blocking the loop) until the worker thread has computed the result.

        A job cannot end before its computation: callers that just forced the job's end wait
        here, so that what they answer is the final phase rather than a few milliseconds of
        "running" (a failed computation is a failed job, not an error here).
        """
        if self.result_future is None or self.result_future.done():
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self.result_future)), timeout)


class JobFailureError(Exception):
    """Raised by a job's computation to fail it with a vendor error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.failure = JobFailure(code, message)


class JobRegistry:
    """All jobs of both vendors, and the worker threads that compute their results."""

    def __init__(self, clock: Clock, workers: int = 2) -> None:
        self._clock = clock
        self._workers = workers
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="emulator-job")
        self.jobs: dict[str, EmulatedJob] = {}

    def add(self, job: EmulatedJob, compute: Callable[[], Any] | None) -> EmulatedJob:
        """Register a job and start computing its result in a worker thread."""
        if compute is not None:
            future = self._executor.submit(compute)
            future.add_done_callback(lambda _: setattr(job, "computed_at", self._clock.now()))
            job.result_future = future
        self.jobs[job.job_id] = job
        return job

    def get(self, job_id: str, vendor: str | None = None) -> EmulatedJob | None:
        job = self.jobs.get(job_id)
        if job is None or (vendor is not None and job.vendor != vendor):
            return None
        return job

    def remove(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)

    def reset(self) -> None:
        self.jobs.clear()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
