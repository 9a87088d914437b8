"""What every job-submitting operator shares, whatever the vendor.

The life of a task: validate the input (nothing is sent if it is wrong) → find a job this task
already submitted (idempotency key) or submit one → push the job id and its portal URL to XCom
→ check once → wait, deferred in the triggerer or polling on the worker → fetch and decode the
result into plain JSON for XCom. A killed or timed-out task cancels its job (``cancel_on_kill``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property, partial
from typing import Any, ClassVar, NamedTuple

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from airflow_quantum import waiting
from airflow_quantum.clients.errors import (
    BadRequestError,
    InvalidInputError,
    NotFoundError,
)
from airflow_quantum.clients.state import CancelOutcome, FailureCause, JobState
from airflow_quantum.hooks.base import QuantumHook, TaskHook
from airflow_quantum.links.base import JOB_ID_KEY, JOB_URL_KEY
from airflow_quantum.operators.delivery import ResultDelivery, checked_xcom_limit
from airflow_quantum.operators.wait_settings import DeferrableAttribute, WaitSettings
from airflow_quantum.spending.budget import SpendControl
from airflow_quantum.spending.ibm_usage import OVER_BUDGET_KEY
from airflow_quantum.spending.telemetry import report_finished_job
from airflow_quantum.triggers.base import QuantumJobTrigger, wait_trigger
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

_EVENT_STATUSES = frozenset({SUCCESS, FAILED, CANCELLED, TIMEOUT, ERROR})


class JobLook(NamedTuple):
    """What one look at a job says: its state, the vendor's message, why it failed."""

    state: JobState
    message: str | None
    cause: FailureCause | None


#: Prefix of the idempotency tags (followed by 32 hex digits).
IDEMPOTENCY_TAG_PREFIX = "airflow-"


def idempotency_key(context: Any, chunk: int | None = None) -> str:
    """A stable tag for the work of one task instance: dag, task, run and map index (and the
    chunk, for a task that submits many jobs: each chunk has its own key).

    Every try of the same task instance computes the same key, so a retry can find the job an
    earlier try submitted instead of paying for a second one. At most 40 characters.
    """
    ti = context["ti"]
    parts: tuple[Any, ...] = (
        ti.dag_id,
        ti.task_id,
        context["run_id"],
        getattr(ti, "map_index", -1),
    )
    if chunk is not None:
        parts = (*parts, f"chunk {chunk}")
    identity = "|".join(str(part) for part in parts)
    return IDEMPOTENCY_TAG_PREFIX + hashlib.sha256(identity.encode()).hexdigest()[:32]


def attempt_key(context: Any) -> str:
    """The idempotency key of this try of the task instance (``idempotency_key`` and the try
    number, at most 50 characters): a vendor's request token that must differ between tries,
    so that a retry after a failed job submits a new one (Braket's ``clientToken``)."""
    return f"{idempotency_key(context)}-{context['ti'].try_number}"


def is_idempotency_tag(tag: str) -> bool:
    """Whether ``tag`` is an idempotency key the operators put on their jobs."""
    return (
        tag.startswith(IDEMPOTENCY_TAG_PREFIX)
        and len(tag) == len(IDEMPOTENCY_TAG_PREFIX) + 32
        and all(ch in "0123456789abcdef" for ch in tag[len(IDEMPOTENCY_TAG_PREFIX) :])
    )


@contextmanager
def failing_on_bad_input(task_id: str) -> Iterator[None]:
    """Turn a refused input into ``AirflowFailException``: the task fails at once, no retry.

    ``InvalidInputError``: a client-side check refused the input before any request.
    ``BadRequestError`` / ``NotFoundError``: the service refused it (400, 413 or 422: e.g. an
    OpenQASM program it cannot parse, a non-ISA circuit, an unknown Azure target; 404: e.g. an
    unknown IBM backend or workspace); no job was created. Either way the same input would be
    refused again on a retry, so the task fails with the message naming the problem.
    """
    try:
        yield
    except InvalidInputError as exc:
        raise AirflowFailException(f"{task_id}: {exc}") from None
    except (BadRequestError, NotFoundError) as exc:
        raise AirflowFailException(
            f"{task_id}: the service refused the input (not retried: it would refuse it "
            f"again): {exc}"
        ) from None


