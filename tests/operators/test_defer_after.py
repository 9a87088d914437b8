"""A deferrable operator waits for its job on the worker for a short while before deferring.

``[quantum] defer_after_seconds``: a job that ends within it ends the task without a deferral
(so it is not held by ``[quantum] min_deferral_seconds``); one that does not defers, and the
trigger gets what is left of the task's ``timeout``. Against the emulator over loopback HTTP,
jobs held until the test ends them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from airflow.sdk.exceptions import TaskDeferred
from airflow_face_support import BELL_QASM, finish, hold, make_context, stats, wait_for

from airflow_quantum.operators import wait_settings
from airflow_quantum.operators.ibm_quantum import IBMQuantumRunSamplerOperator


def sampler(**kwargs: Any) -> IBMQuantumRunSamplerOperator:
    return IBMQuantumRunSamplerOperator(
        task_id="sample",
        backend="ibm_fez",
        circuits=[BELL_QASM],
        shots=100,
        deferrable=True,
        **kwargs,
    )


def job_gets(emulator: Any) -> list[dict[str, Any]]:
    """The emulator's requests that read one job."""
    records = httpx.get(f"{emulator.url}/_emulator/requests", timeout=10).json()["requests"]
    return [r for r in records if r["method"] == "GET" and "/jobs/" in r["path"]]


def ended_after_polls(emulator: Any, context: dict[str, Any], polls: int) -> threading.Thread:
    """A thread that ends the task's job once the task has looked at it ``polls`` times."""

    def end_it() -> None:
        job_id = wait_for(
            lambda: dict(context["ti"].pushes).get("job_id"), timeout=60, what="the job id"
        )
        looked = stats(emulator, "ibm")["requests"]
        wait_for(
            lambda: stats(emulator, "ibm")["requests"] >= looked + polls,
            timeout=60,
            what=f"{polls} looks at the job",
        )
        finish(emulator, job_id)

    thread = threading.Thread(target=end_it, daemon=True)
    thread.start()
    return thread


def test_a_job_that_ends_during_the_wait_ends_the_task_without_a_deferral(
    connections, emulator, monkeypatch
):
    monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", "120")
    hold(emulator)
    op = sampler(poll_interval=0.05)
    context = make_context(op)
    thread = ended_after_polls(emulator, context, polls=3)
    result = op.execute(context)  # no TaskDeferred
    thread.join(60)
    assert sum(result["pub_results"][0]["counts"].values()) == 100
    assert len(job_gets(emulator)) >= 3  # it looked until the job ended


def test_a_job_still_queued_after_the_wait_defers_with_the_rest_of_the_timeout(
    connections, emulator, monkeypatch
):
    monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", "120")
    hold(emulator)
    op = sampler(poll_interval=0.05, max_poll_interval=0.1, timeout=2)
    context = make_context(op)
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)  # waits half the timeout (1 s), not 120 s
    trigger = deferred.value.trigger
    # The deadline is the task's: 2 s after it began waiting, not 2 s after the deferral.
    assert before + 2 <= trigger.deadline <= before + 2.5 < trigger.deferred_at + 2
    assert trigger.deferred_at >= before + 1
    assert len(job_gets(emulator)) >= 3  # several looks before deferring


def test_no_wait_before_deferring_when_set_to_zero(connections, emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", "0")
    hold(emulator)
    op = sampler(poll_interval=0.05)
    context = make_context(op)
    with pytest.raises(TaskDeferred):
        op.execute(context)
    assert len(job_gets(emulator)) == 1  # one look, then the deferral


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.5", 2.5), ("0", 0.0), ("-1", None), ("soon", None), ("inf", None), ("nan", None)],
)
def test_the_setting_is_read_and_a_bad_value_means_the_default(monkeypatch, value, expected):
    monkeypatch.setenv("AIRFLOW__QUANTUM__DEFER_AFTER_SECONDS", value)
    default = wait_settings.DEFAULT_DEFER_AFTER_SECONDS
    assert wait_settings.defer_after_seconds() == (default if expected is None else expected)
