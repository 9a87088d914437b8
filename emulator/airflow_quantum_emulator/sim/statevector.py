"""State-vector simulation of bound circuits (numpy complex128).

Basis states are indexed like Qiskit: qubit 0 is the least significant bit of the index. Only
the qubits a circuit actually touches are simulated ("compaction"): a transpiled circuit that
declares ``$0..$155`` but uses two of them costs a 2-qubit simulation; idle qubits stay |0>.

Shots are drawn by :mod:`.sampling`; this module compiles a bound circuit to its active qubits
and applies gates, measurements and resets to a state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from airflow_quantum_emulator.sim.circuit import (
    BoundCircuit,
    BoundGate,
    BoundIfElse,
    BoundOperation,
    Measure,
    Store,
)
from airflow_quantum_emulator.sim.circuit import Reset as ResetOp
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.library import KERNEL_LOCK

MAX_QUBITS = 24
MAX_SHOTS = 10_000_000


@dataclass(frozen=True)
class ZeroBit:
    """The measurement of a qubit no gate has touched yet: the bit is 0."""

    clbit: tuple[str, int]


@dataclass
class Program:
    """A bound circuit restricted to its active qubits (renumbered 0..n-1)."""

    active: tuple[int, ...]  # global index of each simulated qubit
    operations: list[BoundOperation | ZeroBit]

    @property
    def num_qubits(self) -> int:
        return len(self.active)


def compact_state(
    bound: BoundCircuit, *, drop_measurements: bool = False, max_qubits: int | None = None
) -> tuple[np.ndarray, tuple[int, ...]]:
    """The final state over the active qubits only, and their global indices.

    Terminal measurements are ignored; with ``drop_measurements`` all of them are. Other
    mid-circuit measurements and resets raise SimulationError (no pure final state exists).
    """
    program = compile_program(bound, max_qubits)
    operations = program.operations
    if drop_measurements:
        operations = [op for op in operations if not isinstance(op, (Measure, ZeroBit))]
    head = operations[: terminal_split(operations)]
    if any(isinstance(op, Measure | ResetOp | BoundIfElse | Store) for op in head):
        raise SimulationError(
            "a final state needs a circuit without mid-circuit measurements, resets or "
            "classical control"
        )
    psi = initial_state(program.num_qubits)
    for op in operations:
        if isinstance(op, BoundGate):
            psi = apply_gate(psi, op)
    return psi.reshape(-1), program.active


def final_state(bound: BoundCircuit, *, max_qubits: int | None = None) -> np.ndarray:
    """The final state vector over all ``bound.num_qubits`` qubits (length 2**num_qubits).

    Terminal measurements are ignored; mid-circuit measurements and resets raise SimulationError.
    """
    limit = MAX_QUBITS if max_qubits is None else max_qubits
    if bound.num_qubits > limit:
        raise SimulationError(
            f"circuit has {bound.num_qubits} qubits; a full state vector is limited to {limit}"
        )
    psi, active = compact_state(bound, max_qubits=max_qubits)
    full = np.zeros(2**bound.num_qubits, dtype=np.complex128)
    full[expand_indices(np.arange(psi.size), active)] = psi
    return full


def expand_indices(indices: np.ndarray, active: tuple[int, ...]) -> np.ndarray:
    """Map basis indices over the active qubits to indices over all qubits (idle qubits 0)."""
    indices = np.asarray(indices, dtype=np.int64)
    if active and max(active) >= 63:
        return np.array(
            [sum(1 << q for j, q in enumerate(active) if (int(k) >> j) & 1) for k in indices],
            dtype=object,
        )
    full = np.zeros_like(indices)
    for j, qubit in enumerate(active):
        full |= ((indices >> j) & 1) << qubit
    return full


# -- preparation --------------------------------------------------------------------------------


def check_shots(shots: object) -> int:
    if isinstance(shots, bool) or not isinstance(shots, Integral):
        raise SimulationError(f"shots must be an integer, got {shots!r}")
    if not 1 <= shots <= MAX_SHOTS:
        raise SimulationError(f"shots must be between 1 and {MAX_SHOTS}, got {shots}")
    return int(shots)


def compile_program(bound: BoundCircuit, max_qubits: int | None) -> Program:
    """Renumber the qubits gates act on 0..n-1; the others are |0> and need no simulation.

    Until a gate touches it, resetting a qubit does nothing and measuring it gives 0. In a
    dynamic circuit (``if``, ``switch``) which gates run depends on the shot: every qubit it
    uses is simulated then.
    """
    dynamic = any(isinstance(op, BoundIfElse | Store) for op in bound.operations)
    touched: set[int] = _used_qubits(bound.operations) if dynamic else set()
    kept: list[BoundOperation | ZeroBit] = []
    for op in bound.operations:
        if isinstance(op, BoundGate):
            touched.update(op.qubits)
            kept.append(op)
        elif isinstance(op, BoundIfElse | Store) or op.qubit in touched:
            kept.append(op)
        elif isinstance(op, Measure) and op.clbit is not None:
            kept.append(ZeroBit(op.clbit))
    active = tuple(sorted(touched))
    limit = MAX_QUBITS if max_qubits is None else max_qubits
    if len(active) > limit:
        raise SimulationError(
            f"circuit uses {len(active)} qubits; the emulator simulates at most {limit}"
        )
    index = {qubit: i for i, qubit in enumerate(active)}
    return Program(active, [_renumbered(op, index) for op in kept])


def _used_qubits(operations: tuple[BoundOperation, ...] | list[BoundOperation]) -> set[int]:
    used: set[int] = set()
    for op in operations:
        if isinstance(op, BoundIfElse):
            used |= _used_qubits(op.then_ops) | _used_qubits(op.else_ops)
        elif isinstance(op, BoundGate):
            used.update(op.qubits)
        elif not isinstance(op, Store):
            used.add(op.qubit)
    return used


def _renumbered(op: BoundOperation | ZeroBit, index: dict[int, int]) -> BoundOperation | ZeroBit:
    if isinstance(op, BoundGate):
        targets = tuple(index[q] for q in op.targets)
        return BoundGate(op.matrix, targets, tuple(index[q] for q in op.controls), op.ctrl_states)
    if isinstance(op, Measure):
        return Measure(index[op.qubit], op.clbit)
    if isinstance(op, ResetOp):
        return ResetOp(index[op.qubit])
    if isinstance(op, BoundIfElse):
        then_ops = tuple(_renumbered(inner, index) for inner in op.then_ops)
        else_ops = tuple(_renumbered(inner, index) for inner in op.else_ops)
        return BoundIfElse(op.condition, then_ops, else_ops)  # type: ignore[arg-type]
    return op


def terminal_split(ops: list[BoundOperation | ZeroBit]) -> int:
    """The smallest i such that ops[i:] has no reset and measures no qubit used afterwards (nor
    a classical decision: an ``if`` or a store, which need the bits of each shot)."""
    used_later: set[int] = set()
    split = len(ops)
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if isinstance(op, ResetOp | BoundIfElse | Store):
            break
        if isinstance(op, ZeroBit):
            pass
        elif isinstance(op, Measure):
            if op.qubit in used_later:
                break
            used_later.add(op.qubit)
        else:
            used_later.update(op.qubits)
        split = i
    return split


# -- state manipulation -------------------------------------------------------------------------
# The state is a tensor of shape (2,) * n; qubit q is axis n - 1 - q (C order = qubit 0 last).


def initial_state(num_qubits: int) -> np.ndarray:
    psi = np.zeros((2,) * num_qubits, dtype=np.complex128)
    psi[(0,) * num_qubits] = 1.0
    return psi


def apply_gate(psi: np.ndarray, gate: BoundGate) -> np.ndarray:
    """``gate`` applied to ``psi`` by amazon-braket-default-simulator's ``multiply_matrix``.

    The library's state has qubit ``k`` on axis ``k`` and big-endian gate matrices; this one has
    qubit ``q`` on axis ``n - 1 - q`` and little-endian matrices, so the targets go in reverse.
    Controls are folded into the matrix (the library's ``controlled_matrix``): its numba path
    for states over 10 qubits refuses the non-contiguous slice a control would select.
    Imported on first use: the library pulls in numba (seconds of CPU).
    """
    from braket.default_simulator.linalg_utils import (
        QuantumGateDispatcher,
        controlled_matrix,
        multiply_matrix,
    )

    n = psi.ndim
    matrix = gate.matrix
    if gate.controls:
        matrix = controlled_matrix(matrix, gate.ctrl_states)
    targets = tuple(n - 1 - q for q in (*gate.controls, *reversed(gate.targets)))
    if not targets:  # an uncontrolled global phase
        return psi * matrix[0, 0]
    dispatcher = QuantumGateDispatcher(n)
    if not dispatcher.use_large:  # numpy only: nothing for the lock to guard
        return multiply_matrix(psi, matrix, targets, dispatcher=dispatcher)
    with KERNEL_LOCK:
        return multiply_matrix(psi, matrix, targets, dispatcher=dispatcher)


def _slice(psi: np.ndarray, qubit: int, value: int) -> tuple[int | slice, ...]:
    index: list[int | slice] = [slice(None)] * psi.ndim
    index[psi.ndim - 1 - qubit] = value
    return tuple(index)


def probability_of_one(psi: np.ndarray, qubit: int) -> float:
    block = psi[_slice(psi, qubit, 1)]
    total = float(np.vdot(psi, psi).real)
    return float(np.vdot(block, block).real) / total if total else 0.0


def collapse(psi: np.ndarray, op: Measure | ResetOp, outcome: int, p1: float) -> np.ndarray:
    """Project ``op.qubit`` on ``outcome`` (in place), renormalise, then apply a reset's flip."""
    probability = p1 if outcome else 1.0 - p1
    psi[_slice(psi, op.qubit, 1 - outcome)] = 0
    psi /= math.sqrt(probability)
    if isinstance(op, ResetOp) and outcome:
        psi[_slice(psi, op.qubit, 0)] = psi[_slice(psi, op.qubit, 1)]
        psi[_slice(psi, op.qubit, 1)] = 0
    return psi


def sample_indices(probabilities: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` basis indices from (not necessarily normalised) probabilities."""
    cumulative = np.cumsum(probabilities)
    cumulative /= cumulative[-1]
    draws = np.searchsorted(cumulative, rng.random(count), side="right")
    return np.minimum(draws, len(probabilities) - 1).astype(np.int64)
