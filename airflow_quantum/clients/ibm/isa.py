"""The ISA check, made before a job is sent: without qiskit, on the OpenQASM 3 the client sends.

IBM backends run only ISA circuits: every instruction in the backend's target (``basis_gates``
plus ``supported_instructions``), every two-qubit gate on a pair of its ``coupling_map``, no
qubit beyond ``n_qubits``. The service accepts other jobs and fails them (code 1517) after
they waited in the queue; the official client refuses them before sending
(``is_isa_circuit``), and so does this one: ``check_pubs`` raises ``NonISACircuitError``
naming the pub, the first offending instruction and its qubits.

``scan`` reads an OpenQASM 2/3 program far enough to list its instructions with the global
indices of their qubits (registers numbered in declaration order, ``$n`` physical). Gate and
subroutine definitions are skipped (a call of a user-defined gate is an instruction of that
name, as the service sees it); statements inside ``if``/``for``/``while`` blocks are checked as
well. QPY-encoded circuits are not checked here.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError

#: Instructions any target accepts on any qubits.
_ALWAYS = frozenset({"barrier"})
#: Statements that declare or configure, and act on no qubit.
_SKIPPED = frozenset(
    {
        "OPENQASM", "include", "input", "output", "const", "let", "bit", "creg", "int", "uint",
        "float", "bool", "angle", "complex", "duration", "stretch", "defcalgrammar", "pragma",
        "#pragma", "return", "break", "continue", "end", "extern",
    }
)  # fmt: skip
_DEFINITIONS = ("gate", "def", "defcal", "cal", "opaque")
_CONTROL_FLOW = {
    "if": "if_else",
    "else": "if_else",
    "for": "for_loop",
    "while": "while_loop",
    "switch": "switch_case",
}
#: Comments, and pragmas and annotations (they end at the end of their line, not at ';').
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/|^[ \t]*(?:#?pragma|@)[^\n]*", re.DOTALL | re.MULTILINE)
_QUBIT_DECL = re.compile(r"^qubit\s*(?:\[\s*(?P<size>\d+)\s*\])?\s+(?P<name>[A-Za-z_]\w*)$")
_QREG_DECL = re.compile(r"^qreg\s+(?P<name>[A-Za-z_]\w*)\s*\[\s*(?P<size>\d+)\s*\]$")
_MODIFIER = re.compile(r"^(ctrl|negctrl|inv|pow)\s*(\([^)]*\))?\s*@\s*")
_OPERAND = re.compile(r"^(\$\d+|[A-Za-z_]\w*)(?:\s*\[\s*(-?\d+)\s*\])?$")

NON_ISA_HINT = (
    "IBM backends run only ISA circuits (since March 2024): transpile the circuit for the "
    "backend first, e.g. optimization_level=1 on the operator or hook (needs "
    "airflow-quantum[qiskit]), or qiskit's generate_preset_pass_manager(target=...)."
)


class NonISACircuitError(InvalidInputError):
    """A circuit is not an ISA circuit of its backend: refused before any job exists."""


@dataclass(frozen=True)
class QasmInstruction:
    """One instruction of a program: its name as written (modifiers in front) and qubits."""

    name: str
    qubits: tuple[int, ...]
    #: The parameter expressions, as written (``rzz(pi/4)`` -> ``("pi/4",)``).
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class BackendTarget:
    """What a backend runs: instruction names, coupled pairs, number of qubits."""

    name: str
    num_qubits: int
    instructions: frozenset[str]
    #: Directed pairs two-qubit gates may act on; None when the backend names no coupling.
    pairs: frozenset[tuple[int, int]] | None
    simulator: bool = False

    @classmethod
    def from_configuration(cls, configuration: Any) -> BackendTarget:
        """The target of ``GET /backends/{name}/configuration`` (an ``IBMBackendConfiguration``)."""
        extras = getattr(configuration, "model_extra", None) or {}
        supported = extras.get("supported_instructions") or ["measure", "reset", "delay"]
        instructions = frozenset([*(configuration.basis_gates or []), *supported])
        coupling = configuration.coupling_map
        pairs = None if coupling is None else frozenset(tuple(p) for p in coupling if len(p) == 2)
        return cls(
            name=configuration.backend_name or "?",
            num_qubits=configuration.n_qubits or 0,
            instructions=instructions,
            pairs=pairs,
            simulator=bool(configuration.simulator),
        )

    def violation(self, program: list[QasmInstruction], num_qubits: int) -> str | None:
        """Why a program of ``num_qubits`` qubits is not ISA here (the first problem), or None."""
        if num_qubits > self.num_qubits:
            return f"the circuit has {num_qubits} qubits but {self.name} has {self.num_qubits}"
        for item in program:
            if item.name in _ALWAYS:
                continue
            where = f"the instruction {item.name} on qubits {_show(item.qubits)}"
            beyond = [q for q in item.qubits if q >= self.num_qubits]
            if beyond:
                return f"{where} uses qubit {beyond[0]}: {self.name} has {self.num_qubits}"
            if item.name not in self.instructions:
                return (
                    f"{where} is not supported by {self.name} "
                    f"(its basis: {', '.join(sorted(self.instructions))})"
                )
            if len(item.qubits) == 2 and self.pairs is not None and item.qubits not in self.pairs:
                return f"{where} is not supported by {self.name}: the qubits are not coupled"
            if item.name == "rzz" and item.params:
                angle = _literal_angle(item.params[0])
                if angle is not None and not 0 <= angle <= math.pi / 2 + 1e-10:
                    return f"{where} has the angle {angle:g}: rzz takes angles in [0, pi/2]"
        return None


def _show(qubits: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, qubits)) + ("," if len(qubits) == 1 else "") + ")"


# ------------------------------------------------------------------------------ scanning


def scan(text: str) -> tuple[list[QasmInstruction], int]:
    """The instructions of an OpenQASM program and its number of qubits.

    Raises ``ValueError`` for a statement it cannot read (the caller then leaves the
    judgement to the service).
    """
    registers: dict[str, list[int]] = {}
    physical = -1
    count = 0
    program: list[QasmInstruction] = []
    for statement in _statements(_COMMENTS.sub(" ", text)):
        keyword = statement.split(None, 1)[0].split("[", 1)[0].split("(", 1)[0]
        if keyword in _SKIPPED or statement.startswith("@"):
            continue
        if keyword in ("qubit", "qreg"):
            match = _QUBIT_DECL.match(statement) or _QREG_DECL.match(statement)
            if match is None:
                raise ValueError(f"unreadable declaration {statement!r}")
            width = int(match["size"] or 1)
            registers[match["name"]] = list(range(count, count + width))
            count += width
            continue
        if keyword in _CONTROL_FLOW.values():
            program.append(QasmInstruction(keyword, ()))
            continue
        for item in _instructions(statement, registers):
            physical = max([physical, *(q for q in item.qubits if q >= 0)])
            program.append(item)
    return program, max(count, physical + 1)


def _statements(text: str) -> Iterator[str]:
    """Statements, with definitions skipped and control-flow headers turned into markers."""
    buffer: list[str] = []
    depth_skip = 0
    for char in text:
        if depth_skip:
            depth_skip += {"{": 1, "}": -1}.get(char, 0)
            continue
        if char == "{":
            header = "".join(buffer).strip()
            buffer = []
            word = header.split(None, 1)[0].split("(", 1)[0] if header else ""
            if word in _DEFINITIONS:
                depth_skip = 1
            elif word in _CONTROL_FLOW:
                yield _CONTROL_FLOW[word]
            elif word not in ("", "box", "case", "default"):
                raise ValueError(f"unreadable block {header[:40]!r}")
        elif char == "}":
            buffer = []
        elif char == ";":
            statement = " ".join("".join(buffer).split())
            buffer = []
            if statement:
                yield statement
        else:
            buffer.append(char)


def _instructions(statement: str, registers: Mapping[str, list[int]]) -> list[QasmInstruction]:
    if "=" in statement and "measure" in statement.split("=", 1)[1]:
        return _each("measure", statement.split("=", 1)[1].strip()[len("measure") :], registers)
    if statement.startswith("measure"):
        return _each("measure", statement[len("measure") :].split("->", 1)[0], registers)
    if "=" in statement:
        return []  # a classical assignment
    if statement.startswith("reset"):
        return _each("reset", statement[len("reset") :], registers)
    if statement.startswith("barrier"):
        return []
    if statement.startswith("delay"):
        return _each("delay", statement.split("]", 1)[1], registers)
    modifiers = []
    rest = statement
    while match := _MODIFIER.match(rest):
        modifiers.append(match.group(1))
        rest = rest[match.end() :]
    name_match = re.match(r"^([A-Za-z_]\w*)\s*", rest)
    if name_match is None:
        raise ValueError(f"unreadable statement {statement[:40]!r}")
    name = " @ ".join([*modifiers, name_match.group(1)])
    after = rest[name_match.end() :]
    rest = _skip_parentheses(after)
    inside = after[1 : len(after) - len(rest) - 1] if after.startswith("(") else ""
    params = tuple(part.strip() for part in inside.split(",") if part.strip())
    operands = [_operand(part.strip(), registers) for part in rest.split(",") if part.strip()]
    width = max((len(o) for o in operands if len(o) > 1), default=1)
    return [
        QasmInstruction(name, tuple(o[i] if len(o) > 1 else o[0] for o in operands), params)
        for i in range(width)
    ]


#: What a literal angle may be made of: numbers, ``pi``, + - * / and parentheses.
_ANGLE_NODES = (
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
)  # fmt: skip


def _literal_angle(text: str) -> float | None:
    """The value of an angle written with numbers and ``pi`` (None for a parameter, say)."""
    try:
        tree = ast.parse(text.replace("π", "pi"), mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if not isinstance(node, _ANGLE_NODES) or (isinstance(node, ast.Name) and node.id != "pi"):
            return None
    try:
        value = eval(compile(tree, "<angle>", "eval"), {"__builtins__": {}}, {"pi": math.pi})
    except (ArithmeticError, TypeError, ValueError):
        return None
    return float(value) if isinstance(value, int | float) else None


def _each(name: str, operands: str, registers: Mapping[str, list[int]]) -> list[QasmInstruction]:
    qubits = [q for part in operands.split(",") if part.strip() for q in _operand(part, registers)]
    return [QasmInstruction(name, (qubit,)) for qubit in qubits]


def _skip_parentheses(text: str) -> str:
    if not text.startswith("("):
        return text
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return text[index + 1 :]
    raise ValueError("unbalanced parentheses")


def _operand(text: str, registers: Mapping[str, list[int]]) -> list[int]:
    match = _OPERAND.match(text.strip())
    if match is None:
        raise ValueError(f"unreadable operand {text.strip()[:40]!r}")
    name, index = match.groups()
    if name.startswith("$"):
        return [int(name[1:])]
    if name not in registers:
        raise ValueError(f"undeclared qubit register {name!r}")
    qubits = registers[name]
    if index is None:
        return list(qubits)
    position = int(index)
    if not -len(qubits) <= position < len(qubits):
        raise ValueError(f"index {position} out of range of {name!r}")
    return [qubits[position]]


# ------------------------------------------------------------------------------ checking


def pub_programs(params: Mapping[str, Any]) -> Iterator[tuple[int, str]]:
    """Each pub's index and its circuit's OpenQASM text, of a primitive's ``params`` (QPY
    circuits are left out: the service checks them)."""
    pubs = params.get("pubs")
    for index, pub in enumerate(pubs if isinstance(pubs, list) else ()):
        circuit = pub[0] if isinstance(pub, list | tuple) and pub else pub
        if isinstance(circuit, str):
            yield index, circuit


def check_pubs(params: Mapping[str, Any], target: BackendTarget) -> None:
    """``NonISACircuitError`` for the first pub whose circuit is not ISA on ``target``."""
    if target.simulator:
        return
    for index, circuit in pub_programs(params):
        try:
            program, num_qubits = scan(circuit)
        except ValueError:
            continue  # what this reader cannot follow, the service still checks
        problem = target.violation(program, num_qubits)
        if problem is not None:
            raise NonISACircuitError(
                f"pub {index}: the circuit is not an ISA circuit of {target.name}: {problem}. "
                f"{NON_ISA_HINT}"
            )


#: Programs whose pubs carry circuits for the backend.
PRIMITIVES = ("sampler", "estimator")


def checks_isa(program_id: str) -> bool:
    """Whether jobs of ``program_id`` have their circuits checked before they are sent."""
    return program_id in PRIMITIVES
