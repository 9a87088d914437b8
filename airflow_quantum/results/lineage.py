"""OpenLineage facets of a quantum job (needs ``apache-airflow-providers-openlineage``).

Imported only by ``get_openlineage_facets_on_complete``, so the operators work without the
OpenLineage provider installed (see the ``openlineage`` extra).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import attrs
from airflow.providers.openlineage.extractors import OperatorLineage
from openlineage.client.event_v2 import Dataset
from openlineage.client.facet_v2 import RunFacet

from airflow_quantum.results.summary import JobFacts

#: The key of the run facet in the OpenLineage event.
FACET_NAME = "quantumJob"
#: The key of a sweep's run facet.
SWEEP_FACET_NAME = "quantumSweep"
SWEEP_SCHEMA_URL = (
    "https://github.com/airflow-quantum/airflow-quantum/blob/main/docs/sweeps.md#openlineage"
)
SCHEMA_URL = (
    "https://github.com/airflow-quantum/airflow-quantum/blob/main/docs/operators.md#openlineage"
)


@attrs.define(kw_only=True)
class QuantumJobRunFacet(RunFacet):
    """The quantum job a task ran: vendor, job id, backend or target, shots, status, results,
    and what it took: queue and run seconds, quantum seconds billed (IBM), cost (Azure)."""

    vendor: str
    # OpenLineage facets are camelCase on the wire.
    jobId: str
    backend: str | None = None
    shots: Any = None
    status: str | None = None
    resultsUri: str | None = None
    queueSeconds: float | None = None
    runSeconds: float | None = None
    quantumSeconds: float | None = None
    cost: float | None = None
    currency: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL


@attrs.define(kw_only=True)
class QuantumSweepRunFacet(RunFacet):
    """The jobs a sweep task ran: vendor, backend or target, every job id, items, shots per
    item, and the merged table."""

    vendor: str
    backend: str | None = None
    jobIds: list[str] = attrs.field(factory=list)
    items: int | None = None
    shots: int | None = None
    resultsUri: str | None = None
    #: Chunks read from the result cache instead of being run (their jobs are not listed).
    cachedChunks: int = 0

    @staticmethod
    def _get_schema() -> str:
        return SWEEP_SCHEMA_URL


def sweep_lineage(
    *,
    vendor: str,
    backend: str | None,
    job_ids: list[str],
    items: int,
    shots: int,
    results_uri: str | None,
    cached_chunks: int = 0,
) -> OperatorLineage:
    """The ``quantumSweep`` run facet, and the merged table as an output dataset when stored."""
    facet = QuantumSweepRunFacet(
        vendor=vendor,
        backend=backend,
        jobIds=list(job_ids),
        items=items,
        shots=shots,
        resultsUri=results_uri,
        cachedChunks=cached_chunks,
    )
    outputs = [_dataset(results_uri)] if results_uri else []
    return OperatorLineage(outputs=outputs, run_facets={SWEEP_FACET_NAME: facet})


def operator_lineage(facts: JobFacts) -> OperatorLineage:
    """The run facet of the job, and its results file as an output dataset when stored."""
    facet = QuantumJobRunFacet(
        vendor=facts.vendor,
        jobId=facts.job_id,
        backend=facts.backend,
        shots=facts.shots,
        status=facts.status,
        resultsUri=facts.results_uri,
        queueSeconds=facts.queue_seconds,
        runSeconds=facts.run_seconds,
        quantumSeconds=facts.quantum_seconds,
        cost=facts.cost,
        currency=facts.currency,
    )
    outputs = [_dataset(uri) for uri in (facts.results_uri, facts.raw_results_uri) if uri]
    return OperatorLineage(outputs=outputs, run_facets={FACET_NAME: facet})


def _dataset(uri: str) -> Dataset:
    """OpenLineage's naming: namespace ``scheme://bucket`` (``file`` locally), name the key.

    The connection id in the URL's user part is left out: it is Airflow's, not the data's.
    """
    parts = urlsplit(uri)
    host = parts.hostname or ""
    namespace = f"{parts.scheme}://{host}" if host else parts.scheme
    return Dataset(namespace=namespace, name=parts.path.lstrip("/"))
