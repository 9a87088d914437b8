"""Fault injection: HTTP faults on the vendor paths and outcomes forced on new jobs.

HTTP faults (``FaultRule``) match requests by vendor, method and a path regular expression and
then answer an error status (with ``Retry-After`` when asked), add latency before the request
is handled, hold the answer back after it was handled ("late": the job exists, the client does
not know yet), or drop the connection. Each rule lives for ``count`` matching requests
and/or ``duration`` seconds.

Job faults (``JobFault``) make the next submitted jobs fail with a vendor error code, or be
cancelled from outside once they start running.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Vendor = Literal["azure", "ibm", "braket", "any"]
#: Rule kinds that only add time, and so combine with any other rule.
_TIMING_KINDS = frozenset({"latency", "late"})


class FaultRule(BaseModel):
    """One HTTP fault, as posted to ``POST /_emulator/faults``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    kind: Literal["status", "latency", "late", "drop"]
    vendor: Vendor = "any"
    method: str | None = None
    path: str | None = Field(None, description="regular expression searched in the path")
    status: int = Field(503, ge=400, le=599)
    code: str | None = None
    message: str | None = None
    retry_after: float | None = Field(None, ge=0, description="seconds, sent as Retry-After")
    retry_after_format: Literal["seconds", "http-date", "ms"] = "seconds"
    delay: float = Field(
        0.0, ge=0, le=600, description="latency/late: seconds to wait before/after handling"
    )
    count: int | None = Field(None, ge=1, description="how many matching requests it affects")
    duration: float | None = Field(None, gt=0, description="seconds it stays active")
    probability: float = Field(1.0, gt=0, le=1)

    @field_validator("path")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"path is not a valid regular expression: {exc}") from exc
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class JobFault(BaseModel):
    """An outcome forced on the next ``count`` jobs submitted to ``vendor``."""

    model_config = ConfigDict(extra="forbid")

    vendor: Vendor = "any"
    outcome: Literal["fail", "cancel"]
    code: str | None = None
    message: str | None = None
    count: int = Field(1, ge=1)


@dataclass
class ActiveRule:
    rule: FaultRule
    remaining: int | None
    expires_at: float | None


@dataclass
class FaultPlan:
    """What the middleware does to one request."""

    delay: float = 0.0
    #: Seconds to hold the answer back after the request was handled ("late" rules).
    late: float = 0.0
    status_rule: FaultRule | None = None
    drop: bool = False


class FaultInjector:
    """Holds the active faults and decides, per request, which apply."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[ActiveRule] = []
        self._job_faults: list[JobFault] = []
        self._rng = rng or random.Random()

    def add(self, rule: FaultRule, now: float) -> FaultRule:
        expires = now + rule.duration if rule.duration is not None else None
        self._rules.append(ActiveRule(rule, rule.count, expires))
        return rule

    def add_job_fault(self, fault: JobFault) -> JobFault:
        self._job_faults.append(fault.model_copy())
        return fault

    def remove(self, rule_id: str) -> bool:
        before = len(self._rules)
        self._rules = [r for r in self._rules if r.rule.id != rule_id]
        return len(self._rules) != before

    def clear(self) -> None:
        self._rules.clear()
        self._job_faults.clear()

    def describe(self, now: float) -> dict[str, object]:
        self._expire(now)
        return {
            "rules": [
                {
                    **active.rule.model_dump(),
                    "remaining": active.remaining,
                    "expires_in": None if active.expires_at is None else active.expires_at - now,
                }
                for active in self._rules
            ],
            "job_faults": [fault.model_dump() for fault in self._job_faults],
        }

    def plan(self, vendor: str, method: str, path: str, now: float) -> FaultPlan:
        """Pick the faults for one request and use up their counts."""
        plan = FaultPlan()
        if not self._rules:
            return plan
        self._expire(now)
        for active in list(self._rules):
            rule = active.rule
            if not self._matches(rule, vendor, method, path):
                continue
            if (plan.status_rule is not None or plan.drop) and rule.kind not in _TIMING_KINDS:
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            if rule.kind == "latency":
                plan.delay += rule.delay
            elif rule.kind == "late":
                plan.late += rule.delay
            elif rule.kind == "drop":
                plan.drop = True
            else:
                plan.status_rule = rule
            if active.remaining is not None:
                active.remaining -= 1
                if active.remaining <= 0:
                    self._rules.remove(active)
        return plan

    def take_job_fault(self, vendor: str) -> JobFault | None:
        """The forced outcome for a job being submitted now, if any (uses one count)."""
        for fault in self._job_faults:
            if fault.vendor in ("any", vendor):
                fault.count -= 1
                if fault.count <= 0:
                    self._job_faults.remove(fault)
                return fault
        return None

    def _expire(self, now: float) -> None:
        self._rules = [r for r in self._rules if r.expires_at is None or r.expires_at > now]

    @staticmethod
    def _matches(rule: FaultRule, vendor: str, method: str, path: str) -> bool:
        if rule.vendor != "any" and rule.vendor != vendor:
            return False
        if rule.method and rule.method != method:
            return False
        return not (rule.path and not re.search(rule.path, path))


def parse_fault_spec(spec: str) -> FaultRule | JobFault:
    """Parse a CLI fault spec: ``KIND:key=value,key=value``.

    Examples: ``status:status=429,retry_after=2,count=5``, ``latency:delay=1.5,vendor=ibm``,
    ``drop:count=3``, ``job:outcome=fail,vendor=azure,code=InvalidInputData``.
    """
    kind, _, rest = spec.partition(":")
    fields: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault spec item {item!r} is not key=value")
        fields[key.strip()] = value.strip()
    if kind == "job":
        return JobFault(**fields)
    return FaultRule(kind=kind, **fields)
