"""IBM Quantum (Qiskit Runtime) operators: primitives, any program, results, cancel, tags.

Sessions and batches are in ``ibm_quantum_sessions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import validation
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.hooks.base import TaskHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.links.ibm_quantum import IBMQuantumJobLink
from airflow_quantum.operators.base import (
    QuantumJobOperator,
    as_list,
    failing_on_bad_input,
    is_idempotency_tag,
)
from airflow_quantum.operators.submitted_job import (
    QuantumCancelJobOperator,
    QuantumGetResultsOperator,
)
from airflow_quantum.spending import ibm_backends
from airflow_quantum.spending.ibm_usage import IBMSpendControl
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger


class IBMQuantumJobOperator(QuantumJobOperator):
    """What the IBM operators that run a job share: backend (or a choice of backends), session,
    tags, job options, ``max_quantum_seconds``, bitstrings.

    :param backend: the backend, ``"least_busy"`` (the instance's least busy device that fits)
        or a list of backends to choose from (pushed to XCom as ``chosen_backend``); None
        inside a session.
    :param session_id: a session or batch to run in (``IBMQuantumOpenSessionOperator``).
    :param tags: tags of the job (one more is the provider's idempotency tag).
    :param bitstrings: also return every shot's bitstring (large!).
    :param job_options: ``log_level``, ``max_execution_time``, ``image``, ``private``,
        ``calibration_id``.
    :param max_quantum_seconds: the most the job may spend; a queued job the service estimates
        above it is cancelled before it runs (default: the connection's extra, else
        ``[quantum] max_quantum_seconds``, else no limit).
    """

    hook_class = IBMQuantumHook
    trigger_class = IBMQuantumJobTrigger
    operator_extra_links = (IBMQuantumJobLink(),)
    template_fields: Sequence[str] = (
        "ibm_quantum_conn_id",
        "backend",
        "session_id",
        "tags",
        "results_path",
    )

    def __init__(
        self,
        *,
        backend: str | list[str] | None = None,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        session_id: str | None = None,
        tags: list[str] | None = None,
        bitstrings: bool = False,
        job_options: dict[str, Any] | None = None,
        max_quantum_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(spend=IBMSpendControl(max_quantum_seconds), **kwargs)
        self.backend = backend
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
        self.session_id = session_id
        self.tags = tags
        self.bitstrings = bitstrings
        self.job_options = job_options or {}

    def result_options(self) -> dict[str, Any]:
        return {"bitstrings": self.bitstrings}

    def build(self, backend: str | None, tags: list[str]) -> IBMPreparedJob:
        """The prepared job on ``backend`` (None: chosen later, or the session's)."""
        raise NotImplementedError

    def prepare(self) -> IBMPreparedJob:
        if self.backend is None and self.session_id is None:
            raise InvalidInputError("backend is required (unless the job runs in a session)")
        choice = ibm_backends.is_choice(self.backend)
        candidates = ibm_backends.check_choice(self.backend, self.session_id) if choice else None
        spend: IBMSpendControl = self.spend  # type: ignore[assignment]
        spend.choose_backend, spend.candidates = choice, candidates
        if not isinstance(self.job_options, dict):
            raise InvalidInputError("job_options must be a dict")
        tags = as_list(self.tags) or []
        if len(tags) >= validation.MAX_TAGS:
            raise InvalidInputError(
                f"tags: at most {validation.MAX_TAGS - 1} tags (one more is the provider's "
                f"idempotency tag), got {len(tags)}"
            )
        return self.build(None if choice else self.backend, tags)  # type: ignore[arg-type]


class _IBMPrimitiveOperator(IBMQuantumJobOperator):
    """Shared by the Sampler and Estimator operators: circuits, options, transpilation.

    ``circuits``, ``options`` and ``optimization_level`` are documented on the two operators.
    """

    def __init__(
        self,
        *,
        circuits: Any,
        options: dict[str, Any] | None = None,
        optimization_level: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        # qiskit objects become OpenQASM 3 / Pauli dicts now, so that templating and DAG
        # serialization only ever see plain JSON.
        self.circuits = pubs.plain_inputs(circuits, "circuits")
        self.options = options
        self.optimization_level = optimization_level

    def primitive_options(self, tags: list[str]) -> dict[str, Any]:
        """The keyword arguments both ``IBMPreparedJob.sampler`` and ``.estimator`` take."""
        return {
            "options": self.options,
            "session_id": self.session_id,
            "tags": tags,
            "optimization_level": self.optimization_level,
            **self.job_options,
        }


class IBMQuantumRunSamplerOperator(_IBMPrimitiveOperator):
    """Run the Sampler V2 primitive and (by default) return counts per classical register.

    .. code-block:: python

        IBMQuantumRunSamplerOperator(
            task_id="bell",
            backend="ibm_fez",
            circuits=[BELL_QASM],  # OpenQASM 3, or QuantumCircuits with the qiskit extra
            shots=1000,
            optimization_level=1,  # transpile for ibm_fez: IBM runs only ISA circuits
            deferrable=True,
        )

    :param circuits: OpenQASM 3 strings or qiskit ``QuantumCircuit`` objects (exported to
        OpenQASM 3 when the operator is created), or ``(circuit, parameter_values, shots)`` pubs.
    :param shots: shots for pubs that do not give their own.
    :param options: the primitive's options, e.g. ``{"default_shots": 4000}``.
    :param optimization_level: transpile the circuits for the backend with qiskit's preset
        pass manager (0-3; needs the ``qiskit`` extra). None (default): send them as given,
        which must then be ISA circuits of the backend.
    See :class:`IBMQuantumJobOperator` for backend, session, tags and limits.
    """

    template_fields: Sequence[str] = (
        *IBMQuantumJobOperator.template_fields,
        "circuits",
        "options",
    )

    def __init__(self, *, shots: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shots = shots

    def build(self, backend: str | None, tags: list[str]) -> IBMPreparedJob:
        return IBMPreparedJob.sampler(
            self.circuits, backend, self.shots, **self.primitive_options(tags)
        )


class IBMQuantumRunEstimatorOperator(_IBMPrimitiveOperator):
    """Run the Estimator V2 primitive and (by default) return expectation values.

    :param circuits: OpenQASM 3 strings or ``QuantumCircuit`` objects, or ``(circuit,
        observables, parameter_values, precision)`` pubs (then ``observables`` is None).
    :param observables: one observable per circuit: ``"ZZ"``, ``{"ZZ": 1.0, "XX": 0.5}``, a
        qiskit ``SparsePauliOp``, ...
    :param precision: target precision of the expectation values.
    :param optimization_level: as for the sampler; the observables then follow the layout of
        the transpiled circuits onto the backend's physical qubits.
    """

    template_fields: Sequence[str] = (
        *IBMQuantumJobOperator.template_fields,
        "circuits",
        "observables",
        "options",
    )

    def __init__(
        self, *, observables: Any = None, precision: float | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.observables = pubs.plain_inputs(observables, "observables")
        self.precision = precision

    def build(self, backend: str | None, tags: list[str]) -> IBMPreparedJob:
        return IBMPreparedJob.estimator(
            self.circuits,
            self.observables,
            backend,
            self.precision,
            **self.primitive_options(tags),
        )


class IBMQuantumRunJobOperator(IBMQuantumJobOperator):
    """Run any Qiskit Runtime program with raw parameters (``RuntimeService.run``).

    .. code-block:: python

        IBMQuantumRunJobOperator(
            task_id="run",
            program_id="sampler",
            backend="ibm_fez",
            program_params={"version": 2, "pubs": [[BELL_QASM, None, 1000]]},
        )

    :param program_id: the program, e.g. ``sampler`` or ``estimator``.
    :param program_params: the program's ``params`` as sent on the wire (a dict). Not named
        ``params``: that name is taken by every Airflow operator (DAG/task params).
    """

    template_fields: Sequence[str] = (
        *IBMQuantumJobOperator.template_fields,
        "program_id",
        "program_params",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"program_params": "json"}

    def __init__(self, *, program_id: str, program_params: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.program_id = program_id
        self.program_params = program_params

    def build(self, backend: str | None, tags: list[str]) -> IBMPreparedJob:
        return IBMPreparedJob.program(
            self.program_id,
            backend,
            self.program_params,
            session_id=self.session_id,
            tags=tags,
            **self.job_options,
        )


class IBMQuantumGetResultsOperator(QuantumGetResultsOperator):
    """Return the decoded result of an IBM Quantum job (``RuntimeJob.result``).

    Waits up to ``timeout`` seconds (None: no limit) on the worker; a failed or cancelled job
    fails the task with the service's message. See
    :class:`~airflow_quantum.operators.submitted_job.QuantumGetResultsOperator`.

    :param bitstrings: also return every shot's bitstring (large!).
    """

    hook_class = IBMQuantumHook
    template_fields: Sequence[str] = ("job_id", "ibm_quantum_conn_id", "results_path")
    operator_extra_links = (IBMQuantumJobLink(),)

    def __init__(
        self,
        *,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        bitstrings: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
        self.bitstrings = bitstrings

    def result_options(self) -> dict[str, Any]:
        return {"bitstrings": self.bitstrings}


class IBMQuantumCancelJobOperator(QuantumCancelJobOperator):
    """Cancel an IBM Quantum job; returns its state (a finished job is left as is)."""

    hook_class = IBMQuantumHook
    template_fields: Sequence[str] = ("job_id", "ibm_quantum_conn_id")

    def __init__(self, *, ibm_quantum_conn_id: str = "ibm_quantum_default", **kwargs: Any):
        super().__init__(**kwargs)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id


class IBMQuantumOperator(BaseOperator):
    """Base of the IBM Quantum operators that call the service without a job of their own to
    wait for (tags, sessions): the IBM hook on the connection ``ibm_quantum_conn_id``."""

    hook_class = IBMQuantumHook
    hook = TaskHook()

    def __init__(self, *, ibm_quantum_conn_id: str = "ibm_quantum_default", **kwargs: Any):
        super().__init__(**kwargs)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id


class IBMQuantumUpdateTagsOperator(IBMQuantumOperator):
    """Replace the tags of an IBM Quantum job (``RuntimeJob.update_tags``); returns them.

    The idempotency tag the submitting operator put on the job is kept, so that a retry of
    that task still finds the job instead of submitting a second one.
    """

    template_fields: Sequence[str] = ("job_id", "tags", "ibm_quantum_conn_id")

    def __init__(self, *, job_id: str, tags: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.tags = tags

    def execute(self, context: Any) -> list[str]:
        with failing_on_bad_input(self.task_id):
            validation.job_id(self.job_id)
            tags = validation.tags(as_list(self.tags) or [])
        client = self.hook.get_conn()
        kept = [tag for tag in client.get_job(self.job_id).tags if is_idempotency_tag(tag)]
        with failing_on_bad_input(self.task_id):
            merged = validation.tags([*tags, *(tag for tag in kept if tag not in tags)])
        return list(client.update_tags(self.job_id, merged).tags)
