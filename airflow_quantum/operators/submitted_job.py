"""Operators on a job submitted elsewhere (by its id): fetch its result, or cancel it.

Each vendor's class names its hook and its connection id parameter; the job id is checked
(``hook.check_job_id``) before any request.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_quantum.hooks.base import QuantumHook, TaskHook
from airflow_quantum.links.base import JOB_URL_KEY
from airflow_quantum.operators.base import failing_on_bad_input
from airflow_quantum.operators.delivery import ResultDelivery, checked_xcom_limit


class QuantumGetResultsOperator(BaseOperator):
    """Base of the vendors' get-results operators: the result of a job submitted elsewhere.

    Waits up to ``timeout`` seconds on the worker for the job to finish (``hook.get_job_result``);
    a failed or cancelled job fails the task with the service's message. ``results_path``,
    ``store_raw_payload``, ``max_xcom_result_bytes`` and ``outlets`` work as for
    :class:`QuantumJobOperator`. Vendor classes name their hook and connection.
    """

    hook_class: ClassVar[type[QuantumHook]]
    hook = TaskHook()

    def __init__(
        self,
        *,
        job_id: str,
        timeout: float | None = None,
        results_path: Any = None,
        store_raw_payload: bool = False,
        max_xcom_result_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.results_timeout = timeout
        self.results_path = results_path
        self.store_raw_payload = store_raw_payload
        self.max_xcom_result_bytes = checked_xcom_limit(max_xcom_result_bytes)
        self.job_link: str | None = None

    @property
    def vendor(self) -> str:
        return self.hook_class.vendor

    @cached_property
    def delivery(self) -> ResultDelivery:
        """Where the job's result goes, and its facts."""
        return ResultDelivery(self)

    def result_options(self) -> dict[str, Any]:
        """The vendor's options of ``hook.get_job_result`` (e.g. IBM's ``bitstrings``)."""
        return {}

    def execute(self, context: Any) -> Any:
        with failing_on_bad_input(self.task_id):
            self.hook.check_job_id(self.job_id)
            self.delivery.check()
        self.job_link = self.hook.job_url(self.job_id)
        context["ti"].xcom_push(key=JOB_URL_KEY, value=self.job_link)
        return self.delivery.fetch_and_deliver(context, self.job_id)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: a ``quantumJob`` run facet and the results file as an output."""
        return self.delivery.lineage()


class QuantumCancelJobOperator(BaseOperator):
    """Base of the vendors' cancel operators: cancel a job; returns its state afterwards.

    A job already final is left as it is (its state is returned, the task succeeds).
    """

    hook_class: ClassVar[type[QuantumHook]]
    hook = TaskHook()

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def execute(self, context: Any) -> str:
        hook = self.hook
        with failing_on_bad_input(self.task_id):
            hook.check_job_id(self.job_id)
        hook.cancel_job(self.job_id)
        state, _ = hook.get_job_status(self.job_id)
        self.log.info("%s job %s: %s", hook.vendor, self.job_id, state.value)
        return state.value
