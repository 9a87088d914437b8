"""The deferred wait of every vendor: the async loop of ``waiting``, deadline, cancel-on-kill.

The loop itself (backoff, transient errors, outcome of a final state) is
``waiting.await_until``, the twin of the wait hooks and operators run on a worker. Vendor
triggers only name their hook (``_make_hook``); everything else lives here, so both
vendors behave the same when the network flaps, tokens expire or a user kills the task.

The waits of one connection in one triggerer share its connection read, one hook (one HTTP
client, one token) and, by default, one poller that lists the pending jobs once per round
instead of asking for each job (see ``scope`` and ``poller``); per-job polling stays one
option away (``shared_polling=False``, or the connection extra ``shared_polling: false``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

from airflow_quantum import waiting
from airflow_quantum.clients.errors import (
    InvalidInputError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.retries import RetryPolicy
from airflow_quantum.clients.state import CancelOutcome, FailureCause, JobState
from airflow_quantum.triggers import scope as scopes
from airflow_quantum.triggers.hold import hold_until_drained
from airflow_quantum.triggers.schedules import OwnPolls, SharedPolls
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

try:
    from airflow.triggers.base import BaseTrigger, TriggerEvent
except ImportError:  # pragma: no cover
    from airflow.sdk.bases.trigger import BaseTrigger, TriggerEvent  # type: ignore[no-redef]

#: Event statuses a waiting trigger can end with (defined in ``waiting``).
__all__ = [
    "CANCELLED",
    "ERROR",
    "FAILED",
    "SUCCESS",
    "TIMEOUT",
    "QuantumJobTrigger",
    "QuantumWaitTrigger",
]

#: Retries one status request may make inside the transport: the trigger's own loop keeps
#: waiting through outages, so a poll should give up early rather than back off for a minute.
POLL_RETRIES = 2
#: Longest transport backoff inside one poll, in seconds.
POLL_BACKOFF_MAX = 10.0

#: How long ``on_kill`` and the deadline cancel may take before giving up: under the
#: triggerer's own bound on ``on_kill`` (``[triggerer] on_kill_timeout``, 30 s by default), so
#: the trigger logs its own warning and closes its client rather than being cut off.
CANCEL_TIMEOUT = 20.0


def polling_policy(policy: RetryPolicy) -> RetryPolicy:
    """A vendor's retry policy cut down for one poll of a waiting trigger."""
    return replace(
        policy,
        max_retries=min(policy.max_retries, POLL_RETRIES),
        backoff_max=min(policy.backoff_max, POLL_BACKOFF_MAX),
    )


class QuantumWaitTrigger(BaseTrigger):
    """What every waiting trigger of the provider holds, whatever it waits for (one job:
    :class:`QuantumJobTrigger`; the jobs of a sweep: ``triggers.sweep.QuantumSweepTrigger``):
    its connection, polling, deadline, cancel-on-kill and deferral moment, and how it is
    serialized for another triggerer.

    :param conn_id: Airflow connection of the vendor.
    :param poll_interval: first wait between polls, in seconds.
    :param max_poll_interval: cap of the growing wait.
    :param deadline: wall-clock time (epoch seconds) after which the wait ends with ``timeout``.
    :param cancel_on_kill: cancel the remote jobs not final when the task is killed, marked
        failed or cleared while deferred, and when the deadline passes.
    :param shared_polling: follow the jobs through the connection's shared poller (one listing
        of pending jobs per round for all waits of the triggerer) instead of one ``GET`` per
        job and interval. None (default): the connection's extra ``shared_polling``, else on.
    :param deferred_at: when the task deferred (epoch seconds): the minimum deferral counts
        from it (``triggers.hold``).

    A trigger class names its ``hook_class`` and, in ``serialized_kwargs``, the arguments of its
    constructor (attributes of the same names) that ``serialize`` gives back;
    ``serialized_kwargs_if_set`` those given back only when not None (a vendor's spending limit).
    """

    hook_class: ClassVar[type[Any]]
    serialized_kwargs: ClassVar[tuple[str, ...]] = (
        "conn_id",
        "poll_interval",
        "max_poll_interval",
        "deadline",
        "cancel_on_kill",
        "shared_polling",
        "deferred_at",
    )
    serialized_kwargs_if_set: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        conn_id: str,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        deadline: float | None = None,
        cancel_on_kill: bool = True,
        shared_polling: bool | None = None,
        deferred_at: float | None = None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.poll_interval = float(poll_interval)
        self.max_poll_interval = max(float(max_poll_interval), self.poll_interval)
        self.deadline = deadline
        self.cancel_on_kill = cancel_on_kill
        if shared_polling is not None and not isinstance(shared_polling, bool):
            raise InvalidInputError(
                f"shared_polling must be True, False or None, got {shared_polling!r:.40}"
            )
        self.shared_polling = shared_polling
        self.deferred_at = None if deferred_at is None else float(deferred_at)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Only what another triggerer needs to rebuild the wait; never a secret."""
        kwargs = {name: getattr(self, name) for name in self.serialized_kwargs}
        for name in self.serialized_kwargs_if_set:
            if getattr(self, name) is not None:
                kwargs[name] = getattr(self, name)
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    @property
    def vendor(self) -> str:
        """The vendor's name, as its hook says it."""
        return self.hook_class.vendor

    def _make_hook(self) -> Any:
        """A new hook for the connection (the scope makes one and shares it), its retries cut
        down for polling."""
        return polling_hook(self.hook_class, self.conn_id)

    async def _acquire(self) -> scopes.ConnectionScope:
        return await acquire_scope(self)


