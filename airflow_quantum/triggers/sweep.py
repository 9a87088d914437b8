"""One deferral for all the jobs of a sweep: N waits in one trigger, through the shared poller.

Each job is followed by the same async loop as a single job's trigger (``waiting.await_until``:
same backoff, same transient-error rules), scheduled by the connection's shared poller, so the
requests of a round grow with connections, not jobs (a job is read on its own once, when it
leaves the listing of pending jobs). The wait ends when every job is final, when a job failed
for a permanent cause (the policy says stop: the task fails whatever the others do), or at the
deadline. The log shows progress (done, running, queued) at most every ``progress_interval``
seconds. The event is small: counts, and the failed jobs with their cause, never results.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from airflow_quantum import waiting
from airflow_quantum.clients.errors import InvalidInputError, QuantumError
from airflow_quantum.clients.state import CancelOutcome, FailureCause, JobState
from airflow_quantum.spending.ibm_usage import OVER_BUDGET_KEY
from airflow_quantum.sweeps.policy import ends_sweep, failure_record
from airflow_quantum.triggers import scope as scopes
from airflow_quantum.triggers.base import CANCEL_TIMEOUT, QuantumWaitTrigger, job_polls
from airflow_quantum.triggers.hold import hold_until_drained
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

try:
    from airflow.triggers.base import TriggerEvent
except ImportError:  # pragma: no cover
    from airflow.sdk.bases.trigger import TriggerEvent  # type: ignore[no-redef]

#: Failed jobs whose message the event carries (all are listed, without messages, beyond).
EVENT_MESSAGES = 20
#: Characters of a vendor's message kept in the event.
MESSAGE_CHARS = 300


class QuantumSweepTrigger(QuantumWaitTrigger):
    """Waits for all the jobs of a sweep (vendor classes name their ``hook_class``).

    :param job_ids: the jobs to wait for.
    :param progress_interval: seconds between progress lines in the log.

    The other arguments are ``triggers.base.QuantumWaitTrigger``'s: ``poll_interval`` is the
    first wait between looks at each job; at the ``deadline`` the jobs not final are cancelled
    if ``cancel_on_kill``.
    """

    serialized_kwargs = (*QuantumWaitTrigger.serialized_kwargs, "job_ids", "progress_interval")

    def __init__(
        self, conn_id: str, job_ids: list[str], progress_interval: float = 60.0, **wait: Any
    ) -> None:
        super().__init__(conn_id=conn_id, **wait)
        if not job_ids or not all(isinstance(job_id, str) and job_id for job_id in job_ids):
            raise InvalidInputError("job_ids must be a non-empty list of job ids")
        self.job_ids = list(job_ids)
        self.progress_interval = float(progress_interval)
        #: The last state seen of each job.
        self.states: dict[str, JobState] = {}
        #: Why the sweep is over its spending limit (``judge``), once it is.
        self.verdict: str | None = None

    async def run(self) -> AsyncIterator[TriggerEvent]:
        event = await self._wait()
        what = f"{self.vendor} sweep of {len(self.job_ids)} job(s)"
        await hold_until_drained(self.deferred_at, self.log, what)
        yield TriggerEvent(event)

    async def on_kill(self) -> None:
        """The task was killed, failed or cleared while deferred: cancel the jobs not final."""
        if not self.cancel_on_kill:
            self.log.info("the %s jobs keep running (cancel_on_kill=False)", self.vendor)
            return
        try:
            scope = await self._acquire()
        except QuantumError as exc:
            self.log.warning("could not cancel the %s jobs: %s", self.vendor, exc)
            return
        try:
            await self._cancel_open(scope, "the task was killed while deferred")
        finally:
            await scopes.release(scope)

    # ------------------------------------------------------------------------- the wait

    async def _wait(self) -> dict[str, Any]:
        try:
            scope = await self._acquire()
        except QuantumError as exc:
            return self._event(ERROR, str(exc), [])
        failures: list[dict[str, Any]] = []
        stop = asyncio.Event()
        try:
            client = await scope.hook.aclient()
            follows = [
                asyncio.ensure_future(self._follow(scope, client, job_id, failures, stop))
                for job_id in self.job_ids
            ]
            progress = asyncio.ensure_future(self._progress(stop))
            everything = asyncio.gather(*follows)
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({everything, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (*follows, progress, stopped):
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await everything
                with contextlib.suppress(asyncio.CancelledError):
                    await progress
            errors = [task.exception() for task in follows if _raised(task)]
            if errors:
                raise errors[0]  # a bug: it must show, not become an event
            self._log_progress()
            return await self._outcome(scope, failures)
        finally:
            await scopes.release(scope)

    async def _follow(
        self,
        scope: scopes.ConnectionScope,
        client: Any,
        job_id: str,
        failures: list[dict[str, Any]],
        stop: asyncio.Event,
    ) -> None:
        """Follow one job to its final state (or the deadline); record a failure."""
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log)
        polls = job_polls(self, scope, client, job_id)

        async def fetch() -> Any:
            async with scope.slots:
                return await client.get_job(job_id)

        async def seen(job: Any) -> None:
            self.states[job_id] = job.state
            verdict = self.judge(job_id, job)
            if verdict is not None and self.verdict is None:
                self.verdict = verdict
                stop.set()

        try:
            job = await waiting.await_until(
                fetch,
                lambda job: job.state.is_final,
                schedule=polls,
                watch=watch,
                deadline=self.deadline,
                seen=seen,
            )
        except waiting.WaitTimeout:
            stop.set()
            return
        except QuantumError as exc:  # e.g. the job is gone: it cannot be merged
            failures.append(_failure(job_id, JobState.UNKNOWN, None, None, str(exc)))
            stop.set()
            return
        finally:
            polls.close()
        if job.state is JobState.SUCCEEDED:
            return
        cause = job.failure_cause()
        failures.append(_failure(job_id, job.state, cause, job.failure_code(), job.error_message()))
        if ends_sweep(failures[-1]["state"], failures[-1]["cause"]):
            stop.set()

    def judge(self, job_id: str, job: Any) -> str | None:
        """Each look at a job: why the whole sweep must stop for its cost (its jobs not final
        are then cancelled), else None (the default: no limit while waiting)."""
        return None

    async def _progress(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(self.progress_interval)
            self._log_progress()

    def _log_progress(self) -> None:
        tally = Counter(self.states.get(job_id, JobState.QUEUED) for job_id in self.job_ids)
        done = sum(count for state, count in tally.items() if state.is_final)
        self.log.info(
            "%s sweep: %d/%d jobs done (%d failed or cancelled), %d running, %d queued",
            self.vendor,
            done,
            len(self.job_ids),
            tally[JobState.FAILED] + tally[JobState.CANCELLED],
            tally[JobState.RUNNING] + tally[JobState.FINISHING],
            tally[JobState.QUEUED] + tally[JobState.UNKNOWN],
        )

    async def _outcome(
        self, scope: scopes.ConnectionScope, failures: list[dict[str, Any]]
    ) -> dict[str, Any]:
        open_jobs = [job_id for job_id in self.job_ids if not self._final(job_id)]
        if self.verdict is not None:
            await self._cancel_open(scope, self.verdict)
            event = self._event(
                CANCELLED, f"{self.verdict}; the jobs not final were cancelled", failures
            )
            return {**event, OVER_BUDGET_KEY: True}
        if not failures and open_jobs:  # the deadline passed
            message = f"the wait for {len(open_jobs)} {self.vendor} job(s) passed its deadline"
            if self.cancel_on_kill:
                await self._cancel_open(scope, "the wait passed its deadline")
                message += "; they were cancelled"
            else:
                message += "; they keep running (cancel_on_kill=False)"
            return self._event(TIMEOUT, message, failures)
        if failures:
            message = f"{len(failures)} job(s) did not succeed"
            stopped = [f for f in failures if ends_sweep(f["state"], f["cause"])]
            if stopped and open_jobs and self.cancel_on_kill:
                # The task fails whatever the other jobs do: they would be paid for nothing.
                await self._cancel_open(scope, "another job of the sweep failed for good")
                message += f"; {len(open_jobs)} job(s) not final were cancelled"
            return self._event(FAILED, message, failures)
        return self._event(SUCCESS, f"all {len(self.job_ids)} {self.vendor} jobs succeeded", [])

    def _final(self, job_id: str) -> bool:
        state = self.states.get(job_id)
        return state is not None and state.is_final

    async def _cancel_open(self, scope: scopes.ConnectionScope, why: str) -> None:
        open_jobs = [job_id for job_id in self.job_ids if not self._final(job_id)]
        self.log.info("cancelling %d %s job(s): %s", len(open_jobs), self.vendor, why)

        async def cancel(job_id: str) -> CancelOutcome:
            async with scope.slots:
                return await scope.hook.acancel_job(job_id)

        try:
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(cancel(job_id) for job_id in open_jobs), return_exceptions=True),
                CANCEL_TIMEOUT,
            )
        except asyncio.TimeoutError:
            self.log.warning("cancelling the %s jobs took too long; some may run", self.vendor)
            return
        failed = [job_id for job_id, out in zip(open_jobs, outcomes, strict=True) if _bad(out)]
        if failed:
            self.log.warning("could not cancel %d %s job(s)", len(failed), self.vendor)

    def _event(self, status: str, message: str, failures: list[dict[str, Any]]) -> dict[str, Any]:
        """Small, plain JSON: how many jobs succeeded, and the failures (messages for the
        first ``EVENT_MESSAGES``)."""
        succeeded = sum(1 for state in self.states.values() if state is JobState.SUCCEEDED)
        listed = [
            {**failure, "message": failure["message"] if index < EVENT_MESSAGES else None}
            for index, failure in enumerate(failures)
        ]
        return {
            "status": status,
            "message": message,
            "jobs": len(self.job_ids),
            "succeeded": succeeded,
            "failures": listed,
        }


def _failure(
    job_id: str, state: JobState, cause: FailureCause | None, code: str | None, message: Any
) -> dict[str, Any]:
    return failure_record(
        job_id, state, cause, code, str(message)[:MESSAGE_CHARS] if message else None
    )


def _raised(task: asyncio.Future[Any]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _bad(outcome: Any) -> bool:
    return isinstance(outcome, BaseException) or outcome is CancelOutcome.FAILED
