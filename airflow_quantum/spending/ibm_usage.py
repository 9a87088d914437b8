"""IBM Quantum spend rules: the instance's usage before submit, the job's estimate once queued.

IBM bills quantum seconds. Before a job exists, the only figure is the instance's usage
(``GET /instances/usage``: consumed, limit, limit reached); once the job is queued the service
estimates its quantum seconds (``estimated_running_time_seconds``, the official client's
``usage_estimation``). The operators, their worker wait and the deferred trigger all judge a
job with :func:`over_limit`, so the rule "a queued job whose estimate exceeds
``max_quantum_seconds`` is cancelled before it runs" is written once, here.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from airflow_quantum.clients.state import CancelOutcome, JobState
from airflow_quantum.spending import ibm_backends
from airflow_quantum.spending.budget import (
    MAX_QUANTUM_SECONDS,
    QuotaExhaustedError,
    SpendControl,
    resolve_limit,
)
from airflow_quantum.spending.choice import CHOSEN_BACKEND_KEY

#: Key of the trigger event of a job cancelled for its estimate (the task then fails at once).
OVER_BUDGET_KEY = "over_budget"


@dataclass(frozen=True)
class IBMUsageEstimate:
    """What ``IBMQuantumHook.estimate_usage`` reports, in quantum seconds.

    ``instance_*``: the instance's usage before submit (``GET /instances/usage``); remaining
    is limit minus consumed (None when the service gives no limit). ``job_quantum_seconds``:
    the service's estimate of the job (``usage_estimation``), None before a job exists or
    while the service has not estimated it yet.
    """

    instance_consumed_seconds: float | None
    instance_limit_seconds: float | None
    instance_remaining_seconds: float | None
    instance_limit_reached: bool
    job_id: str | None = None
    job_quantum_seconds: float | None = None
    unit: str = "quantum seconds"

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON (for XCom and logs)."""
        return asdict(self)


def usage_estimate(usage: Any, job: Any = None) -> IBMUsageEstimate:
    """An ``IBMUsageEstimate`` from an ``IBMInstanceUsage`` and, when given, an ``IBMJob``."""
    consumed, limit = usage.usage_consumed_seconds, usage.usage_limit_seconds
    remaining = usage.usage_remaining_seconds
    if remaining is None and limit is not None:
        remaining = max(0.0, limit - (consumed or 0.0))
    reached = bool(usage.usage_limit_reached) or (
        limit is not None and consumed is not None and consumed >= limit
    )
    return IBMUsageEstimate(
        instance_consumed_seconds=consumed,
        instance_limit_seconds=limit,
        instance_remaining_seconds=remaining,
        instance_limit_reached=reached,
        job_id=None if job is None else job.id,
        job_quantum_seconds=None if job is None else job_estimate(job),
    )


def job_estimate(job: Any) -> float | None:
    """The service's estimate of the job's quantum seconds (None: not estimated yet)."""
    seconds = job.usage_estimation.get("quantum_seconds")
    return None if seconds is None else float(seconds)


def check_instance(estimate: IBMUsageEstimate, limit: float | None, log: logging.Logger) -> None:
    """Before submit: ``QuotaExhaustedError`` when the instance's usage limit is reached.

    A remaining usage below the task's own limit is only logged: the service stops the job
    at the instance's limit anyway, and the job may well need less.
    """
    used = seconds_text(estimate.instance_consumed_seconds)
    cap = seconds_text(estimate.instance_limit_seconds)
    if estimate.instance_limit_reached:
        raise QuotaExhaustedError(
            f"the IBM Quantum instance has reached its usage limit ({used} of {cap} quantum "
            "seconds used); no job was submitted"
        )
    remaining = estimate.instance_remaining_seconds
    log.info("IBM Quantum instance usage: %s of %s quantum seconds used", used, cap)
    if limit is not None and remaining is not None and remaining < limit:
        log.info(
            "The instance has %s quantum seconds left, less than %s=%s: the service stops "
            "the job if the instance runs out",
            seconds_text(remaining),
            MAX_QUANTUM_SECONDS,
            seconds_text(limit),
        )


