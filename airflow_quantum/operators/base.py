"""What every job-submitting operator shares, whatever the vendor.

The life of a task: validate the input (nothing is sent if it is wrong) → find a job this task
already submitted (idempotency key) or submit one → push the job id and its portal URL to XCom
→ check once → wait, deferred in the triggerer or polling on the worker → fetch and decode the
result into plain JSON for XCom. A killed or timed-out task cancels its job (``cancel_on_kill``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, ClassVar

from airflow.sdk import BaseOperator, conf

from airflow_quantum import waiting
from airflow_quantum.clients.errors import (
    BadRequestError,
    InvalidInputError,
    JobFailedError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.base import UsesHook
from airflow_quantum.links.base import JOB_ID_KEY, JOB_URL_KEY
from airflow_quantum.operators.delivery import ResultDelivery
from airflow_quantum.results.storage import DEFAULT_MAX_XCOM_RESULT_BYTES
from airflow_quantum.results.trim import shrink_for_xcom
from airflow_quantum.spending.telemetry import report_finished_job
from airflow_quantum.triggers.base import QuantumJobTrigger
from airflow_quantum.waiting import CANCELLED, ERROR, FAILED, SUCCESS, TIMEOUT

try:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException, AirflowFailException  # type: ignore[no-redef]

#: Default bound of a result returned to XCom (bytes of JSON); ``[quantum]
#: max_xcom_result_bytes`` changes it.
MAX_XCOM_RESULT_BYTES = DEFAULT_MAX_XCOM_RESULT_BYTES
__all__ = [
    "MAX_XCOM_RESULT_BYTES",
    "QuantumCancelJobOperator",
    "QuantumGetResultsOperator",
    "QuantumJobOperator",
    "shrink_for_xcom",
]
_EVENT_STATUSES = frozenset({SUCCESS, FAILED, CANCELLED, TIMEOUT, ERROR})


def default_deferrable() -> bool:
    """``[operators] default_deferrable`` from the Airflow config (False when unset)."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


#: Prefix of the idempotency tags (followed by 32 hex digits).
IDEMPOTENCY_TAG_PREFIX = "airflow-"


def idempotency_key(context: Any) -> str:
    """A stable tag for the work of one task instance: dag, task, run and map index.

    Every try of the same task instance computes the same key, so a retry can find the job an
    earlier try submitted instead of paying for a second one. At most 40 characters.
    """
    ti = context["ti"]
    identity = "|".join(
        str(part)
        for part in (ti.dag_id, ti.task_id, context["run_id"], getattr(ti, "map_index", -1))
    )
    return IDEMPOTENCY_TAG_PREFIX + hashlib.sha256(identity.encode()).hexdigest()[:32]


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


def seconds(value: float | timedelta | None, name: str, *, required: bool = False) -> float | None:
    """A duration given as seconds or a timedelta, checked (``InvalidInputError`` naming it).

    ``None`` passes through (no limit) unless ``required``.
    """
    if value is None and not required:
        return None
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InvalidInputError(
            f"{name} must be a positive number of seconds or a timedelta, not {value!r:.40}"
        )
    return float(value)


