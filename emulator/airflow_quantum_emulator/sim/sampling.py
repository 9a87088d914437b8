"""Shots of a bound circuit: each register's bits per shot.

A circuit whose qubits fall into parts no gate connects is sampled part by part
(:mod:`.components`): a product state's shots are the parts' shots side by side.

When every measurement is terminal (its qubit is not used afterwards) the final distribution is
computed once and all shots are drawn from it. Otherwise the circuit is run as a tree of
trajectories: at each mid-circuit measurement or reset the shots still on a branch are split
binomially between the two outcomes and each outcome is followed once, so the work grows with the
number of distinct measurement histories (at most ``shots``), not with ``shots``. A dynamic
circuit's ``if`` (a ``switch`` is a chain of them) reads the bits its branch has measured and
goes on with the block they select; a store copies a register's bits into a variable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from airflow_quantum_emulator.sim.circuit import (
    BoundCircuit,
    BoundGate,
    BoundIfElse,
    Measure,
    Store,
)
from airflow_quantum_emulator.sim.circuit import Reset as ResetOp
from airflow_quantum_emulator.sim.components import combine, independent_parts
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.statevector import (
    ZeroBit,
    apply_gate,
    check_shots,
    collapse,
    compile_program,
    initial_state,
    probability_of_one,
    sample_indices,
    terminal_split,
)

#: Upper bound of (measurement histories) x 2**qubits for circuits with mid-circuit measurement.
MAX_TRAJECTORY_WORK = 2e8
#: Upper bound of the work actually done following histories, in amplitude updates; each
#: operation also counts _STEP_OVERHEAD for its Python overhead (about 10 s in all).
MAX_TREE_WORK = 2e9
_STEP_OVERHEAD = 2048
_ZERO_PROBABILITY = 1e-14

Record = dict[tuple[str, int], int]


def sample_memory(
    bound: BoundCircuit,
    shots: int,
    rng: np.random.Generator | None = None,
    *,
    max_qubits: int | None = None,
) -> dict[str, np.ndarray]:
    """Run ``shots`` shots; per classical register a uint8 array (shots, size), bit i in column i.

    Classical bits never measured stay 0.
    """
    shots = check_shots(shots)
    rng = rng if rng is not None else np.random.default_rng()
    parts = independent_parts(bound)
    if parts is not None:
        return combine(bound, shots, parts, lambda part: _sample_one(part, shots, rng, max_qubits))
    return _sample_one(bound, shots, rng, max_qubits)


@dataclass
class _Branch:
    """Shots that share one history so far: where they are in which operations, and their state."""

    ops: list
    pos: int
    psi: np.ndarray
    count: int
    record: Record = field(default_factory=dict)


def _sample_one(
    bound: BoundCircuit, shots: int, rng: np.random.Generator, max_qubits: int | None
) -> dict[str, np.ndarray]:
    """``sample_memory`` of a circuit simulated as a whole."""
    program = compile_program(bound, max_qubits)
    ops = program.operations
    events = _events(ops[: terminal_split(ops)])
    if events:
        histories = shots if events >= 63 else min(shots, 2**events)
        if histories * 2.0**program.num_qubits > MAX_TRAJECTORY_WORK:
            raise SimulationError(
                f"mid-circuit measurements on {program.num_qubits} qubits with {shots} shots "
                "exceed the emulator's simulation budget; use fewer shots or qubits"
            )
    memory = {
        name: np.zeros((shots, size), dtype=np.uint8)
        for name, size in bound.clbit_registers.items()
    }
    row, work, step_cost = 0, 0.0, 2.0**program.num_qubits + _STEP_OVERHEAD
    stack = [_Branch(ops, 0, initial_state(program.num_qubits), shots)]
    while stack:
        branch = stack.pop()
        split = terminal_split(branch.ops)
        while branch.pos < split:
            op = branch.ops[branch.pos]
            branch.pos += 1
            work += step_cost
            if work > MAX_TREE_WORK:
                raise SimulationError(
                    "following the mid-circuit measurements exceeds the emulator's simulation "
                    "budget; use fewer shots, operations or qubits"
                )
            if isinstance(op, BoundIfElse):  # go on with the block the bits select
                block = op.then_ops if op.condition.holds(branch.record) else op.else_ops
                branch.ops, branch.pos = [*block, *branch.ops[branch.pos :]], 0
                split = terminal_split(branch.ops)
            elif isinstance(op, BoundGate):
                branch.psi = apply_gate(branch.psi, op)
            elif isinstance(op, ZeroBit):
                branch.record = {**branch.record, op.clbit: 0}
            elif isinstance(op, Store):
                copied = {
                    (op.target, i): branch.record.get((op.source, i), 0) for i in range(op.size)
                }
                branch.record = {**branch.record, **copied}
            else:
                _measure(branch, op, rng, stack)
        for (name, bit), value in branch.record.items():
            if name in memory:  # classical variables are not returned
                memory[name][row : row + branch.count, bit] = value
        _sample_tail(branch.psi, branch.ops[split:], branch.count, rng, memory, row)
        row += branch.count
    if events:  # the histories were laid out one after the other: shuffle the shots
        order = rng.permutation(shots)
        memory = {name: bits[order] for name, bits in memory.items()}
    return memory


def _events(ops: list) -> int:
    """Measurements and resets that split histories (those in ``if`` blocks counted too)."""
    count = 0
    for op in ops:
        if isinstance(op, BoundIfElse):
            count += max(_events(list(op.then_ops)), _events(list(op.else_ops))) + 1
        elif isinstance(op, Measure | ResetOp):
            count += 1
    return count


def _measure(
    branch: _Branch, op: Measure | ResetOp, rng: np.random.Generator, stack: list[_Branch]
) -> None:
    """Split the branch's shots between the two outcomes: the larger share goes on here."""
    p1 = probability_of_one(branch.psi, op.qubit)
    p1 = 0.0 if p1 < _ZERO_PROBABILITY else 1.0 if p1 > 1 - _ZERO_PROBABILITY else p1
    ones = int(rng.binomial(branch.count, p1))
    outcomes = [(outcome, n) for outcome, n in ((0, branch.count - ones), (1, ones)) if n]
    if len(outcomes) == 2:
        outcomes.sort(key=lambda item: item[1])
        outcome, n = outcomes[1]
        other = collapse(branch.psi.copy(), op, outcome, p1)
        stack.append(
            _Branch(branch.ops, branch.pos, other, n, _recorded(branch.record, op, outcome))
        )
    outcome, branch.count = outcomes[0]
    branch.psi = collapse(branch.psi, op, outcome, p1)
    branch.record = _recorded(branch.record, op, outcome)


def _recorded(record: Record, op: Measure | ResetOp, outcome: int) -> Record:
    if isinstance(op, Measure) and op.clbit is not None:
        return {**record, op.clbit: outcome}
    return record


def _sample_tail(
    psi: np.ndarray,
    tail: list,
    count: int,
    rng: np.random.Generator,
    memory: dict[str, np.ndarray],
    row: int,
) -> None:
    """Apply the terminal part of the circuit and write ``count`` samples of its measurements."""
    samples = None
    if any(isinstance(op, Measure) and op.clbit is not None for op in tail):
        for op in tail:
            if isinstance(op, BoundGate):
                psi = apply_gate(psi, op)
        samples = sample_indices(np.abs(psi.reshape(-1)) ** 2, count, rng)
    for op in tail:  # in program order: a later measurement into a bit overwrites it
        if isinstance(op, ZeroBit):
            name, bit = op.clbit
            memory[name][row : row + count, bit] = 0
        elif isinstance(op, Measure) and op.clbit is not None:
            name, bit = op.clbit
            memory[name][row : row + count, bit] = (samples >> op.qubit) & 1
