"""State-vector simulation of bound circuits (numpy complex128).

Basis states are indexed like Qiskit: qubit 0 is the least significant bit of the index. Only
the qubits a circuit actually touches are simulated ("compaction"): a transpiled circuit that
declares ``$0..$155`` but uses two of them costs a 2-qubit simulation; idle qubits stay |0>.

A circuit whose qubits fall into parts no gate connects is sampled part by part
(:mod:`.components`): a product state's shots are the parts' shots side by side.

Sampling: when every measurement is terminal (its qubit is not used afterwards) the final
distribution is computed once and all shots are drawn from it. Otherwise the circuit is run as
a tree of trajectories: at each mid-circuit measurement or reset the shots still on a branch are
split binomially between the two outcomes and each outcome is followed once, so the work grows
with the number of distinct measurement histories (at most ``shots``), not with ``shots``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from airflow_quantum_emulator.sim.circuit import BoundCircuit, BoundGate, BoundOperation, Measure
from airflow_quantum_emulator.sim.circuit import Reset as ResetOp
from airflow_quantum_emulator.sim.components import combine, independent_parts
from airflow_quantum_emulator.sim.errors import SimulationError

MAX_QUBITS = 24
MAX_SHOTS = 10_000_000
#: Upper bound of (measurement histories) x 2**qubits for circuits with mid-circuit measurement.
MAX_TRAJECTORY_WORK = 2e8
#: Upper bound of the work actually done following histories, in amplitude updates; each
#: operation also counts _STEP_OVERHEAD for its Python overhead (about 10 s in all).
MAX_TREE_WORK = 2e9
_STEP_OVERHEAD = 2048
_ZERO_PROBABILITY = 1e-14


@dataclass(frozen=True)
class _ZeroBit:
    """The measurement of a qubit no gate has touched yet: the bit is 0."""

    clbit: tuple[str, int]


@dataclass
class _Program:
    """A bound circuit restricted to its active qubits (renumbered 0..n-1)."""

    active: tuple[int, ...]  # global index of each simulated qubit
    operations: list[BoundOperation | _ZeroBit]

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
    program = _compile(bound, max_qubits)
    operations = program.operations
    if drop_measurements:
        operations = [op for op in operations if not isinstance(op, (Measure, _ZeroBit))]
    head = operations[: _terminal_split(operations)]
    if any(isinstance(op, (Measure, ResetOp)) for op in head):
        raise SimulationError(
            "a final state needs a circuit without mid-circuit measurements or resets"
        )
    psi = _initial_state(program.num_qubits)
    for op in operations:
        if isinstance(op, BoundGate):
            psi = _apply_gate(psi, op)
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
    shots = _check_shots(shots)
    rng = rng if rng is not None else np.random.default_rng()
    parts = independent_parts(bound)
    if parts is not None:
        return combine(bound, shots, parts, lambda part: _sample_one(part, shots, rng, max_qubits))
    return _sample_one(bound, shots, rng, max_qubits)


def _sample_one(
    bound: BoundCircuit, shots: int, rng: np.random.Generator, max_qubits: int | None
) -> dict[str, np.ndarray]:
    """``sample_memory`` of a circuit simulated as a whole."""
    program = _compile(bound, max_qubits)
    ops = program.operations
    split = _terminal_split(ops)
    events = sum(isinstance(op, (Measure, ResetOp)) for op in ops[:split])
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
    stack: list[tuple[int, np.ndarray, int, dict[tuple[str, int], int]]] = [
        (0, _initial_state(program.num_qubits), shots, {})
    ]
    while stack:
        pos, psi, count, record = stack.pop()
        while pos < split:
            op = ops[pos]
            pos += 1
            work += step_cost
            if work > MAX_TREE_WORK:
                raise SimulationError(
                    "following the mid-circuit measurements exceeds the emulator's simulation "
                    "budget; use fewer shots, operations or qubits"
                )
            if isinstance(op, BoundGate):
                psi = _apply_gate(psi, op)
                continue
            if isinstance(op, _ZeroBit):
                record = {**record, op.clbit: 0}
                continue
            p1 = _probability_of_one(psi, op.qubit)
            p1 = 0.0 if p1 < _ZERO_PROBABILITY else 1.0 if p1 > 1 - _ZERO_PROBABILITY else p1
            ones = int(rng.binomial(count, p1))
            branches = [(outcome, n) for outcome, n in ((0, count - ones), (1, ones)) if n]
            if len(branches) == 2:
                branches.sort(key=lambda branch: branch[1])
                outcome, n = branches[1]
                other = _collapse(psi.copy(), op, outcome, p1)
                stack.append((pos, other, n, _recorded(record, op, outcome)))
            outcome, count = branches[0]
            psi = _collapse(psi, op, outcome, p1)
            record = _recorded(record, op, outcome)
        for (name, bit), value in record.items():
            memory[name][row : row + count, bit] = value
        _sample_tail(psi, ops[split:], count, rng, memory, row)
        row += count
    if events:  # the histories were laid out one after the other: shuffle the shots
        order = rng.permutation(shots)
        memory = {name: bits[order] for name, bits in memory.items()}
    return memory


# -- preparation --------------------------------------------------------------------------------


def _check_shots(shots: object) -> int:
    if isinstance(shots, bool) or not isinstance(shots, Integral):
        raise SimulationError(f"shots must be an integer, got {shots!r}")
    if not 1 <= shots <= MAX_SHOTS:
        raise SimulationError(f"shots must be between 1 and {MAX_SHOTS}, got {shots}")
    return int(shots)


def _compile(bound: BoundCircuit, max_qubits: int | None) -> _Program:
    """Renumber the qubits gates act on 0..n-1; the others are |0> and need no simulation.

    Until a gate touches it, resetting a qubit does nothing and measuring it gives 0.
    """
    touched: set[int] = set()
    kept: list[BoundOperation | _ZeroBit] = []
    for op in bound.operations:
        if isinstance(op, BoundGate):
            touched.update(op.qubits)
            kept.append(op)
        elif op.qubit in touched:
            kept.append(op)
        elif isinstance(op, Measure) and op.clbit is not None:
            kept.append(_ZeroBit(op.clbit))
    active = tuple(sorted(touched))
    limit = MAX_QUBITS if max_qubits is None else max_qubits
    if len(active) > limit:
        raise SimulationError(
            f"circuit uses {len(active)} qubits; the emulator simulates at most {limit}"
        )
    index = {qubit: i for i, qubit in enumerate(active)}
    operations: list[BoundOperation | _ZeroBit] = []
    for op in kept:
        if isinstance(op, BoundGate):
            operations.append(
                BoundGate(
                    op.matrix,
                    tuple(index[q] for q in op.targets),
                    tuple(index[q] for q in op.controls),
                    op.ctrl_states,
                )
            )
        elif isinstance(op, Measure):
            operations.append(Measure(index[op.qubit], op.clbit))
        elif isinstance(op, ResetOp):
            operations.append(ResetOp(index[op.qubit]))
        else:
            operations.append(op)
    return _Program(active, operations)


def _terminal_split(ops: list[BoundOperation | _ZeroBit]) -> int:
    """The smallest i such that ops[i:] has no reset and measures no qubit used afterwards."""
    used_later: set[int] = set()
    split = len(ops)
    for i in range(len(ops) - 1, -1, -1):
        op = ops[i]
        if isinstance(op, ResetOp):
            break
        if isinstance(op, _ZeroBit):
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


def _initial_state(num_qubits: int) -> np.ndarray:
    psi = np.zeros((2,) * num_qubits, dtype=np.complex128)
    psi[(0,) * num_qubits] = 1.0
    return psi


def _apply_gate(psi: np.ndarray, gate: BoundGate) -> np.ndarray:
    n = psi.ndim
    if not gate.controls:
        return _apply_matrix(psi, gate.matrix, [n - 1 - t for t in gate.targets])
    index: list[int | slice] = [slice(None)] * n
    for control, state in zip(gate.controls, gate.ctrl_states, strict=True):
        index[n - 1 - control] = state
    removed = sorted(n - 1 - c for c in gate.controls)
    axes = [(n - 1 - t) - sum(r < n - 1 - t for r in removed) for t in gate.targets]
    subspace = (*index, ...)  # the trailing ... keeps even a single amplitude a view
    block = psi[subspace]  # where every control matches
    result = _apply_matrix(block, gate.matrix, axes)
    if result is not block:
        psi[subspace] = result
    return psi


def _apply_matrix(tensor: np.ndarray, matrix: np.ndarray, axes: list[int]) -> np.ndarray:
    """Apply a little-endian matrix whose j-th target qubit lives on tensor axis ``axes[j]``.

    Works in place (and returns ``tensor``) for up to two targets; larger gates use tensordot
    and return a new array.
    """
    k = len(axes)
    if k == 0:
        tensor *= matrix[0, 0]
        return tensor
    if k > 2:
        # matrix.reshape: axes (out_{k-1} .. out_0, in_{k-1} .. in_0), highest target first.
        state_axes = axes[::-1]
        result = np.tensordot(
            matrix.reshape((2,) * (2 * k)), tensor, axes=(range(k, 2 * k), state_axes)
        )
        return np.moveaxis(result, range(k), state_axes)
    # Small gates: combine the 2**k sub-blocks where the targets have fixed values.
    blocks = []
    for j in range(2**k):
        index: list[int | slice] = [slice(None)] * tensor.ndim
        for bit, axis in enumerate(axes):
            index[axis] = (j >> bit) & 1
        blocks.append((*index, ...))
    if not np.any(matrix - np.diag(np.diagonal(matrix))):  # diagonal: phases only
        for j, index in enumerate(blocks):
            if matrix[j, j] != 1:
                tensor[index] *= matrix[j, j]
        return tensor
    old = [tensor[index].copy() for index in blocks]
    for i, index in enumerate(blocks):
        out = tensor[index]
        terms = [(matrix[i, j], old[j]) for j in range(len(blocks)) if matrix[i, j] != 0]
        np.multiply(terms[0][1], terms[0][0], out=out)
        for coefficient, block in terms[1:]:
            out += coefficient * block
    return tensor


def _slice(psi: np.ndarray, qubit: int, value: int) -> tuple[int | slice, ...]:
    index: list[int | slice] = [slice(None)] * psi.ndim
    index[psi.ndim - 1 - qubit] = value
    return tuple(index)


def _probability_of_one(psi: np.ndarray, qubit: int) -> float:
    block = psi[_slice(psi, qubit, 1)]
    total = float(np.vdot(psi, psi).real)
    return float(np.vdot(block, block).real) / total if total else 0.0


def _collapse(psi: np.ndarray, op: Measure | ResetOp, outcome: int, p1: float) -> np.ndarray:
    """Project ``op.qubit`` on ``outcome`` (in place), renormalise, then apply a reset's flip."""
    probability = p1 if outcome else 1.0 - p1
    psi[_slice(psi, op.qubit, 1 - outcome)] = 0
    psi /= math.sqrt(probability)
    if isinstance(op, ResetOp) and outcome:
        psi[_slice(psi, op.qubit, 0)] = psi[_slice(psi, op.qubit, 1)]
        psi[_slice(psi, op.qubit, 1)] = 0
    return psi


def _recorded(
    record: dict[tuple[str, int], int], op: Measure | ResetOp, outcome: int
) -> dict[tuple[str, int], int]:
    if isinstance(op, Measure) and op.clbit is not None:
        return {**record, op.clbit: outcome}
    return record


def _sample_tail(
    psi: np.ndarray,
    tail: list[BoundOperation | _ZeroBit],
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
                psi = _apply_gate(psi, op)
        samples = sample_indices(np.abs(psi.reshape(-1)) ** 2, count, rng)
    for op in tail:  # in program order: a later measurement into a bit overwrites it
        if isinstance(op, _ZeroBit):
            name, bit = op.clbit
            memory[name][row : row + count, bit] = 0
        elif isinstance(op, Measure) and op.clbit is not None:
            name, bit = op.clbit
            memory[name][row : row + count, bit] = (samples >> op.qubit) & 1


def sample_indices(probabilities: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``count`` basis indices from (not necessarily normalised) probabilities."""
    cumulative = np.cumsum(probabilities)
    cumulative /= cumulative[-1]
    draws = np.searchsorted(cumulative, rng.random(count), side="right")
    return np.minimum(draws, len(probabilities) - 1).astype(np.int64)
