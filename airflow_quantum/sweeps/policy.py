"""What a failed chunk means: resubmit it (a transient cause, while resubmits are left) or stop.

The cause of a failure is the vendor's own table (``clients/<vendor>/failures.py``: IBM's
``reason_code``, Azure's ``errorData.code``), read by the job model's ``failure_cause()``; this
module only decides, the same way for every vendor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_quantum.clients.state import FailureCause, JobState

#: Default number of times one chunk is resubmitted after transient failures.
DEFAULT_MAX_CHUNK_RESUBMITS = 2


@dataclass(frozen=True)
class ChunkFailure:
    """A chunk whose job did not succeed: the vendor's code and message, and the cause."""

    chunk: int
    job_id: str
    state: str
    cause: FailureCause | None
    code: str | None
    message: str | None

    def describe(self, vendor: str) -> str:
        reason = self.message or self.state
        code = f" [{self.code}]" if self.code else ""
        return f"chunk {self.chunk} ({vendor} job {self.job_id}) ended {self.state}{code}: {reason}"


def failure_record(
    job_id: str, state: JobState, cause: FailureCause | None, code: str | None, message: Any
) -> dict[str, Any]:
    """A job that did not succeed, as plain JSON: how the sweep trigger's event and the wait on
    the worker list it."""
    return {
        "job_id": job_id,
        "state": state.value,
        "cause": cause.value if cause is not None else None,
        "code": code,
        "message": message,
    }


def chunk_failures(records: Iterable[Mapping[str, Any]], job_ids: list[str]) -> list[ChunkFailure]:
    """The failed jobs of the sweep (``failure_record``), by chunk (``job_ids[chunk]``); the
    records of other jobs are left out."""
    chunk_of = {job_id: index for index, job_id in enumerate(job_ids)}
    return [
        ChunkFailure(
            chunk=chunk_of[record["job_id"]],
            job_id=record["job_id"],
            state=record["state"],
            cause=FailureCause(record["cause"]) if record.get("cause") else None,
            code=record.get("code"),
            message=record.get("message"),
        )
        for record in records
        if record["job_id"] in chunk_of
    ]


def ends_sweep(state: str, cause: str | None) -> bool:
    """Whether a job's end stops the whole sweep: a permanent cause, a job cancelled (someone
    meant it) or lost (``unknown``). The task fails whatever the other jobs do."""
    return cause == FailureCause.PERMANENT.value or state in ("cancelled", "unknown")


def resubmittable(failure: ChunkFailure, resubmits_done: int, max_resubmits: int) -> bool:
    """Whether the chunk is sent again: a failure (not a cancel: someone meant it) whose cause
    is not permanent, and resubmits left. An unknown cause counts as transient, as in the
    vendors' tables."""
    return (
        failure.state == "failed"
        and failure.cause is not FailureCause.PERMANENT
        and resubmits_done < max_resubmits
    )


def stopping(
    failed: Iterable[ChunkFailure], resubmits: Mapping[str, int], max_resubmits: int
) -> list[ChunkFailure]:
    """The failures that end the sweep: not ``resubmittable`` (``resubmits``: those done so
    far, by chunk index as text, as kept in XCom)."""
    return [
        failure
        for failure in failed
        if not resubmittable(failure, resubmits.get(str(failure.chunk), 0), max_resubmits)
    ]
