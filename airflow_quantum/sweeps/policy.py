"""What a failed chunk means: resubmit it (a transient cause, while resubmits are left) or stop.

The cause of a failure is the vendor's own table (``clients/<vendor>/failures.py``: IBM's
``reason_code``, Azure's ``errorData.code``), read by the job model's ``failure_cause()``; this
module only decides, the same way for every vendor.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_quantum.clients.state import FailureCause

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
