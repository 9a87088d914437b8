"""IBM Quantum's sweep operator: a Sampler sweep or batch split by the backend's limits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import validation
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.base import as_list
from airflow_quantum.operators.sweep import QuantumSweepOperator
from airflow_quantum.spending.ibm_usage import IBMSpendControl
from airflow_quantum.sweeps import ibm
from airflow_quantum.sweeps.limits import Chunk, JobLimits
from airflow_quantum.sweeps.merge import COUNTS, EXPECTATIONS, Combiner
from airflow_quantum.sweeps.workload import Workload
from airflow_quantum.triggers.ibm_quantum import IBMQuantumSweepTrigger


class IBMQuantumSweepOperator(QuantumSweepOperator):
    """Run a Sampler sweep (one circuit, a table of parameter values) or batch (many circuits)
    on an IBM backend as few jobs as its limits allow, and merge the counts into one table.

    A job holds at most 10 million executions (items x shots: IBM's job validation) and an
    item at most the backend's ``max_shots`` per job; a 2,000-point sweep of 1,000 shots is
    one job. Parameter values are bound by the service, in the order of the sorted names.

    .. code-block:: python

        IBMQuantumSweepOperator(
            task_id="sweep",
            backend="ibm_fez",
            circuits=RY_QASM3,  # "input float[64] theta;"
            parameter_values={"theta": [i * math.pi / 100 for i in range(100)]},
            shots=1000,
            optimization_level=1,
            deferrable=True,
        )

    :param backend: the backend.
    :param circuits: OpenQASM 3 strings or qiskit ``QuantumCircuit`` objects (exported to
        OpenQASM 3 when the operator is created).
    :param options: the Sampler's options.
    :param optimization_level: transpile for the backend (0-3, the ``qiskit`` extra); None:
        the circuits must be ISA circuits of the backend.
    :param tags: tags of every job (one more is each chunk's idempotency tag).
    :param job_options: ``log_level``, ``max_execution_time``, ``private``, ...
    :param max_quantum_seconds: the limit of the whole sweep (see docs/sweeps.md).
    :param observables: run the Estimator instead: one observable (``"Z"``, ``{"ZZ": 1.0}``,
        a ``SparsePauliOp``) measured on every item, or a list of them broadcast against the
        rows (each item is then one circuit per observable against the executions limit); rows
        get ``ev`` and ``std`` (lists, one per observable, for a list) instead of counts. Then
        no ``shots``: ``precision`` (default 0.015625) sizes the chunks as ``1 / precision^2``
        shots, and an item cut over jobs asks each for the precision of its part; the parts'
        values are combined shot-weighted.
    :param precision: the Estimator's target precision of every item.
    :param shots: shots of every item (Sampler).
    See :class:`~airflow_quantum.operators.sweep.QuantumSweepOperator` for the rest.
    """

    hook_class = IBMQuantumHook
    trigger_class = IBMQuantumSweepTrigger
    template_fields: Sequence[str] = (
        *QuantumSweepOperator.template_fields,
        "ibm_quantum_conn_id",
        "backend",
        "tags",
        "options",
        "observables",
    )

    def __init__(
        self,
        *,
        backend: str,
        circuits: Any,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        options: dict[str, Any] | None = None,
        optimization_level: int | None = None,
        tags: list[str] | None = None,
        job_options: dict[str, Any] | None = None,
        max_quantum_seconds: float | None = None,
        observables: Any = None,
        precision: float | None = None,
        shots: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            circuits=pubs.plain_inputs(circuits, "circuits"),
            shots=shots,
            spend=IBMSpendControl(max_quantum_seconds),
            **kwargs,
        )
        self.observables = pubs.plain_inputs(observables, "observables")
        self.precision = precision
        self.backend = backend
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
        self.options = options
        self.optimization_level = optimization_level
        self.tags = tags
        self.job_options = job_options or {}

    @property
    def backend_name(self) -> str:
        return self.backend

    @cached_property
    def _limits(self) -> JobLimits:
        backend = validation.backend(self.backend)
        configuration = self.hook.get_conn().get_backend_configuration(backend)
        circuits_per_item = (
            1 if self.observables is None else ibm.observable_count(self.observables)
        )
        return ibm.limits(backend, configuration.max_shots, circuits_per_item)

    def job_limits(self) -> JobLimits:
        return self._limits

    def chunk_job(self, workload: Workload, chunk: Chunk) -> Any:
        if not isinstance(self.job_options, dict):
            raise InvalidInputError("job_options must be a dict")
        options = {
            "options": self.options,
            "tags": as_list(self.tags) or [],
            "optimization_level": self.optimization_level,
            **self.job_options,
        }
        if self.observables is None:
            return ibm.sampler_job(workload, chunk, self.backend, **options)
        return ibm.estimator_job(workload, chunk, self.backend, self.observables, **options)

    def part_results(self, workload: Workload, chunk: Chunk, result: Any) -> Iterable[Any]:
        if self.observables is not None:
            return ibm.part_values(workload, chunk, result)
        return ibm.part_counts(workload, chunk, result)

    def combiner(self) -> Combiner:
        return COUNTS if self.observables is None else EXPECTATIONS

    def item_shots(self) -> Any:
        """Sampler: ``shots``. Estimator: the shots ``precision`` stands for (``1 /
        precision^2``; it only sizes the chunks: the service chooses its own shots)."""
        if self.observables is None:
            return self.shots
        if self.shots is not None:
            raise InvalidInputError("an Estimator sweep takes precision, not shots")
        precision = ibm.DEFAULT_PRECISION if self.precision is None else self.precision
        return ibm.precision_shots(pubs.precision(precision))

    def chunk_content(self, job: Any) -> dict[str, Any]:
        return {
            "program_id": job.program_id,
            "params": job.params,
            "optimization_level": job.optimization_level,
        }

    def calibration(self) -> str | None:
        return (self.job_options or {}).get("calibration_id")
