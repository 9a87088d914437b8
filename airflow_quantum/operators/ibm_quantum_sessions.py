"""IBM Quantum sessions and batches: open one as a setup task, close it as the teardown."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow_quantum import waiting
from airflow_quantum.clients.ibm import validation
from airflow_quantum.operators.base import failing_on_bad_input
from airflow_quantum.operators.ibm_quantum import IBMQuantumOperator
from airflow_quantum.operators.wait_settings import seconds


class IBMQuantumOpenSessionOperator(IBMQuantumOperator):
    """Open a batch (the default) or a dedicated session on a backend; returns its id.

    Use it as a setup task and :class:`IBMQuantumCloseSessionOperator` as its teardown.

    :param mode: ``batch`` runs the jobs submitted into it as the backend's queue allows, on
        every plan; ``dedicated`` reserves the backend between its jobs, which IBM's Open plan
        refuses ("You are not authorized to run a session when using the open plan").
    """

    template_fields: Sequence[str] = ("backend", "mode", "ibm_quantum_conn_id")

    def __init__(
        self, *, backend: str, mode: str = "batch", max_ttl: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.backend = backend
        self.mode = mode
        self.max_ttl = max_ttl

    def execute(self, context: Any) -> str:
        with failing_on_bad_input(self.task_id):
            validation.backend(self.backend)
            validation.session_mode(self.mode)
        session = self.hook.get_conn().open_session(
            self.backend, mode=self.mode, max_ttl=self.max_ttl
        )
        session_id = session.id
        self.log.info("Opened IBM Quantum %s session %s on %s", self.mode, session_id, self.backend)
        return session_id


class IBMQuantumCloseSessionOperator(IBMQuantumOperator):
    """Close a session once its jobs are final (they are never cut short).

    :param wait_for_jobs: wait until no job of the session is queued or running before
        closing (closing also lets them finish; waiting keeps the task until they have).
    :param timeout: stop waiting after this many seconds and close anyway (jobs still finish).
    """

    template_fields: Sequence[str] = ("session_id", "ibm_quantum_conn_id")

    def __init__(
        self,
        *,
        session_id: str,
        wait_for_jobs: bool = True,
        poll_interval: float = 5.0,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session_id = session_id
        self.wait_for_jobs = wait_for_jobs
        self.poll_interval = seconds(poll_interval, "poll_interval")
        self.wait_timeout = seconds(timeout, "timeout")

    def execute(self, context: Any) -> None:
        # A template pulling the id of a setup task that failed renders as "None".
        if not self.session_id or self.session_id == "None":
            self.log.info("No session to close (the setup task did not open one)")
            return
        with failing_on_bad_input(self.task_id):
            validation.session_id(self.session_id)
        if self.wait_for_jobs:
            self._wait_for_jobs()
        self.hook.get_conn().close_session(self.session_id)
        self.log.info("Closed IBM Quantum session %s", self.session_id)

    def _wait_for_jobs(self) -> None:
        """The sync wait of ``waiting``, until no job of the session is pending."""
        client = self.hook.get_conn()

        def pending() -> list[Any]:
            return list(client.list_jobs(limit=None, pending=True, session_id=self.session_id))

        def seen(jobs: list[Any]) -> None:
            if jobs:
                self.log.info(
                    "Waiting for %d job(s) of session %s to finish", len(jobs), self.session_id
                )

        try:
            waiting.wait(
                pending,
                lambda jobs: not jobs,
                backoff=waiting.Backoff(self.poll_interval),
                watch=waiting.Watch(f"IBM Quantum session {self.session_id}", self.log),
                timeout=self.wait_timeout,
                seen=seen,
            )
        except waiting.WaitTimeout as exc:
            self.log.warning(
                "%s job(s) of session %s are still pending after %g s; closing the session "
                "anyway (they will finish, no new job is accepted)",
                "?" if exc.last is None else len(exc.last),
                self.session_id,
                self.wait_timeout,
            )
