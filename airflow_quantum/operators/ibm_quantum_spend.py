"""Spend control of the IBM job operators: backend choice, quota and estimate checks.

Mixed into the operators that run a job (before ``QuantumJobOperator``):

- before submit (``check_spend``): ``backend="least_busy"`` or a list becomes the chosen
  backend (XCom ``chosen_backend``); the instance's usage limit reached fails the task with
  ``QuotaExhaustedError``, no job is created;
- while the job waits, in every wait mode (the look in ``execute`` and the worker wait go
  through ``job_state``, the deferred wait through the trigger's ``vet_job``): a queued job
  whose service estimate exceeds ``max_quantum_seconds`` is cancelled and the task fails.
"""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.clients.ibm import validation
from airflow_quantum.clients.state import JobState
from airflow_quantum.spending import ibm_backends, ibm_usage
from airflow_quantum.spending.budget import MAX_QUANTUM_SECONDS, resolve_limit

try:
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowFailException  # type: ignore[no-redef]

_UNSET: Any = object()


class IBMSpendControl:
    """``max_quantum_seconds`` and ``backend="least_busy"`` for the IBM job operators.

    The operator sets ``max_quantum_seconds`` (its argument; else the connection extra, else
    ``[quantum] max_quantum_seconds``) and ``backend``; ``circuits_to_fit`` names the circuits
    a chosen backend must be wide enough for.
    """

    max_quantum_seconds: float | None
    backend: Any
    session_id: str | None
    task_id: str
    hook: Any
    log: Any
    _quantum_seconds_limit: Any = _UNSET

    def circuits_to_fit(self) -> list[Any]:
        """The circuits the job will run (OpenQASM strings are measured for least_busy)."""
        return []

    def check_backend(self) -> None:
        """``InvalidInputError`` unless ``backend`` is a name, ``least_busy`` or a list."""
        if ibm_backends.is_choice(self.backend):
            ibm_backends.check_choice(self.backend, self.session_id)
        elif self.backend is not None:
            validation.backend(self.backend)

    def quantum_seconds_limit(self) -> float | None:
        """The task's limit in quantum seconds (looked up once per run of ``execute``)."""
        if self._quantum_seconds_limit is _UNSET:
            extras = self.hook.extras(self.hook.connection)
            limit = resolve_limit(MAX_QUANTUM_SECONDS, self.max_quantum_seconds, extras)
            if limit is not None:
                self.log.info("Spending limit: %s", limit.describe())
            self._quantum_seconds_limit = None if limit is None else limit.value
        return self._quantum_seconds_limit

    # ------------------------------------------------------------- QuantumJobOperator parts

    def check_spend(self, context: Any) -> None:
        """Before submit: choose the backend, then refuse when the instance's quota is used."""
        if ibm_backends.is_choice(self.backend):
            names = ibm_backends.check_choice(self.backend, self.session_id)
            qubits = ibm_backends.needed_qubits(self.circuits_to_fit())
            choice = self.hook.least_busy(qubits, names)
            self.log.info("Chose IBM Quantum backend %s", choice.describe())
            context["ti"].xcom_push(key=ibm_backends.CHOSEN_BACKEND_KEY, value=choice.name)
            self.backend = choice.name
        limit = self.quantum_seconds_limit()
        ibm_usage.check_instance(self.hook.estimate_cost(), limit, self.log)

    def job_state(self, job_id: str) -> tuple[JobState, str | None]:
        job = self.hook.get_conn().get_job(job_id)
        verdict = ibm_usage.over_limit(job, self.quantum_seconds_limit())
        if verdict is not None:
            self.log.info("Cancelling IBM Quantum job %s: its estimate exceeds the limit", job_id)
            raise AirflowFailException(f"{self.task_id}: {verdict.text(self._cancel_job(job_id))}")
        return job.state, job.error_message()

    def _cancel_job(self, job_id: str) -> ibm_usage.CancelOutcome:
        try:
            return "cancelled" if self.hook.cancel_job(job_id) else "ended"
        except QuantumError as exc:
            self.log.warning("Could not cancel IBM Quantum job %s: %s", job_id, exc)
            return "failed"

    def _trigger(self, job_id: str) -> Any:
        trigger = super()._trigger(job_id)  # type: ignore[misc]
        trigger.max_quantum_seconds = self.quantum_seconds_limit()
        return trigger

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        if isinstance(event, dict) and event.get(ibm_usage.OVER_BUDGET_KEY):
            raise AirflowFailException(f"{self.task_id}: {event.get('message')}")
        return super().execute_complete(context, event)  # type: ignore[misc]
