"""Rigetti's Quil (``rigetti.quil.v1``), translated line by line into OpenQASM 3 and parsed.

Supported: ``DECLARE name BIT[n]`` / ``REAL[n]`` (also ``OCTET``/``INTEGER`` read-out regions),
the standard gates ``I H X Y Z S T RX RY RZ PHASE CNOT CZ CCNOT SWAP ISWAP CPHASE`` with
``DAGGER`` and ``CONTROLLED`` modifiers, ``MEASURE q [region[i]]``, ``RESET [q]``, ``PRAGMA``
(ignored), ``HALT`` at the end and ``#`` comments. Qubits are integers (physical qubits ``$q``);
parameters are expressions of numbers, ``pi`` and ``REAL`` memory (``theta[1]``), which become
OpenQASM ``input`` parameters named ``theta_1`` so that ``substitutions`` bind them per run.
``DEFGATE``, ``DEFCIRCUIT``, classical control flow and Quil-T are refused with a SimulationError.
"""

from __future__ import annotations

import re

from airflow_quantum_emulator.sim.circuit import Circuit
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError
from airflow_quantum_emulator.sim.qasm import parse_qasm

#: Quil gate -> (OpenQASM gate, number of qubits, number of parameters)
_GATES: dict[str, tuple[str, int, int]] = {
    "I": ("id", 1, 0),
    "H": ("h", 1, 0),
    "X": ("x", 1, 0),
    "Y": ("y", 1, 0),
    "Z": ("z", 1, 0),
    "S": ("s", 1, 0),
    "T": ("t", 1, 0),
    "RX": ("rx", 1, 1),
    "RY": ("ry", 1, 1),
    "RZ": ("rz", 1, 1),
    "PHASE": ("p", 1, 1),
    "CNOT": ("cx", 2, 0),
    "CZ": ("cz", 2, 0),
    "CCNOT": ("ccx", 3, 0),
    "SWAP": ("swap", 2, 0),
    "ISWAP": ("iswap", 2, 0),
    "CPHASE": ("cp", 2, 1),
}
_REFUSED = (
    "DEFGATE",
    "DEFCIRCUIT",
    "DEFFRAME",
    "DEFWAVEFORM",
    "DEFCAL",
    "LABEL",
    "JUMP",
    "JUMP-WHEN",
    "JUMP-UNLESS",
    "WAIT",
    "PULSE",
    "CAPTURE",
    "DELAY",
    "FENCE",
    "MOVE",
    "ADD",
    "SUB",
    "MUL",
    "DIV",
    "LOAD",
    "STORE",
    "CONVERT",
    "EXCHANGE",
    "NOT",
    "AND",
    "IOR",
    "XOR",
    "NEG",
    "EQ",
    "GT",
    "GE",
    "LT",
    "LE",
    "INCLUDE",
)
_DECLARE = re.compile(r"^DECLARE\s+([A-Za-z_][\w-]*)\s+(BIT|REAL|OCTET|INTEGER)(?:\[(\d+)\])?$")
_GATE = re.compile(r"^((?:(?:DAGGER|CONTROLLED)\s+)*)([A-Z]+)(?:\((.*)\))?\s+([\d\s]+)$")
_MEASURE = re.compile(r"^MEASURE\s+(\d+)(?:\s+([A-Za-z_][\w-]*)(?:\[(\d+)\])?)?$")
_MEMORY = re.compile(r"\b([A-Za-z_][\w]*)(?:\[(\d+)\])?")


