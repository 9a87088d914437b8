"""Where a task's spending limit comes from, and the error that stops a submission over it.

A limit is looked up in this order: the operator's argument, the connection's extra (same key),
then the ``[quantum]`` config option (same key). ``None`` everywhere means no limit. The keys are
``max_cost`` (Azure, in the workspace's currency) and ``max_quantum_seconds`` (IBM).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError, QuotaExhaustedError

__all__ = [
    "LIMIT_KEYS",
    "MAX_COST",
    "MAX_QUANTUM_SECONDS",
    "Limit",
    "OverBudgetError",
    "QuotaExhaustedError",
    "SpendControl",
    "resolve_limit",
]

SECTION = "quantum"
#: The limit keys: Azure's money, IBM's quantum seconds.
MAX_COST = "max_cost"
MAX_QUANTUM_SECONDS = "max_quantum_seconds"
LIMIT_KEYS = (MAX_COST, MAX_QUANTUM_SECONDS)


class OverBudgetError(InvalidInputError):
    """The job would cost more than the task's limit: nothing was submitted (or, for an IBM job
    the service estimated once queued, it was cancelled before it ran)."""


@dataclass(frozen=True)
class Limit:
    """A spending limit and where it was set (``"operator"``, ``"connection"``, ``"config"``)."""

    key: str
    value: float
    source: str

    def describe(self) -> str:
        return f"{self.key}={self.value:g} (from the {self.source})"


def check_limit(value: Any, key: str, source: str) -> float | None:
    """``value`` as a non-negative float (``None``/empty stays None); ``InvalidInputError`` else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InvalidInputError(f"{key} from the {source} must be a number, not {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"{key} from the {source} must be a number, not {value!r:.40}"
        ) from None
    if not 0 <= number < math.inf:
        raise InvalidInputError(f"{key} from the {source} must be 0 or more, not {value!r:.40}")
    return number


def config_limit(key: str) -> float | None:
    """The ``[quantum] <key>`` option (``None`` when unset or empty)."""
    from airflow.sdk import conf

    return check_limit(conf.get(SECTION, key, fallback=""), key, f"[{SECTION}] config")


def resolve_limit(key: str, operator_value: Any, extras: dict[str, Any]) -> Limit | None:
    """The limit in force for ``key``: operator argument, else connection extra, else config."""
    if key not in LIMIT_KEYS:
        raise ValueError(f"unknown limit {key!r}; known: {', '.join(LIMIT_KEYS)}")
    for source, value in (("operator", operator_value), ("connection", extras.get(key))):
        number = check_limit(value, key, source)
        if number is not None:
            return Limit(key, number, source)
    number = config_limit(key)  # read last: only when neither the task nor the connection says
    return None if number is None else Limit(key, number, "config")


class SpendControl:
    """What a job operator consults about money: before it submits a job, and while the job
    waits. A vendor's control (``AzureSpendControl``, ``IBMSpendControl``) is an object the
    operator holds; this one checks nothing.
    """

    def before_submit(self, hook: Any, job: Any, context: Any, log: Any) -> Any:
        """Right before a new submission: choose where it runs, estimate, check the budget and
        quotas; the job to send (maybe on another backend). Raise ``OverBudgetError`` or
        ``QuotaExhaustedError`` to fail the task before any job exists. Not called when an
        earlier try's job is reattached."""
        return job

    def before_submit_all(self, hook: Any, jobs: Any, context: Any, log: Any) -> None:
        """Before the jobs of a sweep are sent: the estimate and limits of the whole workload
        (``jobs``: the prepared job of every chunk to send). Raise as ``before_submit``."""

    def estimate_all(self, hook: Any, jobs: Any) -> dict[str, Any] | None:
        """What the jobs of a sweep would cost together, before any is sent (each priced, then
        summed); None where the vendor prices a job only once it is queued."""
        return None

    def over_limit(self, job: Any, hook: Any = None, log: Any = None) -> Any:
        """While the job waits: a verdict (with ``text(outcome)``) when it must be cancelled
        for its cost, else None."""
        return None

    def trigger_kwargs(self, hook: Any = None, log: Any = None) -> dict[str, Any]:
        """What the trigger needs to watch the job the same way while deferred."""
        return {}
