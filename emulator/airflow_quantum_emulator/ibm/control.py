"""Control routes of the IBM side (``/_emulator/ibm/...``): usage, estimates, backend status.

What the real service decides on its own, scripted for tests and demos:

- ``PUT /_emulator/ibm/usage`` ``{"consumed_seconds"?, "limit_seconds"?}``: the instance's
  consumed quantum seconds now (its jobs add to them) and its limit (the config's
  ``ibm_usage_limit_seconds``); at or over the limit, ``POST /jobs`` answers 409.
- ``POST /_emulator/ibm/estimates`` ``{"seconds", "after_seconds"?, "count"?}``: the
  ``estimated_running_time_seconds`` the next ``count`` jobs get (None: no estimate), known
  ``after_seconds`` after their submission (null before). ``PUT
  /_emulator/ibm/jobs/{id}/estimate`` sets it on a job already submitted.
- ``PUT /_emulator/ibm/backends/{name}`` ``{"status"?, "reason"?, "queue_length"?,
  "is_simulator"?, "qubits"?}``: what ``GET /backends`` and ``/backends/{name}/status`` say
  (``queue_length`` is added to the jobs really queued); ``DELETE`` restores the device.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm.backends import get_backend
from airflow_quantum_emulator.ibm.store import DeviceFacts, IBMStore, ScriptedEstimate
from airflow_quantum_emulator.state import EmulatorState


class UsageScript(BaseModel):
    """Body of ``PUT /_emulator/ibm/usage``."""

    model_config = ConfigDict(extra="forbid")
    consumed_seconds: float | None = Field(None, ge=0)
    limit_seconds: int | None = Field(None, ge=0)


class EstimateScript(BaseModel):
    """Body of ``POST /_emulator/ibm/estimates`` and ``PUT .../jobs/{id}/estimate``."""

    model_config = ConfigDict(extra="forbid")
    seconds: float | None = Field(ge=0)
    after_seconds: float = Field(0.0, ge=0)
    count: int = Field(1, ge=1, le=10_000)


class DeviceScript(BaseModel):
    """Body of ``PUT /_emulator/ibm/backends/{name}``: the fields to change."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["online", "paused", "offline"] | None = None
    reason: str | None = Field(None, max_length=200)
    queue_length: int | None = Field(None, ge=0)
    is_simulator: bool | None = None
    qubits: int | None = Field(None, ge=1)


def build_ibm_control_router(state: EmulatorState, store: IBMStore) -> APIRouter:
    """The IBM control routes, bound to ``state`` and the IBM ``store``."""
    router = APIRouter(prefix="/_emulator/ibm", tags=["emulator control"])

    @router.put("/usage")
    async def set_usage(request: Request) -> dict[str, Any]:
        body = validate(UsageScript, await read_json(request, required=False))
        if body.limit_seconds is not None:
            state.config.ibm_usage_limit_seconds = body.limit_seconds
        if body.consumed_seconds is not None:
            store.set_usage(body.consumed_seconds, state.now())
        return {
            "usage_floor_seconds": store.usage_floor,
            "usage_limit_seconds": state.config.ibm_usage_limit_seconds,
        }

    @router.post("/estimates", status_code=201)
    async def script_estimates(request: Request) -> dict[str, Any]:
        body = validate(EstimateScript, await read_json(request, required=False))
        estimate = ScriptedEstimate(body.seconds, body.after_seconds)
        store.next_estimates.extend([estimate] * body.count)
        return {"pending_estimates": len(store.next_estimates)}

    @router.put("/jobs/{job_id}/estimate")
    async def set_job_estimate(job_id: str, request: Request) -> dict[str, Any]:
        body = validate(EstimateScript, await read_json(request, required=False))
        record = store.jobs.get(job_id)
        if record is None:
            raise VendorError(404, f"No IBM job {job_id!r} in the emulator.")
        # Counted from now: the estimate appears ``after_seconds`` from this call.
        after = state.now() - record.job.created_at + body.after_seconds
        record.scripted_estimate = ScriptedEstimate(body.seconds, after)
        return {"id": job_id, "estimated_running_time_seconds": body.seconds}

    @router.put("/backends/{name}")
    async def script_device(name: str, request: Request) -> dict[str, Any]:
        backend = get_backend(name)
        body = validate(DeviceScript, await read_json(request, required=False))
        changes = body.model_dump(exclude_none=True)
        facts = store.devices[backend.name] = replace(store.device(backend.name), **changes)
        return {"name": backend.name, **facts.__dict__}

    @router.delete("/backends/{name}", status_code=204)
    async def restore_device(name: str) -> None:
        store.devices.pop(get_backend(name).name, None)

    return router


__all__ = ["DeviceFacts", "build_ibm_control_router"]
