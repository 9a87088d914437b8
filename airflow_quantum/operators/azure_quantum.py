"""Azure Quantum operators: submit a job (and wait for its result), get results, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.links.azure_quantum import AzureQuantumJobLink
from airflow_quantum.operators.base import (
    QuantumJobOperator,
    as_list,
)
from airflow_quantum.operators.submitted_job import (
    QuantumCancelJobOperator,
    QuantumGetResultsOperator,
)
from airflow_quantum.spending.azure_checks import AzureSpendControl
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger


class AzureQuantumSubmitJobOperator(QuantumJobOperator):
    """Submit an Azure Quantum job and (by default) return its decoded result.

    Give exactly one input: ``ionq_circuit`` (IonQ gates, or a whole ``ionq.circuit.v1``
    document), ``quantinuum_program`` (OpenQASM 2 text for the Quantinuum H2/Helios targets),
    ``qir`` (QIR bitcode or LLVM text, for any QIR target including the resource estimator
    ``microsoft.estimator``), or ``input_data`` with ``input_data_format``,
    ``output_data_format`` and ``provider_id`` (a Pasqal target, for instance, takes
    ``{"sequence_builder": <Pulser sequence JSON>}`` as ``pasqal.pulser.v1``).

    .. code-block:: python

        AzureQuantumSubmitJobOperator(
            task_id="bell",
            target="quantinuum.sim.h2-1e",
            quantinuum_program=BELL_QASM2,
            shots=200,
            deferrable=True,
        )

    Azure Quantum optimization (QIO) is retired: its targets are refused before anything is
    sent, saying what to use instead. Earlier QIO jobs stay readable with
    :class:`AzureQuantumGetResultsOperator`.

    The job id and its portal URL go to XCom (``job_id``, ``job_url``) before any wait. A
    retry of the same task instance finds the job an earlier try submitted (the job id is
    derived from dag, task, run and map index) and reattaches to it unless it failed.

    Before a new job is sent, its cost is estimated (``AzureQuantumHook.estimate_cost``), logged
    and pushed to XCom (``cost_estimate``); over the ``max_cost`` limit, or with a quota of the
    target's provider used up, the task fails at once (no retry) and no job is created.

    :param target: e.g. ``ionq.simulator``, ``quantinuum.sim.h2-1e``, ``microsoft.estimator``;
        or a list of them: the first ``Available`` one with the shortest average queue is used
        (pushed to XCom as ``chosen_backend``).
    :param max_cost: the most this job may cost, in the price table's currency (USD); default:
        the connection's extra ``max_cost``, else ``[quantum] max_cost``, else no limit.
    :param prices: price overrides, target pattern to ``PriceRule`` fields (see
        ``airflow_quantum.spending.azure_pricing``); they win over the connection's ``prices``.
    :param allow_unpriced: with a limit set, submit to a target that has no estimate in the
        limit's currency (default: fail closed).
    :param input_params: target parameters (with ``qir``: e.g. the estimator's
        ``{"errorBudget": 0.001}``, or ``{"items": [...]}`` for a batch).
    :param entry_point: the QIR entry point (default: the module's only one).
    :param shots: shots of a circuit, program or QIR job (not for the estimator).
    :param results_timeout: seconds to wait for the output once the job has succeeded.
    See :class:`~airflow_quantum.operators.base.QuantumJobOperator` for waiting and cancelling.
    """

    hook_class = AzureQuantumHook
    trigger_class = AzureQuantumJobTrigger
    operator_extra_links = (AzureQuantumJobLink(),)
    template_fields: Sequence[str] = (
        "azure_quantum_conn_id",
        "target",
        "input_data",
        "input_data_format",
        "output_data_format",
        "provider_id",
        "ionq_circuit",
        "quantinuum_program",
        "qir",
        "input_params",
        "name",
        "tags",
        "session_id",
        "metadata",
        "results_path",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {
        "ionq_circuit": "json",
        "quantinuum_program": "py",
        "input_data": "json",
    }

    def __init__(
        self,
        *,
        target: str | list[str],
        azure_quantum_conn_id: str = "azure_quantum_default",
        input_data: Any = None,
        input_data_format: str | None = None,
        output_data_format: str | None = None,
        provider_id: str | None = None,
        ionq_circuit: Any = None,
        quantinuum_program: str | None = None,
        qir: bytes | str | None = None,
        entry_point: str | None = None,
        qubits: int | None = None,
        shots: int | None = None,
        input_params: dict[str, Any] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        results_timeout: float = 300.0,
        max_cost: float | None = None,
        prices: dict[str, dict[str, Any]] | None = None,
        allow_unpriced: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            spend=AzureSpendControl(max_cost, prices, allow_unpriced),
            **kwargs,
        )
        self.azure_quantum_conn_id = azure_quantum_conn_id
        self.target = target
        self.input_data = input_data
        self.input_data_format = input_data_format
        self.output_data_format = output_data_format
        self.provider_id = provider_id
        self.ionq_circuit = ionq_circuit
        self.quantinuum_program = quantinuum_program
        self.qir = qir
        self.entry_point = entry_point
        self.qubits = qubits
        self.shots = shots
        self.input_params = input_params
        self.name = name
        self.tags = tags
        self.session_id = session_id
        self.metadata = metadata
        self.results_timeout = results_timeout

    def candidates(self) -> list[str]:
        """The target, or the targets to choose from (``InvalidInputError`` if malformed)."""
        targets = [self.target] if isinstance(self.target, str) else self.target
        if (
            not isinstance(targets, list | tuple)
            or not targets
            or not all(isinstance(target, str) and target.strip() for target in targets)
        ):
            raise InvalidInputError(
                "target must be a target id such as 'ionq.simulator', or a list of them, "
                f"got {self.target!r:.60}"
            )
        return list(targets)

    def prepare(self) -> AzurePreparedJob:
        """The job of the one input given, on the (first) target; every candidate target is
        checked too, and with several the spend control chooses among them by queue."""
        targets = self.candidates()
        tags = as_list(self.tags) or []
        if not all(isinstance(tag, str) and tag for tag in tags):
            raise InvalidInputError(f"tags must be non-empty strings, got {tags!r:.60}")
        job = AzurePreparedJob.from_inputs(
            targets[0],
            ionq_circuit=self.ionq_circuit,
            quantinuum_program=self.quantinuum_program,
            qir=self.qir,
            input_data=self.input_data,
            input_data_format=self.input_data_format,
            output_data_format=self.output_data_format,
            provider_id=self.provider_id,
            entry_point=self.entry_point,
            qubits=self.qubits,
            shots=self.shots,
            input_params=self.input_params,
            name=self.name or f"{self.dag_id}.{self.task_id}",
            tags=tags,
            session_id=self.session_id,
            metadata=self.metadata,
        )
        for target in targets[1:]:
            job.on_target(target)
        self.spend.candidates = targets if len(targets) > 1 else None  # type: ignore[attr-defined]
        return job


class AzureQuantumGetResultsOperator(QuantumGetResultsOperator):
    """Return the decoded result of an Azure Quantum job (``Job.get_results``).

    Waits up to ``timeout`` seconds (default 300) on the worker for the job to finish; a failed
    or cancelled job fails the task with the service's error code and message. See
    :class:`~airflow_quantum.operators.submitted_job.QuantumGetResultsOperator`.
    """

    hook_class = AzureQuantumHook
    template_fields: Sequence[str] = ("job_id", "azure_quantum_conn_id", "results_path")
    operator_extra_links = (AzureQuantumJobLink(),)

    def __init__(
        self,
        *,
        azure_quantum_conn_id: str = "azure_quantum_default",
        timeout: float | None = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.azure_quantum_conn_id = azure_quantum_conn_id


class AzureQuantumCancelJobOperator(QuantumCancelJobOperator):
    """Cancel an Azure Quantum job; returns its final status (a finished job is left as is)."""

    hook_class = AzureQuantumHook
    template_fields: Sequence[str] = ("job_id", "azure_quantum_conn_id")

    def __init__(self, *, azure_quantum_conn_id: str = "azure_quantum_default", **kwargs: Any):
        super().__init__(**kwargs)
        self.azure_quantum_conn_id = azure_quantum_conn_id
