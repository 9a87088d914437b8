"""The sweep's wait on the worker (``deferrable=False``): the sweep trigger's twin.

Each job is waited for in turn with the hook's ``wait_for_job`` (without the trigger's shared
poller: ``deferrable=True`` suits large sweeps), and the jobs that did not succeed are listed as
the trigger's event lists them (``policy.failure_record``), so the operator resumes the same way
after either wait.
"""

from __future__ import annotations

import time
from typing import Any

from airflow_quantum.clients.errors import JobTimeoutError
from airflow_quantum.clients.state import JobState
from airflow_quantum.sweeps.policy import ends_sweep, failure_record


def wait_in_turn(
    hook: Any,
    job_ids: list[str],
    timeout: float | None,
    poll_interval: float,
    cancel: bool,
) -> list[dict[str, Any]]:
    """Wait for each of ``job_ids`` in turn; the records of those that did not succeed.

    A job ending the sweep (``policy.ends_sweep``) stops the wait, and with ``cancel`` the jobs
    after it are cancelled. Past ``timeout`` seconds (None: no limit) ``JobTimeoutError``, after
    cancelling the jobs (with ``cancel``).
    """
    failures = []
    deadline = None if timeout is None else time.monotonic() + timeout
    for job_id in job_ids:
        left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
        try:
            job = hook.wait_for_job(job_id, left, poll_interval)
        except JobTimeoutError:
            if cancel:
                for other in job_ids:
                    hook.try_cancel(other, "the wait timed out")
            raise
        if job.state is JobState.SUCCEEDED:
            continue
        failures.append(
            failure_record(
                job_id, job.state, job.failure_cause(), job.failure_code(), job.error_message()
            )
        )
        if ends_sweep(job.state.value, failures[-1]["cause"]):
            # The task fails whatever the other jobs do: they would be paid for nothing.
            for other in job_ids[job_ids.index(job_id) + 1 :]:
                if cancel:
                    hook.try_cancel(other, "another job of the sweep failed for good")
            break
    return failures
