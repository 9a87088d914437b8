"""Base-profile QIR (``qir.v1``), read with ``pyqir`` into a :class:`~.circuit.Circuit`.

The input is LLVM bitcode (``BC\\xc0\\xde``) or its text form. The entry point (the function
with the ``entry_point`` attribute, or the one ``entryPoint`` names) is walked in order:

- ``__quantum__qis__<gate>__body`` / ``__adj``: ``h x y z s t`` (and adjoints), ``rx ry rz``,
  ``cnot``/``cx``, ``cz``, ``cy``, ``ccx``, ``swap``, ``rxx ryy rzz``, ``reset``;
- ``__quantum__qis__mz__body`` / ``m__body`` / ``mresetz__body`` (qubit, result);
- ``__quantum__rt__result_record_output`` (and the ``array``/``tuple`` headers): which
  results the job reports, in order; without any, every result in index order;
- ``__quantum__rt__initialize`` and other recording calls are ignored.

Qubits and results are static (``inttoptr (i64 n to ptr)``, null for 0). Branching on
results, dynamic allocation and entry-point arguments belong to the adaptive/full profiles and
are refused with a SimulationError that says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from airflow_quantum_emulator.sim.circuit import Circuit, GateOp, Measure, Reset
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.expr import const

BITCODE_MAGIC = b"BC\xc0\xde"
RESULT_REGISTER = "r"
MAX_QIR_QUBITS = 10_000

# QIS name -> (base gate, number of controls, number of angle arguments)
_GATES: dict[str, tuple[str, int, int]] = {
    **{name: (name, 0, 0) for name in ("h", "x", "y", "z", "s", "t")},
    "s__adj": ("sdg", 0, 0),
    "t__adj": ("tdg", 0, 0),
    "rx": ("rx", 0, 1),
    "ry": ("ry", 0, 1),
    "rz": ("rz", 0, 1),
    "cnot": ("x", 1, 0),
    "cx": ("x", 1, 0),
    "cy": ("y", 1, 0),
    "cz": ("z", 1, 0),
    "ccx": ("x", 2, 0),
    "swap": ("swap", 0, 0),
    "rxx": ("rxx", 0, 1),
    "ryy": ("ryy", 0, 1),
    "rzz": ("rzz", 0, 1),
}
_MEASURES = ("mz", "m", "mresetz")
_IGNORED_RT = (
    "initialize",
    "array_record_output",
    "tuple_record_output",
    "bool_record_output",
    "int_record_output",
    "double_record_output",
)


@dataclass
class LogicalCounts:
    """What the resource estimator counts in a program (its ``logicalCounts``)."""

    num_qubits: int = 0
    t_count: int = 0
    rotation_count: int = 0
    rotation_depth: int = 0
    ccz_count: int = 0
    ccix_count: int = 0
    measurement_count: int = 0

    def as_wire(self) -> dict[str, int]:
        return {
            "numQubits": self.num_qubits,
            "tCount": self.t_count,
            "rotationCount": self.rotation_count,
            "rotationDepth": self.rotation_depth,
            "cczCount": self.ccz_count,
            "ccixCount": self.ccix_count,
            "measurementCount": self.measurement_count,
        }


@dataclass
class QirProgram:
    """A base-profile program: its circuit, the results it reports, and its logical counts."""

    entry_point: str
    circuit: Circuit
    outputs: list[int]
    counts: LogicalCounts = field(default_factory=LogicalCounts)


def parse_qir(data: bytes, entry_point: str | None = None) -> QirProgram:
    """Read QIR bitcode or text; raises SimulationError saying what cannot be run."""
    try:
        import pyqir
    except ImportError as exc:  # pragma: no cover - pyqir is part of the emulator extra
        raise SimulationError("QIR needs pyqir (pip install airflow-quantum-emulator)") from exc
    context = pyqir.Context()
    try:
        if data.startswith(BITCODE_MAGIC):
            module = pyqir.Module.from_bitcode(context, data)
        else:
            module = pyqir.Module.from_ir(context, data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SimulationError(f"the QIR is not valid LLVM bitcode or text: {exc}") from None
    function = _entry_point(pyqir, module, entry_point)
    if function.params:
        raise SimulationError(
            f"the entry point {function.name!r} takes arguments: base-profile QIR takes none"
        )
    return _Reader(pyqir, function).read()


def _entry_point(pyqir: Any, module: Any, wanted: str | None) -> Any:
    entries = [f for f in module.functions if pyqir.is_entry_point(f)]
    if wanted:
        named = [f for f in module.functions if f.name == wanted and f.basic_blocks]
        if not named:
            found = ", ".join(f.name for f in entries) or "none"
            raise SimulationError(f"no entry point named {wanted!r} (entry points: {found})")
        return named[0]
    if len(entries) != 1:
        raise SimulationError(
            f"the module has {len(entries)} entry points; name one with inputParams.entryPoint"
        )
    return entries[0]


class _Reader:
    def __init__(self, pyqir: Any, function: Any) -> None:
        self.pyqir = pyqir
        self.function = function
        self.ops: list[Any] = []
        self.recorded: list[int] = []
        self.max_qubit = -1
        self.max_result = -1
        self.counts = LogicalCounts()
        self._depth: dict[int, int] = {}

    def read(self) -> QirProgram:
        pyqir = self.pyqir
        for block in self.function.basic_blocks:
            for instruction in block.instructions:
                opcode = instruction.opcode
                if opcode == pyqir.Opcode.CALL:
                    self._call(instruction)
                elif opcode == pyqir.Opcode.BR and len(instruction.operands) > 1:
                    raise SimulationError(
                        "the program branches (adaptive profile); the emulator runs "
                        "base-profile QIR only"
                    )
                elif opcode not in (pyqir.Opcode.BR, pyqir.Opcode.RET):
                    raise SimulationError(
                        f"instruction {opcode.name.lower()!r} is not base-profile QIR"
                    )
        declared = self._attribute("required_num_qubits")
        num_qubits = max(self.max_qubit + 1, declared or 0, 1)
        num_results = max(self.max_result + 1, self._attribute("required_num_results") or 0)
        if num_qubits > MAX_QIR_QUBITS:
            raise SimulationError(f"the program uses {num_qubits} qubits (limit {MAX_QIR_QUBITS})")
        circuit = Circuit(
            num_qubits=num_qubits,
            clbit_registers={RESULT_REGISTER: max(num_results, 1)},
            operations=self.ops,
        )
        self.counts.num_qubits = num_qubits
        self.counts.rotation_depth = max(self._depth.values(), default=0)
        outputs = self.recorded if self.recorded else list(range(num_results))
        return QirProgram(self.function.name, circuit, outputs, self.counts)

    def _attribute(self, name: str) -> int | None:
        reader = {
            "required_num_qubits": self.pyqir.required_num_qubits,
            "required_num_results": self.pyqir.required_num_results,
        }[name]
        value = reader(self.function)
        return int(value) if value is not None else None

    def _call(self, call: Any) -> None:
        callee = call.callee.name
        if callee.startswith("__quantum__qis__"):
            self._qis(callee.removeprefix("__quantum__qis__"), call.args)
        elif callee.startswith("__quantum__rt__"):
            name = callee.removeprefix("__quantum__rt__")
            if name == "result_record_output":
                self.recorded.append(self._result(call.args[0]))
            elif name not in _IGNORED_RT:
                raise SimulationError(
                    f"runtime call {callee!r} is not base-profile QIR (dynamic allocation, "
                    "result reading and arrays need the adaptive or full profile)"
                )
        else:
            raise SimulationError(f"call to {callee!r}: base-profile QIR calls only QIS functions")

    def _qis(self, name: str, args: list[Any]) -> None:
        stem = name.removesuffix("__body").removesuffix("__adj")
        adjoint = name.endswith("__adj")
        if stem in _MEASURES:
            qubit, result = self._qubit(args[0]), self._result(args[1])
            self.ops.append(Measure(qubit, (RESULT_REGISTER, result)))
            if stem == "mresetz":
                self.ops.append(Reset(qubit))
            self.counts.measurement_count += 1
            return
        if stem == "read_result":
            raise SimulationError(
                "the program reads a measurement result (adaptive profile); the emulator runs "
                "base-profile QIR only"
            )
        if stem == "reset":
            self.ops.append(Reset(self._qubit(args[0])))
            return
        key = f"{stem}__adj" if adjoint and stem in ("s", "t") else stem
        if key not in _GATES or (adjoint and key == stem and stem not in ("rx", "ry", "rz")):
            raise SimulationError(
                f"QIS gate '__quantum__qis__{name}' is not supported by the emulator"
            )
        base, controls, angles = _GATES[key]
        params = tuple(self._angle(a) for a in args[:angles])
        if adjoint and angles:
            params = tuple(-p for p in params)
        qubits = [self._qubit(a) for a in args[angles:]]
        if len(set(qubits)) != len(qubits):
            raise SimulationError(f"{name}: a qubit appears twice")
        self.ops.append(
            GateOp(
                base,
                tuple(const(p) for p in params),
                tuple(qubits[controls:]),
                tuple(qubits[:controls]),
            )
        )
        self._count(stem, params, qubits)

    def _count(self, stem: str, params: tuple[float, ...], qubits: list[int]) -> None:
        counts = self.counts
        if stem == "t":
            counts.t_count += 1
        elif stem == "ccx":
            counts.ccz_count += 1
        elif stem in ("rx", "ry", "rz", "rxx", "ryy", "rzz"):
            kind = _rotation_kind(params[0])
            if kind == "t":
                counts.t_count += 1
            elif kind == "rotation":
                counts.rotation_count += 1
                layer = 1 + max(self._depth.get(q, 0) for q in qubits)
                for q in qubits:
                    self._depth[q] = layer

    def _qubit(self, value: Any) -> int:
        index = self._static(value, "qubit")
        self.max_qubit = max(self.max_qubit, index)
        return index

    def _result(self, value: Any) -> int:
        index = self._static(value, "result")
        self.max_result = max(self.max_result, index)
        return index

    def _static(self, value: Any, what: str) -> int:
        index = self.pyqir.ptr_id(value)
        if index is None:
            raise SimulationError(
                f"a {what} is not a static id (dynamic allocation is not base profile)"
            )
        return int(index)

    def _angle(self, value: Any) -> float:
        number = getattr(value, "value", None)
        if not isinstance(number, float) or not math.isfinite(number):
            raise SimulationError("rotation angles must be finite constants in base-profile QIR")
        return number


def _rotation_kind(theta: float) -> str:
    """``clifford`` (a multiple of pi/2), ``t`` (an odd multiple of pi/4: a T gate up to
    Cliffords) or ``rotation`` (needs synthesis from T gates), as the estimator counts them."""
    eighths = theta / (math.pi / 4)
    if not math.isclose(eighths, round(eighths), abs_tol=1e-9):
        return "rotation"
    return "clifford" if round(eighths) % 2 == 0 else "t"
