"""Azure Quantum's sweep operator: one job per circuit (and per shot part), one deferral."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.operators.base import as_list
from airflow_quantum.operators.sweep import QuantumSweepOperator
from airflow_quantum.spending.azure_checks import AzureSpendControl
from airflow_quantum.sweeps import azure
from airflow_quantum.sweeps.limits import Chunk, JobLimits
from airflow_quantum.sweeps.workload import Workload
from airflow_quantum.triggers.azure_quantum import AzureQuantumSweepTrigger


class AzureQuantumSweepOperator(QuantumSweepOperator):
    """Run a sweep (one circuit, a table of parameter values) or a batch of circuits on an
    Azure Quantum target and merge the counts into one table.

    An Azure job runs one circuit, so each item is a job (several when its shots exceed the
    target's maximum: 10,000 on IonQ and Quantinuum QPUs and Rigetti targets), all waited for
    in one deferral. Parameters are bound before sending: in an OpenQASM 2 program each
    parameter's name (a whole word) becomes its value; in an IonQ circuit each gate field
    whose value is a parameter's name does.

    .. code-block:: python

        AzureQuantumSweepOperator(
            task_id="sweep",
            target="quantinuum.sim.h2-1e",
            circuits=RY_QASM2,  # "ry(theta) q[0];"
            parameter_values={"theta": [0.0, 0.5, 1.0]},
            shots=100,
            max_cost=20.0,  # applies to the sum of all the jobs, before any is sent
            deferrable=True,
        )

    :param target: the target id.
    :param circuits: OpenQASM 2 programs (Quantinuum targets) or IonQ circuits (gate lists or
        ``ionq.circuit.v1`` documents).
    :param max_cost: the most the whole sweep may cost (the sum of its jobs' estimates).
    :param prices: price overrides, as for ``AzureQuantumSubmitJobOperator``.
    :param allow_unpriced: with a limit set, run on a target that has no estimate.
    :param name: the jobs' name (default ``dag_id.task_id``).
    :param tags: tags of every job.
    See :class:`~airflow_quantum.operators.sweep.QuantumSweepOperator` for the rest.
    """

    hook_class = AzureQuantumHook
    trigger_class = AzureQuantumSweepTrigger
    template_fields: Sequence[str] = (
        *QuantumSweepOperator.template_fields,
        "azure_quantum_conn_id",
        "target",
        "name",
        "tags",
    )
    results_timeout = 300.0

    def __init__(
        self,
        *,
        target: str,
        azure_quantum_conn_id: str = "azure_quantum_default",
        max_cost: float | None = None,
        prices: dict[str, dict[str, Any]] | None = None,
        allow_unpriced: bool = False,
        name: str | None = None,
        tags: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(spend=AzureSpendControl(max_cost, prices, allow_unpriced), **kwargs)
        self.target = target
        self.azure_quantum_conn_id = azure_quantum_conn_id
        self.name = name
        self.tags = tags

    @property
    def backend_name(self) -> str:
        return self.target

    def job_limits(self) -> JobLimits:
        return azure.limits(self.target)

    def chunk_job(self, workload: Workload, chunk: Chunk) -> Any:
        return azure.chunk_job(
            workload,
            chunk,
            self.target,
            name=self.name or f"{self.dag_id}.{self.task_id}",
            tags=as_list(self.tags) or [],
        )

    def part_results(self, workload: Workload, chunk: Chunk, result: Any) -> Iterable[Any]:
        (part,) = chunk.parts
        return [azure.counts_of(result, part.shots)]

    def chunk_content(self, job: Any) -> dict[str, Any]:
        return {
            "provider_id": job.provider_id,
            "input_data_format": job.input_data_format,
            "output_data_format": job.output_data_format,
            "data": hashlib.sha256(job.data).hexdigest(),
            "input_params": job.input_params,
        }