def parse_quil(source: str) -> Circuit:
    """Parse a Quil program into a :class:`Circuit` whose parameters are ``region_index``."""
    reals: dict[str, int] = {}
    bits: dict[str, int] = {}
    body: list[str] = []
    qubits: set[int] = set()
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("PRAGMA") or line == "HALT":
            continue
        try:
            body.extend(_statement(line, reals, bits, qubits))
        except SimulationError as exc:
            raise SimulationError(f"line {number}: {exc}") from None
    if not body:
        raise SimulationError("the program has no instructions")
    header = ["OPENQASM 3.0;", 'include "stdgates.inc";']
    header += [f"input float[64] {name}_{i};" for name, size in reals.items() for i in range(size)]
    header += [f"bit[{size}] {name};" for name, size in bits.items()]
    try:
        return parse_qasm("\n".join(header + body))
    except QasmError as exc:
        raise SimulationError(f"the program cannot run: {exc.reason}") from None


def _statement(line: str, reals: dict[str, int], bits: dict[str, int], qubits: set[int]):
    word = line.split()[0]
    if word in _REFUSED:
        raise SimulationError(f"{word} is not supported by the emulator's Quil reader")
    declare = _DECLARE.match(line)
    if declare:
        name, kind, size = declare[1], declare[2], int(declare[3] or 1)
        if name in reals or name in bits:
            raise SimulationError(f"memory region {name!r} is declared twice")
        (reals if kind == "REAL" else bits)[name] = size
        return []
    measure = _MEASURE.match(line)
    if measure:
        qubit = int(measure[1])
        qubits.add(qubit)
        if measure[2] is None:
            return [f"measure ${qubit};"]
        region, index = measure[2], int(measure[3] or 0)
        if region not in bits:
            raise SimulationError(f"MEASURE into {region!r}: declare it as BIT first")
        if index >= bits[region]:
            raise SimulationError(f"{region}[{index}] is outside {region} (size {bits[region]})")
        return [f"{region}[{index}] = measure ${qubit};"]
    if word == "RESET":
        rest = line.split()[1:]
        targets = [int(q) for q in rest] if rest else sorted(qubits)
        return [f"reset ${q};" for q in targets]
    gate = _GATE.match(line)
    if not gate or gate[2] not in _GATES:
        raise SimulationError(f"cannot read {line[:60]!r}")
    modifiers, name, params, operands = gate[1].split(), gate[2], gate[3], gate[4].split()
    qasm_name, arity, n_params = _GATES[name]
    controls = modifiers.count("CONTROLLED")
    arguments = [a.strip() for a in params.split(",")] if params else []
    if len(arguments) != n_params:
        raise SimulationError(f"{name} takes {n_params} parameter(s), got {len(arguments)}")
    if len(operands) != arity + controls:
        raise SimulationError(f"{line[:40]!r} needs {arity + controls} qubit(s)")
    targets = [int(q) for q in operands]
    if len(set(targets)) != len(targets):
        raise SimulationError(f"{line[:40]!r} uses a qubit twice")
    qubits.update(targets)
    prefix = "".join("inv @ " if m == "DAGGER" else "ctrl @ " for m in modifiers)
    angle = f"({', '.join(_expression(a, reals) for a in arguments)})" if arguments else ""
    return [f"{prefix}{qasm_name}{angle} {', '.join(f'${q}' for q in targets)};"]


def _expression(text: str, reals: dict[str, int]) -> str:
    """A Quil parameter as an OpenQASM expression (``theta[1]`` → ``theta_1``)."""

    def memory(match: re.Match[str]) -> str:
        name, index = match[1], int(match[2] or 0)
        if name.lower() == "pi" and match[2] is None:
            return "pi"
        if name in ("sin", "cos", "sqrt", "exp", "cis"):
            return name
        if name not in reals:
            raise SimulationError(f"{name!r} in a parameter is not a declared REAL region")
        if index >= reals[name]:
            raise SimulationError(f"{name}[{index}] is outside {name} (size {reals[name]})")
        return f"{name}_{index}"

    if not re.fullmatch(r"[\w\s\.\+\-\*/\(\)\[\]]+", text):
        raise SimulationError(f"cannot read the parameter {text[:40]!r}")
    return _MEMORY.sub(memory, text.replace("^", "**"))
