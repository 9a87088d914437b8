"""Braket payloads as pydantic models: quantum tasks, their summaries, devices, spending limits.

Unknown fields are kept (``model_extra``); ``from_wire`` raises ``BadResponseError`` for a
payload it cannot read. ``BraketQuantumTask`` carries the shared ``JobState`` and the job
predicates; a task's id is its ARN.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import Field

from airflow_quantum.clients.models import ListedJob, Timestamp, WireModel
from airflow_quantum.clients.state import FailureTable, JobPredicates, JobState, VendorStatus


class BraketTaskStatus(VendorStatus):
    """The service's quantum task statuses, plus ``UNKNOWN`` for words it may add later.

    Each member's ``job_state`` is its word in the shared vocabulary; a task ``CREATED``
    outside its device's execution window waits like a queued one.
    """

    CREATED = "CREATED", JobState.QUEUED
    QUEUED = "QUEUED", JobState.QUEUED
    RUNNING = "RUNNING", JobState.RUNNING
    COMPLETED = "COMPLETED", JobState.SUCCEEDED
    FAILED = "FAILED", JobState.FAILED
    CANCELLING = "CANCELLING", JobState.CANCELLING
    CANCELLED = "CANCELLED", JobState.CANCELLED
    UNKNOWN = "UNKNOWN", JobState.UNKNOWN

    @classmethod
    def from_wire(cls, word: Any) -> BraketTaskStatus:
        text = word.strip().upper() if isinstance(word, str) else ""
        return cls.__members__.get(text, cls.UNKNOWN)


#: Statuses of a task that is not final (what the shared poller lists).
PENDING_STATUSES = ("CREATED", "QUEUED", "RUNNING", "CANCELLING")

#: ``failureReason`` is free text. Words of a task that fails the same way again: its program
#: (parse, validation, unsupported gates or qubits), its size or shots, the account's limits.
#: Anything else (internal errors, device faults, timeouts, calibration) is transient.
BRAKET_FAILURES = FailureTable(
    permanent=frozenset(),
    permanent_markers=(
        "validation",
        "invalid",
        "not supported",
        "unsupported",
        "syntax",
        "parse",
        "compil",
        "exceed",
        "too many",
        "out of range",
        "spending limit",
        "not allowed",
        "qubit",
    ),
)


def _count(text: str | None) -> int | None:
    """A count the service writes as text (``"3"``); None for anything else (``">2000"``)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


class BraketQueueInfo(WireModel):
    """``queueInfo`` of a task (``additionalAttributeNames=QueueInfo``)."""

    queue: str | None = None
    #: The position as the service writes it (a number as text, or e.g. ``">2000"``).
    position_text: str | None = Field(None, alias="position")
    queue_priority: str | None = Field(None, alias="queuePriority")
    message: str | None = None

    @property
    def position(self) -> int | None:
        """The position as a number; None when the service says something else (``">2000"``)."""
        return _count(self.position_text)


class BraketActionMetadata(WireModel):
    action_type: str | None = Field(None, alias="actionType")
    program_count: int | None = Field(None, alias="programCount")
    executable_count: int | None = Field(None, alias="executableCount")


