"""Circuit representation shared by the QASM and IonQ front ends and the simulator.

A :class:`Circuit` is a flat list of operations on global qubit indices (user gates are already
inlined). Gate angles are :mod:`expressions <airflow_quantum_emulator.sim.expr>` of the circuit's
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


Operation = GateOp | Measure | Reset | Barrier


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


BoundOperation = BoundGate | Measure | Reset


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
        env = self.environment(values)
        operations: list[BoundOperation] = []
        for op in self.operations:
            if isinstance(op, GateOp):
                params = tuple(expr.evaluate(env) for expr in op.params)
                matrix = gate_matrix(op.base, params, op.power)
                operations.append(BoundGate(matrix, op.targets, op.controls, op.ctrl_states))
            elif not isinstance(op, Barrier):
                operations.append(op)
        return BoundCircuit(self.num_qubits, dict(self.clbit_registers), operations)

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
