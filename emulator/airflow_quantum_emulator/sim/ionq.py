"""IonQ's ``ionq.circuit.v1`` JSON circuits (Azure Quantum) and their exact histograms.

QIS gate set: ``x`` (``not``) ``y z h s si t ti v vi`` (``v`` = sqrt(X)), ``rx ry rz`` with
``rotation`` in radians, ``cnot``, ``swap``, ``xx yy zz`` (``rotation``), and any gate with
``control``/``controls``. Native gate set: ``gpi`` and ``gpi2`` (``phase`` in turns), ``ms``
(``phases`` in turns, optional ``angle`` in turns, default 0.25 = fully entangling) and ``zz``
(``angle`` in turns: exp(-i pi angle Z@Z)). Every qubit is measured at the end into register ``c``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np

from airflow_quantum_emulator.sim.circuit import Circuit, GateOp, Measure
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.expr import const
from airflow_quantum_emulator.sim.statevector import compact_state, expand_indices

MAX_IONQ_QUBITS = 1_000
MAX_IONQ_GATES = 1_000_000

# name -> (base gate, number of targets, parameter field or None)
_QIS_GATES: dict[str, tuple[str, int, str | None]] = {
    **{name: (name, 1, None) for name in ("x", "y", "z", "h", "s", "t")},
    "not": ("x", 1, None),
    "si": ("sdg", 1, None),
    "ti": ("tdg", 1, None),
    "v": ("sx", 1, None),
    "vi": ("sxdg", 1, None),
    "rx": ("rx", 1, "rotation"),
    "ry": ("ry", 1, "rotation"),
    "rz": ("rz", 1, "rotation"),
    "cnot": ("x", 1, None),
    "swap": ("swap", 2, None),
    "xx": ("rxx", 2, "rotation"),
    "yy": ("ryy", 2, "rotation"),
    "zz": ("rzz", 2, "rotation"),
}
_NATIVE_GATES: dict[str, tuple[str, int, str | None]] = {
    "gpi": ("ionq_gpi", 1, "phase"),
    "gpi2": ("ionq_gpi2", 1, "phase"),
    "ms": ("ionq_ms", 2, None),
    "zz": ("ionq_zz", 2, "angle"),
}


def parse_ionq_circuit(payload: Mapping) -> Circuit:
    """Parse an ``ionq.circuit.v1`` payload; raises SimulationError naming the bad gate."""
    if not isinstance(payload, Mapping):
        raise SimulationError("an IonQ circuit must be a JSON object")
    if "circuit" not in payload and isinstance(payload.get("input"), Mapping):
        payload = payload["input"]
    num_qubits = payload.get("qubits")
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, Integral):
        raise SimulationError("'qubits' must be an integer")
    if not 1 <= num_qubits <= MAX_IONQ_QUBITS:
        raise SimulationError(f"'qubits' must be between 1 and {MAX_IONQ_QUBITS}")
    num_qubits = int(num_qubits)
    gateset = payload.get("gateset", "qis")
    if gateset not in ("qis", "native"):
        raise SimulationError(f"'gateset' must be 'qis' or 'native', got {gateset!r:.40}")
    gates = payload.get("circuit")
    if not isinstance(gates, list):
        raise SimulationError("'circuit' must be a list of gates")
    if len(gates) > MAX_IONQ_GATES:
        raise SimulationError(f"the circuit has more than {MAX_IONQ_GATES} gates")
    operations: list = []
    for i, gate in enumerate(gates):
        operations.extend(_gate(gate, i, num_qubits, gateset))
    operations.extend(Measure(q, ("c", q)) for q in range(num_qubits))
    return Circuit(
        num_qubits=num_qubits,
        qubit_registers={"q": list(range(num_qubits))},
        clbit_registers={"c": num_qubits},
        operations=operations,
    )


def ionq_probabilities(circuit: Circuit) -> dict[int, float]:
    """Exact basis-state probabilities > 1e-12 (qubit 0 = least significant), 12 digits."""
    psi, active = compact_state(circuit.bind(()), drop_measurements=True)
    probabilities = np.abs(psi) ** 2
    nonzero = np.flatnonzero(probabilities > 1e-12)
    keys = expand_indices(nonzero, active)
    return {
        int(key): round(float(p), 12) for key, p in zip(keys, probabilities[nonzero], strict=True)
    }


def _gate(gate: object, i: int, num_qubits: int, gateset: str) -> list[GateOp]:
    where = f"circuit[{i}]"
    if not isinstance(gate, Mapping) or not isinstance(gate.get("gate"), str):
        raise SimulationError(f"{where} must be an object with a 'gate' name")
    name = gate["gate"].lower()
    table = _NATIVE_GATES if gateset == "native" else _QIS_GATES
    if name not in table:
        raise SimulationError(f"{where}: unknown {gateset} gate {gate['gate']!r:.40}")
    base, arity, field = table[name]
    targets = _qubits(gate, "target", "targets", where, num_qubits)
    controls = _qubits(gate, "control", "controls", where, num_qubits)
    if not targets:
        raise SimulationError(f"{where}: {name} needs 'target' or 'targets'")
    if name == "cnot" and not controls:
        raise SimulationError(f"{where}: cnot needs a 'control'")
    if gateset == "native" and controls:
        raise SimulationError(f"{where}: native gates cannot be controlled")
    if arity == 2 and len(targets) != 2:
        raise SimulationError(f"{where}: {name} needs exactly two targets")
    if set(targets) & set(controls):
        raise SimulationError(f"{where}: a qubit is both control and target")
    if name == "ms":
        params = (*_phases(gate, where), _number(gate, "angle", where, default=0.25))
    elif field is not None:
        params = (_number(gate, field, where),)
    else:
        params = ()
    exprs = tuple(const(p) for p in params)
    groups = [tuple(targets)] if arity == 2 else [(t,) for t in targets]
    return [GateOp(base, exprs, group, tuple(controls)) for group in groups]


def _qubits(gate: Mapping, single: str, plural: str, where: str, num_qubits: int) -> list[int]:
    values: list[object] = []
    if single in gate:
        values.append(gate[single])
    if plural in gate:
        if not isinstance(gate[plural], list):
            raise SimulationError(f"{where}: '{plural}' must be a list of qubit indices")
        values.extend(gate[plural])
    for value in values:
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise SimulationError(f"{where}: qubit indices must be integers, got {value!r:.40}")
        if not 0 <= value < num_qubits:
            raise SimulationError(f"{where}: qubit {value} is out of range (0..{num_qubits - 1})")
    if len(set(values)) != len(values):
        raise SimulationError(f"{where}: repeated qubit in '{single}'/'{plural}'")
    return [int(v) for v in values]


def _number(gate: Mapping, field: str, where: str, default: float | None = None) -> float:
    value = gate.get(field, default)
    if value is None:
        raise SimulationError(f"{where}: {gate['gate']} needs a numeric '{field}'")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SimulationError(f"{where}: '{field}' must be a finite number")
    return float(value)


def _phases(gate: Mapping, where: str) -> tuple[float, float]:
    phases = gate.get("phases")
    if not isinstance(phases, list) or len(phases) != 2:
        raise SimulationError(f"{where}: ms needs 'phases', a list of two numbers (turns)")
    values = []
    for phase in phases:
        if isinstance(phase, bool) or not isinstance(phase, Real) or not math.isfinite(phase):
            raise SimulationError(f"{where}: 'phases' must be finite numbers")
        values.append(float(phase))
    return values[0], values[1]
