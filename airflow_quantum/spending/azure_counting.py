"""Counting the gates of an Azure Quantum program, for the price rules that bill by gate: an
IonQ document, OpenQASM 2 text statement by statement, QIR's ``__quantum__qis__`` calls as
written (a loop or a branch counted once; bitcode needs ``pyqir``). No full parser.

Each gives one-qubit gates, multi-qubit gates, measurements (with resets: Quantinuum's "state
preparation and measurement" operations) and the two-qubit gates IonQ bills: a gate on ``N > 2``
qubits is billed as ``6 * (N - 2)`` two-qubit gates (Azure Quantum pricing page, IonQ section).
A program that cannot be counted raises ``CannotCount`` saying why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from airflow_quantum.clients.azure.inputs import BITCODE_MAGIC

#: QIR operations that read a qubit into a result, or prepare it again.
_QIR_SPAM = frozenset({"m", "mz", "mresetz", "measure", "reset"})
_QIR_CALL = re.compile(r"\bcall\b[^@]*@__quantum__qis__(\w+?)__(body|adj|ctl|ctladj)\s*\(")
_QASM_SKIP = ("openqasm", "include", "creg", "barrier", "opaque")


class CannotCount(ValueError):
    """The program's gates cannot be counted here (the message says why)."""


@dataclass(frozen=True)
class GateCounts:
    """Gates of one program (one shot).

    ``ionq_two_qubit`` is what IonQ bills as two-qubit gates (``6 * (N - 2)`` for a gate on
    ``N > 2`` qubits); ``multi_qubit`` counts every gate on two or more qubits once.
    """

    one_qubit: int = 0
    multi_qubit: int = 0
    measurements: int = 0
    ionq_two_qubit: int = 0

    def add(self, qubits: int, times: int = 1) -> GateCounts:
        """These counts plus ``times`` gates on ``qubits`` qubits."""
        if qubits <= 1:
            return replace(self, one_qubit=self.one_qubit + times)
        billed = times * (1 if qubits == 2 else 6 * (qubits - 2))
        multi, ionq = self.multi_qubit + times, self.ionq_two_qubit + billed
        return replace(self, multi_qubit=multi, ionq_two_qubit=ionq)

    def measured(self, times: int = 1) -> GateCounts:
        return replace(self, measurements=self.measurements + times)

    def as_dict(self) -> dict[str, int]:
        return {
            "one_qubit_gates": self.one_qubit,
            "multi_qubit_gates": self.multi_qubit,
            "measurements": self.measurements,
            "ionq_billed_two_qubit_gates": self.ionq_two_qubit,
        }


def _qubits(gate: Mapping[str, Any], single: str, plural: str) -> int:
    count = 1 if gate.get(single) is not None else 0
    many = gate.get(plural)
    return count + (len(many) if isinstance(many, list | tuple) else 0)


def ionq_counts(circuit: Any) -> GateCounts:
    """Counts of an ``ionq.circuit.v1`` document or gate list (IonQ measures every qubit).

    A gate with ``targets`` and no controls on a one-qubit gate (``{"gate": "h", "targets":
    [0, 1]}``) is one gate per target; ``swap``, ``xx``, ``ms``... act on their two targets; a
    controlled gate acts on its controls and its target.
    """
    gates = circuit.get("circuit") if isinstance(circuit, Mapping) else circuit
    if isinstance(gates, str | bytes) or not isinstance(gates, Iterable):
        raise CannotCount("the IonQ circuit is not a list of gates")
    counts = GateCounts()
    for index, gate in enumerate(gates):
        if not isinstance(gate, Mapping) or not isinstance(gate.get("gate"), str):
            raise CannotCount(f"circuit[{index}] is not a gate object")
        targets = _qubits(gate, "target", "targets")
        controls = _qubits(gate, "control", "controls")
        if targets == 0:
            raise CannotCount(f"circuit[{index}] names no target qubit")
        if gate["gate"].lower() in _IONQ_TWO_TARGET:
            counts = counts.add(controls + targets)
        else:  # a one-qubit gate (maybe controlled), applied to each target
            counts = counts.add(controls + 1, targets)
    return counts


_IONQ_TWO_TARGET = frozenset({"swap", "xx", "yy", "zz", "ms"})