_OUTCOME_TEXT = {
    CancelOutcome.CANCELLED: "; the job was cancelled while queued, nothing was charged",
    CancelOutcome.ALREADY_FINAL: "; the job ended before it could be cancelled",
    CancelOutcome.FAILED: "; cancelling the job failed, it may still run",
}


@dataclass(frozen=True)
class OverLimit:
    """A queued job whose estimate exceeds the task's limit (see :func:`over_limit`)."""

    job_id: str
    estimate: float
    limit: float

    def text(self, outcome: CancelOutcome) -> str:
        """Why the task fails, with what became of the job."""
        estimate, limit = seconds_text(self.estimate), seconds_text(self.limit)
        what = (
            f"IBM Quantum job {self.job_id}: the service estimates {estimate} quantum seconds, "
            f"over {MAX_QUANTUM_SECONDS}={limit}"
        )
        return what + _OUTCOME_TEXT[outcome]


def over_limit(job: Any, limit: float | None) -> OverLimit | None:
    """The one rule: a QUEUED job whose known estimate exceeds ``limit`` must be cancelled.

    Running or final jobs, jobs not estimated yet and tasks without a limit pass.
    """
    if limit is None or job.state is not JobState.QUEUED:
        return None
    estimate = job_estimate(job)
    if estimate is None or estimate <= limit:
        return None
    return OverLimit(job.id, estimate, limit)


class IBMSpendControl(SpendControl):
    """An IBM job operator's spend control: backend by queue, the instance's usage, and the job's
    estimate while it is queued.

    :param max_quantum_seconds: the task's limit (else the connection's extra, else ``[quantum]
        max_quantum_seconds``, else none); a queued job estimated above it is cancelled.
    :param choose_backend: choose the backend by queue before submitting.
    :param candidates: the backends to choose from (None: all of the instance's).
    """

    _UNSET: Any = object()

    def __init__(
        self,
        max_quantum_seconds: float | None = None,
        choose_backend: bool = False,
        candidates: list[str] | None = None,
    ) -> None:
        self.max_quantum_seconds = max_quantum_seconds
        self.choose_backend, self.candidates = choose_backend, candidates
        self._limit: Any = self._UNSET

    def limit(self, hook: Any = None, log: Any = None) -> float | None:
        """The limit in force (looked up once, with the hook's connection when there is one)."""
        if self._limit is self._UNSET:
            extras = hook.extras(hook.connection) if hook is not None else {}
            found = resolve_limit(MAX_QUANTUM_SECONDS, self.max_quantum_seconds, extras)
            if found is not None and log is not None:
                log.info("Spending limit: %s", found.describe())
            self._limit = None if found is None else found.value
        return self._limit

    def before_submit(self, hook: Any, job: Any, context: Any, log: Any) -> Any:
        if self.choose_backend:
            qubits = ibm_backends.needed_qubits(job.circuits)
            choice = hook.least_busy(self.candidates, qubits)
            log.info("Chose IBM Quantum backend %s", choice.describe())
            context["ti"].xcom_push(key=CHOSEN_BACKEND_KEY, value=choice.name)
            job = job.on_backend(choice.name)
        check_instance(hook.estimate_usage(), self.limit(hook, log), log)
        return job

    def before_submit_all(self, hook: Any, jobs: Any, context: Any, log: Any) -> None:
        """Before the jobs of a sweep are sent: the instance's usage, once. The service gives
        no estimate before a job is queued, so ``max_quantum_seconds`` is judged on the sum of
        the queued jobs' estimates while they wait."""
        check_instance(hook.estimate_usage(), self.limit(hook, log), log)

    def over_limit(self, job: Any, hook: Any = None, log: Any = None) -> OverLimit | None:
        return over_limit(job, self.limit(hook, log))

    def trigger_kwargs(self, hook: Any = None, log: Any = None) -> dict[str, Any]:
        limit = self.limit(hook, log)
        return {} if limit is None else {"max_quantum_seconds": limit}


def seconds_text(value: float | None) -> str:
    """Seconds for a message: whole numbers without decimals, ``?`` when unknown."""
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
