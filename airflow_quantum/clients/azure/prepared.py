"""A checked Azure Quantum job, ready to send: what validation builds and ``submit_job`` sends.

One constructor per kind of input (``ionq_circuit``, ``quantinuum_program``, ``qir``,
``input_data``), and ``from_inputs`` for the operator's fields (exactly one input): every field
is checked and the input blob encoded once, before anything is sent (``InvalidInputError``
names the field, ``RetiredTargetError`` a retired target). The cost estimate prices it
(``spending.azure_pricing``); ``AzureQuantumProtocol.submit_job`` sends it (SAS, upload, PUT).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

from airflow_quantum.clients.azure import inputs
from airflow_quantum.clients.azure.targets import (
    DEFAULT_IONQ_TARGET,
    DEFAULT_QUANTINUUM_TARGET,
    ESTIMATOR_TARGET,
    check_current,
)
from airflow_quantum.clients.azure.validation import (
    check_job_id,
    check_json_object,
    check_name,
    check_tags,
)
from airflow_quantum.clients.errors import InvalidInputError, reject_unknown_keywords


class JobOptions(TypedDict, total=False):
    """What every kind of job may also say about itself."""

    #: The job's name (default: its id).
    name: str | None
    #: Tags to find the job by (at most 100 strings).
    tags: Sequence[str] | None
    #: An open session to submit into.
    session_id: str | None
    #: Free-form metadata (a JSON object).
    metadata: Mapping[str, Any] | None


@dataclass(frozen=True)
class AzurePreparedJob:
    """A job for ``target``: its input blob, formats, provider and parameters, checked.

    ``program`` is the input as given (an IonQ document, OpenQASM 2 text, QIR, raw input):
    what the cost estimate counts gates in.
    """

    kind: str
    target: str
    provider_id: str
    input_data_format: str
    output_data_format: str | None
    data: bytes
    content_type: str
    input_params: dict[str, Any] = field(default_factory=dict)
    program: Any = None
    shots: int | None = None
    name: str | None = None
    tags: tuple[str, ...] = ()
    session_id: str | None = None
    metadata: dict[str, Any] | None = None
    #: ``Standard`` or ``High`` (None: the service's default).
    priority: str | None = None
    gzip: bool = True

    # ------------------------------------------------------------------ the kinds

    @classmethod
    def input_data(
        cls,
        input_data: Any,
        input_data_format: str,
        output_data_format: str | None,
        provider_id: str,
        target: str,
        input_params: Mapping[str, Any] | None = None,
        *,
        priority: str | None = None,
        content_type: str | None = None,
        gzip: bool = True,
        **options: Unpack[JobOptions],
    ) -> AzurePreparedJob:
        """Any input, in any format the target reads (e.g. Pasqal's ``pasqal.pulser.v1``)."""
        for name, value in (
            ("provider_id", provider_id),
            ("target", target),
            ("input_data_format", input_data_format),
        ):
            check_name(value, name)
        check_current(target, input_data_format)
        if output_data_format is not None:
            check_name(output_data_format, "output_data_format")
        if priority is not None and priority not in ("Standard", "High"):
            raise InvalidInputError("priority must be 'Standard' or 'High'")
        if content_type is not None:
            check_name(content_type, "content_type")
        params = check_json_object(input_params, "input_params") if input_params is not None else {}
        shots = params.get("shots")
        return cls(
            kind="input_data",
            target=target,
            provider_id=provider_id,
            input_data_format=input_data_format,
            output_data_format=output_data_format,
            data=inputs.encoded(input_data),
            content_type=content_type or inputs.default_content_type(input_data_format),
            input_params=params,
            program=input_data,
            shots=shots if isinstance(shots, int) and not isinstance(shots, bool) else None,
            priority=priority,
            gzip=gzip,
            **_options(options),
        )

    @classmethod
    def ionq_circuit(
        cls,
        circuit: Any,
        qubits: int | None = None,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_IONQ_TARGET,
        output_data_format: str = inputs.IONQ_OUTPUT_FORMAT,
        gateset: str | None = None,
        **options: Unpack[JobOptions],
    ) -> AzurePreparedJob:
        """An ``ionq.circuit.v1`` circuit (a gate list, or a whole document); the qubit count
        rides in the job's metadata (for bitstrings)."""
        check_current(target)
        document = inputs.ionq_circuit(circuit, qubits, gateset=gateset)
        metadata = {"qubits": str(document["qubits"]), **dict(options.pop("metadata", None) or {})}
        job = cls.input_data(
            document,
            inputs.IONQ_INPUT_FORMAT,
            output_data_format,
            inputs.IONQ_PROVIDER,
            target,
            {"shots": inputs.check_shots(shots)},
            metadata=metadata,
            **options,
        )
        return replace(job, kind="ionq_circuit", program=document)

    @classmethod
    def quantinuum_program(
        cls,
        program: str,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_QUANTINUUM_TARGET,
        **options: Unpack[JobOptions],
    ) -> AzurePreparedJob:
        """An OpenQASM 2 program for a Quantinuum target (the H2 emulator by default), sent as
        ``honeywell.openqasm.v1`` (``application/qasm``)."""
        check_current(target)
        job = cls.input_data(
            inputs.quantinuum_program(program),
            inputs.QUANTINUUM_INPUT_FORMAT,
            inputs.QUANTINUUM_OUTPUT_FORMAT,
            inputs.QUANTINUUM_PROVIDER,
            target,
            {"shots": inputs.check_shots(shots)},
            **options,
        )
        return replace(job, kind="quantinuum_program")

    @classmethod
    def qir(
        cls,
        qir: bytes | str,
        *,
        target: str,
        shots: int | None = None,
        entry_point: str | None = None,
        arguments: list[Any] | None = None,
        items: list[Mapping[str, Any]] | None = None,
        input_params: Mapping[str, Any] | None = None,
        output_data_format: str | None = None,
        provider_id: str | None = None,
        **options: Unpack[JobOptions],
    ) -> AzurePreparedJob:
        """QIR (bitcode or LLVM text) for ``target`` (``microsoft.estimator`` too), sent as
        ``qir.v1``. The estimator writes ``microsoft.resource-estimates.v1`` and takes no
        shots; the other targets write ``microsoft.quantum-results.v2`` unless asked."""
        check_current(target)
        estimator = target.strip().lower() == ESTIMATOR_TARGET
        if estimator and shots is not None:
            raise InvalidInputError("shots: the resource estimator runs no shots")
        if input_params is not None:
            check_json_object(input_params, "input_params")
        params = inputs.qir_input_params(
            entry_point=entry_point,
            arguments=arguments,
            shots=shots,
            items=items,
            extra=input_params,
        )
        default_output = inputs.ESTIMATES_OUTPUT_FORMAT if estimator else inputs.QIR_OUTPUT_FORMAT
        job = cls.input_data(
            inputs.qir_program(qir),
            inputs.QIR_INPUT_FORMAT,
            output_data_format or default_output,
            provider_id or inputs.provider_of(target),
            target,
            params,
            content_type=inputs.QIR_INPUT_FORMAT,
            **options,
        )
        return replace(job, kind="qir", program=qir)

    @classmethod
    def from_inputs(
        cls,
        target: str,
        *,
        ionq_circuit: Any = None,
        quantinuum_program: str | None = None,
        qir: bytes | str | None = None,
        input_data: Any = None,
        input_data_format: str | None = None,
        output_data_format: str | None = None,
        provider_id: str | None = None,
        entry_point: str | None = None,
        qubits: int | None = None,
        shots: int | None = None,
        input_params: Mapping[str, Any] | None = None,
        **options: Unpack[JobOptions],
    ) -> AzurePreparedJob:
        """The job of exactly one input, as the submit operator takes them: ``shots`` (or
        ``input_params["shots"]``) for a circuit, program or QIR; with ``ionq_circuit`` and
        ``quantinuum_program`` only shots may be in ``input_params``."""
        given = {
            "ionq_circuit": ionq_circuit,
            "quantinuum_program": quantinuum_program,
            "qir": qir,
            "input_data": input_data,
        }
        kinds = [kind for kind, value in given.items() if value is not None]
        if len(kinds) != 1:
            raise InvalidInputError(
                "give exactly one of ionq_circuit, quantinuum_program, qir or input_data"
                + (f" (got {', '.join(kinds)})" if kinds else "")
            )
        (kind,) = kinds
        if input_params is not None and not isinstance(input_params, Mapping):
            raise InvalidInputError(
                f"input_params must be a dict, got {type(input_params).__name__}"
            )
        if kind == "input_data":
            for name, value in (
                ("input_data_format", input_data_format),
                ("provider_id", provider_id),
            ):
                if not value:
                    raise InvalidInputError(f"{name} is required with input_data")
            return cls.input_data(
                input_data, input_data_format, output_data_format, provider_id, target,  # type: ignore[arg-type]
                input_params, **options,
            )  # fmt: skip
        if shots is None:
            shots = (input_params or {}).get("shots")
        counted = {} if shots is None else {"shots": _field("shots", inputs.check_shots, shots)}
        if kind == "qir":
            _field("qir", inputs.qir_program, qir)
            rest = {k: v for k, v in (input_params or {}).items() if k != "shots"}
            return cls.qir(
                qir, target=target, entry_point=entry_point, input_params=rest,  # type: ignore[arg-type]
                output_data_format=output_data_format, provider_id=provider_id,
                **counted, **options,
            )  # fmt: skip
        ignored = sorted(set(input_params or {}) - {"shots"})
        if ignored:
            raise InvalidInputError(
                f"input_params: with {kind} only 'shots' is used, not {ignored}; "
                "send other target parameters with input_data"
            )
        if kind == "quantinuum_program":
            _field("quantinuum_program", inputs.quantinuum_program, quantinuum_program)
            return cls.quantinuum_program(quantinuum_program, target=target, **counted, **options)  # type: ignore[arg-type]
        _field("ionq_circuit", inputs.ionq_circuit, ionq_circuit, qubits)
        formats = {"output_data_format": output_data_format} if output_data_format else {}
        return cls.ionq_circuit(
            ionq_circuit, qubits, target=target, **formats, **counted, **options
        )

    # ------------------------------------------------------------------ changed copies

    def on_target(self, target: str) -> AzurePreparedJob:
        """The same job for another target of the same input kind (chosen by queue, say)."""
        check_name(target, "target")
        check_current(target, self.input_data_format)
        return replace(self, target=target)

    def with_options(self, **options: Unpack[JobOptions]) -> AzurePreparedJob:
        """The same job with other name, tags, session or metadata (checked)."""
        return replace(self, **_options(options))

    # ------------------------------------------------------------------ sending it

    def body(self, job_id: str, container_uri: str, input_data_uri: str) -> dict[str, Any]:
        """The JobDetails a client sends to create the job (``PUT /jobs/{id}``)."""
        body: dict[str, Any] = {
            "id": job_id,
            "name": self.name or job_id,
            "providerId": self.provider_id,
            "target": self.target,
            "itemType": "Job",
            "containerUri": container_uri,
            "inputDataUri": input_data_uri,
            "inputDataFormat": self.input_data_format,
            "inputParams": dict(self.input_params),
        }
        optional = {
            "outputDataFormat": self.output_data_format,
            "tags": list(self.tags),
            "sessionId": self.session_id,
            "metadata": self.metadata,
            "priority": self.priority,
        }
        body.update({key: value for key, value in optional.items() if value})
        return body

    def matches(self, job: Any) -> bool:
        """Whether an existing job (``JobDetails``) is this submission (same target and input)."""
        return (
            (job.target or "").lower() == self.target.lower()
            and (job.provider_id or "").lower() == self.provider_id.lower()
            and (job.input_data_format or "").lower() == self.input_data_format.lower()
        )


def _options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``JobOptions`` checked, as the dataclass's fields."""
    reject_unknown_keywords(options, JobOptions, "AzurePreparedJob")
    checked: dict[str, Any] = {}
    if (name := options.get("name")) is not None:
        checked["name"] = check_name(name, "name")
    if (tags := options.get("tags")) is not None:
        checked["tags"] = tuple(check_tags(tags))
    if (session_id := options.get("session_id")) is not None:
        checked["session_id"] = check_job_id(session_id, "session_id")
    if (metadata := options.get("metadata")) is not None:
        checked["metadata"] = check_json_object(metadata, "metadata")
    return checked


def _field(name: str, check: Any, *args: Any) -> Any:
    """``check(*args)``, its error naming the operator's field ``name``."""
    try:
        return check(*args)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{name}: {exc}") from None
