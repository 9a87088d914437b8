"""IBM's job validation limits on one circuit: a job holding a circuit over one is refused at
submission (400), before the queue, as the service's job validation does ("Job limits").

The published numbers differ between versions of IBM's page (UNVERIFIED which one the service
applies); the emulator refuses only what every version refuses, taking the most permissive:
two-qubit gates per circuit 400,000 (static) or 100,000 (dynamic: with a condition or a
variable); 2.4 million ``rz`` and 1.6 million ``sx``; 32 million control-system instructions per
qubit (26.8 million in the 2026 version), weighted as the page's table (others count 1). The
wording of the service's refusal was not observed.
"""

from __future__ import annotations

from collections import Counter

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.sim.circuit import Circuit, IfElse, Store

MAX_TWO_QUBIT_GATES = 400_000
MAX_TWO_QUBIT_GATES_DYNAMIC = 100_000
MAX_SINGLE_QUBIT_GATES = {"rz": 2_400_000, "sx": 1_600_000}
MAX_INSTRUCTIONS_PER_QUBIT = 32_000_000
WEIGHTS = {
    "rz": 1, "delay": 1, "sx": 2, "x": 2, "cx": 5, "cz": 5, "ecr": 5, "measure": 10, "reset": 17,
}  # fmt: skip
_NOT_GATES = frozenset({"measure", "reset", "delay", "barrier"})


def problem(circuit: Circuit) -> str | None:
    """Which per-circuit limit ``circuit`` breaks (its instructions as written), or None."""
    names: Counter[str] = Counter()
    per_qubit: Counter[int] = Counter()
    two_qubit = 0
    for instruction in circuit.instructions:
        names[instruction.name] += 1
        if len(instruction.qubits) == 2 and instruction.name not in _NOT_GATES:
            two_qubit += 1
        for qubit in instruction.qubits:
            per_qubit[qubit] += WEIGHTS.get(instruction.name, 1)
    dynamic = any(isinstance(op, IfElse | Store) for op in circuit.operations)
    most = MAX_TWO_QUBIT_GATES_DYNAMIC if dynamic else MAX_TWO_QUBIT_GATES
    if two_qubit > most:
        kind = "dynamic" if dynamic else "static"
        return f"{two_qubit} two-qubit gates; a {kind} circuit may have at most {most}"
    for name, limit in MAX_SINGLE_QUBIT_GATES.items():
        if names[name] > limit:
            return f"{names[name]} {name} gates; a circuit may have at most {limit}"
    if per_qubit:
        qubit, count = per_qubit.most_common(1)[0]
        if count > MAX_INSTRUCTIONS_PER_QUBIT:
            return (
                f"{count} control-system instructions on qubit {qubit}; at most "
                f"{MAX_INSTRUCTIONS_PER_QUBIT} per qubit"
            )
    return None


def check(circuits: list[Circuit]) -> None:
    """The 400 of the first circuit over a limit (``circuits``: the job's, pub by pub)."""
    for index, circuit in enumerate(circuits):
        found = problem(circuit)
        if found is not None:
            raise VendorError(
                400,
                f"Job validation failed: the circuit of pub {index} exceeds the job limits "
                f"({found}).",
            )