class QuantumJobTrigger(QuantumWaitTrigger):
    """Polls one job until it is final, its deadline passes, or the task is killed.

    :param job_id: the job to wait for.

    The other arguments are :class:`QuantumWaitTrigger`'s.
    """

    serialized_kwargs = (*QuantumWaitTrigger.serialized_kwargs, "job_id")

    def __init__(self, conn_id: str, job_id: str, **wait: Any) -> None:
        super().__init__(conn_id=conn_id, **wait)
        self.job_id = job_id
        self._scope: scopes.ConnectionScope | None = None

    @property
    def hook(self) -> Any:
        """The hook of the connection scope this wait holds (only while it holds one)."""
        if self._scope is None:
            raise RuntimeError(f"{type(self).__name__} holds no connection scope right now")
        return self._scope.hook

    def read_state(self, job: Any) -> tuple[JobState, str | None]:
        """The job's state and, when it failed, the vendor's message."""
        message = job.error_message() if job.state in (JobState.FAILED,) else None
        return job.state, message

    async def describe_wait(self, job: Any) -> str:
        """Extra words for the state-change log line: the queue position of a queued job."""
        if job.state is not JobState.QUEUED:
            return ""
        try:
            position = await self.hook.aqueue_position(self.job_id)
        except QuantumError:
            return ""
        return f" (queue position {position})" if position is not None else ""

    async def vet_job(self, job: Any, scope: scopes.ConnectionScope) -> dict[str, Any] | None:
        """Judge each look at the job: an event ends the wait with it (e.g. a job cancelled
        for its cost); None (the default) waits on."""
        return None

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # The connection is given back before the event goes out: the triggerer may take its
        # time to close this generator after a single-event trigger fired.
        event = await self._wait()
        # Worded without "job ID: state": the state line was logged when the job got there.
        await hold_until_drained(self.deferred_at, self.log, f"{self.vendor} job {self.job_id}")
        yield TriggerEvent(event)

    async def on_kill(self) -> None:
        """The user killed, failed or cleared the deferred task: cancel its remote job."""
        if not self.cancel_on_kill:
            self.log.info(
                "%s job %s keeps running (cancel_on_kill=False)", self.vendor, self.job_id
            )
            return
        try:
            scope = await self._acquire()
        except QuantumError as exc:
            self.log.warning("could not cancel %s job %s: %s", self.vendor, self.job_id, exc)
            return
        try:
            await self._cancel("the task was killed while deferred", scope)
        finally:
            await scopes.release(scope)

    # ------------------------------------------------------------------------- the loop

    async def _wait(self) -> dict[str, Any]:
        try:
            scope = await self._acquire()
        except QuantumError as exc:  # e.g. a connection the client cannot use
            return self._event(ERROR, None, str(exc))
        self._scope = scope
        polls = self._schedule(scope, await scope.hook.aclient())
        try:
            return await self._follow(scope, polls)
        finally:
            polls.close()
            self._scope = None
            await scopes.release(scope)

    def _schedule(self, scope: scopes.ConnectionScope, client: Any) -> OwnPolls | SharedPolls:
        return job_polls(self, scope, client, self.job_id)

    async def _follow(
        self, scope: scopes.ConnectionScope, polls: OwnPolls | SharedPolls
    ) -> dict[str, Any]:
        watch = waiting.Watch(f"{self.vendor} job {self.job_id}", self.log)
        verdicts: list[dict[str, Any]] = []  # the event of a job ``vet_job`` stopped

        async def fetch() -> Any:
            client = await scope.hook.aclient()
            async with scope.slots:
                return await client.get_job(self.job_id)

        async def seen(job: Any) -> None:
            state, _ = self.read_state(job)
            if watch.changed(state):
                detail = ""
                if not state.is_final:
                    async with scope.slots:
                        detail = await self.describe_wait(job)
                self.log.info("%s: %s%s", watch.what, state.value, detail)
            verdict = await self.vet_job(job, scope)
            if verdict is not None:
                verdicts.append(verdict)

        try:
            job = await waiting.await_until(
                fetch,
                lambda job: bool(verdicts) or self.read_state(job)[0].is_final,
                schedule=polls,
                watch=watch,
                deadline=self.deadline,
                seen=seen,
            )
        except waiting.WaitTimeout:
            return await self._timeout_event(watch.last, scope)
        except NotFoundError as exc:
            return self._event(ERROR, None, f"job not found: {exc}")
        except QuantumError as exc:  # our own errors only: a bug must still crash
            return self._event(ERROR, watch.last, str(exc))
        if verdicts:
            return verdicts[0]
        state, message = self.read_state(job)
        status, text = waiting.final_event(watch.what, state, message)
        return self._event(status, state, text, job.failure_cause())

    # ------------------------------------------------------------------------------ helpers

    async def _timeout_event(
        self, last_state: JobState | None, scope: scopes.ConnectionScope
    ) -> dict[str, Any]:
        message = f"the wait for {self.vendor} job {self.job_id} passed its deadline"
        if self.cancel_on_kill:
            outcome = await self._cancel("the wait passed its deadline", scope)
            message += f"; {outcome.text}"
        else:
            message += "; the job keeps running (cancel_on_kill=False)"
        return self._event(TIMEOUT, last_state, message)

    async def _cancel(self, why: str, scope: scopes.ConnectionScope) -> CancelOutcome:
        self.log.info("cancelling %s job %s: %s", self.vendor, self.job_id, why)
        try:
            return await asyncio.wait_for(scope.hook.acancel_job(self.job_id), CANCEL_TIMEOUT)
        except (QuantumError, asyncio.TimeoutError) as exc:
            self.log.warning("could not cancel %s job %s: %s", self.vendor, self.job_id, exc)
            return CancelOutcome.FAILED

    def _event(
        self,
        status: str,
        state: JobState | None,
        message: str,
        cause: FailureCause | None = None,
    ) -> dict[str, Any]:
        """The event: small, plain JSON, never the results; ``cause`` says why a job failed
        (``permanent``: the task fails without a retry)."""
        return {
            "status": status,
            "job_id": self.job_id,
            "state": state.value if state is not None else None,
            "message": message,
            "cause": cause.value if cause is not None else None,
        }


