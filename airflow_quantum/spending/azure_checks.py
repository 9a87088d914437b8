"""The checks an Azure submission passes before it is sent: budget, quota, target by queue.

- ``check_budget``: the estimate against the ``max_cost`` limit (fails closed when the target
  has no estimate in the limit's currency);
- ``check_quotas``: the workspace's quotas of the target's provider, from ``GET /quotas``;
- ``choose_target``: of several targets, the first ``Available`` one with the shortest
  ``averageQueueTime``, from ``GET /providerStatus``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_quantum.clients.azure.models import ProviderStatus, Quota
from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.spending.budget import Limit, OverBudgetError, QuotaExhaustedError


class NoTargetAvailableError(QuantumError):
    """None of the targets offered to choose from is ``Available`` now (worth a retry)."""


def describe_estimate(estimate: dict[str, Any]) -> str:
    """``"12.5 USD for ionq.qpu.aria-1 (formula)"``, or why there is no estimate."""
    if not estimate.get("priced"):
        return f"no estimate for {estimate['target']}: {estimate.get('detail') or 'unpriced'}"
    return f"{estimate['estimated_total']:g} {estimate['currency']} for {estimate['target']}" + (
        f" ({estimate['formula']})" if estimate.get("formula") else ""
    )


def check_budget(
    estimate: dict[str, Any], limit: Limit | None, currency: str, *, allow_unpriced: bool = False
) -> None:
    """``OverBudgetError`` when the estimate exceeds ``limit`` (in ``currency``), or cannot be
    compared with it (no estimate, or one in credits) unless ``allow_unpriced``."""
    if limit is None:
        return
    target = estimate["target"]
    comparable = estimate.get("priced") and estimate.get("currency") == currency
    if not comparable:
        if allow_unpriced:
            return
        what = describe_estimate(estimate)
        if estimate.get("priced"):
            what = f"only an estimate in {estimate['currency']}: {what}"
        raise OverBudgetError(
            f"{limit.describe()} is set, in {currency}, but there is {what}"
            f"; nothing was submitted (a limit fails closed). To run it: give the target a "
            f"price in {currency} with a 'prices' override (e.g. "
            f"{{'{target}': {{'price_per_hqc': ...}}}} for credits), or pass "
            "allow_unpriced=True to the operator, or lift the limit"
        )
    if estimate["estimated_total"] > limit.value:
        raise OverBudgetError(
            f"the job would cost {describe_estimate(estimate)}, over the limit "
            f"{limit.describe()}; nothing was submitted"
        )


def check_quotas(
    quotas: Iterable[Quota], provider: str, dimensions: Sequence[str] | None
) -> list[Quota]:
    """The quotas that apply; ``QuotaExhaustedError`` when one is used up.

    A quota applies when it is the provider's and (if ``dimensions`` is given) one of them; it is
    used up when ``utilization + holds >= limit``.
    """
    wanted = None if dimensions is None else {d.lower() for d in dimensions}
    applying = [
        quota
        for quota in quotas
        if (quota.provider_id or "").lower() == provider.lower()
        and (wanted is None or (quota.dimension or "").lower() in wanted)
        and quota.limit is not None
    ]
    for quota in applying:
        used = (quota.utilization or 0.0) + (quota.holds or 0.0)
        if used >= quota.limit:
            raise QuotaExhaustedError(
                f"the {provider} quota {quota.dimension!r} ({quota.scope or 'workspace'}, "
                f"period {quota.period or 'none'}) is used up: utilization "
                f"{quota.utilization or 0:g} + holds {quota.holds or 0:g} >= limit "
                f"{quota.limit:g}; nothing was submitted"
            )
    return applying


def queue_table(candidates: Sequence[str], statuses: Iterable[ProviderStatus]) -> list[dict]:
    """Each candidate with its availability and average queue time (seconds), in order."""
    statuses = list(statuses)
    rows = []
    for name in candidates:
        found = next(
            (target for provider in statuses if (target := provider.target(name)) is not None),
            None,
        )
        rows.append(
            {
                "target": name,
                "availability": None if found is None else found.current_availability,
                "average_queue_time": None if found is None else found.average_queue_time,
            }
        )
    return rows


def choose_target(rows: Sequence[dict[str, Any]]) -> str:
    """The first ``Available`` row with the shortest average queue time (unknown: longest)."""
    available = [
        row for row in rows if str(row["availability"] or "").strip().lower() == "available"
    ]
    if not available:
        seen = ", ".join(f"{row['target']}: {row['availability'] or 'not offered'}" for row in rows)
        raise NoTargetAvailableError(f"none of the targets is Available now ({seen})")

    def queue(row: dict[str, Any]) -> float:
        value = row["average_queue_time"]
        return math.inf if value is None else float(value)

    return min(available, key=queue)["target"]  # min keeps the first of equals