def _split_call(statement: str) -> tuple[str, str]:
    """``("cx", "q[0],q[1]")`` of ``cx q[0],q[1]``; parameters in parentheses are skipped."""
    match = re.match(r"([A-Za-z_]\w*)\s*", statement)
    if match is None:
        raise CannotCount(f"cannot read the statement {statement[:40]!r}")
    name, rest = match.group(1), statement[match.end() :]
    if rest.startswith("("):
        depth = 0
        for position, char in enumerate(rest):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                rest = rest[position + 1 :]
                break
        else:
            raise CannotCount(f"unbalanced parentheses in {statement[:40]!r}")
    return name, rest.strip()


def _width(argument: str, registers: dict[str, int]) -> int:
    """Qubits one argument names: 1 for ``q[3]``, the register's size for ``q``."""
    argument = argument.strip()
    if re.fullmatch(r"[A-Za-z_]\w*\s*\[\s*\d+\s*\]", argument):
        return 1
    if argument in registers:
        return registers[argument]
    raise CannotCount(f"unknown qubit argument {argument[:30]!r}")


def qasm2_counts(program: str) -> GateCounts:
    """Counts of an OpenQASM 2 program, as the official client counted them with qiskit.

    Every gate statement is one operation per application (a register argument applies it to
    each of its qubits; a user-defined gate counts once, with its number of qubit arguments);
    ``measure`` and ``reset`` count as measurements; ``barrier`` and declarations count nothing;
    an ``if (...)`` statement counts its gate.
    """
    if not isinstance(program, str):
        raise CannotCount("the OpenQASM program is not text")
    registers: dict[str, int] = {}
    counts = GateCounts()
    text = re.sub(r"//[^\n]*", "", program)
    # Gate definitions are not applications: drop them whole (their bodies never nest braces).
    text = re.sub(r"\bgate\s+[^{]*\{[^}]*\}", ";", text)
    for raw in text.split(";"):
        statement = " ".join(raw.split())
        statement = re.sub(r"^if\s*\([^)]*\)\s*", "", statement)
        if not statement or statement.lower().startswith(_QASM_SKIP):
            continue
        declared = re.fullmatch(r"qreg\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]", statement)
        if declared:
            registers[declared.group(1)] = int(declared.group(2))
            continue
        name, arguments = _split_call(statement)
        if name == "measure":
            counts = counts.measured(_width(arguments.split("->")[0], registers))
        elif name == "reset":
            counts = counts.measured(_width(arguments, registers))
        else:
            widths = [_width(argument, registers) for argument in arguments.split(",")]
            counts = counts.add(len(widths), max(widths))
    return counts


def _qir_text(qir: bytes | str) -> str:
    if isinstance(qir, str):
        return qir
    if not qir.startswith(BITCODE_MAGIC):
        return qir.decode("utf-8", errors="replace")
    try:
        from pyqir import Context, Module
    except ImportError:
        raise CannotCount(
            "cannot count QIR bitcode without pyqir (pip install pyqir); give the LLVM text "
            "form instead"
        ) from None
    try:
        return str(Module.from_bitcode(Context(), qir))
    except Exception as exc:  # pyqir raises plain errors for unreadable bitcode
        raise CannotCount(f"cannot read the QIR bitcode: {exc}") from None


def _arguments(text: str, start: int) -> list[str]:
    """The top-level comma-separated arguments of the call whose ``(`` ends at ``start``."""
    depth, current, found = 1, [], []
    for char in text[start:]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                break
        if char == "," and depth == 1:
            found.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    found.append("".join(current).strip())
    return [argument for argument in found if argument]


def qir_counts(qir: bytes | str) -> GateCounts:
    """Static counts of the ``__quantum__qis__`` calls of a QIR program (LLVM text or bitcode).

    As the official client: an operation on one qubit is a one-qubit gate, on two or more a
    multi-qubit gate, one that writes a result (``mz``, ``m``, ``mresetz``) a measurement;
    ``reset`` counts as a measurement too (state preparation). Qubit arguments are ``%Qubit*``
    or, with opaque pointers, ``ptr``; ``__quantum__rt__`` calls (output recording) are free.
    """
    text = _qir_text(qir)
    counts = GateCounts()
    for match in _QIR_CALL.finditer(text):
        name = match.group(1).lower()
        arguments = _arguments(text, match.end())
        if name in _QIR_SPAM or any(a.startswith("%Result*") for a in arguments):
            counts = counts.measured()
            continue
        qubits = sum(1 for a in arguments if a.startswith(("%Qubit*", "ptr")))
        if qubits == 0:
            raise CannotCount(f"the QIR operation __quantum__qis__{name} names no qubit")
        counts = counts.add(qubits)
    return counts
