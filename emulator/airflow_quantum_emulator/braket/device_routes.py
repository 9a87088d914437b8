"""Device routes: GetDevice and SearchDevices over the catalogue of ``devices``.

A QPU is served by the endpoint of its own region only (its ARN's region; the SDK opens a
session there): asked in another region, GetDevice answers 404 and SearchDevices leaves it
out. Simulators are in every region. Retired devices stay listed, ``RETIRED``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.responses import JSONResponse, Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.braket.devices import DEVICES, Device, capabilities_json, serves
from airflow_quantum_emulator.braket.search import FilterName, FilterValues, apply_filters, page
from airflow_quantum_emulator.braket.sigv4 import Caller
from airflow_quantum_emulator.braket.store import BraketStore
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

#: ``service.updatedAt`` of every device's capabilities.
UPDATED_AT = "2026-08-01T00:00:00Z"


class DeviceFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: FilterName
    values: FilterValues


class SearchDevicesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filters: Annotated[list[DeviceFilter], Field(max_length=10)]
    maxResults: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    nextToken: StrictStr | None = None


def device_status(device: Device, store: BraketStore) -> str:
    if device.retired is not None:
        return "RETIRED"
    return store.device_state(device).status


def build_device_router(state: EmulatorState, store: BraketStore, authenticate: Any) -> APIRouter:
    router = APIRouter(tags=["Amazon Braket"])

    def summary(device: Device) -> dict[str, Any]:
        return {
            "deviceArn": device.arn,
            "deviceName": device.name,
            "providerName": device.provider,
            "deviceType": device.kind,
            "deviceStatus": device_status(device, store),
        }

    @router.get("/device/{arn:path}")
    async def get_device(arn: str, caller: Caller = Depends(authenticate)) -> Response:
        device = next((d for d in DEVICES if d.arn == arn and serves(d, caller.region)), None)
        if device is None:
            raise VendorError(404, f"Braket device '{arn}' not found in {caller.region}.")
        facts = store.device_state(device)
        queued = len(store.queued_on(device, state.now())) + facts.queue_size
        answer = {
            **summary(device),
            "deviceCapabilities": capabilities_json(device, facts.windows, UPDATED_AT),
            "deviceQueueInfo": [
                {
                    "queue": "QUANTUM_TASKS_QUEUE",
                    "queueSize": str(queued),
                    "queuePriority": "Normal",
                },
                {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "0", "queuePriority": "Priority"},
                {"queue": "JOBS_QUEUE", "queueSize": "0"},
            ],
        }
        return JSONResponse(answer)

    @router.post("/devices")
    async def search_devices(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        spec = validate(SearchDevicesRequest, await read_json(request), "SearchDevices request")
        devices = [d for d in DEVICES if serves(d, caller.region)]
        selected = apply_filters(
            devices,
            [{**item.model_dump(), "operator": "EQUAL"} for item in spec.filters],
            {
                "deviceArn": lambda d: d.arn,
                "deviceName": lambda d: d.name,
                "providerName": lambda d: d.provider,
                "deviceType": lambda d: d.kind,
                "deviceStatus": lambda d: device_status(d, store),
            },
        )
        chunk, token = page(selected, spec.nextToken, spec.maxResults, "devices")
        answer: dict[str, Any] = {"devices": [summary(d) for d in chunk]}
        if token:
            answer["nextToken"] = token
        return JSONResponse(answer)

    return router
