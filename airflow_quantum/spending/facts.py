"""How long a job queued and ran, and what it spent, read from each vendor's job record.

Azure: ``creationTime`` → ``beginExecutionTime`` → ``endExecutionTime`` and the job's
``costEstimate`` (``estimatedTotal`` in ``currencyCode``). IBM: the ``created`` → ``running`` →
``finished`` timestamps of the job's metrics and its ``usage`` (``qpu_charge_time_seconds``, the
quantum seconds billed). A job that never ran (cancelled or failed while queued) has queue
seconds up to its end and no run seconds. Braket: ``createdAt`` → ``endedAt`` only (queue and
run time cannot be told apart) and, for a completed QPU task, its price from the dated table
(``braket_pricing``: per task + per shot; failed or cancelled QPU tasks are not billed).
What a record does not say stays ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.clients.braket.models import BraketQuantumTask
from airflow_quantum.clients.errors import QuantumError
from airflow_quantum.clients.ibm.models import IBMJob, IBMJobMetrics, IBMJobUsage
from airflow_quantum.clients.state import JobState

#: The keys this module fills (``JobFacts`` fields of the same names).
SPEND_KEYS = ("queue_seconds", "run_seconds", "quantum_seconds", "cost", "currency")


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from ``start`` to ``end`` (never negative); None unless both are known."""
    if start is None or end is None:
        return None
    return round(max(0.0, (end - start).total_seconds()), 6)


def _timing(
    created: datetime | None, started: datetime | None, ended: datetime | None
) -> dict[str, float | None]:
    return {
        "queue_seconds": seconds_between(created, started if started is not None else ended),
        "run_seconds": seconds_between(started, ended),
    }


def azure_spend(job: JobDetails) -> dict[str, Any]:
    """Queue and run seconds and the cost estimate of an Azure Quantum job."""
    ended = job.end_execution_time or job.cancellation_time
    facts: dict[str, Any] = _timing(job.creation_time, job.begin_execution_time, ended)
    estimate = job.cost_estimate
    facts["cost"] = None if estimate is None else estimate.estimated_total
    facts["currency"] = None if estimate is None else estimate.currency_code
    return facts


def ibm_spend(
    job: IBMJob, read_metrics: Callable[[], IBMJobMetrics], log: Any = None
) -> dict[str, Any]:
    """Queue and run seconds and the quantum seconds billed of an IBM Quantum job.

    The running timestamp is only in the job's metrics (``read_metrics``); when they cannot be
    read (logged at warning), the times stay unknown and the usage comes from the job document.
    """
    try:
        metrics: IBMJobMetrics | None = read_metrics()
    except QuantumError as exc:
        if log is not None:
            log.warning("Could not read the metrics of IBM Quantum job %s: %s", job.id, exc)
        metrics = None
    if metrics is None or metrics.timestamps is None:
        # Without the running timestamp, queue and run time cannot be told apart.
        facts: dict[str, Any] = {"queue_seconds": None, "run_seconds": None}
    else:
        stamps = metrics.timestamps
        facts = _timing(
            stamps.created or job.created, stamps.running, stamps.finished or job.end_time
        )
    usage = (metrics.usage if metrics is not None else None) or job.usage
    facts["quantum_seconds"] = _charged(usage)
    return facts


def _charged(usage: IBMJobUsage | None) -> float | None:
    if usage is None:
        return None
    for value in (usage.qpu_charge_time_seconds, usage.quantum_seconds, usage.seconds):
        if value is not None:
            return float(value)
    return None


def braket_spend(task: BraketQuantumTask) -> dict[str, Any]:
    """The cost of a Braket quantum task from the price table, when it can be known: a
    completed QPU task's per-task fee and shots, 0 for a failed or cancelled QPU task; a
    simulator bills its run time, which the task record does not give (None)."""
    from airflow_quantum.spending import braket_pricing

    facts: dict[str, Any] = {"queue_seconds": None, "run_seconds": None}
    price = braket_pricing.price_of(task.device_arn or "")
    if price is None or price.per_shot is None or not task.state.is_final:
        return {**facts, "cost": None, "currency": None}
    billed = task.state is JobState.SUCCEEDED
    shots = task.num_successful_shots if task.num_successful_shots is not None else task.shots
    cost = braket_pricing.PER_TASK + (shots or 0) * price.per_shot if billed else 0.0
    return {**facts, "cost": round(cost, 6), "currency": braket_pricing.CURRENCY}