class QuantumJobOperator(UsesHook, ResultDelivery, BaseOperator):
    """Base of the operators that submit a job and (by default) wait for its result.

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

    vendor: ClassVar[str] = "quantum"
    trigger_class: ClassVar[type[QuantumJobTrigger]]
    ui_color = "#e8dff5"

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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.wait_for_completion = wait_for_completion
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = seconds(poll_interval, "poll_interval", required=True)
        # The cap is never below the first wait (as in the trigger), or waits would shrink.
        self.max_poll_interval = max(
            seconds(max_poll_interval, "max_poll_interval", required=True), self.poll_interval
        )
        self.wait_timeout = seconds(timeout, "timeout")
        self.cancel_on_kill = cancel_on_kill
        self.init_delivery(results_path, store_raw_payload, max_xcom_result_bytes)
        self.job_id: str | None = None
        #: The job's page (portal, or the emulator's), once known; the extra link reads it.
        self.job_link: str | None = None

    # ------------------------------------------------------------- vendor parts

    #: Seconds the result may still take once the job is final (None: no limit).
    results_timeout: float | None = None

    def result_options(self) -> dict[str, Any]:
        """The vendor's options of ``hook.get_job_result`` (e.g. IBM's ``bitstrings``)."""
        return {}

    def validate_input(self) -> None:
        """Check the (rendered) input; raise ``InvalidInputError`` naming the bad field."""

    def find_job(self, key: str) -> str | None:
        """A live or succeeded job this task instance already submitted under ``key``."""
        return None

    def check_spend(self, context: Any) -> None:
        """Right before a new submission: the vendor's estimate, budget and quota checks.

        Raise ``OverBudgetError`` or ``QuotaExhaustedError`` to fail the task (no retry) before
        any job exists. Not called when an earlier try's job is reattached. Default: none.
        """

    def submit(self, key: str) -> str:
        """Submit the job tagged with ``key``; return its id."""
        raise NotImplementedError

    def job_state(self, job_id: str) -> tuple[JobState, str | None]:
        return self.hook.get_job_status(job_id)

    def fetch_result(self, job_id: str) -> Any:
        """The decoded result of a succeeded job (plain JSON)."""
        return self.hook.get_job_result(job_id, self.results_timeout, **self.result_options())

    def job_url(self, job_id: str) -> str:
        return ""

    # ----------------------------------------------------------------- the life

    def execute(self, context: Any) -> Any:
        # Bad input will be as bad on a retry: fail now, before anything costs money. The
        # submit is covered too: the clients check what they send before sending it.
        with failing_on_bad_input(self.task_id):
            self.check_delivery()
            self.validate_input()
            key = idempotency_key(context)
            job_id = self.find_job(key)
            if job_id is not None:
                self.log.info(
                    "Reattaching to %s job %s submitted by an earlier try", self.vendor, job_id
                )
            else:
                self.check_spend(context)
                job_id = self.submit(key)
        self.job_id = job_id
        ti = context["ti"]
        ti.xcom_push(key=JOB_ID_KEY, value=job_id)
        url = self.job_url(job_id)
        if url:
            self.job_link = url
            ti.xcom_push(key=JOB_URL_KEY, value=url)
            self.log.info("%s job %s: %s", self.vendor, job_id, url)
        if not self.wait_for_completion:
            self.record_job(context, job_id)
            return job_id
        # One look first (a transient fault of the service only means: not known yet).
        watch = waiting.Watch(f"{self.vendor} job {job_id}", self.log)
        seen = waiting.look(lambda: self.job_state(job_id), watch)
        if seen is None or not seen[0].is_final:
            if self.deferrable:
                self.defer(trigger=self._trigger(job_id), method_name="execute_complete")
            seen = self._wait_on_worker(job_id, watch)
        return self._finish(context, job_id, *seen)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger's event: fetch the result or fail with the job's message."""
        if not isinstance(event, dict) or event.get("status") not in _EVENT_STATUSES:
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r:.200}")
        self.job_id = job_id = str(event.get("job_id"))
        status, message = event["status"], event.get("message") or ""
        if status == SUCCESS:
            return self._result_for_xcom(context, job_id)
        if status in (FAILED, CANCELLED) and event.get("state"):
            what = f"{self.vendor} job {job_id}"
            self._report_final(context, job_id, JobState(event["state"]))
            raise AirflowException(waiting.failure_text(what, JobState(event["state"]), message))
        raise AirflowException(f"{self.vendor} job {job_id}: {message}")

    def on_kill(self) -> None:
        """The task was killed while running on a worker: cancel its job."""
        if self.job_id and self.cancel_on_kill:
            self._cancel(self.job_id, "the task was killed")

    # ----------------------------------------------------------------- helpers

    def _trigger(self, job_id: str) -> QuantumJobTrigger:
        now = time.time()
        return self.trigger_class(
            conn_id=self.conn_id,
            job_id=job_id,
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            deadline=now + self.wait_timeout if self.wait_timeout else None,
            cancel_on_kill=self.cancel_on_kill,
            deferred_at=now,  # the trigger resumes no sooner than its minimum after this
        )

    def _wait_on_worker(self, job_id: str, watch: waiting.Watch) -> tuple[JobState, str | None]:
        """The sync wait of ``waiting`` (the twin of the trigger's), cancelling on timeout."""
        try:
            return waiting.wait(
                lambda: self.job_state(job_id),
                lambda seen: seen[0].is_final,
                backoff=waiting.Backoff(self.poll_interval, self.max_poll_interval),
                watch=watch,
                timeout=self.wait_timeout,
                seen=lambda seen: watch.saw(seen[0]),
            )
        except waiting.WaitTimeout:
            note = "cancelled" if self._cancel_on_timeout(job_id) else "left running"
            raise AirflowException(
                f"{self.vendor} job {job_id} did not finish within {self.wait_timeout:g} s; "
                f"the job was {note}"
            ) from None

    def _cancel_on_timeout(self, job_id: str) -> bool:
        return self.cancel_on_kill and self._cancel(job_id, "the wait timed out")

    def _cancel(self, job_id: str, why: str) -> bool:
        self.log.info("Cancelling %s job %s: %s", self.vendor, job_id, why)
        try:
            self.hook.cancel_job(job_id)
        except QuantumError as exc:
            self.log.warning("Could not cancel %s job %s: %s", self.vendor, job_id, exc)
            return False
        return True

    def _finish(self, context: Any, job_id: str, state: JobState, message: str | None) -> Any:
        if state is JobState.SUCCEEDED:
            return self._result_for_xcom(context, job_id)
        self._report_final(context, job_id, state)
        raise AirflowException(waiting.failure_text(f"{self.vendor} job {job_id}", state, message))

    def _result_for_xcom(self, context: Any, job_id: str) -> Any:
        try:
            result = self.fetch_result(job_id)
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        value = self.deliver(context, job_id, result)
        self._report_final(context, job_id, JobState.SUCCEEDED)
        return value

    def _report_final(self, context: Any, job_id: str, state: JobState) -> None:
        """The job is final: send its metrics (never fails the task; see spending.telemetry)."""
        if state is not JobState.SUCCEEDED:
            self.record_job(context, job_id)  # a succeeded job's facts were kept by deliver
        report_finished_job(self, context, state)


