"""Circuit representation shared by the QASM and IonQ front ends and the simulator.

A :class:`Circuit` is a list of operations on global qubit indices (user gates are already
inlined, ``for`` loops unrolled); dynamic circuits add :class:`IfElse` (two blocks of operations,
one run depending on classical bits) and :class:`Store` (an integer variable takes a register's
value). Gate angles are :mod:`expressions <airflow_quantum_emulator.sim.expr>` of the circuit's
``input`` parameters; :meth:`Circuit.bind` turns it into a :class:`BoundCircuit` of matrices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.expr import Expr
from airflow_quantum_emulator.sim.gates import gate_matrix


@dataclass(frozen=True)
class GateOp:
    """``base(*params) ** power`` on ``targets``, applied where every control matches its state.

    ``ctrl_states[i]`` is 1 for a ``ctrl`` qubit (acts on |1>) and 0 for ``negctrl`` (on |0>).
    """

    base: str
    params: tuple[Expr, ...]
    targets: tuple[int, ...]
    controls: tuple[int, ...] = ()
    ctrl_states: tuple[int, ...] = ()
    power: int = 1

    def __post_init__(self) -> None:
        if not self.ctrl_states and self.controls:
            object.__setattr__(self, "ctrl_states", (1,) * len(self.controls))

    @property
    def qubits(self) -> tuple[int, ...]:
        """Control and target qubits."""
        return self.controls + self.targets


@dataclass(frozen=True)
class Measure:
    """Measure ``qubit`` in the Z basis into ``clbit`` = (register name, bit index), or discard."""

    qubit: int
    clbit: tuple[str, int] | None


@dataclass(frozen=True)
class Reset:
    """Reset ``qubit`` to |0>."""

    qubit: int


@dataclass(frozen=True)
class Barrier:
    """A barrier: no effect on the simulation."""

    qubits: tuple[int, ...]


@dataclass(frozen=True)
class Condition:
    """Bits ``bits`` of ``register`` read as an integer (``bits[0]`` least significant): true
    when it is one of ``values`` (or, with ``negate``, when it is not). Unmeasured bits are 0."""

    register: str
    bits: tuple[int, ...]
    values: frozenset[int]
    negate: bool = False

    def holds(self, record: Mapping[tuple[str, int], int]) -> bool:
        value = sum(record.get((self.register, bit), 0) << k for k, bit in enumerate(self.bits))
        return (value in self.values) != self.negate


@dataclass(frozen=True)
class IfElse:
    """``if (condition) { then_ops } else { else_ops }`` (a ``switch`` is a chain of them)."""

    condition: Condition
    then_ops: tuple[Operation, ...]
    else_ops: tuple[Operation, ...] = ()


@dataclass(frozen=True)
class Store:
    """The classical variable ``target`` takes the value of register ``source`` (``size`` bits)."""

    target: str
    source: str
    size: int


Operation = GateOp | Measure | Reset | Barrier | IfElse | Store


@dataclass(frozen=True)
class Instruction:
    """One instruction as the program wrote it (before user gates are inlined).

    ``name`` is the gate's own name (``h``, ``cz``, a user-defined gate's name), with any
    modifiers in front (``ctrl @ x``), or ``measure``, ``reset``, ``delay``. This is what a
    backend's instruction set (ISA) is checked against.
    """

    name: str
    qubits: tuple[int, ...]
    line: int | None = None


@dataclass(frozen=True)
class BoundGate:
    """A gate with a concrete matrix (over ``targets``, little-endian)."""

    matrix: np.ndarray
    targets: tuple[int, ...]
    controls: tuple[int, ...] = ()
    ctrl_states: tuple[int, ...] = ()

    @property
    def qubits(self) -> tuple[int, ...]:
        """Control and target qubits."""
        return self.controls + self.targets


@dataclass(frozen=True)
class BoundIfElse:
    """An :class:`IfElse` whose blocks are bound."""

    condition: Condition
    then_ops: tuple[BoundOperation, ...]
    else_ops: tuple[BoundOperation, ...] = ()


BoundOperation = BoundGate | Measure | Reset | BoundIfElse | Store


@dataclass
class BoundCircuit:
    """A circuit whose parameters have values: what the simulator runs (barriers dropped)."""

    num_qubits: int
    clbit_registers: dict[str, int]
    operations: list[BoundOperation]


@dataclass
class Circuit:
    """A quantum circuit.

    ``qubit_registers`` maps register names to global qubit indices; ``clbit_registers`` maps
    classical register names to sizes, in declaration order. Circuits addressing physical qubits
    (``$3``) have no qubit registers and ``uses_physical_qubits`` set: their ``num_qubits`` is one
    more than the highest physical qubit mentioned.
    """

    num_qubits: int
    qubit_registers: dict[str, list[int]] = field(default_factory=dict)
    clbit_registers: dict[str, int] = field(default_factory=dict)
    parameters: list[str] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    uses_physical_qubits: bool = False
    #: The program's instructions as written, for instruction-set checks (barriers left out).
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def num_clbits(self) -> int:
        """Total number of classical bits."""
        return sum(self.clbit_registers.values())

    def bind(self, values: Sequence[float] | Mapping[str, float] | np.ndarray = ()) -> BoundCircuit:
        """Give the ``input`` parameters values (in :attr:`parameters` order, or by name)."""
        operations = _bound(self.operations, self.environment(values))
        return BoundCircuit(self.num_qubits, dict(self.clbit_registers), operations)

    @property
    def is_dynamic(self) -> bool:
        """Whether classical bits decide what runs (an ``if`` or a ``switch``)."""
        return any(isinstance(op, IfElse | Store) for op in self.operations)

    def environment(self, values: object) -> dict[str, float]:
        """The value of each ``input`` parameter, from values in order or by name."""
        if isinstance(values, Mapping):
            missing = [p for p in self.parameters if p not in values]
            if missing:
                raise SimulationError(f"no value for parameter(s) {', '.join(missing)}")
            raw = [values[p] for p in self.parameters]
        else:
            try:
                raw = list(np.asarray(values, dtype=float).reshape(-1))
            except (TypeError, ValueError):
                raise SimulationError("parameter values must be real numbers") from None
            if len(raw) != len(self.parameters):
                raise SimulationError(
                    f"circuit has {len(self.parameters)} parameter(s), got {len(raw)} value(s)"
                )
        env: dict[str, float] = {}
        for parameter, value in zip(self.parameters, raw, strict=True):
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise SimulationError(f"value of parameter {parameter!r} is not a number") from None
            if not math.isfinite(number):
                raise SimulationError(f"value of parameter {parameter!r} is not finite")
            env[parameter] = number
        return env


def _bound(operations: Sequence[Operation], env: Mapping[str, float]) -> list[BoundOperation]:
    bound: list[BoundOperation] = []
    for op in operations:
        if isinstance(op, GateOp):
            params = tuple(expr.evaluate(env) for expr in op.params)
            matrix = gate_matrix(op.base, params, op.power)
            bound.append(BoundGate(matrix, op.targets, op.controls, op.ctrl_states))
        elif isinstance(op, IfElse):
            then_ops, else_ops = _bound(op.then_ops, env), _bound(op.else_ops, env)
            bound.append(BoundIfElse(op.condition, tuple(then_ops), tuple(else_ops)))
        elif not isinstance(op, Barrier):
            bound.append(op)
    return bound
