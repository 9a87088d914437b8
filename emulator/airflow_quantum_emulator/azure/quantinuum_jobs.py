"""Quantinuum OpenQASM 2 jobs (``honeywell.openqasm.v1`` → ``honeywell.quantum-results.v1``).

The result maps each classical register to one bit string per shot, its highest bit first
(``{"c": ["01", "11", ...]}``).
"""

from __future__ import annotations

import numpy as np

from airflow_quantum_emulator.azure.format_support import (
    check_width,
    gate_counts,
    guarded,
    shots_param,
    text_input,
)
from airflow_quantum_emulator.azure.formats import InputError, JobInput, PreparedJob, register
from airflow_quantum_emulator.azure.targets import QUANTINUUM_INPUT
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.sampling import sample_memory


@register(QUANTINUUM_INPUT)
def prepare_quantinuum(job: JobInput) -> PreparedJob:
    target = job.target
    # An OpenQASM job writes Quantinuum's own format (QIR jobs write Microsoft's).
    job.require_output(target.default_output_format)
    source = text_input(job.data, "OpenQASM program")
    try:
        circuit = parse_qasm(source)
    except SimulationError as exc:
        raise InputError(f"Invalid OpenQASM program: {exc}") from None
    if circuit.parameters:
        raise InputError(
            "the program declares input parameters "
            f"({', '.join(circuit.parameters)}); {target.id} needs a program with values"
        )
    limit = job.qubit_limit
    check_width(circuit.num_qubits, limit, target.id, "program")
    shots = shots_param(job.params, ("count", "shots"), target.max_shots)
    try:
        bound = circuit.bind(())
    except SimulationError as exc:
        raise InputError(f"Invalid OpenQASM program: {exc}") from None

    def compute() -> dict[str, list[str]]:
        memory = sample_memory(bound, shots, np.random.default_rng(job.seed), max_qubits=limit)
        # Quantinuum writes each register's bits most significant (highest index) first.
        return {
            register: ["".join(str(int(bit)) for bit in row[::-1]) for row in bits]
            for register, bits in memory.items()
        }

    return PreparedJob(
        guarded(compute),
        quantum_computing_count=1,
        usage={"shots": shots, "qubits": circuit.num_qubits, **gate_counts(circuit)},
    )
