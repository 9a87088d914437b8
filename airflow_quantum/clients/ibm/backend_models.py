"""Qiskit Runtime payloads of an instance's backends and usage, as pydantic models.

Unknown fields are kept (``model_extra``): a backend configuration has many more than these.
"""

from __future__ import annotations

from typing import Any

from airflow_quantum.clients.models import Timestamp, WireModel


class IBMDeviceStatus(WireModel):
    name: str | None = None
    reason: str | None = None


class IBMBackend(WireModel):
    """One entry of ``GET /backends``."""

    name: str
    status: IBMDeviceStatus | None = None
    is_simulator: bool | None = None
    qubits: int | None = None
    queue_length: int | None = None


class IBMBackendStatus(WireModel):
    """``GET /backends/{name}/status``; ``state`` is True when the backend takes jobs."""

    backend_name: str | None = None
    backend_version: str | None = None
    state: bool | None = None
    status: str | None = None
    message: str | None = None
    length_queue: int | None = None

    @property
    def operational(self) -> bool:
        return bool(self.state)


class IBMBackendConfiguration(WireModel):
    """``GET /backends/{name}/configuration`` (the many other fields are kept as extras)."""

    backend_name: str | None = None
    backend_version: str | None = None
    n_qubits: int | None = None
    basis_gates: list[str] | None = None
    coupling_map: list[list[int]] | None = None
    simulator: bool | None = None
    max_shots: int | None = None
    online_date: Timestamp = None


class IBMBackendProperties(WireModel):
    """``GET /backends/{name}/properties``: calibration data, kept as the server sends it."""

    backend_name: str | None = None
    backend_version: str | None = None
    last_update_date: Timestamp = None
    qubits: list[Any] | None = None
    gates: list[Any] | None = None
    general: list[Any] | None = None


class IBMInstanceUsage(WireModel):
    """``GET /instances/usage``."""

    instance_id: str | None = None
    plan_id: str | None = None
    usage_consumed_seconds: float | None = None
    usage_limit_seconds: float | None = None
    usage_allocation_seconds: float | None = None
    usage_remaining_seconds: float | None = None
    usage_limit_reached: bool | None = None
