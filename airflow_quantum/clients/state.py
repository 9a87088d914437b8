"""One job-state vocabulary for both vendors, and the job predicates built on it."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING


class JobState(str, enum.Enum):
    """Where a job is in its life, whatever vendor runs it."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHING = "finishing"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """The job will not change state again."""
        return self in _FINAL

    @property
    def is_success(self) -> bool:
        return self is JobState.SUCCEEDED


_FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})


class VendorStatus(str, enum.Enum):
    """Base of a vendor's own status words (IBM's ``JobStatus`` names, Braket's task statuses):
    each member is ``NAME = "WORD", JobState.X``, its ``job_state`` the shared word for it."""

    job_state: JobState

    def __new__(cls, value: str, job_state: JobState) -> VendorStatus:
        member = str.__new__(cls, value)
        member._value_ = value
        member.job_state = job_state
        return member

    @property
    def is_final(self) -> bool:
        return self.job_state.is_final


class FailureCause(str, enum.Enum):
    """Why a job failed, as far as running it again is concerned.

    ``PERMANENT``: its input (a program the service cannot parse or compile, a non-ISA
    circuit, a limit it exceeds) or the account (over budget): the same job fails the same way,
    so it is never resubmitted. ``TRANSIENT``: capacity, timeouts, an internal error, a lost
    calibration: the same job may well run later.
    """

    PERMANENT = "permanent"
    TRANSIENT = "transient"


class CancelOutcome(str, enum.Enum):
    """What became of a job someone asked to cancel."""

    CANCELLED = "cancelled"
    ALREADY_FINAL = "already final"
    FAILED = "failed"

    @property
    def text(self) -> str:
        """The outcome in a sentence's words, e.g. for "...; the job was cancelled"."""
        return {
            CancelOutcome.CANCELLED: "the job was cancelled",
            CancelOutcome.ALREADY_FINAL: "the job had already ended",
            CancelOutcome.FAILED: "cancelling it failed",
        }[self]


class JobPredicates:
    """The predicates of the vendors' job objects (``RuntimeJob`` / ``Job``), for any model.

    Subclasses provide ``state`` (a ``JobState``) and ``error_message()``.

    ``state`` is declared for type checkers only: a class-level annotation would make pydantic
    take it for a field of every model that mixes these predicates in (and shadow the
    subclass's ``state`` property).
    """

    if TYPE_CHECKING:
        state: JobState

    def has_completed(self) -> bool:
        """Azure's name: the job is in a final state (succeeded, failed or cancelled)."""
        return self.state.is_final

    def in_final_state(self) -> bool:
        """IBM's name for ``has_completed``."""
        return self.state.is_final

    def done(self) -> bool:
        """The job finished successfully."""
        return self.state is JobState.SUCCEEDED

    def running(self) -> bool:
        """The job is executing (including finishing up)."""
        return self.state in (JobState.RUNNING, JobState.FINISHING)

    def cancelled(self) -> bool:
        return self.state is JobState.CANCELLED

    def errored(self) -> bool:
        return self.state is JobState.FAILED

    def failure_cause(self) -> FailureCause | None:
        """Why a failed job failed (``PERMANENT`` or ``TRANSIENT``); None unless it failed."""
        if self.state is not JobState.FAILED:
            return None
        return self.failure_table().cause(self.failure_code())

    def failure_code(self) -> str | None:
        """The vendor's code of the failure (Azure's ``errorData.code``, IBM's reason code)."""
        raise NotImplementedError

    @classmethod
    def failure_table(cls) -> FailureTable:
        """The vendor's table of failure codes."""
        raise NotImplementedError


class FailureTable:
    """One vendor's failure codes by cause: the codes named permanent (exactly, or by one of the
    ``permanent_markers`` in the code), every other code transient (a retry costs a queue
    wait, a wrong "permanent" costs the job: when in doubt, transient)."""

    def __init__(self, permanent: frozenset[str], permanent_markers: tuple[str, ...] = ()):
        self.permanent = frozenset(code.lower() for code in permanent)
        self.permanent_markers = tuple(marker.lower() for marker in permanent_markers)

    def cause(self, code: object) -> FailureCause:
        text = "" if code is None else str(code).strip().lower()
        if text in self.permanent or any(marker in text for marker in self.permanent_markers):
            return FailureCause.PERMANENT
        return FailureCause.TRANSIENT
