"""Job telemetry: each finished job's queue time, run time and spend, through Airflow's metrics.

Emitted through Airflow's own ``Stats`` (task SDK), so whichever backend the deployment set up
in ``[metrics]`` receives them: StatsD (tags with ``statsd_influxdb_enabled`` or
``statsd_datadog_enabled``) or OpenTelemetry (tags become attributes). Names, units and tags
are listed in docs/spending.md:

============================== ========= =====================================================
name                           kind      value
============================== ========= =====================================================
``quantum.job.queue_seconds``  gauge     seconds from creation to the start of execution
``quantum.job.run_seconds``    gauge     seconds of execution
``quantum.job.quantum_seconds`` gauge    IBM: quantum seconds billed
``quantum.job.cost``           gauge     Azure: the job's cost estimate (tag ``currency``)
``quantum.job.finished``       counter   1 per job, tag ``state``
============================== ========= =====================================================

Every metric is tagged ``vendor`` (``azure`` / ``ibm`` / ``braket``), ``backend`` (IBM backend,
Azure target, or a Braket device ARN's resource part), ``dag_id`` and ``task_id``. Values a
job's record does not give are not sent. Metrics never fail a task: an error is logged at warning.
"""

from __future__ import annotations

import re
from typing import Any

from airflow.sdk.observability.stats import Stats

from airflow_quantum.clients.state import JobState
from airflow_quantum.results.summary import JobFacts

QUEUE_SECONDS = "quantum.job.queue_seconds"
RUN_SECONDS = "quantum.job.run_seconds"
QUANTUM_SECONDS = "quantum.job.quantum_seconds"
COST = "quantum.job.cost"
FINISHED = "quantum.job.finished"
#: The gauges and the ``JobFacts`` field each one reports.
GAUGES = (
    (QUEUE_SECONDS, "queue_seconds"),
    (RUN_SECONDS, "run_seconds"),
    (QUANTUM_SECONDS, "quantum_seconds"),
    (COST, "cost"),
)
#: The ``vendor`` tag of each operator's vendor name.
VENDOR_TAGS = {"Azure Quantum": "azure", "IBM Quantum": "ibm", "Amazon Braket": "braket"}
#: What StatsD (with InfluxDB tags) and OpenTelemetry accept in a tag value.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]")


def tag_value(value: Any) -> str:
    """A tag value safe on every backend (other characters become ``_``)."""
    return _UNSAFE.sub("_", str(value)) or "_"


def job_tags(facts: JobFacts, dag_id: str, task_id: str) -> dict[str, str]:
    """The tags of every metric of the job."""
    tags = {
        "vendor": VENDOR_TAGS.get(facts.vendor, facts.vendor),
        # An ARN (a Braket device) is tagged by its resource part: ':' is unsafe in tags.
        "backend": (facts.backend or "unknown").rpartition(":")[2]
        if (facts.backend or "").startswith("arn:")
        else facts.backend or "unknown",
        "dag_id": dag_id,
        "task_id": task_id,
    }
    return {key: tag_value(value) for key, value in tags.items()}


def emit_job_metrics(facts: JobFacts, state: JobState, dag_id: str, task_id: str) -> list[str]:
    """Send the metrics of a job that reached ``state``; the names sent."""
    tags = job_tags(facts, dag_id, task_id)
    sent = []
    for name, field in GAUGES:
        value = getattr(facts, field)
        if value is None:
            continue
        extra = {"currency": tag_value(facts.currency or "unknown")} if name == COST else {}
        Stats.gauge(name, float(value), tags={**tags, **extra})
        sent.append(name)
    Stats.incr(FINISHED, tags={**tags, "state": state.value})
    sent.append(FINISHED)
    return sent


def metrics_on() -> bool:
    """Whether Airflow sends metrics anywhere (``[metrics] statsd_on`` or ``otel_on``)."""
    from airflow.sdk import conf

    return conf.getboolean("metrics", "statsd_on", fallback=False) or conf.getboolean(
        "metrics", "otel_on", fallback=False
    )


def report_finished_job(delivery: Any, context: Any, state: JobState) -> None:
    """Telemetry of the job a task handled, now in ``state``; never raises.

    The facts are the task's ``ResultDelivery``'s (``known_facts``: one read of the job, shared
    with the asset event and OpenLineage).
    """
    log = delivery.task.log
    try:
        if not metrics_on():  # nobody listens: spare the service the read of the job's facts
            return
        facts = delivery.known_facts()
        if facts is None:
            return
        ti = context["ti"]
        sent = emit_job_metrics(facts, state, ti.dag_id, ti.task_id)
        log.debug("Job metrics of %s: %s", facts.job_id, ", ".join(sent))
    except Exception as exc:  # metrics must never fail the task that ran the job
        log.warning(
            "Could not send the metrics of %s job %s: %s: %s",
            delivery.vendor,
            delivery.job_id,
            type(exc).__name__,
            exc,
        )
