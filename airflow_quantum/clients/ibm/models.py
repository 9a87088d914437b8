"""Qiskit Runtime job payloads as pydantic models: jobs, their pages, metrics and sessions
(backends and usage: ``backend_models``). Unknown fields are kept (``model_extra``); ``from_wire``
raises ``BadResponseError`` for a payload it cannot read. ``IBMJob`` carries the official
``RuntimeJob``'s attributes, its ``status`` in the official ``JobStatus`` names, the shared
``JobState`` and the job predicates.
"""

from __future__ import annotations

from typing import Annotated, Any

import pendulum
from pydantic import BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

from airflow_quantum.clients.ibm.failures import IBM_FAILURES
from airflow_quantum.clients.models import Timestamp, WireModel
from airflow_quantum.clients.state import FailureTable, JobPredicates, JobState, VendorStatus

#: ``reason_code`` of a job the service cancelled for exceeding its maximum execution time.
RAN_TOO_LONG_CODE = "1305"
RAN_TOO_LONG_STATUS = "cancelled - ran too long"


class IBMJobStatus(VendorStatus):
    """The official client's ``JobStatus`` names, plus ``UNKNOWN`` for unrecognised words.

    Each member's ``job_state`` is its word in the shared vocabulary (``DONE`` -> ``succeeded``,
    ``ERROR`` -> ``failed`` ...); its value is its name.
    """

    INITIALIZING = "INITIALIZING", JobState.QUEUED
    QUEUED = "QUEUED", JobState.QUEUED
    RUNNING = "RUNNING", JobState.RUNNING
    DONE = "DONE", JobState.SUCCEEDED
    ERROR = "ERROR", JobState.FAILED
    CANCELLED = "CANCELLED", JobState.CANCELLED
    UNKNOWN = "UNKNOWN", JobState.UNKNOWN


#: Status words, lower case: the wire's title-case words and the official client's names.
_WIRE_STATUS = {
    "initializing": IBMJobStatus.INITIALIZING,
    "queued": IBMJobStatus.QUEUED,
    "running": IBMJobStatus.RUNNING,
    "completed": IBMJobStatus.DONE, "done": IBMJobStatus.DONE,
    "failed": IBMJobStatus.ERROR, "error": IBMJobStatus.ERROR,
    "cancelled": IBMJobStatus.CANCELLED, "canceled": IBMJobStatus.CANCELLED,
    RAN_TOO_LONG_STATUS: IBMJobStatus.ERROR,
}  # fmt: skip


def status_from_wire(status: str | None, reason_code: Any = None) -> IBMJobStatus:
    """Map a wire status word (any case) and reason code onto ``IBMJobStatus``.

    ``Cancelled - Ran too long`` and reason code 1305 are failures (``ERROR``), as in the
    official client; an unknown or missing word is ``UNKNOWN`` (not final).
    """
    word = " ".join(status.split()).lower() if isinstance(status, str) else ""
    if str(reason_code).strip() == RAN_TOO_LONG_CODE and word.startswith("cancel"):
        return IBMJobStatus.ERROR
    return _WIRE_STATUS.get(word, IBMJobStatus.UNKNOWN)


def _reason_code(value: Any) -> Any:
    """Reason codes are numbers on the wire; digit strings become numbers, other text stays."""
    # isdigit() alone also takes digits int() refuses ("²", "①"): those stay text.
    if isinstance(value, str) and (text := value.strip()).isascii() and text.isdigit():
        return int(text)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _list_or_empty(value: Any) -> Any:
    return [] if value is None else value


ReasonCode = Annotated[int | str | None, BeforeValidator(_reason_code)]
StringList = Annotated[list[str], BeforeValidator(_list_or_empty)]


class IBMJobStateInfo(WireModel):
    """The job's ``state`` object: status word, reason, reason code and suggested solution."""

    model_config = ConfigDict(alias_generator=to_camel)  # older servers: reasonCode, ...

    status: str | None = None
    reason: str | None = None
    reason_code: ReasonCode = None
    reason_solution: str | None = None


class IBMProgramRef(WireModel):
    id: str | None = None


class IBMJobUsage(WireModel):
    """``usage`` of a job: QPU time charged (older servers: ``seconds``)."""

    qpu_charge_time_seconds: float | None = None
    seconds: float | None = None
    quantum_seconds: float | None = None
    status: str | None = None


