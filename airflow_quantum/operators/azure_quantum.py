"""Azure Quantum operators: submit a job (and wait for its result), get results, cancel."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from airflow_quantum.clients.azure import inputs
from airflow_quantum.clients.azure.protocol import check_job_id, check_json_object
from airflow_quantum.clients.azure.targets import check_current
from airflow_quantum.clients.errors import BadRequestError, InvalidInputError, NotFoundError
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.base import UsesHook
from airflow_quantum.links.azure_quantum import AzureQuantumJobLink, azure_job_url
from airflow_quantum.operators.base import (
    QuantumCancelJobOperator,
    QuantumGetResultsOperator,
    QuantumJobOperator,
    as_list,
)
from airflow_quantum.results.summary import JobFacts
from airflow_quantum.spending.azure_checks import check_budget, describe_estimate
from airflow_quantum.spending.budget import MAX_COST, resolve_limit
from airflow_quantum.spending.facts import azure_spend
from airflow_quantum.triggers.azure_quantum import AzureQuantumJobTrigger

try:
    from airflow.sdk.exceptions import AirflowException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException  # type: ignore[no-redef]

#: Namespace of the deterministic job ids that make resubmission find the job it already made.
JOB_ID_NAMESPACE = uuid.UUID("7f3b8a52-5c1e-4e6f-9a51-8f2b7c0e6d41")
#: How many failed or cancelled earlier jobs of one task instance are skipped over.
MAX_JOBS_PER_TASK_INSTANCE = 50
#: XCom keys of the estimate made before submitting, and of the target chosen from a list.
COST_ESTIMATE_KEY = "cost_estimate"
CHOSEN_TARGET_KEY = "chosen_target"


class _AzureHookMixin(UsesHook):
    vendor: ClassVar[str] = "Azure Quantum"
    azure_quantum_conn_id: str
    hook_class = AzureQuantumHook

    def check_job_id(self, job_id: str) -> None:
        check_job_id(job_id)

    def job_url(self, job_id: str) -> str:
        return _portal_url(self.hook, job_id)

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        job = self.hook.get_conn().get_job(job_id)
        params = job.input_params if isinstance(job.input_params, dict) else {}
        usage = job.usage if isinstance(job.usage, dict) and job.usage else None
        if usage is None and job.cost_estimate is not None:
            usage = job.cost_estimate.model_dump(mode="json", by_alias=True, exclude_none=True)
        return JobFacts(
            vendor=self.vendor,
            job_id=job_id,
            backend=job.target,
            status=job.state.value,
            shots=params.get("shots"),
            usage=usage or None,
            **azure_spend(job),
        )

    def raw_payload(self, job_id: str) -> bytes:
        return self.hook.get_conn().download_output(job_id)


class AzureQuantumSubmitJobOperator(_AzureHookMixin, QuantumJobOperator):
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
        (pushed to XCom as ``chosen_target``).
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
        super().__init__(**kwargs)
        self.azure_quantum_conn_id = azure_quantum_conn_id
        self.max_cost = max_cost
        self.prices = prices
        self.allow_unpriced = allow_unpriced
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
        self._free_job_id: str | None = None

    @property
    def kind(self) -> str:
        given = [
            name
            for name, value in (
                ("ionq_circuit", self.ionq_circuit),
                ("quantinuum_program", self.quantinuum_program),
                ("qir", self.qir),
                ("input_data", self.input_data),
            )
            if value is not None
        ]
        if len(given) != 1:
            raise InvalidInputError(
                "give exactly one of ionq_circuit, quantinuum_program, qir or input_data"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return given[0]

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

    def validate_input(self) -> None:
        candidates = self.candidates()
        tags = as_list(self.tags) or []
        if not all(isinstance(tag, str) and tag for tag in tags):
            raise InvalidInputError(f"tags must be non-empty strings, got {tags!r:.60}")
        if self.input_params is not None and not isinstance(self.input_params, dict):
            raise InvalidInputError(
                f"input_params must be a dict, got {type(self.input_params).__name__}"
            )
        if self.session_id is not None:
            check_job_id(self.session_id, "session_id")
        kind = self.kind
        for target in candidates:
            check_current(target, self.input_data_format)
        # Name the operator's field in the message, not the client function's argument.
        if kind == "ionq_circuit":
            _checked("ionq_circuit", inputs.ionq_circuit, self.ionq_circuit, self.qubits)
            _only_shots(self.input_params, kind)
        elif kind == "quantinuum_program":
            _checked("quantinuum_program", inputs.quantinuum_program, self.quantinuum_program)
            _only_shots(self.input_params, kind)
        elif kind == "qir":
            _checked("qir", inputs.qir_program, self.qir)
        else:
            for field in ("input_data_format", "provider_id"):
                if not getattr(self, field):
                    raise InvalidInputError(f"{field} is required with input_data")
        if kind in ("qir", "input_data") and self.input_params is not None:
            check_json_object(self.input_params, "input_params")
        if kind != "input_data" and self._ionq_shots() is not None:
            _checked("shots", inputs.check_shots, self._ionq_shots())

    def _ionq_shots(self) -> Any:
        return self.shots if self.shots is not None else (self.input_params or {}).get("shots")

    def find_job(self, key: str) -> str | None:
        # Job ids are chosen by the client: the n-th job of a task instance has a fixed id, so
        # a retry asks for those ids instead of searching (the list API cannot filter on tags).
        for attempt in range(MAX_JOBS_PER_TASK_INSTANCE):
            job_id = str(uuid.uuid5(JOB_ID_NAMESPACE, f"{key}:{attempt}"))
            try:
                job = self.hook.get_conn().get_job(job_id)
            except NotFoundError:
                self._free_job_id = job_id
                return None
            if job.state not in (JobState.FAILED, JobState.CANCELLED):
                return job_id
        raise AirflowException(
            f"{MAX_JOBS_PER_TASK_INSTANCE} jobs of this task instance already failed; "
            "clear the task with a new run to start over"
        )

    def check_spend(self, context: Any) -> None:
        """Choose the target (from a list), estimate the cost, check the budget and quotas."""
        ti = context["ti"]
        if not isinstance(self.target, str):
            chosen, rows = self.hook.choose_target(self.candidates())
            self.log.info("Chose Azure Quantum target %s by queue: %s", chosen, rows)
            self.target = chosen
            ti.xcom_push(key=CHOSEN_TARGET_KEY, value=chosen)  # validate_input checked each
        kind = self.kind
        estimate = self.hook.estimate_cost(
            self.target,
            **{kind: getattr(self, kind)},
            input_data_format=self.input_data_format,
            shots=self._ionq_shots(),
            input_params=self.input_params,
            prices=self.prices,
        )
        self.log.info("Cost estimate: %s", describe_estimate(estimate))
        ti.xcom_push(key=COST_ESTIMATE_KEY, value=estimate)
        limit = resolve_limit(MAX_COST, self.max_cost, self.hook.extras(self.hook.connection))
        currency = self.hook.price_rule(self.target, self.prices).currency
        check_budget(estimate, limit, currency, allow_unpriced=self.allow_unpriced)
        if limit is not None:
            self.log.info("Within the budget %s", limit.describe())
        try:
            self.hook.check_quotas(self.target, self.prices)
        except (NotFoundError, BadRequestError) as exc:
            self.log.warning("Quotas not checked: the workspace did not list them (%s)", exc)

    def submit(self, key: str) -> str:
        if not isinstance(self.target, str):
            raise InvalidInputError("a target must be chosen (check_spend) before submitting")
        job_id = self._free_job_id or str(uuid.uuid5(JOB_ID_NAMESPACE, f"{key}:0"))
        common: dict[str, Any] = {
            "name": self.name or f"{self.dag_id}.{self.task_id}",
            "tags": [*(as_list(self.tags) or []), key],
            "session_id": self.session_id,
            "job_id": job_id,
            "metadata": self.metadata,
        }
        kind = self.kind
        shots = self._ionq_shots()
        client = self.hook.get_conn()
        if kind == "quantinuum_program":
            job = client.submit_quantinuum_program(
                self.quantinuum_program,
                target=self.target,
                **({"shots": shots} if shots is not None else {}),
                **common,
            )
        elif kind == "qir":
            params = {k: v for k, v in (self.input_params or {}).items() if k != "shots"}
            job = client.submit_qir(
                self.qir,
                target=self.target,
                shots=shots,
                entry_point=self.entry_point,
                input_params=params,
                output_data_format=self.output_data_format,
                provider_id=self.provider_id,
                **common,
            )
        elif kind == "ionq_circuit":
            job = client.submit_ionq_circuit(
                self.ionq_circuit,
                self.qubits,
                target=self.target,
                **({"shots": self._ionq_shots()} if self._ionq_shots() is not None else {}),
                **(
                    {"output_data_format": self.output_data_format}
                    if self.output_data_format
                    else {}
                ),
                **common,
            )
        else:
            job = client.submit_job(
                self.input_data,
                self.input_data_format,
                self.output_data_format,
                self.provider_id,
                self.target,
                input_params=self.input_params,
                **common,
            )
        self.log.info("Submitted Azure Quantum job %s to %s", job.id, self.target)
        return job.id


def _only_shots(input_params: dict[str, Any] | None, kind: str) -> None:
    ignored = sorted(set(input_params or {}) - {"shots"})
    if ignored:
        raise InvalidInputError(
            f"input_params: with {kind} only 'shots' is used, not {ignored}; "
            "send other target parameters with input_data"
        )


def _checked(field: str, check: Any, *args: Any) -> None:
    try:
        check(*args)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{field}: {exc}") from None


def _portal_url(hook: AzureQuantumHook, job_id: str) -> str:
    settings = hook.settings
    return azure_job_url(
        settings.subscription_id,
        settings.resource_group,
        settings.workspace,
        job_id,
        getattr(settings.credential, "tenant_id", None) or "",
        endpoint=settings.endpoint,
    )


class AzureQuantumGetResultsOperator(_AzureHookMixin, QuantumGetResultsOperator):
    """Return the decoded result of an Azure Quantum job (``Job.get_results``).

    Waits up to ``timeout`` seconds (default 300) on the worker for the job to finish; a failed
    or cancelled job fails the task with the service's error code and message. See
    :class:`~airflow_quantum.operators.base.QuantumGetResultsOperator`.
    """

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


class AzureQuantumCancelJobOperator(_AzureHookMixin, QuantumCancelJobOperator):
    """Cancel an Azure Quantum job; returns its final status (a finished job is left as is)."""

    template_fields: Sequence[str] = ("job_id", "azure_quantum_conn_id")

    def __init__(self, *, azure_quantum_conn_id: str = "azure_quantum_default", **kwargs: Any):
        super().__init__(**kwargs)
        self.azure_quantum_conn_id = azure_quantum_conn_id
