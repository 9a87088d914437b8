"""Rigetti Quil jobs (``rigetti.quil.v1`` → ``rigetti.quil-results.v1``).

Input parameters as the official client's Rigetti target sends them: ``shots`` (``count`` is
accepted too) and ``substitutions`` (``{region: [[values of run 1], [values of run 2], ...]}``):
the program runs once per substitution set, ``shots`` times each. The result maps each
declared read-out region to one row per shot, in region index order (``{"ro": [[0, 1], ...]}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.targets import RIGETTI_OUTPUT, Target


def prepare_rigetti(
    target: Target,
    output_format: str,
    data: bytes,
    input_params: Mapping[str, Any],
    seed: int,
    max_qubits: int,
) -> Any:
    """Validate a Quil job; returns the formats module's ``PreparedJob``."""
    from airflow_quantum_emulator.azure import formats
    from airflow_quantum_emulator.sim.errors import SimulationError
    from airflow_quantum_emulator.sim.quil import parse_quil

    if output_format != RIGETTI_OUTPUT:
        raise formats.InputError(
            f"a Quil job on {target.id} writes {RIGETTI_OUTPUT}, not {output_format[:60]!r} "
            "(QIR jobs write microsoft.quantum-results.v2)"
        )
    try:
        circuit = parse_quil(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise formats.InputError(f"the Quil program is not valid UTF-8: {exc}") from None
    except SimulationError as exc:
        raise formats.InputError(f"Invalid Quil program: {exc}") from None
    limit = min(max_qubits, target.max_qubits or max_qubits)
    shots = formats.shots_param(input_params, ("shots", "count"))
    runs = _parameter_sets(circuit.parameters, input_params.get("substitutions"), formats)
    try:
        bound = [circuit.bind(values) for values in runs]
    except SimulationError as exc:
        raise formats.InputError(f"Invalid Quil program: {exc}") from None

    def compute() -> dict[str, list[list[int]]]:
        from airflow_quantum_emulator.sim.statevector import sample_memory

        rng = np.random.default_rng(seed)
        rows: dict[str, list[list[int]]] = {name: [] for name in circuit.clbit_registers}
        for each in bound:
            memory = sample_memory(each, shots, rng, max_qubits=limit)
            for name, bits in memory.items():
                rows[name].extend([int(bit) for bit in row] for row in bits)
        return rows

    usage = {"shots": shots * len(runs), "qubits": circuit.num_qubits}
    usage.update(formats.gate_counts(circuit))
    return formats.PreparedJob(formats.guarded(compute), quantum_computing_count=1, usage=usage)


def _parameter_sets(parameters: list[str], substitutions: Any, formats: Any) -> list[list[float]]:
    """One list of values (in ``parameters`` order, ``region_index``) per run."""
    if not parameters:
        if substitutions:
            raise formats.InputError("inputParams.substitutions given, but no REAL is declared")
        return [[]]
    if not isinstance(substitutions, Mapping) or not substitutions:
        raise formats.InputError(
            f"the program declares parameters ({', '.join(parameters)}): give their values in "
            "inputParams.substitutions"
        )
    lengths = {len(v) for v in substitutions.values() if isinstance(v, list)}
    if len(lengths) != 1 or len(substitutions) != sum(
        isinstance(v, list) for v in substitutions.values()
    ):
        raise formats.InputError("every substitutions region needs the same number of value lists")
    runs = []
    for run in range(lengths.pop()):
        values: dict[str, float] = {}
        for region, vectors in substitutions.items():
            vector = vectors[run]
            if not isinstance(vector, list) or not all(
                isinstance(v, Real) and not isinstance(v, bool) for v in vector
            ):
                raise formats.InputError(f"substitutions.{region}[{run}] must be a list of numbers")
            values.update({f"{region}_{i}": float(v) for i, v in enumerate(vector)})
        missing = [p for p in parameters if p not in values]
        if missing:
            raise formats.InputError(f"substitutions give no value for {', '.join(missing)}")
        runs.append([values[p] for p in parameters])
    return runs
