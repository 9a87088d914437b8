"""Handing a job's result on: to XCom, to object storage, to outlet assets, to OpenLineage.

Where the result goes:

1. ``results_path`` given: the whole result is written there as JSON (and with
   ``store_raw_payload`` the vendor's raw payload beside it); XCom gets a summary.
2. The result's JSON is larger than ``max_xcom_result_bytes`` and ``[quantum]
   results_base_path`` is set: the same, at ``{base}/{dag_id}/{run_id}/{task_id}.json``.
3. Larger, no base path, but the XCom backend is Airflow's object-storage backend and will
   store it itself: XCom gets the whole result.
4. Larger and nowhere to put it: XCom gets a trimmed copy and the log says how to keep it all.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowException

from airflow_quantum.clients.errors import InvalidInputError, JobFailedError, QuantumError
from airflow_quantum.results.assets import attach_to_outlets
from airflow_quantum.results.storage import (
    SECTION,
    base_folder,
    default_path,
    max_xcom_result_bytes,
    raw_sibling,
    results_base_path,
    storage_path,
    write_bytes,
    write_json,
    xcom_backend_offloads,
)
from airflow_quantum.results.summary import JobFacts, highlights, json_size
from airflow_quantum.results.trim import shrink_for_xcom


def checked_xcom_limit(value: Any) -> int | None:
    """``max_xcom_result_bytes`` as given: None (the config's) or a positive int."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"max_xcom_result_bytes must be a positive int, got {value!r:.40}")
    return value


class ResultDelivery:
    """Where the result of a task's job goes (see the module docstring), and the job's facts.

    The task (an operator with ``results_path``, ``store_raw_payload``,
    ``max_xcom_result_bytes``, ``results_timeout``, ``result_options()``, ``outlets`` and a
    ``hook``) holds one; the hook reads the job's result, facts and raw payload. The facts are
    read once, when something needs them, and shared by the asset events, the metrics and
    OpenLineage.
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self._facts: JobFacts | None = None
        #: (job id, result) of the job handled, until its facts are asked for.
        self._source: tuple[str, Any] | None = None

    @property
    def vendor(self) -> str:
        return self.task.hook_class.vendor

    @property
    def job_id(self) -> str | None:
        """The job the task handled (None before it had one)."""
        return None if self._source is None else self._source[0]

    def check(self) -> None:
        """Check the rendered options before anything is submitted (names the field)."""
        base = results_base_path()
        if self.task.results_path is not None:
            storage_path(self.task.results_path)
        elif base is not None:
            base_folder(base)
        elif self.task.store_raw_payload:
            raise InvalidInputError(
                f"store_raw_payload needs a results_path or [{SECTION}] results_base_path "
                "to write the payload to"
            )

    def fetch_and_deliver(self, context: Any, job_id: str) -> Any:
        """Fetch the result of a job that succeeded (``hook.get_job_result`` with the task's
        ``results_timeout`` and ``result_options()``) and :meth:`deliver` it; a job that did
        not succeed after all fails the task with the service's message."""
        task = self.task
        try:
            result = task.hook.get_job_result(job_id, task.results_timeout, **task.result_options())
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        return self.deliver(context, job_id, result)

    def deliver(self, context: Any, job_id: str, result: Any) -> Any:
        """Store the result where it belongs; what XCom gets (the result or a summary)."""
        size = json_size(result)
        limit = self.task.max_xcom_result_bytes or max_xcom_result_bytes()
        path = self._storage_for(context, job_id, size, limit)
        if path is None:
            value = self._unstored(job_id, result, size, limit)
            self.record(context, job_id, result)
            return value
        hook = self.task.hook
        facts = hook.job_facts(job_id, result)
        facts.results_uri = str(path)
        self._write(path, lambda: write_json(path, result))
        if self.task.store_raw_payload:
            raw = raw_sibling(path)
            self._write(raw, lambda: write_bytes(raw, hook.raw_result(job_id)))
            facts.raw_results_uri = str(raw)
        self.task.log.info(
            "Wrote the result of %s job %s (%d bytes of JSON) to %s; XCom gets a summary",
            self.vendor,
            job_id,
            size,
            facts.results_uri,
        )
        self._facts = facts
        self._tag_outlets(context, facts)
        return {**facts.as_dict(), "results_bytes": size, **highlights(result)}

    def record(self, context: Any, job_id: str, result: Any = None) -> None:
        """Remember the job for OpenLineage; put its facts on the outlet assets' events.

        The facts cost a request to the service, made only when something needs them.
        """
        self._source = (job_id, result)
        self._facts = None
        if any(isinstance(outlet, Asset) for outlet in self.task.outlets or ()):
            facts = self.known_facts()
            if facts is not None:
                self._tag_outlets(context, facts)

    def known_facts(self) -> JobFacts | None:
        """The facts of the job the task handled (None if it handled none)."""
        if self._facts is None and self._source is not None:
            job_id, result = self._source
            try:
                self._facts = self.task.hook.job_facts(job_id, result)
            except QuantumError as exc:
                self.task.log.warning(
                    "Could not read the facts of %s job %s: %s", self.vendor, job_id, exc
                )
                return JobFacts(vendor=self.vendor, job_id=job_id, status=None)
        return self._facts

    def lineage(self) -> Any:
        """OpenLineage: a ``quantumJob`` run facet and the results file as an output.

        None when the OpenLineage provider is not installed or the task ran no job.
        """
        try:
            from airflow_quantum.results.lineage import operator_lineage
        except ImportError:
            return None
        facts = self.known_facts()
        return None if facts is None else operator_lineage(facts)

    # ---------------------------------------------------------------- helpers

    def _tag_outlets(self, context: Any, facts: JobFacts) -> None:
        named = attach_to_outlets(context, self.task.outlets, facts)
        if named:
            self.task.log.info("Asset event(s) of %s carry job %s", ", ".join(named), facts.job_id)

    def _storage_for(self, context: Any, job_id: str, size: int, limit: int) -> Any:
        if self.task.results_path is not None:
            return storage_path(self.task.results_path)
        base = results_base_path()
        if base is None or (size <= limit and not self.task.store_raw_payload):
            return None
        path = default_path(base, context)
        if size > limit:
            self.task.log.info(
                "The result of %s job %s is %d bytes of JSON, more than max_xcom_result_bytes "
                "(%d): writing it to %s",
                self.vendor,
                job_id,
                size,
                limit,
                path,
            )
        return path

    def _unstored(self, job_id: str, result: Any, size: int, limit: int) -> Any:
        if size <= limit:
            return result
        log = self.task.log
        if xcom_backend_offloads(size):
            log.info(
                "The result of %s job %s is %d bytes of JSON: returned whole, the object-storage "
                "XCom backend stores it",
                self.vendor,
                job_id,
                size,
            )
            return result
        trimmed, _ = shrink_for_xcom(result, limit)
        log.warning(
            "The result of %s job %s is larger than %d bytes of JSON; XCom gets a trimmed copy "
            "(largest entries kept, 'truncated': true). Set results_path or [%s] "
            "results_base_path to keep the whole result.",
            self.vendor,
            job_id,
            limit,
            SECTION,
        )
        return trimmed

    def _write(self, path: Any, write: Any) -> None:
        try:
            write()
        except OSError as exc:
            # The job succeeded: a retry reattaches to it and writes again, it pays nothing.
            raise AirflowException(
                f"{self.vendor}: could not write the result to {path}: {type(exc).__name__}: {exc}"
            ) from None
