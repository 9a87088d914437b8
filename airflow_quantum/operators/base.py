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

from airflow_quantum.clients.errors import (
    BadRequestError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    NotFoundError,
    QuantumError,
)
from airflow_quantum.clients.state import JobState
from airflow_quantum.links.base import JOB_ID_KEY, JOB_URL_KEY
from airflow_quantum.operators.delivery import ResultDelivery
from airflow_quantum.results.storage import DEFAULT_MAX_XCOM_RESULT_BYTES
from airflow_quantum.results.trim import shrink_for_xcom
from airflow_quantum.triggers.base import (
    CANCELLED,
    ERROR,
    FAILED,
    SUCCESS,
    TIMEOUT,
    QuantumJobTrigger,
)

try:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException, AirflowFailException  # type: ignore[no-redef]

#: Default bound of a result returned to XCom (bytes of JSON); ``[quantum]
#: max_xcom_result_bytes`` changes it.
MAX_XCOM_RESULT_BYTES = DEFAULT_MAX_XCOM_RESULT_BYTES
__all__ = ["MAX_XCOM_RESULT_BYTES", "QuantumJobOperator", "shrink_for_xcom"]
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


class QuantumJobOperator(ResultDelivery, BaseOperator):
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

    @property
    def conn_id(self) -> str:
        raise NotImplementedError

    @property
    def hook(self) -> Any:
        raise NotImplementedError

    def validate_input(self) -> None:
        """Check the (rendered) input; raise ``InvalidInputError`` naming the bad field."""

    def find_job(self, key: str) -> str | None:
        """A live or succeeded job this task instance already submitted under ``key``."""
        return None

    def submit(self, key: str) -> str:
        """Submit the job tagged with ``key``; return its id."""
        raise NotImplementedError

    def job_state(self, job_id: str) -> tuple[JobState, str | None]:
        job = self.hook.get_job(job_id)
        return job.state, job.error_message()

    def fetch_result(self, job_id: str) -> Any:
        """The decoded result of a succeeded job (plain JSON)."""
        raise NotImplementedError

    def cancel_job(self, job_id: str) -> None:
        self.hook.cancel_job(job_id)

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
        state, message = self.job_state(job_id)
        if not state.is_final:
            if self.deferrable:
                self.defer(trigger=self._trigger(job_id), method_name="execute_complete")
            state, message = self._wait_on_worker(job_id)
        return self._finish(context, job_id, state, message)

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        """Resume after the trigger's event: fetch the result or fail with the job's message."""
        if not isinstance(event, dict) or event.get("status") not in _EVENT_STATUSES:
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r:.200}")
        self.job_id = job_id = str(event.get("job_id"))
        status, message = event["status"], event.get("message") or ""
        if status == SUCCESS:
            return self._result_for_xcom(context, job_id)
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

    def _wait_on_worker(self, job_id: str) -> tuple[JobState, str | None]:
        deadline = time.monotonic() + self.wait_timeout if self.wait_timeout else None
        wait = self.poll_interval
        last: JobState | None = None
        while True:
            state, message = self.job_state(job_id)
            if state is not last:
                self.log.info("%s job %s: %s", self.vendor, job_id, state.value)
                last = state
            if state.is_final:
                return state, message
            if deadline is not None and time.monotonic() >= deadline:
                note = "cancelled" if self._cancel_on_timeout(job_id) else "left running"
                raise AirflowException(
                    f"{self.vendor} job {job_id} did not finish within {self.wait_timeout:g} s; "
                    f"the job was {note}"
                )
            pause = wait if deadline is None else min(wait, max(0.0, deadline - time.monotonic()))
            time.sleep(pause)
            wait = min(self.max_poll_interval, wait * 1.5)

    def _cancel_on_timeout(self, job_id: str) -> bool:
        return self.cancel_on_kill and self._cancel(job_id, "the wait timed out")

    def _cancel(self, job_id: str, why: str) -> bool:
        self.log.info("Cancelling %s job %s: %s", self.vendor, job_id, why)
        try:
            self.cancel_job(job_id)
        except InvalidStateError:
            self.log.info("%s job %s was already final", self.vendor, job_id)
        except QuantumError as exc:
            self.log.warning("Could not cancel %s job %s: %s", self.vendor, job_id, exc)
            return False
        return True

    def _finish(self, context: Any, job_id: str, state: JobState, message: str | None) -> Any:
        if state is JobState.SUCCEEDED:
            return self._result_for_xcom(context, job_id)
        reason = message or ("was cancelled" if state is JobState.CANCELLED else "failed")
        raise AirflowException(f"{self.vendor} job {job_id} ended {state.value}: {reason}")

    def _result_for_xcom(self, context: Any, job_id: str) -> Any:
        try:
            result = self.fetch_result(job_id)
        except JobFailedError as exc:
            raise AirflowException(str(exc)) from None
        return self.deliver(context, job_id, result)


def as_list(value: Any) -> list[Any] | None:
    """``None`` stays None, a string becomes a one-item list, a sequence a list."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]
