"""IBM Quantum (Qiskit Runtime) operators: primitives, any program, results, tags, sessions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_quantum import waiting
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import validation
from airflow_quantum.clients.state import JobState
from airflow_quantum.hooks.base import UsesHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.links.ibm_quantum import IBMQuantumJobLink, ibm_job_url
from airflow_quantum.operators.base import (
    QuantumCancelJobOperator,
    QuantumGetResultsOperator,
    QuantumJobOperator,
    as_list,
    failing_on_bad_input,
    is_idempotency_tag,
    seconds,
)
from airflow_quantum.operators.ibm_quantum_inputs import (
    check_job_options,
    check_optimization_level,
)
from airflow_quantum.operators.ibm_quantum_spend import IBMSpendControl
from airflow_quantum.results.summary import JobFacts, ibm_shots
from airflow_quantum.spending.facts import ibm_spend
from airflow_quantum.triggers.ibm_quantum import IBMQuantumJobTrigger


class _IBMHookMixin(UsesHook):
    vendor: ClassVar[str] = "IBM Quantum"
    ibm_quantum_conn_id: str
    hook_class = IBMQuantumHook

    def check_job_id(self, job_id: str) -> None:
        validation.job_id(job_id)

    def job_url(self, job_id: str) -> str:
        return ibm_job_url(job_id, self.hook.get_conn().settings.runtime_url)

    def result_options(self) -> dict[str, Any]:
        return {"bitstrings": self.bitstrings}

    def job_facts(self, job_id: str, result: Any = None) -> JobFacts:
        client = self.hook.get_conn()
        job = client.get_job(job_id)
        usage = job.usage.model_dump(mode="json", exclude_none=True) if job.usage else None
        return JobFacts(
            vendor=self.vendor,
            job_id=job_id,
            backend=job.backend,
            status=job.state.value,
            shots=ibm_shots(result),
            usage=usage or None,
            **ibm_spend(job, lambda: client.get_metrics(job_id), self.log),
        )

    def raw_payload(self, job_id: str) -> bytes:
        raw = self.hook.get_conn().get_results_text(job_id) or ""
        return raw if isinstance(raw, bytes) else str(raw).encode()


class _IBMJobOperator(_IBMHookMixin, IBMSpendControl, QuantumJobOperator):
    """Shared by the IBM operators that run a job: tags, idempotency, results, links, spend
    control (``max_quantum_seconds``, ``backend="least_busy"``: see ``IBMSpendControl``)."""

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
        backend: str | None = None,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        session_id: str | None = None,
        tags: list[str] | None = None,
        bitstrings: bool = False,
        job_options: dict[str, Any] | None = None,
        max_quantum_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.backend = backend
        self.max_quantum_seconds = max_quantum_seconds
        self.ibm_quantum_conn_id = ibm_quantum_conn_id
        self.session_id = session_id
        self.tags = tags
        self.bitstrings = bitstrings
        self.job_options = job_options or {}

    def validate_input(self) -> None:
        if self.backend is None and self.session_id is None:
            raise InvalidInputError("backend is required (unless the job runs in a session)")
        self.check_backend()
        if self.session_id is not None:
            validation.session_id(self.session_id)
        user_tags = as_list(self.tags) or []
        if len(user_tags) >= validation.MAX_TAGS:
            raise InvalidInputError(
                f"tags: at most {validation.MAX_TAGS - 1} tags (one more is the provider's "
                f"idempotency tag), got {len(user_tags)}"
            )
        validation.tags(user_tags)
        check_job_options(self.job_options)

    def find_job(self, key: str) -> str | None:
        for job in self.hook.get_conn().list_jobs(limit=20, tags=[key]):
            if job.state not in (JobState.FAILED, JobState.CANCELLED):
                return job.job_id
        return None

    def _tags(self, key: str) -> list[str]:
        return [*(as_list(self.tags) or []), key]


class _IBMPrimitiveOperator(_IBMJobOperator):
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

    def build_pubs(self) -> list[list[Any]]:
        """The primitive's pubs built from the operator's inputs."""
        raise NotImplementedError

    def circuits_to_fit(self) -> list[Any]:
        return [pub[0] for pub in self.build_pubs()]

    def validate_input(self) -> None:
        super().validate_input()
        pubs.primitive_params(self.build_pubs(), self.options)
        check_optimization_level(self.optimization_level)

    def primitive_options(self, key: str) -> dict[str, Any]:
        """The keyword arguments both ``run_sampler`` and ``run_estimator`` take."""
        return {
            "options": self.options,
            "session_id": self.session_id,
            "tags": self._tags(key),
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
    :param bitstrings: also return every shot's bitstring (large!).
    :param optimization_level: transpile the circuits for the backend with qiskit's preset
        pass manager (0-3; needs the ``qiskit`` extra). None (default): send them as given,
        which must then be ISA circuits of the backend.
    """

    template_fields: Sequence[str] = (*_IBMJobOperator.template_fields, "circuits", "options")

    def __init__(self, *, shots: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shots = shots

    def build_pubs(self) -> list[list[Any]]:
        return pubs.sampler_pubs(self.circuits, self.shots)

    def submit(self, key: str) -> str:
        return self.hook.run_sampler(
            self.circuits, self.backend, self.shots, **self.primitive_options(key)
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
        *_IBMJobOperator.template_fields,
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

    def build_pubs(self) -> list[list[Any]]:
        return pubs.estimator_pubs(self.circuits, self.observables, self.precision)

    def submit(self, key: str) -> str:
        return self.hook.run_estimator(
            self.circuits,
            self.observables,
            self.backend,
            self.precision,
            **self.primitive_options(key),
        )


class IBMQuantumRunJobOperator(_IBMJobOperator):
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
        *_IBMJobOperator.template_fields,
        "program_id",
        "program_params",
    )
    template_fields_renderers: ClassVar[dict[str, str]] = {"program_params": "json"}

    def __init__(self, *, program_id: str, program_params: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.program_id = program_id
        self.program_params = program_params

    def validate_input(self) -> None:
        super().validate_input()
        validation.program_id(self.program_id)
        if not isinstance(self.program_params, dict):
            raise InvalidInputError("program_params must be a JSON object (dict)")

    def circuits_to_fit(self) -> list[Any]:
        pubs = self.program_params.get("pubs") or []
        return [pub[0] if isinstance(pub, list | tuple) and pub else pub for pub in pubs]

    def submit(self, key: str) -> str:
        submitted = self.hook.client.run_job(
            self.program_id,
            self.backend,
            self.program_params,
            session_id=self.session_id,
            tags=self._tags(key),
            **self.job_options,
        )
        self.log.info("Submitted IBM Quantum %s job %s", self.program_id, submitted.id)
        return submitted.id


class IBMQuantumGetResultsOperator(_IBMHookMixin, QuantumGetResultsOperator):
    """Return the decoded result of an IBM Quantum job (``RuntimeJob.result``).

    Waits up to ``timeout`` seconds (None: no limit) on the worker; a failed or cancelled job
    fails the task with the service's message. See
    :class:`~airflow_quantum.operators.base.QuantumGetResultsOperator`.

    :param bitstrings: also return every shot's bitstring (large!).
    """

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


class IBMQuantumCancelJobOperator(_IBMHookMixin, QuantumCancelJobOperator):
    """Cancel an IBM Quantum job; returns its state (a finished job is left as is)."""

    template_fields: Sequence[str] = ("job_id", "ibm_quantum_conn_id")

    def __init__(self, *, ibm_quantum_conn_id: str = "ibm_quantum_default", **kwargs: Any):
        super().__init__(**kwargs)
        self.ibm_quantum_conn_id = ibm_quantum_conn_id


class IBMQuantumUpdateTagsOperator(_IBMHookMixin, BaseOperator):
    """Replace the tags of an IBM Quantum job (``RuntimeJob.update_tags``); returns them.

    The idempotency tag the submitting operator put on the job is kept, so that a retry of
    that task still finds the job instead of submitting a second one.
    """

    template_fields: Sequence[str] = ("job_id", "tags", "ibm_quantum_conn_id")

    def __init__(
        self,
        *,
        job_id: str,
        tags: list[str],
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.job_id = job_id
        self.tags = tags
        self.ibm_quantum_conn_id = ibm_quantum_conn_id

    def execute(self, context: Any) -> list[str]:
        with failing_on_bad_input(self.task_id):
            validation.job_id(self.job_id)
            tags = validation.tags(as_list(self.tags) or [])
        job = self.hook.get_conn().get_job(self.job_id)
        kept = [tag for tag in job.tags if is_idempotency_tag(tag)]
        with failing_on_bad_input(self.task_id):
            merged = validation.tags([*tags, *(tag for tag in kept if tag not in tags)])
        return self.hook.update_tags(self.job_id, merged)


class IBMQuantumOpenSessionOperator(_IBMHookMixin, BaseOperator):
    """Open a dedicated session or a batch on a backend; returns the session id.

    Use it as a setup task and :class:`IBMQuantumCloseSessionOperator` as its teardown.
    """

    template_fields: Sequence[str] = ("backend", "mode", "ibm_quantum_conn_id")

    def __init__(
        self,
        *,
        backend: str,
        mode: str = "dedicated",
        max_ttl: int | None = None,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.backend = backend
        self.mode = mode
        self.max_ttl = max_ttl
        self.ibm_quantum_conn_id = ibm_quantum_conn_id

    def execute(self, context: Any) -> str:
        with failing_on_bad_input(self.task_id):
            validation.backend(self.backend)
            validation.session_mode(self.mode)
        session = self.hook.get_conn().create_session(
            self.backend, mode=self.mode, max_ttl=self.max_ttl
        )
        session_id = session.id
        self.log.info("Opened IBM Quantum %s session %s on %s", self.mode, session_id, self.backend)
        return session_id


class IBMQuantumCloseSessionOperator(_IBMHookMixin, BaseOperator):
    """Close a session once its jobs are final (they are never cut short).

    :param wait_for_jobs: wait until no job of the session is queued or running before
        closing (closing also lets them finish; waiting keeps the task until they have).
    :param timeout: stop waiting after this many seconds and close anyway (jobs still finish).
    """

    template_fields: Sequence[str] = ("session_id", "ibm_quantum_conn_id")

    def __init__(
        self,
        *,
        session_id: str,
        wait_for_jobs: bool = True,
        poll_interval: float = 5.0,
        timeout: float | None = None,
        ibm_quantum_conn_id: str = "ibm_quantum_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.session_id = session_id
        self.wait_for_jobs = wait_for_jobs
        self.poll_interval = seconds(poll_interval, "poll_interval")
        self.wait_timeout = seconds(timeout, "timeout")
        self.ibm_quantum_conn_id = ibm_quantum_conn_id

    def execute(self, context: Any) -> None:
        # A template pulling the id of a setup task that failed renders as "None".
        if not self.session_id or self.session_id == "None":
            self.log.info("No session to close (the setup task did not open one)")
            return
        with failing_on_bad_input(self.task_id):
            validation.session_id(self.session_id)
        if self.wait_for_jobs:
            self._wait_for_jobs()
        self.hook.get_conn().close_session(self.session_id)
        self.log.info("Closed IBM Quantum session %s", self.session_id)

    def _wait_for_jobs(self) -> None:
        """The sync wait of ``waiting``, until no job of the session is pending."""
        client = self.hook.get_conn()

        def pending() -> list[Any]:
            return list(client.list_jobs(limit=None, pending=True, session_id=self.session_id))

        def seen(jobs: list[Any]) -> None:
            if jobs:
                self.log.info(
                    "Waiting for %d job(s) of session %s to finish", len(jobs), self.session_id
                )

        try:
            waiting.wait(
                pending,
                lambda jobs: not jobs,
                backoff=waiting.Backoff(self.poll_interval),
                watch=waiting.Watch(f"IBM Quantum session {self.session_id}", self.log),
                timeout=self.wait_timeout,
                seen=seen,
            )
        except waiting.WaitTimeout as exc:
            self.log.warning(
                "%s job(s) of session %s are still pending after %g s; closing the session "
                "anyway (they will finish, no new job is accepted)",
                "?" if exc.last is None else len(exc.last),
                self.session_id,
                self.wait_timeout,
            )
