"""A checked IBM Quantum job, ready to send: what validation builds and ``run_job`` sends.

``IBMPreparedJob.sampler``, ``.estimator`` and ``.program`` check every input (circuits,
observables, shots, precision, tags, job options) and build the program's params, pubs
included, once: an operator builds it when the task starts, the spend checks read it, and
``IBMProtocol.run_job`` sends it (after transpiling its circuits when it asks for an
``optimization_level``). A bad value raises ``InvalidInputError`` naming the field, before any
request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm import isa, job_limits, qiskit_interop, transpile
from airflow_quantum.clients.ibm import validation as check


class RunOptions(TypedDict, total=False):
    """The options of a runtime job besides its program, backend, params, session and tags."""

    #: The program's log level (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``, ``CRITICAL``).
    log_level: str | None
    #: At most this many seconds of quantum time (the wire's ``cost``).
    max_execution_time: int | None
    #: The runtime image to run (the wire's ``runtime``).
    image: str | None
    #: Whether the job's inputs and results are kept private.
    private: bool | None
    #: Run with this calibration of the backend.
    calibration_id: str | None


#: Each run option: its wire key and its check (in ``RunOptions``' order).
RUN_OPTION_WIRE: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "log_level": ("log_level", check.log_level),
    "max_execution_time": ("cost", check.max_execution_time),
    "image": ("runtime", check.image),
    "private": ("private", lambda value: check.boolean(value, "private")),
    "calibration_id": ("calibration_id", lambda value: check.text(value, "calibration_id")),
}


def run_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """The given job options, checked (unknown names and bad values: ``InvalidInputError``)."""
    if not isinstance(options, Mapping):
        raise InvalidInputError("job_options must be a dict")
    unknown = sorted(set(options) - set(RUN_OPTION_WIRE))
    if unknown:
        raise InvalidInputError(
            f"job_options: unknown option(s) {', '.join(unknown)}; "
            f"known: {', '.join(RUN_OPTION_WIRE)}"
        )
    return {
        name: RUN_OPTION_WIRE[name][1](value)
        for name, value in options.items()
        if value is not None
    }


@dataclass(frozen=True)
class IBMPreparedJob:
    """A job of ``program_id`` on ``backend`` (None: the session's), its params built and checked.

    Build it with ``sampler``, ``estimator`` or ``program``; ``on_backend`` and ``with_tag``
    give changed copies.
    """

    program_id: str
    backend: str | None
    params: dict[str, Any]
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    #: ``RunOptions``, checked.
    options: dict[str, Any] = field(default_factory=dict)
    #: Transpile the circuits for the backend at this level before sending (None: as given).
    optimization_level: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(check.tags(list(self.tags))))
        check.program_id(self.program_id)
        if self.backend is not None:
            check.backend(self.backend)
        if self.session_id is not None:
            check.session_id(self.session_id)
        if not isinstance(self.params, Mapping):
            raise InvalidInputError(f"params must be a mapping, got {type(self.params).__name__}")
        try:
            json.dumps(self.params, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"the job's params are not valid JSON: {exc}") from None
        if transpile.optimization_level(self.optimization_level) is not None:
            qiskit_interop.require_qiskit("optimization_level")
            if not isa.checks_isa(self.program_id):
                raise InvalidInputError("optimization_level applies to sampler and estimator jobs")

    @classmethod
    def sampler(
        cls,
        circuits: Any,
        backend: str | None,
        shots: int | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        optimization_level: int | None = None,
        **job_options: Unpack[RunOptions],
    ) -> IBMPreparedJob:
        """A Sampler V2 job: OpenQASM 3 circuits (QuantumCircuits with the ``qiskit`` extra) or
        ``(circuit, parameter_values, shots)`` pubs; ``shots`` for pubs without their own;
        ``options`` of the primitive (e.g. ``{"default_shots": 1000}``)."""
        checked = run_options(job_options)
        built = pubs.sampler_pubs(pubs.plain_inputs(circuits, "circuits"), shots)
        params = pubs.primitive_params(built, options)
        job_limits.check_pubs(params)
        return cls(
            "sampler", backend, params, session_id, tuple(tags or ()), checked, optimization_level
        )

    @classmethod
    def estimator(
        cls,
        circuits: Any,
        observables: Any,
        backend: str | None,
        precision: float | None = None,
        *,
        options: Mapping[str, Any] | None = None,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        optimization_level: int | None = None,
        **job_options: Unpack[RunOptions],
    ) -> IBMPreparedJob:
        """An Estimator V2 job: one observable for every circuit (``"ZZ"``, ``{"ZZ": 1.0}``, a
        SparsePauliOp) or one entry per circuit; or None when ``circuits`` are ``(circuit,
        observables, parameter_values, precision)`` pubs. With ``optimization_level`` the
        observables follow the transpiled circuits' layout."""
        checked = run_options(job_options)
        built = pubs.estimator_pubs(
            pubs.plain_inputs(circuits, "circuits"),
            pubs.plain_inputs(observables, "observables"),
            precision,
        )
        params = pubs.primitive_params(built, options)
        job_limits.check_pubs(params)
        return cls(
            "estimator", backend, params, session_id, tuple(tags or ()), checked, optimization_level
        )

    @classmethod
    def program(
        cls,
        program_id: str,
        backend: str | None,
        params: Mapping[str, Any],
        *,
        session_id: str | None = None,
        tags: Iterable[str] | None = None,
        **job_options: Unpack[RunOptions],
    ) -> IBMPreparedJob:
        """A job of any program with its raw ``params`` (as ``QiskitRuntimeService.run``)."""
        if not isinstance(params, Mapping):
            raise InvalidInputError("program_params must be a JSON object (dict)")
        options = run_options(job_options)
        if isa.checks_isa(program_id):
            job_limits.check_pubs(params)
        return cls(program_id, backend, dict(params), session_id, tuple(tags or ()), options)

    # ------------------------------------------------------------------ changed copies

    def on_backend(self, backend: str) -> IBMPreparedJob:
        """The same job on ``backend`` (chosen by queue, say)."""
        return replace(self, backend=check.backend(backend))

    def with_tag(self, tag: str) -> IBMPreparedJob:
        """The same job with one more tag (``InvalidInputError`` past the service's limit)."""
        if len(self.tags) >= check.MAX_TAGS:
            raise InvalidInputError(
                f"tags: at most {check.MAX_TAGS - 1} tags (one more is the provider's "
                f"idempotency tag), got {len(self.tags)}"
            )
        return replace(self, tags=(*self.tags, *check.tags([tag])))

    def with_pubs(self, built: list[list[Any]]) -> IBMPreparedJob:
        """The same job with other pubs (transpiled ones), sent as they are."""
        return replace(self, params={**self.params, "pubs": built}, optimization_level=None)

    # ------------------------------------------------------------------ reading it

    @property
    def circuits(self) -> list[Any]:
        """The circuit of each pub (what a chosen backend must be wide enough for)."""
        items = self.params.get("pubs") or []
        return [pub[0] if isinstance(pub, list | tuple) and pub else pub for pub in items]

    def body(self) -> dict[str, Any]:
        """The body of ``POST /jobs``."""
        body: dict[str, Any] = {"program_id": self.program_id, "params": dict(self.params)}
        if self.backend is not None or self.session_id is None:
            body["backend"] = check.backend(self.backend)
        if self.session_id is not None:
            body["session_id"] = self.session_id
        if self.tags:
            body["tags"] = list(self.tags)
        for name, value in self.options.items():
            body[RUN_OPTION_WIRE[name][0]] = value
        return body