class QuantumOneJobOperator(UsesHook, BaseOperator):
    """Base of the operators that act on one job submitted elsewhere (``job_id``, templated)."""

    vendor: ClassVar[str] = "quantum"

    def __init__(self, *, job_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id

    def check_job_id(self, job_id: str) -> None:
        """``InvalidInputError`` unless ``job_id`` is a well-formed id of the vendor."""
        raise NotImplementedError


class QuantumGetResultsOperator(ResultDelivery, QuantumOneJobOperator):
    """Base of the vendors' get-results operators: the result of a job submitted elsewhere.

    Waits up to ``timeout`` seconds on the worker for the job to finish (``hook.get_job_result``);
    a failed or cancelled job fails the task with the service's message. ``results_path``,
    ``store_raw_payload``, ``max_xcom_result_bytes`` and ``outlets`` work as for
    :class:`QuantumJobOperator`. Vendor classes name their hook, connection and job-id check.
    """

    def __init__(
        self,
        *,
        timeout: float | None = None,
        results_path: Any = None,
        store_raw_payload: bool = False,
        max_xcom_result_bytes: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.results_timeout = timeout
        self.init_delivery(results_path, store_raw_payload, max_xcom_result_bytes)

    def job_url(self, job_id: str) -> str:
        return ""

    def result_options(self) -> dict[str, Any]:
        """The vendor's options of ``hook.get_job_result`` (e.g. IBM's ``bitstrings``)."""
        return {}

    def execute(self, context: Any) -> Any:
        with failing_on_bad_input(self.task_id):
            self.check_job_id(self.job_id)
            self.check_delivery()
        self.job_link = self.job_url(self.job_id)
        context["ti"].xcom_push(key=JOB_URL_KEY, value=self.job_link)
        try:
            result = self.hook.get_job_result(
                self.job_id, self.results_timeout, **self.result_options()
            )
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        return self.deliver(context, self.job_id, result)


class QuantumCancelJobOperator(QuantumOneJobOperator):
    """Base of the vendors' cancel operators: cancel a job; returns its state afterwards.

    A job already final is left as it is (its state is returned, the task succeeds).
    """

    def execute(self, context: Any) -> str:
        with failing_on_bad_input(self.task_id):
            self.check_job_id(self.job_id)
        self.hook.cancel_job(self.job_id)
        state, _ = self.hook.get_job_status(self.job_id)
        self.log.info("%s job %s: %s", self.vendor, self.job_id, state.value)
        return state.value


def as_list(value: Any) -> list[Any] | None:
    """``None`` stays None, a string becomes a one-item list, a sequence a list."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]
