"""Spending limits: CreateSpendingLimit, SearchSpendingLimits, UpdateSpendingLimit,
DeleteSpendingLimit, and their enforcement at CreateQuantumTask.

As AWS's launch post describes them: one limit per QPU (simulators have none), in USD, over an
optional time period; a task's estimated cost (per task + per shot, at list price) is counted
as ``queuedSpend`` from its creation, as ``totalSpend`` once it completed (failed and cancelled
tasks are not billed, and tasks of a reservation do not count); a task whose estimate exceeds
``spendingLimit - totalSpend - queuedSpend`` is refused at once with a ValidationException. A
repeated ``clientToken`` on create is ignored without error (the API docs' words): the first
limit's ARN comes back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr
from starlette.responses import JSONResponse, Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.braket.devices import BY_ARN, Device, serves
from airflow_quantum_emulator.braket.search import FilterName, FilterValues, apply_filters, page
from airflow_quantum_emulator.braket.sigv4 import Caller
from airflow_quantum_emulator.braket.store import BraketStore
from airflow_quantum_emulator.clock import iso_utc
from airflow_quantum_emulator.config import BRAKET_ACCOUNT
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState

Amount = Annotated[StrictStr, Field(min_length=1, pattern=r"^\d+(\.\d{1,2})?$")]
Token = Annotated[StrictStr, Field(min_length=1, max_length=64)]
LIMIT_ARN = r"^arn:aws[a-z\-]*:braket:[a-z0-9\-]+:[0-9]{12}:spending-limit/.*"
CENT = Decimal("0.01")


class TimePeriod(BaseModel):
    model_config = ConfigDict(extra="forbid")
    startAt: StrictInt | StrictFloat
    endAt: StrictInt | StrictFloat


class CreateSpendingLimitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clientToken: Token
    deviceArn: Annotated[StrictStr, Field(min_length=1, max_length=256)]
    spendingLimit: Amount
    timePeriod: TimePeriod | None = None
    tags: dict[StrictStr, StrictStr] | None = None


class UpdateSpendingLimitRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clientToken: Token
    spendingLimit: Amount | None = None
    timePeriod: TimePeriod | None = None


class LimitFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: FilterName
    values: FilterValues
    operator: Literal["EQUAL"]


class SearchSpendingLimitsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filters: Annotated[list[LimitFilter], Field(max_length=10)] | None = None
    maxResults: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    nextToken: StrictStr | None = None


@dataclass
class SpendingLimit:
    arn: str
    region: str
    device: Device
    amount: Decimal
    created_at: float
    updated_at: float
    client_token: str
    period: tuple[float, float] | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def covers(self, moment: float) -> bool:
        return self.period is None or self.period[0] <= moment <= self.period[1]


def money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class SpendingLimits:
    """The spending limits of every region, and what each has spent."""

    def __init__(self, store: BraketStore) -> None:
        self.store = store
        #: The store's (so that resetting the emulator forgets them), by ARN.
        self.limits: dict[str, SpendingLimit] = store.limits

    def spend(self, limit: SpendingLimit, now: float) -> tuple[Decimal, Decimal]:
        """``(queuedSpend, totalSpend)`` of ``limit`` at ``now``."""
        queued = total = Decimal(0)
        for task in self.store.tasks.values():
            if task.device.arn != limit.device.arn or task.region != limit.region:
                continue
            if task.associations or not limit.covers(task.job.created_at):
                continue
            status = task.status(now)
            cost = Decimal(str(task.estimated_cost))
            if status == "COMPLETED":
                total += cost
            elif status not in ("FAILED", "CANCELLED"):
                queued += cost
        return money(queued), money(total)

    def check(self, device: Device, estimated: float, now: float, region: str) -> None:
        """Refuse a task whose estimate exceeds what a limit on ``device`` leaves."""
        for limit in self.limits.values():
            if limit.device.arn != device.arn or limit.region != region or not limit.covers(now):
                continue
            queued, total = self.spend(limit, now)
            remaining = limit.amount - total - queued
            if Decimal(str(estimated)) > remaining:
                raise VendorError(
                    400,
                    f"The quantum task's estimated cost of ${money(estimated)} exceeds the "
                    f"${max(remaining, Decimal(0)):.2f} left of spending limit {limit.arn} "
                    f"(limit ${limit.amount:.2f}, spent ${total:.2f}, queued ${queued:.2f}).",
                )

    def find(self, arn: str, region: str) -> SpendingLimit:
        limit = self.limits.get(arn)
        if limit is None or limit.region != region:
            raise VendorError(404, f"Spending limit {arn} not found.")
        return limit

    def render(self, limit: SpendingLimit, now: float) -> dict[str, Any]:
        queued, total = self.spend(limit, now)
        answer: dict[str, Any] = {
            "spendingLimitArn": limit.arn,
            "deviceArn": limit.device.arn,
            "spendingLimit": f"{limit.amount:.2f}",
            "queuedSpend": f"{queued:.2f}",
            "totalSpend": f"{total:.2f}",
            "createdAt": iso_utc(limit.created_at, 3),
            "updatedAt": iso_utc(limit.updated_at, 3),
            # Required in the summary: a limit without a period reports the epoch to its end.
            "timePeriod": {
                "startAt": limit.period[0] if limit.period else 0,
                "endAt": limit.period[1] if limit.period else 253402300799,
            },
        }
        if limit.tags:
            answer["tags"] = dict(limit.tags)
        return answer


def _period(period: TimePeriod | None) -> tuple[float, float] | None:
    if period is None:
        return None
    if period.endAt <= period.startAt:
        raise VendorError(400, "timePeriod.endAt must be after timePeriod.startAt.")
    return (float(period.startAt), float(period.endAt))


def build_spending_router(
    state: EmulatorState, limits: SpendingLimits, authenticate: Any
) -> APIRouter:
    router = APIRouter(tags=["Amazon Braket"])

    @router.post("/spending-limit", status_code=201)
    async def create_limit(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        spec = validate(
            CreateSpendingLimitRequest, await read_json(request), "CreateSpendingLimit request"
        )
        for limit in limits.limits.values():
            if limit.client_token == spec.clientToken and limit.region == caller.region:
                return JSONResponse({"spendingLimitArn": limit.arn}, 201)
        device = BY_ARN.get(spec.deviceArn)
        if device is None or not serves(device, caller.region):
            raise VendorError(
                400, f"Device {spec.deviceArn} is not a valid Braket device in {caller.region}."
            )
        if device.kind == "SIMULATOR":
            raise VendorError(400, "Simulators do not support spending limits.")
        if device.retired is not None:
            raise VendorError(410, f"Device {device.arn} was retired in {device.retired}.")
        if any(
            other.device.arn == device.arn and other.region == caller.region
            for other in limits.limits.values()
        ):
            raise VendorError(400, f"Device {device.arn} already has a spending limit.")
        now = state.now()
        arn = f"arn:aws:braket:{caller.region}:{BRAKET_ACCOUNT}:spending-limit/{uuid.uuid4()}"
        limits.limits[arn] = SpendingLimit(
            arn=arn,
            region=caller.region,
            device=device,
            amount=Decimal(spec.spendingLimit),
            created_at=now,
            updated_at=now,
            client_token=spec.clientToken,
            period=_period(spec.timePeriod),
            tags=dict(spec.tags or {}),
        )
        return JSONResponse({"spendingLimitArn": arn}, 201)

    @router.post("/spending-limits")
    async def search_limits(request: Request, caller: Caller = Depends(authenticate)) -> Response:
        spec = validate(
            SearchSpendingLimitsRequest,
            await read_json(request, required=False),
            "SearchSpendingLimits request",
        )
        now = state.now()
        mine = sorted(
            (other for other in limits.limits.values() if other.region == caller.region),
            key=lambda other: other.created_at,
        )
        selected = apply_filters(
            mine,
            [item.model_dump() for item in spec.filters or []],
            {
                "deviceArn": lambda other: other.device.arn,
                "spendingLimitArn": lambda other: other.arn,
            },
        )
        chunk, token = page(selected, spec.nextToken, spec.maxResults, "spending-limits")
        answer: dict[str, Any] = {"spendingLimits": [limits.render(item, now) for item in chunk]}
        if token:
            answer["nextToken"] = token
        return JSONResponse(answer)

    @router.patch("/spending-limit/{arn:path}/update")
    async def update_limit(
        arn: str, request: Request, caller: Caller = Depends(authenticate)
    ) -> Response:
        spec = validate(
            UpdateSpendingLimitRequest, await read_json(request), "UpdateSpendingLimit request"
        )
        limit = limits.find(arn, caller.region)
        if spec.spendingLimit is not None:
            limit.amount = Decimal(spec.spendingLimit)
        if spec.timePeriod is not None:
            limit.period = _period(spec.timePeriod)
        limit.updated_at = state.now()
        return JSONResponse({})

    @router.delete("/spending-limit/{arn:path}/delete")
    async def delete_limit(arn: str, caller: Caller = Depends(authenticate)) -> Response:
        limit = limits.find(arn, caller.region)
        del limits.limits[limit.arn]
        return JSONResponse({})

    return router