class IBMJob(WireModel, JobPredicates):
    """A Qiskit Runtime job (``GET /jobs/{id}``) with the official ``RuntimeJob``'s attributes.

    The wire's ``state`` object is ``state_info`` and its top-level ``status`` word is
    ``raw_status``; ``state`` and ``status`` are the shared ``JobState`` and ``IBMJobStatus``.
    """

    id: str
    backend: str | None = None
    state_info: IBMJobStateInfo = Field(default_factory=IBMJobStateInfo, alias="state")
    raw_status: str | None = Field(None, alias="status")
    params: dict[str, Any] | None = None
    program: IBMProgramRef | None = None
    created: Timestamp = None
    end_time: Timestamp = None
    runtime: str | None = None
    cost: float | None = None
    tags: StringList = Field(default_factory=list)
    session_id: str | None = None
    user_id: str | None = None
    usage: IBMJobUsage | None = None
    estimated_running_time_seconds: float | None = None
    private: bool | None = None
    log_level: str | None = None
    #: The instance CRN the job ran in (not on the wire: set by the client that fetched it).
    instance: str | None = None

    # ---- RuntimeJob attributes

    @property
    def job_id(self) -> str:
        return self.id

    @property
    def backend_name(self) -> str | None:
        return self.backend

    @property
    def creation_date(self) -> pendulum.DateTime | None:
        """When the job was created (timezone-aware, UTC)."""
        return self.created

    @property
    def image(self) -> str:
        """The runtime image ``name:tag``, or ``""`` for the default image."""
        return self.runtime or ""

    @property
    def inputs(self) -> dict[str, Any] | None:
        """The job's ``params`` (None when fetched with ``exclude_params``)."""
        return self.params

    @property
    def program_id(self) -> str | None:
        return self.program.id if self.program else None

    @property
    def primitive_id(self) -> str | None:
        return self.program_id

    @property
    def version(self) -> int | None:
        """The primitive version from the params (2 for the V2 primitives)."""
        value = self.params.get("version") if isinstance(self.params, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def usage_estimation(self) -> dict[str, Any]:
        return {"quantum_seconds": self.estimated_running_time_seconds}

    @property
    def reason(self) -> str | None:
        return self.state_info.reason

    @property
    def reason_code(self) -> int | str | None:
        return self.state_info.reason_code

    @property
    def reason_solution(self) -> str | None:
        return self.state_info.reason_solution

    # ---- status

    @property
    def status_word(self) -> str | None:
        """The status as the server wrote it (``state.status``, else the top-level word)."""
        return self.state_info.status or self.raw_status

    @property
    def status(self) -> IBMJobStatus:
        """``INITIALIZING``/``QUEUED``/``RUNNING``/``DONE``/``ERROR``/``CANCELLED`` (or UNKNOWN)."""
        status = status_from_wire(self.status_word, self.reason_code)
        if status is IBMJobStatus.CANCELLED and self.raw_status:
            # ``status: "Cancelled - Ran too long"`` next to ``state.status: "Cancelled"``.
            status = status_from_wire(self.raw_status, self.reason_code)
        return status

    @property
    def state(self) -> JobState:
        return self.status.job_state

    def failure_code(self) -> str | None:
        return None if self.reason_code is None else str(self.reason_code)

    @classmethod
    def failure_table(cls) -> FailureTable:
        return IBM_FAILURES

    def error_message(self) -> str | None:
        """Why the job failed (reason and code), or None unless it failed."""
        if not self.errored():
            return None
        reason = self.reason or (
            "ran longer than its maximum execution time"
            if str(self.reason_code) == RAN_TOO_LONG_CODE
            else f"the job ended {self.status_word or 'failed'}"
        )
        code = f" (reason code {self.reason_code})" if self.reason_code is not None else ""
        return f"Job {self.id} failed: {reason}{code}"

    def summary(self) -> dict[str, Any]:
        """A small, plain-JSON description (for logs, XCom and trigger events)."""
        return {
            "job_id": self.id,
            "status": self.status.value,
            "state": self.state.value,
            "status_word": self.status_word,
            "backend": self.backend,
            "program_id": self.program_id,
            "session_id": self.session_id,
            "tags": list(self.tags),
            "created": self.created.isoformat() if self.created else None,
            "reason": self.reason,
            "reason_code": self.reason_code,
        }


class IBMSubmittedJob(WireModel):
    """The answer of ``POST /jobs``."""

    id: str
    backend: str | None = None
    session_id: str | None = None
    private: bool | None = None

    @property
    def job_id(self) -> str:
        return self.id


class IBMJobPage(WireModel):
    """One page of ``GET /jobs``."""

    jobs: list[IBMJob] = Field(default_factory=list)
    count: int | None = None
    limit: int | None = None
    offset: int | None = None


class IBMMetricsTimestamps(WireModel):
    created: Timestamp = None
    running: Timestamp = None
    finished: Timestamp = None


class IBMJobMetrics(WireModel):
    """``GET /jobs/{id}/metrics``; the queue estimates appear on older servers only."""

    timestamps: IBMMetricsTimestamps | None = None
    usage: IBMJobUsage | None = None
    circuits_execution_time_ns: float | None = None
    qiskit_version: str | None = None
    position_in_queue: int | None = None
    position_in_provider: int | None = None
    estimated_start_time: Timestamp = None
    estimated_completion_time: Timestamp = None


class IBMQueueInfo(WireModel):
    """Where a queued job stands (the official ``QueueInfo``); fields are None when unknown."""

    job_id: str
    position: int | None = None
    estimated_start_time: pendulum.DateTime | None = None
    estimated_completion_time: pendulum.DateTime | None = None

    @classmethod
    def from_metrics(cls, job_id: str, metrics: IBMJobMetrics) -> IBMQueueInfo | None:
        """The queue information in ``metrics``, or None when the server gives none."""
        known = {
            "position": metrics.position_in_queue,
            "estimated_start_time": metrics.estimated_start_time,
            "estimated_completion_time": metrics.estimated_completion_time,
        }
        return None if all(v is None for v in known.values()) else cls(job_id=job_id, **known)


class IBMSession(WireModel):
    """A session or batch (``POST /sessions``, ``GET /sessions/{id}``)."""

    id: str
    backend_name: str | None = None
    mode: str | None = None
    state: str | None = None
    accepting_jobs: bool | None = None
    interactive_ttl: int | None = None
    max_ttl: int | None = None
    active_ttl: int | None = None
    created_at: Timestamp = None
    started_at: Timestamp = None
    closed_at: Timestamp = None
    elapsed_time: float | None = None

    @property
    def session_id(self) -> str:
        return self.id
