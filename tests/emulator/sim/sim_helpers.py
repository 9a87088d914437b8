"""Helpers shared by the simulation-core tests."""

from __future__ import annotations

import numpy as np

from airflow_quantum_emulator.sim.circuit import BoundCircuit, BoundGate
from airflow_quantum_emulator.sim.gates import gate_matrix
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.statevector import final_state

HEADER = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n'


def unitary(source: str, values=()) -> np.ndarray:
    """The unitary of a measurement-free program, column k = image of basis state k."""
    bound = parse_qasm(source).bind(values)
    n = bound.num_qubits
    x = gate_matrix("x")
    columns = []
    for k in range(2**n):
        flips = [BoundGate(x, (q,)) for q in range(n) if (k >> q) & 1]
        prepared = BoundCircuit(n, bound.clbit_registers, flips + bound.operations)
        # Touch every qubit so that compaction keeps the full register.
        ids = [BoundGate(gate_matrix("id"), (q,)) for q in range(n)]
        prepared.operations = ids + prepared.operations
        columns.append(final_state(prepared))
    return np.array(columns).T


def same_up_to_phase(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two matrices are equal up to a global phase."""
    index = np.unravel_index(np.argmax(np.abs(a)), a.shape)
    if abs(b[index]) < 1e-12:
        return False
    phase = a[index] / b[index]
    return bool(np.allclose(a, phase * b, atol=1e-9)) and abs(abs(phase) - 1) < 1e-9
