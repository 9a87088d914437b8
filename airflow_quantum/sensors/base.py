"""The waiting sensor both vendors share: poke, reschedule or deferrable."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, ClassVar

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

from airflow_quantum import waiting
from airflow_quantum.clients.errors import InvalidInputError, NotFoundError
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.base import QuantumHook, TaskHook
from airflow_quantum.links.base import JOB_URL_KEY
from airflow_quantum.operators.base import default_deferrable, seconds
from airflow_quantum.triggers.base import QuantumJobTrigger, job_trigger
from airflow_quantum.waiting import CANCELLED, FAILED, SUCCESS, TIMEOUT


def final_states(target_states: Iterable[JobState | str] | None) -> frozenset[JobState]:
    """The job states a sensor waits for (default: succeeded); ``InvalidInputError`` unless
    every one is a known final state."""
    if isinstance(target_states, str | JobState):
        target_states = [target_states]
    try:
        states = frozenset(JobState(state) for state in (target_states or (JobState.SUCCEEDED,)))
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"target_states must be final job states "
            f"({', '.join(s.value for s in JobState if s.is_final)}), not {target_states!r:.80}"
        ) from None
    unknown = sorted(state.value for state in states if not state.is_final)
    if unknown:
        raise InvalidInputError(f"target_states must be final states, not {unknown}")
    return states


class QuantumJobSensor(BaseSensorOperator):
    """Waits until a quantum job is final; succeeds when it ends in one of ``target_states``.

    :param job_id: the job to wait for (templated).
    :param target_states: final states that make the sensor succeed (default: succeeded).
    :param fail_on_cancel: a cancelled job fails the task (True) or succeeds it (False), unless
        ``cancelled`` is in ``target_states``.
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``).
    :param cancel_on_kill: cancel the job if the task is killed, marked failed or cleared (on
        the worker or while deferred), and when a deferred wait passes its deadline (a poke or
        reschedule timeout never cancels). Off by default: a sensor watches a job it did not
        submit.
    :param max_poll_interval: cap of the deferred polling interval (starts at ``poke_interval``).

    A vendor's sensor names its ``hook_class`` (the vendor's name is the hook's) and its
    ``trigger_class``, and takes the connection id the hook names (templated), e.g.
    ``azure_quantum_conn_id``. The Sensors guide shows each mode at work.
    """

    hook_class: ClassVar[type[QuantumHook]]
    trigger_class: ClassVar[type[QuantumJobTrigger]]
    hook = TaskHook()
    template_fields: tuple[str, ...] = ("job_id",)
    ui_color = "#f0e6ff"

    def __init__(
        self,
        *,
        job_id: str,
        target_states: Iterable[JobState | str] | None = None,
        fail_on_cancel: bool = True,
        deferrable: bool | None = None,
        cancel_on_kill: bool = False,
        max_poll_interval: float = 60.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.target_states = final_states(target_states)
        self.fail_on_cancel = fail_on_cancel
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.cancel_on_kill = cancel_on_kill
        self.max_poll_interval = seconds(max_poll_interval, "max_poll_interval", required=True)
        self.job_link: str | None = None

    @property
    def vendor(self) -> str:
        """The vendor's name, as its hook says it (``Azure Quantum``, ``IBM Quantum``)."""
        return self.hook_class.vendor

    def poke(self, context: Any) -> bool:
        """One look with the waits' transient policy: a 429 or 5xx means "poke again later"."""
        watch = waiting.Watch(f"{self.vendor} job {self.job_id}", self.log)
        try:
            seen = waiting.look(lambda: self.hook.get_job_status(self.job_id), watch)
        except (NotFoundError, InvalidInputError) as exc:  # a retry would not find it either
            raise AirflowFailException(
                f"{self.task_id}: {self.vendor} job {self.job_id}: {exc}"
            ) from None
        if self.job_link is None and (url := self.hook.job_url(self.job_id)):
            # Not refused: push the job's page as the operators do (the extra link reads it,
            # also while the sensor is deferred).
            self.job_link = url
            context["ti"].xcom_push(key=JOB_URL_KEY, value=url)
            self.log.info("%s job %s: %s", self.vendor, self.job_id, self.job_link)
        if seen is None:
            return False
        state, message = seen
        watch.saw(state)
        return self._judge(state, message)

    def execute(self, context: Any) -> Any:
        if not self.deferrable:
            return super().execute(context)
        try:
            done = self.poke(context)  # checked once before deferring
        except AirflowFailException as exc:  # as the poke loop of BaseSensorOperator does
            if self.soft_fail:
                raise AirflowSkipException(str(exc)) from exc
            raise
        if done:
            return None
        timeout = self.timeout.total_seconds() if isinstance(self.timeout, timedelta) else None
        if timeout is None and isinstance(self.timeout, int | float):
            timeout = float(self.timeout)
        trigger = job_trigger(
            self.trigger_class,
            conn_id=getattr(self, self.hook_class.conn_name_attr),
            job_id=self.job_id,
            poll_interval=self._poke_seconds(),
            max_poll_interval=self.max_poll_interval,
            timeout=timeout,
            cancel_on_kill=self.cancel_on_kill,
        )
        self.defer(trigger=trigger, method_name="execute_complete")
        return None

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> None:
        """Resume after the trigger: judge the final state it reported."""
        if not isinstance(event, dict) or "status" not in event:
            raise AirflowException(f"{self.task_id}: unexpected trigger event {event!r:.200}")
        status, message = event["status"], event.get("message") or ""
        if status == TIMEOUT:
            if self.soft_fail:
                raise AirflowSkipException(message)
            raise AirflowSensorTimeout(message)
        if status in (SUCCESS, FAILED, CANCELLED) and event.get("state"):
            self._judge(JobState(event["state"]), message)
            return
        raise AirflowException(f"{self.vendor} job {self.job_id}: {message}")

    def on_kill(self) -> None:
        if self.cancel_on_kill:
            self.hook.try_cancel(self.job_id, "the task was killed")

    def _poke_seconds(self) -> float:
        interval = self.poke_interval
        return interval.total_seconds() if isinstance(interval, timedelta) else float(interval)

    def _judge(self, state: JobState, message: str | None) -> bool:
        if not state.is_final:
            return False
        if state in self.target_states:
            return True
        if state is JobState.CANCELLED and not self.fail_on_cancel:
            self.log.info(
                "%s job %s was cancelled (fail_on_cancel=False)", self.vendor, self.job_id
            )
            return True
        error = waiting.failure_text(f"{self.vendor} job {self.job_id}", state, message)
        if self.soft_fail:
            raise AirflowSkipException(error)
        raise AirflowFailException(error)
