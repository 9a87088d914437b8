"""Rigetti Quil jobs (``rigetti.quil.v1`` → ``rigetti.quil-results.v1``).

Input parameters as the official client's Rigetti target sends them: ``shots`` (``count`` is
accepted too) and ``substitutions`` (``{region: [[values of run 1], [values of run 2], ...]}``):
the program runs once per substitution set, ``shots`` times each. The result maps each
declared read-out region to one row per shot, in region index order (``{"ro": [[0, 1], ...]}``).

A program the QVM cannot run fails the job with ``InvalidInputData`` "QVM reported a problem
running your program: ..." (recorded real jobs).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np

from airflow_quantum_emulator.azure.format_support import (
    gate_counts,
    guarded,
    shots_param,
    text_input,
)
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, register
from airflow_quantum_emulator.azure.targets import RIGETTI_INPUT, RIGETTI_OUTPUT
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.quil import parse_quil
from airflow_quantum_emulator.sim.sampling import sample_memory

#: How the service's QVM words a program it cannot run.
QVM_PROBLEM = "QVM reported a problem running your program: "


@register(RIGETTI_INPUT)
def prepare_rigetti(job: JobInput) -> PreparedJob:
    # A Quil job writes Rigetti's own format (QIR jobs write Microsoft's).
    job.require_output(RIGETTI_OUTPUT)
    source = text_input(job.data, "Quil program")
    try:
        circuit = parse_quil(source)
    except SimulationError as exc:
        raise InputError(f"{QVM_PROBLEM}{exc}") from None
    limit = job.qubit_limit  # of active qubits: the simulation refuses more (job failure)
    shots = shots_param(job.params, ("shots", "count"), job.target.max_shots)
    runs = _parameter_sets(circuit.parameters, job.params.get("substitutions"))
    try:
        bound = [circuit.bind(values) for values in runs]
    except SimulationError as exc:
        raise InputError(f"{QVM_PROBLEM}{exc}") from None

    def compute() -> dict[str, list[list[int]]]:
        rng = np.random.default_rng(job.seed)
        rows: dict[str, list[list[int]]] = {name: [] for name in circuit.clbit_registers}
        for each in bound:
            memory = sample_memory(each, shots, rng, max_qubits=limit)
            for name, bits in memory.items():
                rows[name].extend([int(bit) for bit in row] for row in bits)
        return rows

    usage = {"shots": shots * len(runs), "qubits": circuit.num_qubits, **gate_counts(circuit)}
    return PreparedJob(guarded(compute, QVM_PROBLEM), quantum_computing_count=1, usage=usage)


def _parameter_sets(parameters: list[str], substitutions: Any) -> list[list[float]]:
    """One list of values (in ``parameters`` order, ``region_index``) per run."""
    if not parameters:
        if substitutions:
            raise InputError("inputParams.substitutions given, but no REAL is declared")
        return [[]]
    if not isinstance(substitutions, Mapping) or not substitutions:
        raise InputError(
            f"the program declares parameters ({', '.join(parameters)}): give their values in "
            "inputParams.substitutions"
        )
    lengths = {len(v) for v in substitutions.values() if isinstance(v, list)}
    if len(lengths) != 1 or len(substitutions) != sum(
        isinstance(v, list) for v in substitutions.values()
    ):
        raise InputError("every substitutions region needs the same number of value lists")
    runs = []
    for run in range(lengths.pop()):
        values: dict[str, float] = {}
        for region, vectors in substitutions.items():
            vector = vectors[run]
            if not isinstance(vector, list) or not all(
                isinstance(v, Real) and not isinstance(v, bool) for v in vector
            ):
                raise InputError(f"substitutions.{region}[{run}] must be a list of numbers")
            values.update({f"{region}_{i}": float(v) for i, v in enumerate(vector)})
        missing = [p for p in parameters if p not in values]
        if missing:
            raise InputError(f"substitutions give no value for {', '.join(missing)}")
        runs.append([values[p] for p in parameters])
    return runs
