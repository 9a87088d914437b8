"""A workload bigger than one job, in one task: split, submit every chunk, one deferral, merge.

The life of a sweep task: check the input (nothing is sent if it is wrong) → cut it into chunks
by the vendor's limits → estimate the whole workload against the spending limit → find the
chunks an earlier try already submitted (each chunk has its own idempotency key) and submit
only the others → push every chunk's job id to XCom → wait for all of them in one deferral →
resubmit the chunks that failed for a transient cause, fail on a permanent one → merge the
counts into one table, streamed to object storage, with a summary in XCom.

A vendor's operator names its hook and trigger and gives the vendor parts (``job_limits``,
``chunk_job``, ``part_results``, and ``combiner`` for results other than counts); the rest is
here, once. This module runs the chunks; collecting their answer (results, the result cache,
the table, the summary, assets and lineage) is the ``sweeps.collect.SweepCollector`` it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any, ClassVar

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_quantum.clients.errors import JobTimeoutError
from airflow_quantum.clients.state import FailureCause
from airflow_quantum.hooks.base import QuantumHook, TaskHook
from airflow_quantum.operators.base import failing_on_bad_input, idempotency_key
from airflow_quantum.operators.wait_settings import DeferrableAttribute, WaitSettings, seconds
from airflow_quantum.spending.budget import SpendControl
from airflow_quantum.spending.ibm_usage import OVER_BUDGET_KEY
from airflow_quantum.sweeps.cache import is_cached
from airflow_quantum.sweeps.collect import SweepCollector
from airflow_quantum.sweeps.limits import Chunk, JobLimits, split
from airflow_quantum.sweeps.merge import COUNTS, Combiner
from airflow_quantum.sweeps.policy import (
    DEFAULT_MAX_CHUNK_RESUBMITS,
    ChunkFailure,
    chunk_failures,
    stopping,
)
from airflow_quantum.sweeps.wait import wait_in_turn
from airflow_quantum.sweeps.workload import Workload
from airflow_quantum.triggers.base import wait_trigger
from airflow_quantum.triggers.sweep import QuantumSweepTrigger
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

#: XCom key of the chunks' job ids (a list, chunk by chunk), pushed before any wait.
JOB_IDS_KEY = "job_ids"
#: XCom key of how often each chunk was resubmitted (``{chunk index: count}``), once one was.
RESUBMITS_KEY = "chunk_resubmits"
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
    deferrable = DeferrableAttribute()
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
        self.waits = WaitSettings.of(
            deferrable=deferrable,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
        )
        self.cancel_on_kill = cancel_on_kill
        if isinstance(max_chunk_resubmits, bool) or not isinstance(max_chunk_resubmits, int):
            raise ValueError(f"max_chunk_resubmits must be an int, got {max_chunk_resubmits!r}")
        self.max_chunk_resubmits = max(0, max_chunk_resubmits)
        self.progress_interval = seconds(progress_interval, "progress_interval", required=True)
        self.spend = spend or SpendControl()
        self.job_ids: list[str] = []
        self.result_cache = result_cache

    @property
    def vendor(self) -> str:
        return self.hook_class.vendor

    @cached_property
    def collector(self) -> SweepCollector:
        """Where the sweep's answer comes from (jobs or result cache) and where it goes."""
        return SweepCollector(self)

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

    def find_chunk(self, key: str, workload: Workload, chunk: Chunk) -> str | None:
        """The live or succeeded job an earlier try submitted for ``chunk`` under ``key``."""
        return self.hook.find_job(key)

    def with_request_token(self, job: Any, token: str) -> Any:
        """``job`` sent with ``token`` as the vendor's request token, where it has one (one per
        chunk, try and resubmit: the transport's repeats of one request make one job)."""
        return job

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
            found = self._submitted_before(context, workload, chunks)
            found.update(self.collector.cached(workload, chunks, found))
            missing = [chunk for chunk in chunks if chunk.index not in found]
            # Every job is built (and so checked) and the whole is priced before one is sent.
            jobs = [self.chunk_job(workload, chunk) for chunk in missing]
            if jobs:
                self.spend.before_submit_all(hook, jobs, context, self.log)
            job_ids = [found.get(chunk.index, "") for chunk in chunks]
            for chunk, job in zip(missing, jobs, strict=True):
                job_ids[chunk.index] = self._submit(context, chunk, job, resubmit=0)
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

    def estimate_cost(self) -> dict[str, Any] | None:
        """What the whole workload would cost, before anything is sent: every chunk's job
        priced and summed (what ``max_cost`` is compared with; ``jobs``: how many). None where
        the vendor prices a job only once it is queued (IBM). Reads the vendor's limits (IBM's
        backend configuration, Braket's device), nothing else."""
        with failing_on_bad_input(self.task_id):
            workload, chunks = self._split()
            jobs = [self.chunk_job(workload, chunk) for chunk in chunks]
        return self.spend.estimate_all(self.hook, jobs)

    def on_kill(self) -> None:
        """The task was killed on a worker: cancel the sweep's jobs (final ones are left)."""
        if self.cancel_on_kill:
            for job_id in self.job_ids:
                if not is_cached(job_id):
                    self.hook.try_cancel(job_id, "the task was killed")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: a ``quantumSweep`` run facet listing every job, and the table."""
        return self.collector.lineage()

    # ------------------------------------------------------------------ helpers

    def _split(self) -> tuple[Workload, list[Chunk]]:
        workload = Workload.of(self.prepare_circuits(), self.parameter_values, self.item_shots())
        return workload, list(split(workload.item_shots(), self.job_limits()))

    def _plan(self, context: Any) -> tuple[Workload, list[Chunk]]:
        workload, chunks = self._split()
        self.collector.table_path(context, len(workload))  # checked before anything is sent
        return workload, chunks

    def _submitted_before(
        self, context: Any, workload: Workload, chunks: list[Chunk]
    ) -> dict[int, str]:
        """The live or succeeded jobs an earlier try submitted, by chunk. A first try has
        none: it is not asked (one request per chunk saved)."""
        if getattr(context["ti"], "try_number", 1) <= 1:
            return {}
        found = {}
        for chunk in chunks:
            job_id = self.find_chunk(idempotency_key(context, chunk.index), workload, chunk)
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

    def _submit(self, context: Any, chunk: Chunk, job: Any, resubmit: int) -> str:
        key = idempotency_key(context, chunk.index)
        token = f"{key}-{context['ti'].try_number}-{resubmit}"
        return self.hook.submit_job(self.with_request_token(job, token), key)

    def _collect(self, context: Any, job_ids: list[str]) -> dict[str, Any]:
        workload, chunks = self._plan(context)
        return self.collector.collect(context, workload, chunks, job_ids)

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
            return self._collect(context, job_ids)
        if self.waits.deferrable:
            trigger = wait_trigger(
                self.trigger_class,
                conn_id=getattr(self, self.hook_class.conn_name_attr),
                job_ids=waiting_for,
                **self.waits.trigger_kwargs(self.waits.timeout),
                cancel_on_kill=self.cancel_on_kill,
                progress_interval=self.progress_interval,
                **self.spend.trigger_kwargs(self.hook, self.log),
            )
            self.defer(trigger=trigger, method_name="execute_complete")
        try:
            failures = wait_in_turn(
                self.hook,
                waiting_for,
                self.waits.timeout,
                self.waits.max_poll_interval,
                self.cancel_on_kill,
            )
        except JobTimeoutError:
            raise AirflowException(
                f"{self.task_id}: the {self.vendor} jobs did not finish within "
                f"{self.waits.timeout:g} s"
            ) from None
        return self._after_wait(context, job_ids, resubmits, failures)

    def _after_wait(
        self,
        context: Any,
        job_ids: list[str],
        resubmits: dict[str, int],
        failures: list[dict[str, Any]],
    ) -> Any:
        if not failures:
            return self._collect(context, job_ids)
        failed = chunk_failures(failures, job_ids)
        stopped = stopping(failed, resubmits, self.max_chunk_resubmits)
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
                chunk = chunks[failure.chunk]
                count = resubmits.get(str(failure.chunk), 0) + 1
                # find_job also reserves the next job id where the vendor's ids are chosen
                # by the client (Azure); a live job is one another try already resubmitted.
                job_id = self.find_chunk(
                    idempotency_key(context, chunk.index), workload, chunk
                ) or self._submit(context, chunk, self.chunk_job(workload, chunk), count)
                resubmits[str(failure.chunk)] = count
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
