"""A workload bigger than one job, in one task: split, submit every chunk, one deferral, merge.

The life of a sweep task: check the input (nothing is sent if it is wrong) → cut it into chunks
by the vendor's limits → estimate the whole workload against the spending limit → find the
chunks an earlier try already submitted (each chunk has its own idempotency key) and submit
only the others → push every chunk's job id to XCom → wait for all of them in one deferral →
resubmit the chunks that failed for a transient cause, fail on a permanent one → merge the
counts into one table, streamed to object storage, with a summary in XCom.

A vendor's operator names its hook and trigger and gives the vendor parts (``job_limits``,
``chunk_job``, ``part_results``, and ``combiner`` for results other than counts); the rest is
here, once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_quantum.clients.errors import InvalidInputError, JobFailedError, JobTimeoutError
from airflow_quantum.clients.state import FailureCause, JobState
from airflow_quantum.hooks.base import QuantumHook, TaskHook
from airflow_quantum.operators.base import (
    default_deferrable,
    failing_on_bad_input,
    idempotency_key,
    seconds,
)
from airflow_quantum.results.assets import attach_to_outlets
from airflow_quantum.results.storage import (
    default_path,
    results_base_path,
    storage_path,
    writing,
)
from airflow_quantum.spending.budget import SpendControl
from airflow_quantum.spending.ibm_usage import OVER_BUDGET_KEY
from airflow_quantum.sweeps.cache import CACHED, ResultCache, content_key, is_cached
from airflow_quantum.sweeps.limits import Chunk, JobLimits, split
from airflow_quantum.sweeps.merge import COUNTS, Combiner, RowMerger
from airflow_quantum.sweeps.policy import (
    DEFAULT_MAX_CHUNK_RESUBMITS,
    ChunkFailure,
    ends_sweep,
    resubmittable,
)
from airflow_quantum.sweeps.workload import Workload
from airflow_quantum.triggers.sweep import QuantumSweepTrigger, sweep_trigger
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

#: XCom key of the chunks' job ids (a list, chunk by chunk), pushed before any wait.
JOB_IDS_KEY = "job_ids"
#: XCom key of how often each chunk was resubmitted (``{chunk index: count}``), once one was.
RESUBMITS_KEY = "chunk_resubmits"
#: Items a sweep may return whole in XCom when it has nowhere to write its table.
MAX_XCOM_ROWS = 1000
_EVENT_STATUSES = frozenset({SUCCESS, FAILED, CANCELLED, TIMEOUT, ERROR})


class QuantumSweepOperator(BaseOperator):
    """Base of the sweep operators: many circuits, or one circuit over a table of parameter
    values, run as as few jobs as the vendor's limits allow, merged into one table.

    :param circuits: the circuits (the vendor's kinds), or the one circuit of a sweep.
    :param parameter_values: the sweep's table: a list of ``{name: value}`` rows, or
        ``{name: [values]}`` columns; each row is one item of the merged table. None: a batch,
        one item per circuit.
    :param shots: shots of every item (more than a job may run are split over jobs and summed).
    :param results_path: where the merged table goes, as JSON Lines (one row per item: its
        parameters or circuit index, shots, counts and jobs), an ``ObjectStoragePath`` or URL;
        default ``[quantum] results_base_path``/dag/run/task.jsonl. With neither, a sweep of at
        most 1,000 items returns its rows in XCom.
    :param wait_for_completion: wait and merge (True), or return the job ids once submitted.
    :param deferrable: wait in the triggerer, one deferral for all jobs (default:
        ``[operators] default_deferrable``).
    :param poll_interval: first wait between looks at a job (seconds), growing to
        ``max_poll_interval``.
    :param timeout: how long to wait for all jobs; then the jobs not final are cancelled (if
        ``cancel_on_kill``) and the task fails.
    :param cancel_on_kill: cancel the jobs not final when the task is killed or times out.
    :param max_chunk_resubmits: how often one chunk is sent again after failing for a
        transient cause (capacity, timeout, internal error); a permanent cause (its input,
        compilation, limits) fails the task at once, naming the chunk and the vendor's reason.
    :param progress_interval: seconds between progress lines (done/running/queued) while
        deferred.
    :param result_cache: a folder (``ObjectStoragePath`` or URL) of results by content: a chunk
        whose program, backend, shots, options and calibration were run before is read from
        there instead of being sent (and paid for) again; its "job id" is ``cached:<key>``.
        None (default): no cache.
    """

    hook_class: ClassVar[type[QuantumHook]]
    trigger_class: ClassVar[type[QuantumSweepTrigger]]
    hook = TaskHook()
    ui_color = "#dff5e8"
    template_fields: Sequence[str] = (
        "circuits",
        "parameter_values",
        "shots",
        "results_path",
        "result_cache",
    )
    #: Seconds a result may still take once its job is final (None: no limit).
    results_timeout: float | None = None

    def __init__(
        self,
        *,
        circuits: Any,
        shots: int | None = None,
        parameter_values: Any = None,
        results_path: Any = None,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        timeout: float | timedelta | None = None,
        cancel_on_kill: bool = True,
        max_chunk_resubmits: int = DEFAULT_MAX_CHUNK_RESUBMITS,
        progress_interval: float = 60.0,
        result_cache: Any = None,
        spend: SpendControl | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.circuits = circuits
        self.shots = shots
        self.parameter_values = parameter_values
        self.results_path = results_path
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = seconds(poll_interval, "poll_interval", required=True)
        self.max_poll_interval = max(
            seconds(max_poll_interval, "max_poll_interval", required=True), self.poll_interval
        )
        self.wait_timeout = seconds(timeout, "timeout")
        self.cancel_on_kill = cancel_on_kill
        if isinstance(max_chunk_resubmits, bool) or not isinstance(max_chunk_resubmits, int):
            raise ValueError(f"max_chunk_resubmits must be an int, got {max_chunk_resubmits!r}")
        self.max_chunk_resubmits = max(0, max_chunk_resubmits)
        self.progress_interval = seconds(progress_interval, "progress_interval", required=True)
        self.spend = spend or SpendControl()
        self.job_ids: list[str] = []
        self.result_cache = result_cache
        self._lineage: dict[str, Any] | None = None

    @property
    def vendor(self) -> str:
        return self.hook_class.vendor

    # ------------------------------------------------------------- vendor parts

    @property
    def backend_name(self) -> str:
        """The IBM backend or Azure target the chunks run on."""
        raise NotImplementedError

    def job_limits(self) -> JobLimits:
        """What one job may hold on the backend (from the backend, or a dated table)."""
        raise NotImplementedError

    def chunk_job(self, workload: Workload, chunk: Chunk) -> Any:
        """The prepared job of ``chunk`` (``InvalidInputError`` names a bad input)."""
        raise NotImplementedError

    def part_results(self, workload: Workload, chunk: Chunk, result: Any) -> Iterable[Any]:
        """The result of each part of ``chunk`` (its counts, or ``{"ev", "std"}``), in order,
        from the chunk's decoded result."""
        raise NotImplementedError

    def combiner(self) -> Combiner:
        """How the parts of an item combine into its row (default: counts add up)."""
        return COUNTS

    def item_shots(self) -> Any:
        """The shots of every item (an Estimator face gives its precision's equivalent)."""
        return self.shots

    def result_options(self) -> dict[str, Any]:
        """The vendor's options of ``hook.get_job_result``."""
        return {}

    def chunk_content(self, job: Any) -> dict[str, Any]:
        """What decides a chunk's result, for the result cache's key (the job's program,
        parameters, shots and options; never its tags or name)."""
        raise NotImplementedError

    def calibration(self) -> str | None:
        """The calibration the jobs run against, where the vendor names one (cache key)."""
        return None

    def prepare_circuits(self) -> Any:
        """The circuits as plain JSON (a vendor may convert objects, e.g. qiskit circuits)."""
        return self.circuits

    # ----------------------------------------------------------------- the life

    def execute(self, context: Any) -> Any:
        hook = self.hook
        with failing_on_bad_input(self.task_id):
            workload, chunks = self._plan(context)
            self.log.info(
                "%s sweep of %d item(s) x %d shots on %s: %d job(s) within %s",
                self.vendor,
                len(workload),
                workload.shots,
                self.backend_name,
                len(chunks),
                self.job_limits().describe(),
            )
            found = self._submitted_before(context, chunks)
            found.update(self._cached(workload, chunks, found))
            missing = [chunk for chunk in chunks if chunk.index not in found]
            # Every job is built (and so checked) and the whole is priced before one is sent.
            jobs = [self.chunk_job(workload, chunk) for chunk in missing]
            if jobs:
                self.spend.before_submit_all(hook, jobs, context, self.log)
            job_ids = [found.get(chunk.index, "") for chunk in chunks]
            for chunk, job in zip(missing, jobs, strict=True):
                job_ids[chunk.index] = hook.submit_job(job, idempotency_key(context, chunk.index))
        self._publish(context, job_ids)
        if not self.wait_for_completion:
            return job_ids
        return self._wait(context, job_ids, [j for j in job_ids if not is_cached(j)], {})

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Resume after the sweep trigger's event: resubmit, fail or merge.

        The chunks' job ids and resubmit counts are read back from this try's XComs (kept
        while a task is deferred; Airflow clears them only when a new try starts).
        """
        if not isinstance(event, dict) or event.get("status") not in _EVENT_STATUSES:
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r:.200}")
        ti = context["ti"]
        job_ids = ti.xcom_pull(task_ids=self.task_id, key=JOB_IDS_KEY)
        resubmits = ti.xcom_pull(task_ids=self.task_id, key=RESUBMITS_KEY) or {}
        if not job_ids:
            raise AirflowException(f"{self.task_id}: resumed without the sweep's job ids")
        self.job_ids = list(job_ids)
        if event.get(OVER_BUDGET_KEY):
            raise AirflowFailException(f"{self.task_id}: {event.get('message')}")
        if event["status"] in (TIMEOUT, ERROR):
            raise AirflowException(f"{self.task_id}: {event.get('message')}")
        return self._after_wait(context, list(job_ids), dict(resubmits or {}), event["failures"])

    def on_kill(self) -> None:
        """The task was killed on a worker: cancel the sweep's jobs (final ones are left)."""
        if self.cancel_on_kill:
            for job_id in self.job_ids:
                if not is_cached(job_id):
                    self.hook.try_cancel(job_id, "the task was killed")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: a ``quantumSweep`` run facet listing every job, and the table."""
        if self._lineage is None:
            return None
        try:
            from airflow_quantum.results.lineage import sweep_lineage
        except ImportError:
            return None
        return sweep_lineage(**self._lineage)

    # ------------------------------------------------------------------ helpers

    def _plan(self, context: Any) -> tuple[Workload, list[Chunk]]:
        workload = Workload.of(self.prepare_circuits(), self.parameter_values, self.item_shots())
        chunks = list(split(workload.item_shots(), self.job_limits()))
        self._table_path(context, len(workload))  # checked before anything is sent
        return workload, chunks

    def _submitted_before(self, context: Any, chunks: list[Chunk]) -> dict[int, str]:
        """The live or succeeded jobs an earlier try submitted, by chunk. A first try has
        none: it is not asked (one request per chunk saved)."""
        if getattr(context["ti"], "try_number", 1) <= 1:
            return {}
        found = {}
        for chunk in chunks:
            job_id = self.hook.find_job(idempotency_key(context, chunk.index))
            if job_id is not None:
                found[chunk.index] = job_id
        if found:
            self.log.info(
                "Reattaching to %d of %d %s job(s) submitted by an earlier try",
                len(found),
                len(chunks),
                self.vendor,
            )
        return found

    def _publish(self, context: Any, job_ids: list[str]) -> None:
        self.job_ids = list(job_ids)
        context["ti"].xcom_push(key=JOB_IDS_KEY, value=job_ids)

    def _wait(
        self,
        context: Any,
        job_ids: list[str],
        waiting_for: list[str],
        resubmits: dict[str, int],
    ) -> Any:
        if not waiting_for:  # every chunk came from the result cache
            return self._merge(context, job_ids)
        if self.deferrable:
            trigger = sweep_trigger(
                self.trigger_class,
                conn_id=getattr(self, self.hook_class.conn_name_attr),
                job_ids=waiting_for,
                poll_interval=self.poll_interval,
                max_poll_interval=self.max_poll_interval,
                timeout=self.wait_timeout,
                cancel_on_kill=self.cancel_on_kill,
                progress_interval=self.progress_interval,
                **self.spend.trigger_kwargs(self.hook, self.log),
            )
            self.defer(trigger=trigger, method_name="execute_complete")
        failures = self._wait_on_worker(waiting_for)
        return self._after_wait(context, job_ids, resubmits, failures)

    def _wait_on_worker(self, waiting_for: list[str]) -> list[dict[str, Any]]:
        """Each job in turn to its final state (the trigger's twin, without the shared poller:
        use ``deferrable=True`` for large sweeps)."""
        failures = []
        deadline = None if self.wait_timeout is None else time.monotonic() + self.wait_timeout
        for job_id in waiting_for:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            try:
                job = self.hook.wait_for_job(job_id, left, self.max_poll_interval)
            except JobTimeoutError:
                if self.cancel_on_kill:
                    for other in waiting_for:
                        self.hook.try_cancel(other, "the wait timed out")
                raise AirflowException(
                    f"{self.task_id}: the {self.vendor} jobs did not finish within "
                    f"{self.wait_timeout:g} s"
                ) from None
            if job.state is JobState.SUCCEEDED:
                continue
            cause = job.failure_cause()
            failures.append(
                {
                    "job_id": job_id,
                    "state": job.state.value,
                    "cause": cause.value if cause else None,
                    "code": job.failure_code(),
                    "message": job.error_message(),
                }
            )
            if ends_sweep(job.state.value, failures[-1]["cause"]):
                # The task fails whatever the other jobs do: they would be paid for nothing.
                for other in waiting_for[waiting_for.index(job_id) + 1 :]:
                    if self.cancel_on_kill:
                        self.hook.try_cancel(other, "another job of the sweep failed for good")
                break
        return failures

    def _after_wait(
        self,
        context: Any,
        job_ids: list[str],
        resubmits: dict[str, int],
        failures: list[dict[str, Any]],
    ) -> Any:
        if not failures:
            return self._merge(context, job_ids)
        chunk_of = {job_id: index for index, job_id in enumerate(job_ids)}
        failed = [
            ChunkFailure(
                chunk=chunk_of[failure["job_id"]],
                job_id=failure["job_id"],
                state=failure["state"],
                cause=FailureCause(failure["cause"]) if failure.get("cause") else None,
                code=failure.get("code"),
                message=failure.get("message"),
            )
            for failure in failures
            if failure["job_id"] in chunk_of
        ]
        stopped = [
            failure
            for failure in failed
            if not resubmittable(
                failure, resubmits.get(str(failure.chunk), 0), self.max_chunk_resubmits
            )
        ]
        if stopped:
            self._fail(stopped, job_ids)
        return self._resubmit(context, job_ids, resubmits, failed)

    def _fail(self, stopped: list[ChunkFailure], job_ids: list[str]) -> None:
        text = "; ".join(failure.describe(self.vendor) for failure in stopped[:5])
        more = f" (and {len(stopped) - 5} more)" if len(stopped) > 5 else ""
        if any(failure.cause is FailureCause.PERMANENT for failure in stopped):
            raise AirflowFailException(
                f"{self.task_id}: {text}{more} (not retried: the same job would fail again)"
            )
        raise AirflowException(
            f"{self.task_id}: {text}{more} (a retry of the task submits only the chunks "
            "that did not succeed)"
        )

    def _resubmit(
        self,
        context: Any,
        job_ids: list[str],
        resubmits: dict[str, int],
        failed: list[ChunkFailure],
    ) -> Any:
        with failing_on_bad_input(self.task_id):
            workload, chunks = self._plan(context)
            fresh = []
            for failure in failed:
                key = idempotency_key(context, failure.chunk)
                # find_job also reserves the next job id where the vendor's ids are chosen
                # by the client (Azure); a live job is one another try already resubmitted.
                job_id = self.hook.find_job(key) or self.hook.submit_job(
                    self.chunk_job(workload, chunks[failure.chunk]), key
                )
                resubmits[str(failure.chunk)] = resubmits.get(str(failure.chunk), 0) + 1
                self.log.warning(
                    "%s; resubmitted as %s job %s (resubmit %d of at most %d)",
                    failure.describe(self.vendor),
                    self.vendor,
                    job_id,
                    resubmits[str(failure.chunk)],
                    self.max_chunk_resubmits,
                )
                job_ids[failure.chunk] = job_id
                fresh.append(job_id)
        self._publish(context, job_ids)
        context["ti"].xcom_push(key=RESUBMITS_KEY, value=resubmits)
        return self._wait(context, job_ids, fresh, resubmits)

    # ------------------------------------------------------------------- merge

    def _table_path(self, context: Any, items: int) -> Any:
        """Where the merged table goes; None: XCom (small sweeps only, checked here)."""
        if self.results_path is not None:
            return storage_path(self.results_path)
        base = results_base_path()
        if base is not None:
            path = default_path(base, context)
            return path.with_name(f"{path.stem}.jsonl")
        if items > MAX_XCOM_ROWS:
            raise InvalidInputError(
                f"a sweep of {items} items needs results_path or [quantum] results_base_path "
                f"to write its table to (XCom holds at most {MAX_XCOM_ROWS} rows)"
            )
        return None

    def _merge(self, context: Any, job_ids: list[str]) -> dict[str, Any]:
        workload, chunks = self._plan(context)
        path = self._table_path(context, len(workload))
        rows: list[dict[str, Any]] = []
        with self._table(path, rows) as emit:
            merger = RowMerger(workload, emit, self.combiner())
            for chunk in chunks:
                job_id = job_ids[chunk.index]
                results = self._chunk_result(workload, chunk, job_id)
                for part, part_result in zip(chunk.parts, results, strict=True):
                    merger.add(part, part_result, job_id)
            merger.close()
        summary: dict[str, Any] = {
            "vendor": self.vendor,
            "backend": self.backend_name,
            "items": len(workload),
            "shots": workload.shots,
            "parameters": list(workload.names),
            "jobs": len(job_ids),
            "cached_chunks": sum(1 for job_id in job_ids if is_cached(job_id)),
            "results_uri": str(path) if path is not None else None,
            "format": "jsonl" if path is not None else None,
            "preview": merger.preview,
        }
        if path is None:
            summary["rows"] = rows
        else:
            self.log.info(
                "Merged %d row(s) from %d %s job(s) into %s",
                merger.rows,
                len(job_ids),
                self.vendor,
                path,
            )
        self._record(context, summary, job_ids)
        return summary

    def _chunk_result(self, workload: Workload, chunk: Chunk, job_id: str) -> list[Any]:
        """The result of each part of ``chunk``: from its job's result (one at a time, then
        stored in the result cache when there is one), or from the cache."""
        cache = self._result_cache()
        if is_cached(job_id):
            results = cache.get(job_id[len(CACHED) :]) if cache is not None else None
            if results is None:
                raise AirflowException(
                    f"{self.task_id}: chunk {chunk.index}'s cached result is gone from "
                    f"{self.result_cache}; a retry runs it again"
                )
            return results
        try:
            result = self.hook.get_job_result(job_id, self.results_timeout, **self.result_options())
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        results = list(self.part_results(workload, chunk, result))
        if cache is not None:
            cache.put(self._cache_key(self.chunk_job(workload, chunk)), results)
        return results

    def _result_cache(self) -> ResultCache | None:
        return None if self.result_cache is None else ResultCache(self.result_cache)

    def _cache_key(self, job: Any) -> str:
        return content_key(
            self.vendor, self.backend_name, self.chunk_content(job), self.calibration()
        )

    def _cached(self, workload: Workload, chunks: list[Chunk], found: dict[int, str]) -> dict:
        """The chunks (not found already) whose result the cache holds: ``cached:<key>``."""
        cache = self._result_cache()
        if cache is None:
            return {}
        hits = {}
        for chunk in chunks:
            if chunk.index not in found:
                key = self._cache_key(self.chunk_job(workload, chunk))
                if cache.get(key) is not None:
                    hits[chunk.index] = CACHED + key
        if hits:
            self.log.info(
                "Reusing %d of %d chunk(s) from the result cache %s: not sent, not paid for",
                len(hits),
                len(chunks),
                self.result_cache,
            )
        return hits

    @contextmanager
    def _table(self, path: Any, rows: list[dict[str, Any]]) -> Iterator[Any]:
        """``emit(row)``: a line of JSON in the file at ``path``, or a row in ``rows``."""
        if path is None:
            yield rows.append
            return
        try:
            with writing(path) as stream:
                yield lambda row: stream.write(json.dumps(row).encode() + b"\n")
        except OSError as exc:
            # The jobs succeeded: a retry reattaches to them and writes again, it pays nothing.
            raise AirflowException(
                f"{self.vendor}: could not write the merged table to {path}: "
                f"{type(exc).__name__}: {exc}"
            ) from None

    def _record(self, context: Any, summary: dict[str, Any], job_ids: list[str]) -> None:
        """Every job on the outlet assets' events and in the OpenLineage facet."""
        facts = {
            "vendor": self.vendor,
            "backend": self.backend_name,
            "items": summary["items"],
            "shots": summary["shots"],
            "job_ids": [job_id for job_id in job_ids if not is_cached(job_id)],
            "cached_chunks": summary["cached_chunks"],
            "results_uri": summary["results_uri"],
        }
        named = attach_to_outlets(context, self.outlets, facts)
        if named:
            self.log.info("Asset event(s) of %s list the sweep's jobs", ", ".join(named))
        self._lineage = facts
