"""The Azure client's submit methods, one for each kind of input, checked before anything is sent.

``JobSubmitter`` is sans-IO: each method turns a user's input into a ``flows.Submission``
(input blob bytes, content type, JobDetails fields), or raises ``InvalidInputError`` naming the
problem (``RetiredTargetError`` for a retired target), and hands it to ``_submit``, which
``AzureQuantumClient`` runs (``flows.submit``: SAS, upload, ``PUT``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypedDict, Unpack

from airflow_quantum.clients.azure import inputs
from airflow_quantum.clients.azure.flows import Submission
from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.clients.azure.protocol import (
    check_job_id,
    check_json_object,
    check_name,
    check_tags,
    new_job_id,
)
from airflow_quantum.clients.azure.storage import compress, container_name_for
from airflow_quantum.clients.azure.targets import (
    DEFAULT_IONQ_TARGET,
    DEFAULT_QUANTINUUM_TARGET,
    ESTIMATOR_PROVIDER,
    ESTIMATOR_TARGET,
    check_current,
)
from airflow_quantum.clients.errors import InvalidInputError


class JobOptions(TypedDict, total=False):
    """What every kind of submission may also say about its job."""

    #: The job's name (default: its id).
    name: str | None
    #: Tags to find the job by (at most 100 strings).
    tags: list[str] | None
    #: An open session to submit into.
    session_id: str | None
    #: The job's id (a GUID; default: a new one). Resubmitting with the same id finds the job
    #: already submitted instead of paying twice.
    job_id: str | None
    #: Free-form metadata (a JSON object).
    metadata: Mapping[str, Any] | None


class JobSubmitter:
    """Submit methods of the sync Azure client: check and encode, then ``_submit``."""

    def _submit(self, submission: Submission) -> JobDetails:
        raise NotImplementedError

    def submit_job(
        self,
        input_data: Any,
        input_data_format: str,
        output_data_format: str | None,
        provider_id: str,
        target: str,
        input_params: Mapping[str, Any] | None = None,
        name: str | None = None,
        tags: list[str] | None = None,
        session_id: str | None = None,
        job_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        priority: str | None = None,
        content_type: str | None = None,
        gzip: bool = True,
    ) -> JobDetails:
        """Upload ``input_data`` (gzip) and create the job; returns its details.

        Everything is checked and encoded before anything is sent (``InvalidInputError`` names
        the field).
        """
        job_id = check_job_id(job_id) if job_id is not None else new_job_id()
        container_name_for(job_id)
        for field, value in (
            ("provider_id", provider_id),
            ("target", target),
            ("input_data_format", input_data_format),
        ):
            check_name(value, field)
        check_current(target, input_data_format)
        if output_data_format is not None:
            check_name(output_data_format, "output_data_format")
        if name is not None:
            check_name(name, "name")
        if session_id is not None:
            check_job_id(session_id, "session_id")
        if priority is not None and priority not in ("Standard", "High"):
            raise InvalidInputError("priority must be 'Standard' or 'High'")
        params = check_json_object(input_params, "input_params") if input_params is not None else {}
        meta = check_json_object(metadata, "metadata") if metadata is not None else None
        checked_tags = check_tags(tags) if tags is not None else None
        raw = _encoded(input_data)
        if content_type is not None:
            check_name(content_type, "content_type")
        submission = Submission(
            job_id=job_id,
            data=compress(raw) if gzip else raw,
            content_type=content_type or _default_content_type(input_data_format),
            content_encoding="gzip" if gzip else None,
            body_fields={
                "name": name or job_id,
                "provider_id": provider_id,
                "target": target,
                "input_data_format": input_data_format,
                "output_data_format": output_data_format,
                "input_params": params,
                "tags": checked_tags,
                "session_id": session_id,
                "metadata": meta,
                "priority": priority,
            },
        )
        return self._submit(submission)

    def submit_quantinuum_program(
        self,
        program: str,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_QUANTINUUM_TARGET,
        **options: Unpack[JobOptions],
    ) -> JobDetails:
        """Submit an OpenQASM 2 program to a Quantinuum target (H2 emulator by default).

        It goes as ``honeywell.openqasm.v1``, uploaded as ``application/qasm``. ``options``
        (``JobOptions``): ``name``, ``tags``, ``session_id``, ``job_id``, ``metadata``.
        """
        check_current(target)
        return self.submit_job(
            input_data=inputs.quantinuum_program(program),
            input_data_format=inputs.QUANTINUUM_INPUT_FORMAT,
            output_data_format=inputs.QUANTINUUM_OUTPUT_FORMAT,
            provider_id=inputs.QUANTINUUM_PROVIDER,
            target=target,
            input_params={"shots": inputs.check_shots(shots)},
            **options,
        )

    def submit_qir(
        self,
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
    ) -> JobDetails:
        """Submit QIR (bitcode or LLVM text) to ``target`` (``microsoft.estimator`` too).

        It goes as a ``qir.v1`` job, as the official client sends QIR. The estimator writes
        ``microsoft.resource-estimates.v1`` and takes no shots; the other targets write
        ``microsoft.quantum-results.v2`` unless asked otherwise. ``options`` (``JobOptions``):
        ``name``, ``tags``, ``session_id``, ``job_id``, ``metadata``.
        """
        check_current(target)
        estimator = target.strip().lower() == ESTIMATOR_TARGET
        if estimator and shots is not None:
            raise InvalidInputError("shots: the resource estimator runs no shots")
        params = inputs.qir_input_params(
            entry_point=entry_point,
            arguments=arguments,
            shots=shots,
            items=items,
            extra=input_params,
        )
        default_output = inputs.ESTIMATES_OUTPUT_FORMAT if estimator else inputs.QIR_OUTPUT_FORMAT
        return self.submit_job(
            input_data=inputs.qir_program(qir),
            input_data_format=inputs.QIR_INPUT_FORMAT,
            output_data_format=output_data_format or default_output,
            provider_id=provider_id or provider_of(target),
            target=target,
            input_params=params,
            content_type=inputs.QIR_INPUT_FORMAT,
            **options,
        )

    def submit_ionq_circuit(
        self,
        circuit: Any,
        qubits: int | None = None,
        *,
        shots: int = inputs.IONQ_DEFAULT_SHOTS,
        target: str = DEFAULT_IONQ_TARGET,
        output_data_format: str = inputs.IONQ_OUTPUT_FORMAT,
        gateset: str | None = None,
        **options: Unpack[JobOptions],
    ) -> JobDetails:
        """Submit an ``ionq.circuit.v1`` circuit (a gate list, or a whole document).

        The qubit count rides in the job's metadata (for bitstrings). ``options``
        (``JobOptions``): ``name``, ``tags``, ``session_id``, ``job_id``, ``metadata``.
        """
        check_current(target)
        document = inputs.ionq_circuit(circuit, qubits, gateset=gateset)
        shots = inputs.check_shots(shots)
        metadata = {"qubits": str(document["qubits"]), **dict(options.pop("metadata", None) or {})}
        return self.submit_job(
            input_data=document,
            input_data_format=inputs.IONQ_INPUT_FORMAT,
            output_data_format=output_data_format,
            provider_id=inputs.IONQ_PROVIDER,
            target=target,
            input_params={"shots": shots},
            metadata=metadata,
            **options,
        )


def provider_of(target: str) -> str:
    """The provider id of a target name (``ionq.simulator`` → ``ionq``)."""
    if target.strip().lower() == ESTIMATOR_TARGET:
        return ESTIMATOR_PROVIDER
    provider = target.strip().split(".", 1)[0].lower()
    if not provider or "." not in target:
        raise InvalidInputError(f"target {target!r:.60} does not name its provider")
    return provider


def _encoded(input_data: Any) -> bytes:
    """The input blob's bytes: bytes as they are, text as UTF-8, a dict or list as JSON."""
    if isinstance(input_data, bytes | bytearray):
        raw = bytes(input_data)
    elif isinstance(input_data, str):
        raw = input_data.encode("utf-8")
    elif isinstance(input_data, Mapping | list):
        try:
            raw = json.dumps(input_data, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"input_data is not JSON-serialisable: {exc}") from None
    else:
        raise InvalidInputError(
            f"input_data must be bytes, str, dict or list, got {type(input_data).__name__}"
        )
    if not raw:
        raise InvalidInputError("input_data is empty")
    return raw


def _default_content_type(input_data_format: str) -> str:
    fmt = input_data_format.lower()
    if "qasm" in fmt:
        return "application/qasm"  # as the official client's Quantinuum target sends it
    if "qir" in fmt:
        return "qir.v1"
    if "quil" in fmt:
        return "text/plain"  # as the official client's Rigetti target sends Quil
    return "application/json"
