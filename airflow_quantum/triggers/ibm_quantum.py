"""Deferrable wait for IBM Quantum (Qiskit Runtime) jobs: ``RuntimeJob.wait_for_final_state``."""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.state import CancelOutcome, JobState
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.spending import ibm_usage
from airflow_quantum.spending.budget import MAX_QUANTUM_SECONDS, check_limit
from airflow_quantum.triggers import scope as scopes
from airflow_quantum.triggers.base import CANCELLED, ERROR, QuantumJobTrigger
from airflow_quantum.triggers.sweep import QuantumSweepTrigger


class IBMQuantumJobTrigger(QuantumJobTrigger):
    """Waits in the triggerer for an IBM Quantum job to reach a final state.

    The arguments are those of :class:`~airflow_quantum.triggers.base.QuantumJobTrigger`, with
    ``conn_id`` an ``ibm_quantum`` connection, and:

    :param max_quantum_seconds: the task's limit; a job still queued whose service estimate
        (``usage_estimation``) exceeds it is cancelled before it runs, and the wait ends with
        a ``cancelled`` event marked ``over_budget`` (the task then fails at once).
    """

    # Imported with the trigger: importing the hook's modules takes about a second, which
    # would stall the triggerer's event loop at the first wait.
    hook_class = IBMQuantumHook
    serialized_kwargs_if_set = ("max_quantum_seconds",)

    def __init__(self, *args: Any, max_quantum_seconds: float | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_quantum_seconds = check_limit(max_quantum_seconds, MAX_QUANTUM_SECONDS, "trigger")

    async def vet_job(self, job: Any, scope: scopes.ConnectionScope) -> dict[str, Any] | None:
        """A queued job whose estimate exceeds ``max_quantum_seconds`` is cancelled now."""
        verdict = ibm_usage.over_limit(job, self.max_quantum_seconds)
        if verdict is None:
            return None
        outcome = await self._cancel(f"its estimate exceeds {MAX_QUANTUM_SECONDS}", scope)
        if outcome is not CancelOutcome.FAILED:
            event = self._event(CANCELLED, JobState.CANCELLED, verdict.text(outcome))
        else:
            event = self._event(ERROR, job.state, verdict.text(outcome))
        return {**event, ibm_usage.OVER_BUDGET_KEY: True}


class IBMQuantumSweepTrigger(QuantumSweepTrigger):
    """Waits in the triggerer for all the IBM Quantum jobs of a sweep (see
    :class:`~airflow_quantum.triggers.sweep.QuantumSweepTrigger`), and:

    :param max_quantum_seconds: the task's limit on the whole sweep: once the service's
        estimates (``usage_estimation``) of its jobs add up to more, the jobs not final are
        cancelled and the wait ends with a ``cancelled`` event marked ``over_budget``.
    """

    hook_class = IBMQuantumHook
    serialized_kwargs_if_set = ("max_quantum_seconds",)

    def __init__(self, *args: Any, max_quantum_seconds: float | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.max_quantum_seconds = check_limit(max_quantum_seconds, MAX_QUANTUM_SECONDS, "trigger")
        self._estimates: dict[str, float] = {}

    def judge(self, job_id: str, job: Any) -> str | None:
        if self.max_quantum_seconds is None:
            return None
        estimate = ibm_usage.job_estimate(job)
        if estimate is not None:
            self._estimates[job_id] = estimate
        total = sum(self._estimates.values())
        if total <= self.max_quantum_seconds:
            return None
        limit = ibm_usage.seconds_text(self.max_quantum_seconds)
        return (
            f"the service estimates the sweep's jobs at {ibm_usage.seconds_text(total)} quantum "
            f"seconds, over {MAX_QUANTUM_SECONDS}={limit}"
        )
