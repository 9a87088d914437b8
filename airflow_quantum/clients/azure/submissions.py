"""Job submissions for each kind of input, checked before anything is sent.

Shared by the sync and async clients: each function turns a user's input into a
``flows.Submission`` (input blob bytes, content type, JobDetails fields) or raises
``InvalidInputError`` naming the problem (``RetiredTargetError`` for a retired target).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from airflow_quantum.clients.azure import flows, inputs
from airflow_quantum.clients.azure.targets import (
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


def ionq_submission(
    circuit: Any,
    qubits: int | None,
    *,
    shots: int,
    target: str,
    output_data_format: str,
    gateset: str | None,
    **common: Any,
) -> flows.Submission:
    """An ``ionq.circuit.v1`` job; the qubit count rides in the metadata (for bitstrings)."""
    check_current(target)
    document = inputs.ionq_circuit(circuit, qubits, gateset=gateset)
    shots = inputs.check_shots(shots)
    meta = {"qubits": str(document["qubits"]), **dict(common.pop("metadata", None) or {})}
    return flows.prepare_submission(
        input_data=document,
        input_data_format=inputs.IONQ_INPUT_FORMAT,
        output_data_format=output_data_format,
        provider_id=inputs.IONQ_PROVIDER,
        target=target,
        input_params={"shots": shots},
        metadata=meta,
        **common,
    )


def quantinuum_submission(
    program: Any, *, shots: int, target: str, **common: Any
) -> flows.Submission:
    """A ``honeywell.openqasm.v1`` job (OpenQASM 2), uploaded as ``application/qasm``."""
    check_current(target)
    return flows.prepare_submission(
        input_data=inputs.quantinuum_program(program),
        input_data_format=inputs.QUANTINUUM_INPUT_FORMAT,
        output_data_format=inputs.QUANTINUUM_OUTPUT_FORMAT,
        provider_id=inputs.QUANTINUUM_PROVIDER,
        target=target,
        input_params={"shots": inputs.check_shots(shots)},
        **common,
    )


def provider_of(target: str) -> str:
    """The provider id of a target name (``ionq.simulator`` → ``ionq``)."""
    if target.strip().lower() == ESTIMATOR_TARGET:
        return ESTIMATOR_PROVIDER
    provider = target.strip().split(".", 1)[0].lower()
    if not provider or "." not in target:
        raise InvalidInputError(f"target {target!r:.60} does not name its provider")
    return provider


def qir_submission(
    qir: Any,
    *,
    target: str,
    shots: int | None,
    entry_point: str | None,
    arguments: list[Any] | None,
    items: list[Mapping[str, Any]] | None,
    input_params: Mapping[str, Any] | None,
    output_data_format: str | None,
    provider_id: str | None,
    **common: Any,
) -> flows.Submission:
    """A ``qir.v1`` job (bitcode, or LLVM text), as the official client sends QIR.

    The estimator writes ``microsoft.resource-estimates.v1`` and takes no shots; the other
    targets write ``microsoft.quantum-results.v2`` unless asked otherwise.
    """
    check_current(target)
    estimator = target.strip().lower() == ESTIMATOR_TARGET
    if estimator and shots is not None:
        raise InvalidInputError("shots: the resource estimator runs no shots")
    params = inputs.qir_input_params(
        entry_point=entry_point, arguments=arguments, shots=shots, items=items, extra=input_params
    )
    default_output = inputs.ESTIMATES_OUTPUT_FORMAT if estimator else inputs.QIR_OUTPUT_FORMAT
    return flows.prepare_submission(
        input_data=inputs.qir_program(qir),
        input_data_format=inputs.QIR_INPUT_FORMAT,
        output_data_format=output_data_format or default_output,
        provider_id=provider_id or provider_of(target),
        target=target,
        input_params=params,
        content_type=inputs.QIR_INPUT_FORMAT,
        **common,
    )
