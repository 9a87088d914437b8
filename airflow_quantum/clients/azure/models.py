"""Azure Quantum payloads as pydantic models: every wire field, unknown fields kept.

Attribute names are the snake_case ones of the official client's ``Job.details``; the wire's
camelCase names are the aliases. ``JobDetails.state`` maps both status vocabularies (before and
after ``2025-12-01-preview``) onto the shared ``JobState``.

Job details carry SAS links (``containerUri``, ``inputDataUri``, ``outputDataUri``) whose ``sig``
is a credential: ``repr`` and ``to_dict()`` show them redacted.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, ConfigDict, Field
from pydantic.alias_generators import to_camel

from airflow_quantum.clients.azure.failures import AZURE_FAILURES
from airflow_quantum.clients.models import Timestamp, WireModel
from airflow_quantum.clients.state import FailureTable, JobPredicates, JobState
from airflow_quantum.clients.transport import redact_url

#: Every job status word of the wire and its JobState: the one status table of the client.
#: Two vocabularies are in use at every api-version: the legacy one (Waiting, Executing,
#: Finishing, Succeeded), which the service's real traffic shows, and the current one (Queued,
#: Executing, Finishing, Completed, CancellationRequested, Cancelling) of the 2025-12 spec.
STATUS_WORDS: dict[str, JobState] = {
    "Waiting": JobState.QUEUED, "Queued": JobState.QUEUED,
    "Executing": JobState.RUNNING,
    "Finishing": JobState.FINISHING,
    "CancellationRequested": JobState.CANCELLING, "Cancelling": JobState.CANCELLING,
    "Succeeded": JobState.SUCCEEDED, "Completed": JobState.SUCCEEDED,
    "Failed": JobState.FAILED,
    "Cancelled": JobState.CANCELLED,
}  # fmt: skip
#: The same table keyed by lower-cased word (the service's words are matched case-insensitively).
STATUS_TO_STATE: dict[str, JobState] = {word.lower(): st for word, st in STATUS_WORDS.items()}


def words_of(state: JobState) -> tuple[str, ...]:
    """Every wire word (both vocabularies) that means ``state``; empty for ``UNKNOWN``."""
    return tuple(word for word, named in STATUS_WORDS.items() if named is state)


#: Session statuses after which a session changes no more.
FINAL_SESSION_STATUSES = frozenset({"succeeded", "failed", "timedout"})
#: A session that takes jobs: ``Failure(s)`` is an open ``jobFailurePolicy: Continue`` session
#: after a failed job (it reads ``Failed`` once closed), as recorded.
ACTIVE_SESSION_STATUSES = frozenset({"waiting", "executing", "failure(s)"})

_SAS_FIELDS = ("container_uri", "input_data_uri", "output_data_uri")


def state_of(status: Any) -> JobState:
    """The ``JobState`` of a wire status word (case-insensitive); ``UNKNOWN`` otherwise."""
    if not isinstance(status, str):
        return JobState.UNKNOWN
    return STATUS_TO_STATE.get(status.strip().lower(), JobState.UNKNOWN)


class AzureModel(WireModel):
    """camelCase on the wire, snake_case in Python; unknown fields kept."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    @property
    def additional_properties(self) -> dict[str, Any]:
        """Fields the service sent that this model does not know (as the official client)."""
        return dict(self.model_extra or {})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (snake_case keys, ISO timestamps), unknown fields included."""
        return self.model_dump(mode="json")


class ErrorData(AzureModel):
    """``errorData``: why a job or session failed."""

    code: str | None = None
    message: str | None = None
    target: str | None = None
    details: list[Any] | None = None
    innererror: Any = None

    def describe(self) -> str:
        text = ": ".join(part for part in (self.code, self.message) if part)
        return text or "no error details"


class UsageEvent(AzureModel):
    """One billing dimension of a cost estimate."""

    dimension_id: str | None = None
    dimension_name: str | None = None
    measure_unit: str | None = None
    amount_billed: float | None = None
    amount_consumed: float | None = None
    unit_price: float | None = None


class CostEstimate(AzureModel):
    currency_code: str | None = None
    events: list[UsageEvent] | None = None
    estimated_total: float | None = None


class ItemDetails(AzureModel):
    """What a job and a session have in common (the REST spec's ``ItemDetails``)."""

    id: str
    name: str | None = None
    item_type: str | None = None
    provider_id: str | None = None
    target: str | None = None
    status: str | None = None
    creation_time: Timestamp = None
    begin_execution_time: Timestamp = None
    end_execution_time: Timestamp = None
    cost_estimate: CostEstimate | None = None
    error_data: ErrorData | None = None
    last_updated_time: Timestamp = None
    created_by: str | None = None
    created_by_type: str | None = None

    def error_message(self) -> str | None:
        return self.error_data.describe() if self.error_data is not None else None


class JobDetails(ItemDetails, JobPredicates):
    """``JobDetails`` of the data-plane API (``Job.details`` of the azure-quantum package)."""

    job_type: str | None = None
    session_id: str | None = None
    container_uri: str | None = None
    input_data_uri: str | None = None
    input_data_format: str | None = None
    input_params: Any = None
    metadata: Any = None
    output_data_uri: str | None = None
    output_data_format: str | None = None
    cancellation_time: Timestamp = None
    tags: list[str] | None = None
    #: ``Basic`` on real jobs (2026-01-15); older answers named it ``priority``.
    job_priority: str | None = Field(None, validation_alias=AliasChoices("jobPriority", "priority"))
    usage: Any = None
    quantum_computing_data: dict[str, Any] | None = None
    is_cancelling: bool | None = None
    #: When the service last changed the job (real traffic at 2025-12; null on older jobs).
    last_modified_time: Timestamp = None

    @property
    def state(self) -> JobState:
        """The shared state; ``isCancelling`` (older versions) turns an active job CANCELLING."""
        state = state_of(self.status)
        if self.is_cancelling and not state.is_final:
            return JobState.CANCELLING
        return state

    @property
    def status_word(self) -> str | None:
        """The status word as the service sent it (either vocabulary)."""
        return self.status

    def failure_code(self) -> str | None:
        return None if self.error_data is None else self.error_data.code

    @classmethod
    def failure_table(cls) -> FailureTable:
        return AZURE_FAILURES

    def error_message(self) -> str | None:
        """``"code: message"`` of a failed job, else None."""
        if self.error_data is None and self.state is JobState.FAILED:
            return f"job {self.id} failed without error details"
        return super().error_message()

    def to_dict(self, *, redact: bool = True) -> dict[str, Any]:
        """Plain JSON; the SAS links are redacted unless ``redact=False``."""
        data = self.model_dump(mode="json")
        if redact:
            for name in _SAS_FIELDS:
                if data.get(name):
                    data[name] = redact_url(data[name])
        return data

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name in _SAS_FIELDS and isinstance(value, str):
                yield name, redact_url(value)
            else:
                yield name, value


class SessionDetails(ItemDetails):
    """``SessionDetails``: a group of jobs on one target."""

    job_failure_policy: str | None = None
    #: ``Basic`` on real sessions (2026-01-15).
    job_priority: str | None = None

    def in_final_state(self) -> bool:
        """Succeeded, Failed or TimedOut: the session changes no more. (``Failure(s)`` is not
        final: an open Continue session after a failed job, still taking jobs.)"""
        return (self.status or "").strip().lower() in FINAL_SESSION_STATUSES

    def active(self) -> bool:
        """Waiting, Executing or Failure(s). A closed session stays Executing while its jobs
        run, so this does not say whether it takes new jobs (a closed one refuses them: 400
        ``InvalidJobDefinition``, raised as ``SessionClosedError``)."""
        return (self.status or "").strip().lower() in ACTIVE_SESSION_STATUSES


class TargetStatus(AzureModel):
    id: str
    current_availability: str | None = None
    average_queue_time: float | None = None
    status_page: str | None = None


class ProviderStatus(AzureModel):
    """``providerStatus`` item: a provider's availability and its targets'."""

    id: str
    current_availability: str | None = None
    targets: list[TargetStatus] = Field(default_factory=list)

    def target(self, target_id: str) -> TargetStatus | None:
        wanted = target_id.strip().lower()
        return next((t for t in self.targets if t.id.lower() == wanted), None)


class Quota(AzureModel):
    """``quotas`` item: usage of one billing dimension against its limit."""

    dimension: str | None = None
    scope: str | None = None
    provider_id: str | None = None
    utilization: float | None = None
    holds: float | None = None
    limit: float | None = None
    period: str | None = None
