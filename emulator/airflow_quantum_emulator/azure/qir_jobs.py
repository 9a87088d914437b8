"""QIR jobs (``qir.v1``): simulated shots on IonQ/Quantinuum/Rigetti, estimates on the estimator.

Input parameters as the official client sends them: ``entryPoint`` (optional when the module
has one entry point), ``arguments`` (must be empty: base profile), ``shots`` (``count`` is
accepted too) and, for ``microsoft.estimator``, the estimator's parameters (``errorBudget``,
``qubitParams``, ``qecScheme``) or a batch of them in ``items``. Results:
``microsoft.quantum-results.v2`` / ``v1`` for shots, ``microsoft.resource-estimates.v1``
(one document, or a list for a batch) for estimates.

A module that does not compile fails the job with ``CompilationError`` "cannot compile QIR
bitcode" and estimator parameters out of range with ``InvalidInputError`` (recorded jobs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure import histograms
from airflow_quantum_emulator.azure.format_support import (
    check_width,
    gate_counts,
    guarded,
    shots_param,
)
from airflow_quantum_emulator.azure.formats import (
    COMPILATION_ERROR,
    ESTIMATOR_INPUT_ERROR,
    InputError,
    JobInput,
    PreparedJob,
    register,
)
from airflow_quantum_emulator.azure.targets import MS_RESULTS_V1, MS_RESULTS_V2, QIR_INPUT
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.estimator import estimate
from airflow_quantum_emulator.sim.qir import QirProgram, parse_qir
from airflow_quantum_emulator.sim.sampling import sample_memory

#: The start of the service's message for a module it cannot compile.
CANNOT_COMPILE = "cannot compile QIR bitcode, status code '1'"


@register(QIR_INPUT)
def prepare_qir(job: JobInput) -> PreparedJob:
    params = job.params
    entry_point = params.get("entryPoint")
    if entry_point is not None and not isinstance(entry_point, str):
        raise InputError("Invalid job params: inputParams.entryPoint must be a function name")
    if params.get("arguments") or []:
        raise InputError(
            "Invalid job params: inputParams.arguments must be empty: base-profile entry points "
            "take no arguments"
        )
    try:
        program = parse_qir(job.data, entry_point or None)
    except SimulationError as exc:
        raise InputError(f"{CANNOT_COMPILE}: {exc}", COMPILATION_ERROR) from None
    if job.target.family == "estimator":
        return _prepare_estimate(program, params)
    job.require_output(MS_RESULTS_V2, MS_RESULTS_V1)
    limit = job.qubit_limit
    active = {q for op in program.circuit.operations for q in _qubits_of(op)}
    check_width(len(active), limit, job.target.id, "program")
    shots = shots_param(params, ("shots", "count"), job.target.max_shots)
    bound = program.circuit.bind(())
    outputs = program.outputs

    def compute() -> dict[str, Any]:
        memory = sample_memory(bound, shots, np.random.default_rng(job.seed), max_qubits=limit)
        rows = memory["r"][:, outputs] if outputs else np.zeros((shots, 0), dtype=np.uint8)
        shots_out = [tuple(int(bit) for bit in row) for row in rows]
        if job.output_format == MS_RESULTS_V1:
            counts = histograms.frequencies(shots_out)
            return histograms.results_v1({key: counts[key] for key in sorted(counts)})
        return histograms.results_v2(shots_out)

    usage = {"shots": shots, "qubits": program.counts.num_qubits, **gate_counts(program.circuit)}
    return PreparedJob(guarded(compute), quantum_computing_count=1, usage=usage)


def _qubits_of(op: Any) -> tuple[int, ...]:
    qubits = getattr(op, "qubits", None)
    if qubits is not None:
        return tuple(qubits)
    return (op.qubit,)


def _prepare_estimate(program: QirProgram, params: Mapping[str, Any]) -> PreparedJob:
    if params.get("shots") is not None:
        raise InputError(
            "the resource estimator runs no shots: remove inputParams.shots", ESTIMATOR_INPUT_ERROR
        )
    items = params.get("items")
    common = {k: v for k, v in params.items() if k not in ("items", "entryPoint", "arguments")}
    if items is not None:
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(i, Mapping) for i in items)
        ):
            raise InputError(
                "inputParams.items must be a non-empty list of objects", ESTIMATOR_INPUT_ERROR
            )
        batches = [{**common, **item} for item in items]
    else:
        batches = [common]
    try:  # every item is estimated now: a bad parameter fails the job, whichever item has it
        documents = [estimate(program.counts, each) for each in batches]
    except SimulationError as exc:
        raise InputError(str(exc), ESTIMATOR_INPUT_ERROR) from None

    def compute() -> Any:
        return documents if items is not None else documents[0]

    return PreparedJob(guarded(compute), usage={"estimates": len(documents)})