class BraketQuantumTask(WireModel, JobPredicates):
    """A quantum task (``GetQuantumTask``, or a ``SearchQuantumTasks`` summary: then fewer
    fields are known). ``status`` is ``BraketTaskStatus``, ``state`` the shared ``JobState``."""

    arn: str = Field(alias="quantumTaskArn")
    raw_status: str | None = Field(None, alias="status")
    failure_reason: str | None = Field(None, alias="failureReason")
    device_arn: str | None = Field(None, alias="deviceArn")
    device_parameters: Any = Field(None, alias="deviceParameters")
    shots: int | None = None
    output_s3_bucket: str | None = Field(None, alias="outputS3Bucket")
    output_s3_directory: str | None = Field(None, alias="outputS3Directory")
    created_at: Timestamp = Field(None, alias="createdAt")
    ended_at: Timestamp = Field(None, alias="endedAt")
    tags: dict[str, str] = Field(default_factory=dict)
    job_arn: str | None = Field(None, alias="jobArn")
    queue_info: BraketQueueInfo | None = Field(None, alias="queueInfo")
    associations: list[dict[str, Any]] | None = None
    num_successful_shots: int | None = Field(None, alias="numSuccessfulShots")
    action_metadata: BraketActionMetadata | None = Field(None, alias="actionMetadata")

    @property
    def id(self) -> str:
        return self.arn

    @property
    def job_id(self) -> str:
        return self.arn

    @property
    def status_word(self) -> str | None:
        return self.raw_status

    @property
    def status(self) -> BraketTaskStatus:
        return BraketTaskStatus.from_wire(self.raw_status)

    @property
    def state(self) -> JobState:
        return self.status.job_state

    def failure_code(self) -> str | None:
        return self.failure_reason

    @classmethod
    def failure_table(cls) -> FailureTable:
        return BRAKET_FAILURES

    def error_message(self) -> str | None:
        """Why the task failed, or None unless it failed."""
        if not self.errored():
            return None
        reason = self.failure_reason or "the service gave no reason"
        return f"Quantum task {self.arn} failed: {reason}"

    def device_parameters_dict(self) -> dict[str, Any] | None:
        """``deviceParameters`` (a JSON string on the wire) as a dict, when it is one."""
        value = self.device_parameters
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        return value if isinstance(value, dict) else None

    def summary(self) -> dict[str, Any]:
        """A small, plain-JSON description (for logs, XCom and trigger events)."""
        return {
            "job_id": self.arn,
            "status": self.status.value,
            "state": self.state.value,
            "device_arn": self.device_arn,
            "shots": self.shots,
            "created": self.created_at.isoformat() if self.created_at else None,
            "failure_reason": self.failure_reason,
        }


class BraketTaskPage(WireModel):
    """One page of ``SearchQuantumTasks``."""

    quantum_tasks: list[BraketQuantumTask] = Field(default_factory=list, alias="quantumTasks")
    next_token: str | None = Field(None, alias="nextToken")


class BraketCreatedTask(WireModel):
    """The answer of ``CreateQuantumTask``."""

    arn: str = Field(alias="quantumTaskArn")


class BraketCancellation(WireModel):
    """The answer of ``CancelQuantumTask``: ``CANCELLING`` or ``CANCELLED``."""

    arn: str = Field(alias="quantumTaskArn")
    cancellation_status: str | None = Field(None, alias="cancellationStatus")


class BraketDeviceQueue(WireModel):
    queue: str | None = None
    queue_size: str | None = Field(None, alias="queueSize")
    queue_priority: str | None = Field(None, alias="queuePriority")


