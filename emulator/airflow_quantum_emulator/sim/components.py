"""Independent parts of a circuit: sets of qubits no multi-qubit gate connects.

A circuit whose qubits fall into parts that never interact is in a product state: each part can
be simulated on its own and the shots drawn for each combined, which is the same distribution as
simulating them together. That keeps the state vector at the size of the largest *entangled*
part: a transpiled 156-qubit circuit that twirls every qubit's measurement but entangles two of
them costs a 2-qubit simulation and 154 one-qubit ones, not 2**156 amplitudes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from airflow_quantum_emulator.sim.circuit import (
    BoundCircuit,
    BoundIfElse,
    Circuit,
    GateOp,
    IfElse,
    Measure,
    Store,
)


class _Groups:
    """Union-find over qubit indices."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, qubit: int) -> int:
        self.parent.setdefault(qubit, qubit)
        root = qubit
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[qubit] != root:
            self.parent[qubit], qubit = root, self.parent[qubit]
        return root

    def join(self, qubits: Sequence[int]) -> None:
        first = self.find(qubits[0])
        for qubit in qubits[1:]:
            self.parent[self.find(qubit)] = first


def _qubits(op: object) -> tuple[int, ...]:
    qubits = getattr(op, "qubits", None)
    return tuple(qubits) if qubits is not None else (op.qubit,)  # type: ignore[attr-defined]


def _grouped(operations: Iterable[object]) -> _Groups:
    groups = _Groups()
    for op in operations:
        qubits = _qubits(op)
        if qubits:
            groups.join(qubits)
    return groups


def largest_part(circuit: Circuit) -> int:
    """Qubits of the largest set of the circuit's qubits that its gates connect (touched only).

    A dynamic circuit's classical control ties its qubits together: all of them count then.
    """
    if circuit.is_dynamic:
        return len(_all_qubits(circuit.operations))
    gates = [op for op in circuit.operations if isinstance(op, GateOp)]
    groups = _grouped(gates)
    sizes: dict[int, int] = {}
    for qubit in {q for op in gates for q in op.qubits}:
        root = groups.find(qubit)
        sizes[root] = sizes.get(root, 0) + 1
    return max(sizes.values(), default=0)


@dataclass(frozen=True)
class Part:
    """One independent part of a bound circuit, and the classical bits it writes."""

    circuit: BoundCircuit
    clbits: frozenset[tuple[str, int]]


def _all_qubits(operations: Iterable[object]) -> set[int]:
    used: set[int] = set()
    for op in operations:
        if isinstance(op, IfElse):
            used |= _all_qubits(op.then_ops) | _all_qubits(op.else_ops)
        elif not isinstance(op, Store):
            used.update(_qubits(op))
    return used


def independent_parts(bound: BoundCircuit) -> list[Part] | None:
    """The circuit's independent parts, or None when it has one, parts share a clbit, or
    classical control (an ``if``, a store) ties them."""
    if any(isinstance(op, BoundIfElse | Store) for op in bound.operations):
        return None
    groups = _grouped(bound.operations)
    operations: dict[int, list] = {}
    writes: dict[int, set[tuple[str, int]]] = {}
    for op in bound.operations:
        root = groups.find(_qubits(op)[0])
        operations.setdefault(root, []).append(op)
        if isinstance(op, Measure) and op.clbit is not None:
            writes.setdefault(root, set()).add(op.clbit)
    if len(operations) < 2:
        return None
    written = [clbit for clbits in writes.values() for clbit in clbits]
    if len(written) != len(set(written)):  # two parts write one bit: their order matters
        return None
    return [
        Part(
            BoundCircuit(bound.num_qubits, dict(bound.clbit_registers), ops),
            frozenset(writes.get(root, ())),
        )
        for root, ops in operations.items()
    ]


def combine(
    bound: BoundCircuit,
    shots: int,
    parts: list[Part],
    sample: Callable[[BoundCircuit], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """The memory of ``bound``: each part sampled on its own, its bits side by side."""
    memory = {
        name: np.zeros((shots, size), dtype=np.uint8)
        for name, size in bound.clbit_registers.items()
    }
    for part in parts:
        sampled = sample(part.circuit)
        for name, bit in part.clbits:
            memory[name][:, bit] = sampled[name][:, bit]
    return memory
