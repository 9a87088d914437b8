"""Scriptable quotas and target availability, and how ``/quotas`` and ``/providerStatus`` show them.

Control routes (every workspace of the emulator sees the settings; ``/_emulator/reset`` forgets
them):

- ``PUT /_emulator/azure/quotas``: set fields of one quota (``provider_id`` and ``dimension``
  name it; ``utilization``, ``holds``, ``limit``, ``scope``, ``period``); a quota the emulator
  does not list yet is added. A set ``utilization`` replaces the one the jobs make.
- ``PUT /_emulator/azure/targets/{target}/status``: a target's ``availability``
  (``Available``, ``Degraded``, ``Unavailable``) and ``average_queue_time`` (seconds).
- ``PUT /_emulator/azure/providers/{provider}/status``: a provider's ``availability`` (by
  default it follows its targets: all Available, some (Degraded), none (Unavailable)).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from airflow_quantum_emulator.azure.store import AzureStore
from airflow_quantum_emulator.azure.targets import PROVIDERS, Target, find_target, targets_of
from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.errors import VendorError

Availability = Literal["Available", "Degraded", "Unavailable"]


class QuotaSetting(BaseModel):
    """Body of ``PUT /_emulator/azure/quotas``."""

    model_config = ConfigDict(extra="forbid")
    provider_id: str = Field(min_length=1)
    dimension: str = Field(min_length=1)
    utilization: float | None = Field(default=None, ge=0)
    holds: float | None = Field(default=None, ge=0)
    limit: float | None = Field(default=None, ge=0)
    scope: str | None = None
    period: str | None = None


class TargetStatusSetting(BaseModel):
    """Body of ``PUT /_emulator/azure/targets/{target}/status``."""

    model_config = ConfigDict(extra="forbid")
    availability: Availability | None = None
    average_queue_time: int | None = Field(default=None, ge=0)


class ProviderStatusSetting(BaseModel):
    """Body of ``PUT /_emulator/azure/providers/{provider}/status``."""

    model_config = ConfigDict(extra="forbid")
    availability: Availability


def build_capacity_router(store: AzureStore) -> APIRouter:
    """The control routes that script quotas and availability."""
    router = APIRouter(prefix="/_emulator/azure", tags=["emulator control"])

    @router.put("/quotas")
    async def set_quota(request: Request) -> dict[str, Any]:
        spec = validate(QuotaSetting, await read_json(request))
        key = (spec.provider_id.lower(), spec.dimension.lower())
        fields = spec.model_dump(exclude_none=True, exclude={"provider_id", "dimension"})
        store.quota_settings[key] = {**store.quota_settings.get(key, {}), **fields}
        return {"provider_id": key[0], "dimension": key[1], **store.quota_settings[key]}

    @router.put("/targets/{target_id}/status")
    async def set_target_status(target_id: str, request: Request) -> dict[str, Any]:
        spec = validate(TargetStatusSetting, await read_json(request))
        target = find_target(target_id)
        if target is None:
            raise VendorError(404, f"No target {target_id[:60]!r} is offered.", "NotFound")
        fields = spec.model_dump(exclude_none=True)
        store.target_settings[target.id] = {**store.target_settings.get(target.id, {}), **fields}
        return {"target": target.id, **store.target_settings[target.id]}

    @router.put("/providers/{provider_id}/status")
    async def set_provider_status(provider_id: str, request: Request) -> dict[str, Any]:
        spec = validate(ProviderStatusSetting, await read_json(request))
        if provider_id.lower() not in PROVIDERS:
            raise VendorError(404, f"No provider {provider_id[:60]!r} is offered.", "NotFound")
        store.provider_settings[provider_id.lower()] = spec.availability
        return {"provider": provider_id.lower(), "availability": spec.availability}

    return router


def apply_quota_settings(store: AzureStore, quotas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``quotas`` with the scripted fields set, and the scripted quotas not listed added."""
    shown = []
    seen = set()
    for quota in quotas:
        key = (quota["providerId"].lower(), quota["dimension"].lower())
        seen.add(key)
        shown.append({**quota, **store.quota_settings.get(key, {})})
    for (provider, dimension), fields in store.quota_settings.items():
        if (provider, dimension) not in seen:
            base = {"dimension": dimension, "scope": "Workspace", "providerId": provider}
            defaults = {"utilization": 0.0, "holds": 0.0, "limit": 0.0, "period": "Monthly"}
            shown.append({**base, **defaults, **fields})
    return shown


def provider_statuses(store: AzureStore, queue_seconds: float) -> list[dict[str, Any]]:
    """The ``providerStatus`` items: configured queue times unless a status was scripted."""
    providers = []
    for provider in PROVIDERS:
        targets = [_target_status(store, target, queue_seconds) for target in targets_of(provider)]
        available = sum(t["currentAvailability"] == "Available" for t in targets)
        derived = (
            "Available" if available == len(targets) else "Degraded" if available else "Unavailable"
        )
        providers.append(
            {
                "id": provider,
                "currentAvailability": store.provider_settings.get(provider, derived),
                "targets": targets,
            }
        )
    return providers


def _target_status(store: AzureStore, target: Target, queue_seconds: float) -> dict[str, Any]:
    setting = store.target_settings.get(target.id, {})
    return {
        "id": target.id,
        "currentAvailability": setting.get("availability", "Available"),
        "averageQueueTime": setting.get(
            "average_queue_time", round(queue_seconds * target.queue_factor)
        ),
        "statusPage": target.status_page,
    }