class BraketDevice(WireModel):
    """A device (``GetDevice``; a ``SearchDevices`` summary has no capabilities or queues)."""

    arn: str = Field(alias="deviceArn")
    name: str | None = Field(None, alias="deviceName")
    provider_name: str | None = Field(None, alias="providerName")
    device_type: str | None = Field(None, alias="deviceType")
    device_status: str | None = Field(None, alias="deviceStatus")
    device_capabilities: Any = Field(None, alias="deviceCapabilities")
    device_queue_info: list[BraketDeviceQueue] = Field(
        default_factory=list, alias="deviceQueueInfo"
    )

    @property
    def is_simulator(self) -> bool:
        return (self.device_type or "").upper() == "SIMULATOR"

    @property
    def online(self) -> bool:
        return (self.device_status or "").upper() == "ONLINE"

    def capabilities(self) -> dict[str, Any]:
        """``deviceCapabilities`` (a JSON string on the wire) as a dict (``{}`` if unreadable)."""
        value = self.device_capabilities
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return {}
        return value if isinstance(value, dict) else {}

    @property
    def service(self) -> dict[str, Any]:
        service = self.capabilities().get("service")
        return service if isinstance(service, dict) else {}

    @property
    def shots_range(self) -> tuple[int, int] | None:
        """The least and most shots a task may ask for, when the device says."""
        value = self.service.get("shotsRange")
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
            return value[0], value[1]
        return None

    @property
    def poll_interval(self) -> float | None:
        """``getTaskPollIntervalMillis`` in seconds: how often the service wants to be asked."""
        value = self.service.get("getTaskPollIntervalMillis")
        return value / 1000 if isinstance(value, int | float) and value > 0 else None

    @property
    def supported_actions(self) -> list[str]:
        """The action schema names the device runs (``braket.ir.openqasm.program``, ...)."""
        action = self.capabilities().get("action")
        return sorted(action) if isinstance(action, dict) else []

    def action_limit(self, action: str, name: str) -> int | None:
        """A whole-number property of one of the device's actions (e.g. a program set's
        ``maximumExecutables`` or ``maximumTotalShots``), when the device says."""
        actions = self.capabilities().get("action")
        entry = actions.get(action) if isinstance(actions, dict) else None
        value = entry.get(name) if isinstance(entry, dict) else None
        whole = isinstance(value, int) and not isinstance(value, bool)
        return value if whole and value > 0 else None

    @property
    def execution_windows(self) -> list[dict[str, Any]]:
        value = self.service.get("executionWindows")
        return [w for w in value if isinstance(w, dict)] if isinstance(value, list) else []

    def queue_size(self, priority: str = "Normal") -> int | None:
        """Tasks waiting in the device's quantum-task queue (None when not said or ``">4000"``)."""
        for entry in self.device_queue_info:
            if (
                entry.queue == "QUANTUM_TASKS_QUEUE"
                and (entry.queue_priority or "Normal") == priority
            ):
                return _count(entry.queue_size)
        return None


class BraketDevicePage(WireModel):
    devices: list[BraketDevice] = Field(default_factory=list)
    next_token: str | None = Field(None, alias="nextToken")


class BraketTimePeriod(WireModel):
    start_at: Timestamp = Field(None, alias="startAt")
    end_at: Timestamp = Field(None, alias="endAt")


class BraketSpendingLimit(WireModel):
    """A spending limit of one device (USD, as decimal strings on the wire)."""

    arn: str = Field(alias="spendingLimitArn")
    device_arn: str | None = Field(None, alias="deviceArn")
    time_period: BraketTimePeriod | None = Field(None, alias="timePeriod")
    spending_limit: str | None = Field(None, alias="spendingLimit")
    queued_spend: str | None = Field(None, alias="queuedSpend")
    total_spend: str | None = Field(None, alias="totalSpend")
    created_at: Timestamp = Field(None, alias="createdAt")
    updated_at: Timestamp = Field(None, alias="updatedAt")
    tags: dict[str, str] = Field(default_factory=dict)

    @property
    def remaining(self) -> float | None:
        """What the limit leaves for new tasks: limit - total - queued (None if unreadable)."""
        try:
            limit = float(self.spending_limit or "")
            total = float(self.total_spend or 0)
            queued = float(self.queued_spend or 0)
        except ValueError:
            return None
        left = limit - total - queued
        return round(left, 6) if math.isfinite(left) else None  # "NaN" and "Infinity" parse


class BraketSpendingLimitPage(WireModel):
    spending_limits: list[BraketSpendingLimit] = Field(default_factory=list, alias="spendingLimits")
    next_token: str | None = Field(None, alias="nextToken")


def listed_task(summary: dict[str, Any]) -> ListedJob:
    """A task of a search page, unparsed (the shared poller compares its status)."""
    return ListedJob(
        id=str(summary.get("quantumTaskArn")), status=(summary.get("status"),), raw=summary
    )