class QuantumJobOperator(BaseOperator):
    """Base of the operators that submit a job and (by default) wait for its result.

    A vendor's operator names its ``hook_class`` and ``trigger_class``, takes its connection id
    in the attribute the hook names (e.g. ``azure_quantum_conn_id``), and builds the prepared
    job from its (rendered) fields in ``prepare``; spend control is the ``spend`` object it
    passes in.

    :param wait_for_completion: wait for the job and return its result (True), or return the
        job id right after submission (False).
    :param deferrable: wait in the triggerer, freeing the worker slot (default:
        ``[operators] default_deferrable``).
    :param poll_interval: first wait between status checks (seconds); it grows to
        ``max_poll_interval``.
    :param timeout: how long to wait for the job (seconds or timedelta); when it passes, the
        job is cancelled (if ``cancel_on_kill``) and the task fails.
    :param cancel_on_kill: cancel the remote job when the task is killed, marked failed,
        cleared or timed out.
    :param results_path: write the whole result there as JSON (an ``ObjectStoragePath`` or a
        URL, templated, e.g. ``s3://aws_default@bucket/{{ run_id }}/{{ ti.task_id }}.json``);
        XCom then gets the URI and a summary.
    :param store_raw_payload: also write the vendor's raw payload beside it
        (``name.raw.json``).
    :param max_xcom_result_bytes: results whose JSON is larger go to ``[quantum]
        results_base_path`` when set, else are trimmed (largest counts kept,
        ``"truncated": true``) before going to XCom. Default: ``[quantum]
        max_xcom_result_bytes`` (1 MiB).

    ``outlets`` that are Assets get the job's facts in their event's ``extra``.
    """

    hook_class: ClassVar[type[QuantumHook]]
    deferrable = DeferrableAttribute()
    trigger_class: ClassVar[type[QuantumJobTrigger]]
    hook = TaskHook()
    ui_color = "#e8dff5"
    #: Seconds the result may still take once the job is final (None: no limit).
    results_timeout: float | None = None

    def __init__(
        self,
        *,
        wait_for_completion: bool = True,
        deferrable: bool | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        timeout: float | timedelta | None = None,
        cancel_on_kill: bool = True,
        results_path: Any = None,
        store_raw_payload: bool = False,
        max_xcom_result_bytes: int | None = None,
        spend: SpendControl | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wait_for_completion = wait_for_completion
        self.waits = WaitSettings.of(
            deferrable=deferrable,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            timeout=timeout,
        )
        self.cancel_on_kill = cancel_on_kill
        self.results_path = results_path
        self.store_raw_payload = store_raw_payload
        self.max_xcom_result_bytes = checked_xcom_limit(max_xcom_result_bytes)
        self.spend = spend or SpendControl()
        self.job_id: str | None = None
        #: The job's page (portal, or the emulator's), once known; the extra link reads it.
        self.job_link: str | None = None

    @property
    def vendor(self) -> str:
        return self.hook_class.vendor

    @cached_property
    def delivery(self) -> ResultDelivery:
        """Where the job's result goes, and its facts."""
        return ResultDelivery(self)

    # ------------------------------------------------------------- vendor parts

    def prepare(self) -> Any:
        """The prepared job from the (rendered) fields; ``InvalidInputError`` names a bad one."""
        raise NotImplementedError

    def result_options(self) -> dict[str, Any]:
        """The vendor's options of ``hook.get_job_result`` (e.g. IBM's ``bitstrings``)."""
        return {}

    # ----------------------------------------------------------------- the life

    def execute(self, context: Any) -> Any:
        hook = self.hook
        # Bad input will be as bad on a retry: fail now, before anything costs money. The
        # submit is covered too: the clients check what they send before sending it.
        with failing_on_bad_input(self.task_id):
            self.delivery.check()
            job = self.prepare()
            key = idempotency_key(context)
            job_id = hook.find_job(key, job)
            if job_id is not None:
                self.log.info(
                    "Reattaching to %s job %s submitted by an earlier try", self.vendor, job_id
                )
            else:
                job = self.spend.before_submit(hook, job, context, self.log)
                job_id = hook.submit_job(job, key)
        self.job_id = job_id
        ti = context["ti"]
        ti.xcom_push(key=JOB_ID_KEY, value=job_id)
        url = hook.job_url(job_id)
        if url:
            self.job_link = url
            ti.xcom_push(key=JOB_URL_KEY, value=url)
            self.log.info("%s job %s: %s", self.vendor, job_id, url)
        if not self.wait_for_completion:
            self.delivery.record(context, job_id)
            return job_id
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log)
        started = time.monotonic()
        seen = self.waits.first_look(
            partial(self._state, job_id),
            lambda seen: seen[0].is_final,
            watch=watch,
            seen=lambda seen: watch.saw(seen[0]),
        )
        if seen is None or not seen[0].is_final:
            left = self.waits.time_left(started)
            if self.waits.deferrable and (left is None or left > 0):
                trigger = wait_trigger(
                    self.trigger_class,
                    conn_id=getattr(self, self.hook_class.conn_name_attr),
                    job_id=job_id,
                    **self.waits.trigger_kwargs(left),
                    cancel_on_kill=self.cancel_on_kill,
                    **self.spend.trigger_kwargs(hook, self.log),
                )
                self.defer(trigger=trigger, method_name="execute_complete")
            seen = self._wait_on_worker(job_id, watch, left)
        return self._finish(context, job_id, *seen)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger's event: fetch the result or fail with the job's message."""
        if not isinstance(event, dict) or event.get("status") not in _EVENT_STATUSES:
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r:.200}")
        self.job_id = job_id = str(event.get("job_id"))
        status, message = event["status"], event.get("message") or ""
        if event.get(OVER_BUDGET_KEY):
            raise AirflowFailException(f"{self.task_id}: {message}")
        if status == SUCCESS:
            return self._result_for_xcom(context, job_id)
        if status in (FAILED, CANCELLED) and event.get("state"):
            cause = FailureCause(event["cause"]) if event.get("cause") else None
            return self._finish(context, job_id, JobState(event["state"]), message, cause)
        raise AirflowException(f"{self.vendor} job {job_id}: {message}")

    def on_kill(self) -> None:
        """The task was killed while running on a worker: cancel its job."""
        if self.job_id and self.cancel_on_kill:
            self.hook.try_cancel(self.job_id, "the task was killed")

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """OpenLineage: a ``quantumJob`` run facet and the results file as an output."""
        return self.delivery.lineage()

    # ----------------------------------------------------------------- helpers

    def _state(self, job_id: str) -> JobLook:
        """One look at the job, judged by the spend control (a job over its limit is cancelled
        and the task fails at once)."""
        job = self.hook.get_conn().get_job(job_id)
        verdict = self.spend.over_limit(job, self.hook, self.log)
        if verdict is not None:
            outcome = self.hook.try_cancel(job_id, "its estimate exceeds the task's limit")
            raise AirflowFailException(f"{self.task_id}: {verdict.text(outcome)}")
        return JobLook(job.state, job.error_message(), job.failure_cause())

    def _wait_on_worker(self, job_id: str, watch: waiting.Watch, left: float | None) -> JobLook:
        """The sync wait of ``waiting`` (the twin of the trigger's), cancelling when the
        ``left`` seconds of the task's timeout pass."""
        try:
            return waiting.wait(
                partial(self._state, job_id),
                lambda seen: seen[0].is_final,
                backoff=self.waits.backoff(),
                watch=watch,
                timeout=left,
                seen=lambda seen: watch.saw(seen[0]),
            )
        except waiting.WaitTimeout:
            if self.cancel_on_kill:
                cancelled = self.hook.try_cancel(job_id, "the wait timed out")
                note = "cancelled" if cancelled is not CancelOutcome.FAILED else "left running"
            else:
                note = "left running"
            raise AirflowException(
                f"{self.vendor} job {job_id} did not finish within {self.waits.timeout:g} s; "
                f"the job was {note}"
            ) from None

    def _finish(
        self,
        context: Any,
        job_id: str,
        state: JobState,
        message: str | None,
        cause: FailureCause | None,
    ) -> Any:
        if state is JobState.SUCCEEDED:
            return self._result_for_xcom(context, job_id)
        self._report_final(context, job_id, state)
        text = waiting.failure_text(f"{self.vendor} job {job_id}", state, message)
        if cause is FailureCause.PERMANENT:
            # Its input or limits: a retry would queue the same job again and fail the same way.
            raise AirflowFailException(f"{text} (not retried: the same job would fail again)")
        raise AirflowException(text)

    def _result_for_xcom(self, context: Any, job_id: str) -> Any:
        value = self.delivery.fetch_and_deliver(context, job_id)
        self._report_final(context, job_id, JobState.SUCCEEDED)
        return value

    def _report_final(self, context: Any, job_id: str, state: JobState) -> None:
        """The job is final: send its metrics (never fails the task; see spending.telemetry)."""
        if state is not JobState.SUCCEEDED:
            self.delivery.record(context, job_id)  # a succeeded job's facts were kept by deliver
        report_finished_job(self.delivery, context, state)


def as_list(value: Any) -> list[Any] | None:
    """``None`` stays None, a string becomes a one-item list, a sequence a list."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]
