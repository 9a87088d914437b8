"""Control routes of the Braket side (``/_emulator/braket/...``): devices and tasks, scripted.

- ``PUT /_emulator/braket/devices/{arn}`` ``{"status"?, "windows"?, "queue_size"?}``: a device
  ``OFFLINE`` (CreateQuantumTask answers 424) or ``ONLINE``; its execution windows (a task
  created outside them stays CREATED until one opens, on the emulator's clock); tasks added to
  its queue size and queue positions. ``DELETE`` restores the device.
- ``POST /_emulator/braket/credentials`` ``{"lifetime_seconds"?}`` → 201 ``{"AccessKeyId",
  "SecretAccessKey", "SessionToken", "Expiration"}`` (STS's names): temporary credentials the
  Braket and S3 routes accept, with their session token, until they expire on the emulator's
  clock (then 403 ExpiredTokenException), as assumed roles' credentials do.
- ``POST /_emulator/braket/tasks/{id or ARN}/hold``: the task stays QUEUED until released;
  ``.../release`` starts it now. Failing, finishing and cloning are the shared
  ``/_emulator/jobs/{id}/...`` verbs (a task's job id is the last part of its ARN).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.braket.devices import BY_ARN
from airflow_quantum_emulator.braket.sigv4 import new_temporary_credentials
from airflow_quantum_emulator.braket.store import BraketStore, BraketTask, DeviceState
from airflow_quantum_emulator.braket.windows import validate_window
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

#: Seconds a held task waits: longer than any test, demo or benchmark runs.
HELD_SECONDS = 1e9


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    executionDay: str
    windowStartHour: str
    windowEndHour: str


class CredentialsRequest(BaseModel):
    """Body of ``POST /_emulator/braket/credentials``."""

    model_config = ConfigDict(extra="forbid")
    lifetime_seconds: float = Field(3600.0, gt=0)


class DeviceScript(BaseModel):
    """Body of ``PUT /_emulator/braket/devices/{arn}``: the fields to change."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["ONLINE", "OFFLINE"] | None = None
    windows: list[Window] | None = Field(None, max_length=20)
    queue_size: int | None = Field(None, ge=0)


def build_braket_control_router(state: EmulatorState, store: BraketStore) -> APIRouter:
    router = APIRouter(prefix="/_emulator/braket", tags=["emulator control"])

    def task_of(ref: str) -> BraketTask:
        task = store.tasks.get(ref.rsplit("/", 1)[-1])
        if task is None:
            raise VendorError(404, f"No Braket task {ref!r} in the emulator.")
        return task

    @router.post("/credentials", status_code=201)
    async def issue_credentials(request: Request) -> dict[str, Any]:
        body = validate(CredentialsRequest, await read_json(request, required=False))
        issued = new_temporary_credentials(state.now() + body.lifetime_seconds)
        store.credentials[issued.access_key_id] = issued
        return {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
            "Expiration": iso_utc(issued.expires_at, 0),
        }

    @router.put("/devices/{arn:path}")
    async def script_device(arn: str, request: Request) -> dict[str, Any]:
        device = BY_ARN.get(arn)
        if device is None:
            raise VendorError(404, f"No Braket device {arn!r} in the emulator.")
        body = validate(DeviceScript, await read_json(request, required=False))
        current = store.device_state(device)
        windows = current.windows
        if body.windows is not None:
            windows = tuple(window.model_dump() for window in body.windows)
            for window in windows:
                try:
                    validate_window(window)
                except ValueError as error:
                    raise VendorError(400, f"Invalid window {window}: {error}") from None
        facts = store.devices[device.arn] = DeviceState(
            status=body.status or current.status,
            windows=windows,
            queue_size=current.queue_size if body.queue_size is None else body.queue_size,
        )
        return {"deviceArn": device.arn, **facts.__dict__}

    @router.delete("/devices/{arn:path}", status_code=204)
    async def restore_device(arn: str) -> None:
        store.devices.pop(arn, None)

    @router.post("/tasks/{ref:path}/hold")
    async def hold(ref: str) -> dict[str, Any]:
        task = task_of(ref)
        now = state.now()
        if task.status(now) not in ("CREATED", "QUEUED"):
            raise VendorError(
                409, f"Task {task.arn} is {task.status(now)}; only a waiting task is held."
            )
        task.job.queue_seconds = max(
            task.job.queue_seconds, now - task.job.created_at + HELD_SECONDS
        )
        return {"quantumTaskArn": task.arn, "status": task.status(now)}

    @router.post("/tasks/{ref:path}/release")
    async def release(ref: str) -> dict[str, Any]:
        task = task_of(ref)
        now = state.now()
        if task.status(now) in ("CREATED", "QUEUED"):
            task.job.queue_seconds = max(0.0, now - task.job.created_at)
            task.queued_at = min(task.queued_at, now)
        return {"quantumTaskArn": task.arn, "status": task.status(now)}

    return router
