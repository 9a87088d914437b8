"""What a Braket task costs, and the checks before one is created: the task's estimate against
the task's limit (``max_cost``, USD) and against what the device's server-side spending limits
leave (limit - total - queued).

Prices (USD) as of 2026-08, from the Braket pricing page as stored with the provider's sources:
a QPU task costs a per-task fee plus a per-shot price; simulators bill by the minute with a
3-second minimum (the estimate before a run is that minimum: a floor, not a bound). Devices
marked UNVERIFIED have prices this provider could not confirm from a public source: they are
left unpriced (a limit then fails closed unless ``allow_unpriced``). Failed or cancelled QPU
tasks are not billed. A program set is priced as one task of all its executables' shots
(UNVERIFIED).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from airflow_quantum.clients.braket.prepared import BraketPreparedJob
from airflow_quantum.spending.azure_checks import check_budget, describe_estimate, summed_estimate
from airflow_quantum.spending.budget import MAX_COST, OverBudgetError, SpendControl, resolve_limit

#: When the table was last checked.
PRICES_AS_OF = "2026-08"
CURRENCY = "USD"
#: The fee of every QPU task.
PER_TASK = 0.30
#: Simulators bill at least this many seconds.
SIMULATOR_MINIMUM_SECONDS = 3.0
#: XCom key of the estimate made before submitting (as for Azure).
COST_ESTIMATE_KEY = "cost_estimate"


@dataclass(frozen=True)
class BraketPrice:
    """The price of one device: per shot (QPU) or per minute (simulator); None: not known."""

    per_shot: float | None = None
    per_minute: float | None = None
    verified: bool = True


#: Device ARN suffixes (after ``device/``) to their prices.
PRICES: dict[str, BraketPrice] = {
    "qpu/ionq/Forte-1": BraketPrice(per_shot=0.08),
    "qpu/iqm/Garnet": BraketPrice(per_shot=0.00145),
    "qpu/quera/Aquila": BraketPrice(per_shot=0.01),
    # UNVERIFIED: not on the stored pricing page.
    "qpu/ionq/Forte-Enterprise-1": BraketPrice(verified=False),
    "qpu/iqm/Emerald": BraketPrice(verified=False),
    "qpu/rigetti/Cepheus-1-108Q": BraketPrice(verified=False),
    "qpu/aqt/Ibex-Q1": BraketPrice(verified=False),
    # UNVERIFIED: the per-minute prices of AWS's public pricing page, not the stored page.
    "quantum-simulator/amazon/sv1": BraketPrice(per_minute=0.075, verified=False),
    "quantum-simulator/amazon/dm1": BraketPrice(per_minute=0.075, verified=False),
}


def price_of(device_arn: str) -> BraketPrice | None:
    """The device's price entry (None: a device the table does not know)."""
    return PRICES.get(device_arn.split(":device/", 1)[-1])


def estimate_cost(job: BraketPreparedJob) -> dict[str, Any]:
    """The estimate of a prepared task (the shape Azure's estimates have): ``target``,
    ``priced``, ``estimated_total``, ``currency``, ``formula`` or ``detail``, ``as_of``."""
    estimate: dict[str, Any] = {"target": job.device_arn, "priced": False, "as_of": PRICES_AS_OF}
    price = price_of(job.device_arn)
    if price is None or (price.per_shot is None and price.per_minute is None):
        estimate["detail"] = "no price known for this device (UNVERIFIED in the price table)"
        return estimate
    if price.per_minute is not None:
        total = price.per_minute * SIMULATOR_MINIMUM_SECONDS / 60
        formula = f"at least {SIMULATOR_MINIMUM_SECONDS:g} s at {price.per_minute:g}/min"
    else:
        total = PER_TASK + job.shots * price.per_shot
        formula = f"{PER_TASK:g} per task + {job.shots} shots x {price.per_shot:g}"
    estimate.update(
        priced=True,
        estimated_total=round(total, 6),
        currency=CURRENCY,
        formula=formula + ("" if price.verified else " (UNVERIFIED price)"),
    )
    return estimate


def active(limit: Any, now: float | None = None) -> bool:
    """Whether a spending limit applies now (no time period: always)."""
    period = limit.time_period
    if period is None or period.start_at is None or period.end_at is None:
        return True
    moment = time.time() if now is None else now
    return period.start_at.timestamp() <= moment <= period.end_at.timestamp()


def check_spending_limits(estimate: dict[str, Any], limits: Any) -> float | None:
    """What the device's active spending limits leave (the least of them; None: no limit);
    ``OverBudgetError`` when the estimate exceeds it."""
    remaining = [
        left for limit in limits if active(limit) and (left := limit.remaining) is not None
    ]
    if not remaining:
        return None
    least = min(remaining)
    if estimate.get("priced") and estimate["estimated_total"] > least:
        raise OverBudgetError(
            f"{'the sweep' if 'jobs' in estimate else 'the task'} would cost "
            f"{describe_estimate(estimate)}, more than the device's "
            f"spending limit leaves ({least:g} {CURRENCY}: limit - total - queued); nothing "
            "was submitted"
        )
    return least


class BraketSpendControl(SpendControl):
    """A Braket run operator's spend control: the estimate (logged, in XCom) against the task's
    ``max_cost`` and the device's server-side spending limits, before the task is created.

    :param max_cost: the most a task may cost in USD (else the connection's extra, else
        ``[quantum] max_cost``, else no limit).
    :param allow_unpriced: with a limit, create a task on a device the table cannot price.
    """

    def __init__(self, max_cost: float | None = None, allow_unpriced: bool = False) -> None:
        self.max_cost, self.allow_unpriced = max_cost, allow_unpriced

    def before_submit(self, hook: Any, job: Any, context: Any, log: Any) -> Any:
        self._check(hook, estimate_cost(job), job.device_arn, context, log)
        return job

    def before_submit_all(self, hook: Any, jobs: Iterable[Any], context: Any, log: Any) -> None:
        """Before the tasks of a sweep are created (all on one device): their summed estimate
        against ``max_cost`` and the device's spending limits, once."""
        jobs = list(jobs)
        if jobs:
            self._check(hook, self.estimate_all(hook, jobs), jobs[0].device_arn, context, log)

    def estimate_all(self, hook: Any, jobs: Iterable[Any]) -> dict[str, Any] | None:
        estimates = [estimate_cost(job) for job in jobs]
        return summed_estimate(estimates) if estimates else None

    def _check(
        self, hook: Any, estimate: dict[str, Any], device_arn: str, context: Any, log: Any
    ) -> None:
        log.info("Cost estimate: %s", describe_estimate(estimate))
        context["ti"].xcom_push(key=COST_ESTIMATE_KEY, value=estimate)
        limit = resolve_limit(MAX_COST, self.max_cost, hook.extras(hook.connection))
        check_budget(estimate, limit, CURRENCY, allow_unpriced=self.allow_unpriced)
        if ":device/qpu/" in device_arn:  # spending limits are set on QPUs
            left = check_spending_limits(estimate, hook.spending_limits(device_arn))
            if left is not None:
                log.info("The device's spending limit leaves %g %s", left, CURRENCY)
