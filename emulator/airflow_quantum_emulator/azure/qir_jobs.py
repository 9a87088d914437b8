"""QIR jobs (``qir.v1``): simulated shots on IonQ/Quantinuum targets, estimates on the estimator.

Input parameters as the official client sends them: ``entryPoint`` (optional when the module
has one entry point), ``arguments`` (must be empty: base profile), ``shots`` (``count`` is
accepted too) and, for ``microsoft.estimator``, the estimator's parameters (``errorBudget``,
``qubitParams``, ``qecScheme``) or a batch of them in ``items``. Results:
``microsoft.quantum-results.v2`` / ``v1`` for shots, ``microsoft.resource-estimates.v1``
(one document, or a list for a batch) for estimates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.targets import MS_RESULTS_V1, MS_RESULTS_V2, Target

RESULT_FORMATS = (MS_RESULTS_V2, MS_RESULTS_V1)


def prepare_qir(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
) -> Any:
    """Validate a QIR job; returns the formats module's ``PreparedJob``."""
    from airflow_quantum_emulator.azure import formats
    from airflow_quantum_emulator.sim.errors import SimulationError
    from airflow_quantum_emulator.sim.qir import parse_qir

    entry_point = input_params.get("entryPoint")
    if entry_point is not None and not isinstance(entry_point, str):
        raise formats.InputError("inputParams.entryPoint must be a function name")
    arguments = input_params.get("arguments") or []
    if arguments:
        raise formats.InputError(
            "inputParams.arguments must be empty: base-profile entry points take no arguments"
        )
    try:
        program = parse_qir(data, entry_point or None)
    except SimulationError as exc:
        raise formats.InputError(f"Invalid QIR: {exc}") from None
    if target.family == "estimator":
        return _prepare_estimate(program, input_params, formats)
    if output_format not in RESULT_FORMATS:
        raise formats.InputError(
            f"a QIR job writes {' or '.join(RESULT_FORMATS)}, not {output_format[:60]!r}"
        )
    limit = min(max_qubits, target.max_qubits or max_qubits)
    active = {q for op in program.circuit.operations for q in _qubits_of(op)}
    if len(active) > limit:
        raise formats.InputError(
            f"the program uses {len(active)} qubits; {target.id} runs at most {limit} here"
        )
    shots = formats.shots_param(input_params, ("shots", "count"))
    bound = program.circuit.bind(())
    outputs = program.outputs

    def compute() -> dict[str, Any]:
        from airflow_quantum_emulator.sim.statevector import sample_memory

        memory = sample_memory(bound, shots, np.random.default_rng(seed), max_qubits=limit)
        rows = memory["r"][:, outputs] if outputs else np.zeros((shots, 0), dtype=np.uint8)
        shots_out = [[int(bit) for bit in row] for row in rows]
        if output_format == MS_RESULTS_V1:
            return _results_v1(shots_out)
        return _results_v2(shots_out)

    usage = {"shots": shots, "qubits": program.counts.num_qubits}
    usage.update(formats.gate_counts(program.circuit))
    return formats.PreparedJob(formats.guarded(compute), quantum_computing_count=1, usage=usage)


def _qubits_of(op: Any) -> tuple[int, ...]:
    qubits = getattr(op, "qubits", None)
    if qubits is not None:
        return tuple(qubits)
    return (op.qubit,)


def _display(bits: list[int]) -> str:
    return "[" + ", ".join(str(bit) for bit in bits) + "]"


def _results_v2(shots: list[list[int]]) -> dict[str, Any]:
    counts: dict[tuple[int, ...], int] = {}
    for row in shots:
        counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    histogram = [
        {"Outcome": list(key), "Display": _display(list(key)), "Count": counts[key]}
        for key in sorted(counts)
    ]
    return {"DataFormat": MS_RESULTS_V2, "Results": [{"Histogram": histogram, "Shots": shots}]}


def _results_v1(shots: list[list[int]]) -> dict[str, Any]:
    counts: dict[tuple[int, ...], int] = {}
    for row in shots:
        counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    flat: list[Any] = []
    for key in sorted(counts):
        flat.extend([_display(list(key)), counts[key] / len(shots)])
    return {"Histogram": flat}


def _prepare_estimate(program: Any, input_params: Mapping[str, Any], formats: Any) -> Any:
    from airflow_quantum_emulator.sim.errors import SimulationError
    from airflow_quantum_emulator.sim.estimator import estimate

    if input_params.get("shots") is not None:
        raise formats.InputError("the resource estimator runs no shots: remove inputParams.shots")
    items = input_params.get("items")
    common = {
        k: v for k, v in input_params.items() if k not in ("items", "entryPoint", "arguments")
    }
    if items is not None:
        if (
            not isinstance(items, list)
            or not items
            or not all(isinstance(i, Mapping) for i in items)
        ):
            raise formats.InputError("inputParams.items must be a non-empty list of objects")
        batches = [{**common, **item} for item in items]
    else:
        batches = [common]
    try:  # check every item now, so a bad parameter is a 400, not a failed job
        documents = [estimate(program.counts, params) for params in batches]
    except SimulationError as exc:
        raise formats.InputError(f"Invalid estimator parameters: {exc}") from None

    def compute() -> Any:
        return documents if items is not None else documents[0]

    return formats.PreparedJob(formats.guarded(compute), usage={"estimates": len(documents)})
