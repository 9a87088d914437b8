"""The waiting sensor both vendors share: poke, reschedule or deferrable."""

from __future__ import annotations

import time
from collections.abc import Iterable
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
from airflow_quantum.operators.wait_settings import DeferrableAttribute, WaitSettings
from airflow_quantum.triggers.base import QuantumJobTrigger, wait_trigger
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
    :param deferrable: wait in the triggerer (default ``[operators] default_deferrable``),
        after looking on the worker for up to ``[quantum] defer_after_seconds`` (at most half
        its ``timeout``), as the operators do: a job that ends by then ends the task without
        a deferral.
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
    deferrable = DeferrableAttribute()
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
        # BaseSensorOperator has made poke_interval and timeout seconds (timeout 0: no limit).
        # A poke_interval of 0, which it allows, is refused: a deferred wait would never pause.
        self.waits = WaitSettings.of(
            deferrable=deferrable,
            poll_interval=self.poke_interval,
            max_poll_interval=max_poll_interval,
            timeout=self.timeout or None,
            poll_name="poke_interval",
        )
        self.cancel_on_kill = cancel_on_kill
        self.job_link: str | None = None

    @property
    def vendor(self) -> str:
        """The vendor's name, as its hook says it (``Azure Quantum``, ``IBM Quantum``)."""
        return self.hook_class.vendor

    def poke(self, context: Any) -> bool:
        """One look with the waits' transient policy: a 429 or 5xx means "poke again later".

        A deferrable sensor's look before deferring goes on for up to ``[quantum]
        defer_after_seconds`` (``WaitSettings.first_look``); any other poke is one look.
        """
        watch = waiting.Watch(f"{self.vendor} job {self.job_id}", self.log)

        def seen(status: tuple[JobState, str | None]) -> None:
            self._link(context)
            watch.saw(status[0])

        try:
            status = self.waits.first_look(
                lambda: self.hook.get_job_status(self.job_id),
                lambda status: status[0].is_final,
                watch=watch,
                seen=seen,
            )
        except (NotFoundError, InvalidInputError) as exc:  # a retry would not find it either
            raise AirflowFailException(
                f"{self.task_id}: {self.vendor} job {self.job_id}: {exc}"
            ) from None
        self._link(context)  # also when only transient faults were met: the id was not refused
        if status is None:
            return False
        return self._judge(*status)

    def execute(self, context: Any) -> Any:
        if not self.waits.deferrable:
            return super().execute(context)
        started = time.monotonic()
        try:
            done = self.poke(context)  # looks for a while before deferring
        except AirflowFailException as exc:  # as the poke loop of BaseSensorOperator does
            if self.soft_fail:
                raise AirflowSkipException(str(exc)) from exc
            raise
        if done:
            return None
        trigger = wait_trigger(
            self.trigger_class,
            conn_id=getattr(self, self.hook_class.conn_name_attr),
            job_id=self.job_id,
            **self.waits.trigger_kwargs(self.waits.time_left(started)),
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

    def _link(self, context: Any) -> None:
        """Push the job's page once, as the operators do (the extra link reads it, also while
        the sensor is deferred)."""
        if self.job_link is None and (url := self.hook.job_url(self.job_id)):
            self.job_link = url
            context["ti"].xcom_push(key=JOB_URL_KEY, value=url)
            self.log.info("%s job %s: %s", self.vendor, self.job_id, self.job_link)

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