def polling_hook(hook_class: Any, conn_id: str) -> Any:
    """A new hook of ``hook_class`` for ``conn_id``, its retries cut down for polling."""
    policy = polling_policy(hook_class.client_class.default_retry_policy)
    return hook_class(**{hook_class.conn_name_attr: conn_id}, retry_policy=policy)


async def acquire_scope(trigger: Any) -> scopes.ConnectionScope:
    """The connection scope of a waiting trigger (one per trigger class and connection);
    release it after (``scopes.release``)."""
    kind = f"{type(trigger).__module__}.{type(trigger).__qualname__}"
    return await scopes.acquire(kind, trigger.conn_id, trigger._make_hook)


def job_polls(
    trigger: Any, scope: scopes.ConnectionScope, client: Any, job_id: str
) -> OwnPolls | SharedPolls:
    """When a trigger's wait looks at ``job_id``: through the scope's shared poller (the
    trigger's ``shared_polling``, else the connection's choice) or on its own."""
    shared = scope.shared_polling if trigger.shared_polling is None else trigger.shared_polling
    if shared and hasattr(client, "pending_job_pages"):
        return SharedPolls(
            scope.poller(trigger.vendor),
            job_id,
            trigger.poll_interval,
            trigger.max_poll_interval,
            trigger.deadline,
        )
    return OwnPolls(trigger.poll_interval, trigger.max_poll_interval, trigger.deadline)


W = TypeVar("W", bound=QuantumWaitTrigger)


def wait_trigger(trigger_class: type[W], *, timeout: float | None, **kwargs: Any) -> W:
    """The trigger a task defers to (operators, sensors and sweeps alike): its deadline is
    ``timeout`` seconds from now, and it resumes the task no sooner than the minimum deferral
    after now; ``kwargs`` are the trigger's others (its jobs, polling, a vendor's limit)."""
    now = time.time()
    return trigger_class(**kwargs, deadline=now + timeout if timeout else None, deferred_at=now)
