"""The checks an Azure submission passes before it is sent: its estimate against the budget
(failing closed without an estimate in the limit's currency), the workspace's quotas, and the
target chosen by queue; ``AzureSpendControl`` runs them for a submit operator.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_quantum.clients.azure.models import ProviderStatus, Quota
from airflow_quantum.clients.errors import BadRequestError, NotFoundError
from airflow_quantum.spending.budget import (
    MAX_COST,
    Limit,
    OverBudgetError,
    QuotaExhaustedError,
    SpendControl,
    resolve_limit,
)
from airflow_quantum.spending.choice import (
    CHOSEN_BACKEND_KEY,
    BackendChoice,
    NoBackendAvailableError,
)

#: XCom key of the estimate made before submitting.
COST_ESTIMATE_KEY = "cost_estimate"


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


def choose(candidates: Sequence[str], statuses: Iterable[ProviderStatus]) -> BackendChoice:
    """Of ``candidates``, the first ``Available`` target with the shortest average queue time
    (unknown: longest), from the workspace's provider status."""
    statuses = list(statuses)
    skipped: dict[str, str] = {}
    best: tuple[float, str, float | None] | None = None
    for name in candidates:
        found = next(
            (target for provider in statuses if (target := provider.target(name)) is not None), None
        )
        availability = None if found is None else found.current_availability
        if str(availability or "").strip().lower() != "available":
            skipped[name] = availability or "not offered"
            continue
        queue = found.average_queue_time  # type: ignore[union-attr]
        key = math.inf if queue is None else float(queue)
        if best is None or key < best[0]:  # the first of equals is kept
            best = (key, name, queue)
    if best is None:
        seen = ", ".join(f"{name}: {why}" for name, why in skipped.items())
        raise NoBackendAvailableError(f"none of the targets is Available now ({seen})")
    return BackendChoice(best[1], best[2], " s", skipped)


class AzureSpendControl(SpendControl):
    """An Azure submit operator's spend control: target by queue, estimate, budget, quotas.

    :param max_cost: the most a job may cost (else the connection's extra, else ``[quantum]
        max_cost``, else no limit).
    :param prices: price overrides (over the connection's).
    :param allow_unpriced: with a limit, submit to a target without an estimate in its currency.
    :param candidates: targets to choose from by queue (None: the job's own).
    """

    def __init__(
        self,
        max_cost: float | None = None,
        prices: Any = None,
        allow_unpriced: bool = False,
        candidates: Sequence[str] | None = None,
    ) -> None:
        self.max_cost, self.prices, self.allow_unpriced = max_cost, prices, allow_unpriced
        self.candidates = candidates

    def before_submit(self, hook: Any, job: Any, context: Any, log: Any) -> Any:
        if self.candidates is not None:
            choice = hook.least_busy(list(self.candidates))
            log.info("Chose Azure Quantum target %s", choice.describe())
            job = job.on_target(choice.name)
            context["ti"].xcom_push(key=CHOSEN_BACKEND_KEY, value=choice.name)
        self._check(hook, hook.estimate_cost(job, self.prices), job.target, context, log)
        return job

    def before_submit_all(self, hook: Any, jobs: Iterable[Any], context: Any, log: Any) -> None:
        """Before the jobs of a sweep are sent (all on one target): their summed estimate
        against ``max_cost``, and the target's quotas, once."""
        jobs = list(jobs)
        if jobs:
            self._check(hook, self.estimate_all(hook, jobs), jobs[0].target, context, log)

    def estimate_all(self, hook: Any, jobs: Iterable[Any]) -> dict[str, Any] | None:
        estimates = [hook.estimate_cost(job, self.prices) for job in jobs]
        return summed_estimate(estimates) if estimates else None

    def _check(self, hook: Any, estimate: dict[str, Any], target: str, context: Any, log: Any):
        """Log and push the estimate; ``OverBudgetError`` over the limit; the quotas."""
        log.info("Cost estimate: %s", describe_estimate(estimate))
        context["ti"].xcom_push(key=COST_ESTIMATE_KEY, value=estimate)
        limit = resolve_limit(MAX_COST, self.max_cost, hook.extras(hook.connection))
        currency = hook.price_rule(target, self.prices).currency
        check_budget(estimate, limit, currency, allow_unpriced=self.allow_unpriced)
        if limit is not None:
            log.info("Within the budget %s", limit.describe())
        try:
            hook.check_quotas(target, self.prices)
        except (NotFoundError, BadRequestError) as exc:
            log.warning("Quotas not checked: the workspace did not list them (%s)", exc)


def summed_estimate(estimates: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The estimate of many jobs (a sweep's chunks) as one: priced only if every one is, in
    one currency; the first unpriced job's reason otherwise."""
    first = estimates[0]
    summed: dict[str, Any] = {
        "target": first["target"],
        "currency": first.get("currency"),
        "priced": True,
        "jobs": len(estimates),
        "formula": f"sum of {len(estimates)} job estimates",
    }
    for index, estimate in enumerate(estimates):
        if not estimate.get("priced") or estimate.get("currency") != summed["currency"]:
            return {
                **summed,
                "priced": False,
                "estimated_total": None,
                "detail": f"job {index} of the sweep: {describe_estimate(estimate)}",
            }
    summed["estimated_total"] = math.fsum(estimate["estimated_total"] for estimate in estimates)
    return summed
