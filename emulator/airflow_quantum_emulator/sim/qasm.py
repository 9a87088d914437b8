"""A recursive-descent parser for the OpenQASM 2 / 3 subset that real programs use.

Supported: version line, ``include "stdgates.inc"`` / ``"qelib1.inc"``, qubit and bit
declarations (``qubit[n]``, ``qreg``, ``bit[n]``, ``creg``, physical ``$n``), ``input float`` /
``input angle`` parameters, gate calls with parameter expressions, broadcasting over registers,
ranges and index sets, the modifiers ``inv``, ``pow(k)`` (integer k), ``ctrl(n)`` and
``negctrl(n)``, ``U``, ``gphase``, ``CX``, user ``gate`` definitions (inlined), ``measure`` in
both syntaxes, ``reset``, ``barrier`` and ``delay`` (ignored). Classical control flow, subroutines
and classical computations raise :class:`QasmError` ("unsupported: ...").

Parameter expressions: numbers, ``pi``/``π``, ``tau``/``τ``, ``euler``/``ℇ``, ``input`` names,
``+ - * / %``, ``**`` (and ``^``, read as a power as in OpenQASM 2), and the functions of
:data:`~airflow_quantum_emulator.sim.expr.FUNCTIONS`. Standard gate names need
``include "stdgates.inc"`` or ``"qelib1.inc"`` (either enables both sets); user definitions may
shadow them, as Qiskit's exporters emit definitions for gates outside those files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from airflow_quantum_emulator.sim import expr as ex
from airflow_quantum_emulator.sim.circuit import (
    Barrier,
    Circuit,
    GateOp,
    Instruction,
    Measure,
    Operation,
    Reset,
)
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError
from airflow_quantum_emulator.sim.gates import BASE_GATES, BUILTIN_GATES, STANDARD_GATES
from airflow_quantum_emulator.sim.qasm_lexer import Token, tokenize

MAX_DECLARED_QUBITS = 100_000
MAX_CLBITS = 100_000
MAX_OPERATIONS = 1_000_000
MAX_NESTING = 100

_CONSTANTS = {
    "pi": math.pi,
    "π": math.pi,
    "tau": math.tau,
    "τ": math.tau,
    "euler": math.e,
    "ℇ": math.e,
}
_STANDARD_INCLUDES = ("stdgates.inc", "qelib1.inc")
_MODIFIERS = ("inv", "pow", "ctrl", "negctrl")
_UNSUPPORTED = {
    **dict.fromkeys(("if", "else", "while", "for", "switch", "break", "continue"), "control flow"),
    **dict.fromkeys(("def", "return", "extern"), "subroutines"),
    **dict.fromkeys(("cal", "defcal", "defcalgrammar"), "pulse-level calibrations"),
    **dict.fromkeys(
        ("int", "uint", "float", "angle", "bool", "complex", "duration", "stretch", "array"),
        "classical variables",
    ),
    "const": "constants",
    "let": "aliases",
    "output": "output variables",
    "box": "boxes",
    "pragma": "pragmas",
    "end": "the end statement",
}


@dataclass(frozen=True)
class _BodyCall:
    gate: _GateRef
    params: tuple[ex.Expr, ...]
    qubits: tuple[int, ...]  # positions in the enclosing gate's qubit list
    ctrl_states: tuple[int, ...]  # one per modifier control (the first qubits)
    power: int


@dataclass
class _GateDef:
    name: str
    params: tuple[str, ...]
    qubits: tuple[str, ...]
    body: list[_BodyCall]


# A (base gate, leading controls) pair from STANDARD_GATES / BUILTIN_GATES, or a user definition.
_GateRef = tuple[str, int] | _GateDef


@dataclass(frozen=True)
class _QubitArg:
    indices: list[int]
    is_register: bool


def parse_qasm(source: str) -> Circuit:
    """Parse an OpenQASM 2 or 3 program into a :class:`Circuit`; raises :class:`QasmError`."""
    parser = _Parser(tokenize(source))
    try:
        return parser.parse()
    except RecursionError:
        raise QasmError("the program is too deeply nested", parser.peek().line) from None


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.statement_count = 0
        self.standard_gates = False
        self.qubit_registers: dict[str, list[int]] = {}
        self.scalar_names: set[str] = set()  # `qubit q;` / `bit c;`: singular, not registers
        self.clbit_registers: dict[str, int] = {}
        self.parameters: list[str] = []
        self.gates: dict[str, _GateDef] = {}
        self.num_qubits = 0
        self.physical = False
        self.ops: list[Operation] = []
        self.instructions: list[Instruction] = []
        self.depth = 0

    # -- token helpers -------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind in ("op", "id") and token.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.next()
            return True
        return False

    def expect(self, text: str, what: str | None = None) -> Token:
        token = self.next()
        if token.kind not in ("op", "id") or token.text != text:
            raise QasmError(f"expected {what or repr(text)}, found {token}", token.line)
        return token

    def expect_identifier(self, what: str) -> Token:
        token = self.next()
        if token.kind != "id":
            raise QasmError(f"expected {what}, found {token}", token.line)
        return token

    # -- program -------------------------------------------------------------------------------

    def parse(self) -> Circuit:
        while self.peek().kind != "eof":
            line = self.peek().line
            try:
                self.statement()
            except QasmError:
                raise
            except SimulationError as exc:
                raise QasmError(str(exc), line) from None
            self.statement_count += 1
        return Circuit(
            num_qubits=self.num_qubits,
            qubit_registers={name: list(qubits) for name, qubits in self.qubit_registers.items()},
            clbit_registers=dict(self.clbit_registers),
            parameters=list(self.parameters),
            operations=self.ops,
            uses_physical_qubits=self.physical,
            instructions=self.instructions,
        )

    def statement(self) -> None:
        token = self.peek()
        if token.kind != "id":
            raise QasmError(f"expected a statement, found {token}", token.line)
        keyword = token.text
        handler = {
            "OPENQASM": self.version_statement,
            "include": self.include_statement,
            "qubit": self.qubit_declaration,
            "qreg": self.qubit_declaration,
            "bit": self.bit_declaration,
            "creg": self.bit_declaration,
            "input": self.input_declaration,
            "gate": self.gate_definition,
            "measure": self.measure_statement,
            "reset": self.reset_statement,
            "barrier": self.barrier_statement,
            "delay": self.delay_statement,
        }.get(keyword)
        if handler is not None:
            handler()
        elif keyword == "opaque":
            raise QasmError("opaque gates cannot be simulated", token.line)
        elif keyword in _UNSUPPORTED:
            raise QasmError(f"unsupported: {_UNSUPPORTED[keyword]} ({keyword!r})", token.line)
        elif (self.at("=", 1) or self.at("[", 1)) and keyword not in _MODIFIERS:
            self.assignment()
        elif self.peek(1).kind == "op" and self.peek(1).text.endswith("=") and not self.at("==", 1):
            raise QasmError("unsupported: classical assignments", token.line)
        else:
            self.gate_call()

    def version_statement(self) -> None:
        token = self.next()
        if self.statement_count:
            raise QasmError("OPENQASM must be the first statement", token.line)
        number = self.next()
        if number.kind not in ("int", "float"):
            raise QasmError(f"expected a version number, found {number}", number.line)
        major = number.text.split(".")[0]
        if major not in ("2", "3"):
            raise QasmError(f"unsupported OpenQASM version {number.text}", number.line)
        self.expect(";")

    def include_statement(self) -> None:
        self.next()
        token = self.next()
        if token.kind != "str":
            raise QasmError(f"expected a file name in quotes, found {token}", token.line)
        filename = token.text[1:-1]
        if filename not in _STANDARD_INCLUDES:
            raise QasmError(
                f"unsupported include {filename!r}: only stdgates.inc and qelib1.inc exist here",
                token.line,
            )
        self.standard_gates = True
        self.expect(";")

    # -- declarations --------------------------------------------------------------------------

    def declare(self, token: Token) -> str:
        name = token.text
        if name in _CONSTANTS or name in _MODIFIERS or name in _UNSUPPORTED:
            raise QasmError(f"{name!r} is a reserved name", token.line)
        if (
            name in self.qubit_registers
            or name in self.clbit_registers
            or name in self.parameters
            or name in self.gates
        ):
            raise QasmError(f"{name!r} is already declared", token.line)
        return name

    def size_designator(self) -> int | None:
        if not self.accept("["):
            return None
        size = self.integer_constant("register size")
        self.expect("]")
        if size < 0:
            raise QasmError("register size cannot be negative", self.peek().line)
        return size

    def qubit_declaration(self) -> None:
        keyword = self.next()
        if keyword.text == "qubit":
            size = self.size_designator()
            token = self.expect_identifier("a qubit register name")
        else:
            token = self.expect_identifier("a qubit register name")
            size = self.size_designator()
            if size is None:
                raise QasmError("qreg needs a size, as in qreg q[2];", token.line)
        self.expect(";")
        name = self.declare(token)
        if self.physical:
            raise QasmError("cannot declare qubits in a program using physical qubits", token.line)
        count = 1 if size is None else size
        if self.num_qubits + count > MAX_DECLARED_QUBITS:
            raise QasmError(f"more than {MAX_DECLARED_QUBITS} qubits declared", token.line)
        self.qubit_registers[name] = list(range(self.num_qubits, self.num_qubits + count))
        self.num_qubits += count
        if size is None:
            self.scalar_names.add(name)

    def bit_declaration(self) -> None:
        keyword = self.next()
        if keyword.text == "bit":
            size = self.size_designator()
            token = self.expect_identifier("a bit register name")
        else:
            token = self.expect_identifier("a bit register name")
            size = self.size_designator()
            if size is None:
                raise QasmError("creg needs a size, as in creg c[2];", token.line)
        name = self.declare(token)
        count = 1 if size is None else size
        if sum(self.clbit_registers.values()) + count > MAX_CLBITS:
            raise QasmError(f"more than {MAX_CLBITS} classical bits declared", token.line)
        self.clbit_registers[name] = count
        if size is None:
            self.scalar_names.add(name)
        if self.accept("="):
            self.expect("measure", "'measure' (other initialisers are unsupported)")
            self.measure_into(self.clbit_argument_for(name, token.line), self.qubit_argument())
        self.expect(";")

    def input_declaration(self) -> None:
        self.next()
        kind = self.expect_identifier("a type")
        if kind.text not in ("float", "angle"):
            raise QasmError(
                f"unsupported: input of type {kind.text!r} (only float and angle)", kind.line
            )
        self.size_designator()
        token = self.expect_identifier("a parameter name")
        self.expect(";")
        self.parameters.append(self.declare(token))

    # -- gate definitions ----------------------------------------------------------------------

    def gate_definition(self) -> None:
        self.next()
        token = self.expect_identifier("a gate name")
        name = token.text
        if name in self.gates:
            raise QasmError(f"gate {name!r} is already defined", token.line)
        if name in self.qubit_registers or name in self.clbit_registers or name in self.parameters:
            raise QasmError(f"{name!r} is already declared", token.line)
        params: list[str] = []
        if self.accept("("):
            if not self.at(")"):
                params = self.identifier_list("a parameter name")
            self.expect(")")
        qubits = self.identifier_list("a qubit name")
        for names, what in ((params, "parameter"), (qubits, "qubit")):
            if len(set(names)) != len(names):
                raise QasmError(f"gate {name!r} repeats a {what} name", token.line)
        if set(params) & set(qubits):
            raise QasmError(f"gate {name!r} uses a name for a parameter and a qubit", token.line)
        reserved = set(params + qubits) & set(_CONSTANTS)
        if reserved:
            raise QasmError(f"{reserved.pop()!r} is a reserved name", token.line)
        self.expect("{")
        body: list[_BodyCall] = []
        while not self.accept("}"):
            if self.peek().kind == "eof":
                raise QasmError(f"missing '}}' at the end of gate {name!r}", self.peek().line)
            call = self.body_statement(name, tuple(params), tuple(qubits))
            if call is not None:
                body.append(call)
        self.gates[name] = _GateDef(name, tuple(params), tuple(qubits), body)

    def identifier_list(self, what: str) -> list[str]:
        names = [self.expect_identifier(what).text]
        while self.accept(","):
            names.append(self.expect_identifier(what).text)
        return names

    def body_statement(
        self, gate_name: str, params: tuple[str, ...], qubits: tuple[str, ...]
    ) -> _BodyCall | None:
        token = self.peek()
        if self.at("barrier"):
            self.next()
            while not self.accept(";"):
                self.next()
                if self.peek().kind == "eof":
                    raise QasmError("missing ';'", token.line)
            return None
        if token.kind == "id" and token.text in ("measure", "reset", "delay"):
            raise QasmError(f"{token.text!r} is not allowed inside gate {gate_name!r}", token.line)
        ctrl_states, power = self.modifiers(allowed_names=params)
        name_token = self.expect_identifier("a gate name")
        if name_token.text == gate_name:
            raise QasmError(f"gate {gate_name!r} cannot call itself", name_token.line)
        gate = self.resolve_gate(name_token)
        args = self.parameter_list(allowed_names=params)
        positions: list[int] = []
        if not self.at(";"):
            while True:
                arg = self.expect_identifier("a qubit argument of the gate")
                if arg.text not in qubits:
                    raise QasmError(
                        f"{arg.text!r} is not a qubit argument of gate {gate_name!r}", arg.line
                    )
                positions.append(qubits.index(arg.text))
                if not self.accept(","):
                    break
        self.expect(";")
        self.check_arity(name_token, gate, len(args), len(ctrl_states), len(positions))
        if len(set(positions)) != len(positions):
            raise QasmError(f"duplicate qubit arguments to {name_token.text!r}", name_token.line)
        return _BodyCall(gate, tuple(args), tuple(positions), tuple(ctrl_states), power)

    # -- gate calls ----------------------------------------------------------------------------

    def resolve_gate(self, token: Token) -> _GateRef:
        name = token.text
        if name in self.gates:
            return self.gates[name]
        if name in BUILTIN_GATES:
            return BUILTIN_GATES[name]
        if self.standard_gates:
            if name in STANDARD_GATES:
                return STANDARD_GATES[name]
            if name in _library():
                return _library()[name]
        hint = ""
        if name in STANDARD_GATES or name in _library():
            hint = ' (add include "stdgates.inc"; or include "qelib1.inc";)'
        raise QasmError(f"unknown gate {name!r}{hint}", token.line)

    def check_arity(
        self, token: Token, gate: _GateRef, n_params: int, n_modifier_controls: int, n_qubits: int
    ) -> None:
        if isinstance(gate, _GateDef):
            want_params, want_qubits = len(gate.params), len(gate.qubits)
        else:
            base = BASE_GATES[gate[0]]
            want_params, want_qubits = base.num_params, gate[1] + base.num_targets
        if n_params != want_params:
            raise QasmError(
                f"gate {token.text!r} takes {want_params} parameter(s), got {n_params}", token.line
            )
        want_qubits += n_modifier_controls
        if n_qubits != want_qubits:
            raise QasmError(
                f"gate {token.text!r} acts on {want_qubits} qubit(s), got {n_qubits}", token.line
            )

    def modifiers(self, allowed_names: tuple[str, ...]) -> tuple[list[int], int]:
        ctrl_states: list[int] = []
        power = 1
        while self.peek().kind == "id" and self.peek().text in _MODIFIERS:
            if not (self.at("@", 1) or self.at("(", 1)):
                break
            token = self.next()
            if token.text == "inv":
                power = -power
            elif token.text == "pow":
                self.expect("(")
                exponent = self.integer_constant("an integer pow() exponent", allowed_names)
                self.expect(")")
                power *= exponent
            else:
                count = 1
                if self.accept("("):
                    count = self.integer_constant("a control count", allowed_names)
                    self.expect(")")
                    if count < 1:
                        raise QasmError("the control count must be at least 1", token.line)
                ctrl_states.extend([1 if token.text == "ctrl" else 0] * count)
            self.expect("@")
        return ctrl_states, power

    def parameter_list(self, allowed_names: tuple[str, ...]) -> list[ex.Expr]:
        if not self.accept("("):
            return []
        args: list[ex.Expr] = []
        if not self.at(")"):
            args.append(self.expression(allowed_names))
            while self.accept(","):
                args.append(self.expression(allowed_names))
        self.expect(")")
        return args

    def gate_call(self) -> None:
        ctrl_states, power = self.modifiers(allowed_names=())
        name_token = self.expect_identifier("a gate name or statement")
        gate = self.resolve_gate(name_token)
        args = self.parameter_list(allowed_names=tuple(self.parameters))
        if self.at("["):
            raise QasmError("unsupported: gate durations", name_token.line)
        qargs: list[_QubitArg] = []
        if not self.at(";"):
            qargs = [self.qubit_argument()]
            while self.accept(","):
                qargs.append(self.qubit_argument())
        self.expect(";")
        self.check_arity(name_token, gate, len(args), len(ctrl_states), len(qargs))
        name = _written_name(name_token.text, ctrl_states, power)
        for qubits in self.broadcast(name_token, qargs):
            self.instructions.append(Instruction(name, qubits, name_token.line))
            self.emit(gate, tuple(args), qubits, tuple(ctrl_states), power)

    def broadcast(self, token: Token, qargs: list[_QubitArg]) -> list[tuple[int, ...]]:
        lengths = {len(arg.indices) for arg in qargs if arg.is_register}
        if len(lengths) > 1:
            raise QasmError(
                f"registers of different sizes given to {token.text!r} ({sorted(lengths)})",
                token.line,
            )
        count = lengths.pop() if lengths else 1
        calls = []
        for i in range(count):
            qubits = tuple(arg.indices[i] if arg.is_register else arg.indices[0] for arg in qargs)
            if len(set(qubits)) != len(qubits):
                raise QasmError(f"duplicate qubit arguments to {token.text!r}", token.line)
            calls.append(qubits)
        return calls

    def emit(
        self,
        gate: _GateRef,
        params: tuple[ex.Expr, ...],
        qubits: tuple[int, ...],
        ctrl_states: tuple[int, ...],
        power: int,
    ) -> None:
        """Append ``gate`` (user gates inlined) with ``len(ctrl_states)`` leading control qubits."""
        outer_controls, own = qubits[: len(ctrl_states)], qubits[len(ctrl_states) :]
        if not isinstance(gate, _GateDef):
            base, n_controls = gate
            if len(self.ops) >= MAX_OPERATIONS:
                raise QasmError(f"the circuit has more than {MAX_OPERATIONS} operations")
            self.ops.append(
                GateOp(
                    base,
                    params,
                    targets=own[n_controls:],
                    controls=outer_controls + own[:n_controls],
                    ctrl_states=ctrl_states + (1,) * n_controls,
                    power=power,
                )
            )
            return
        if not gate.body or power == 0:
            return
        mapping = dict(zip(gate.params, params, strict=True))
        body = gate.body if power > 0 else list(reversed(gate.body))
        sign = 1 if power > 0 else -1
        for _ in range(abs(power)):
            for call in body:
                self.emit(
                    call.gate,
                    tuple(p.substitute(mapping) for p in call.params),
                    outer_controls + tuple(own[i] for i in call.qubits),
                    ctrl_states + call.ctrl_states,
                    call.power * sign,
                )

    # -- measurement, reset, barrier, delay, assignment ----------------------------------------

    def measure_statement(self) -> None:
        token = self.next()
        qubits = self.qubit_argument()
        clbits = self.clbit_argument() if self.accept("->") else None
        self.expect(";")
        if clbits is None:
            for qubit in qubits.indices:
                self.instructions.append(Instruction("measure", (qubit,), token.line))
                self.ops.append(Measure(qubit, None))
        else:
            self.measure_into(clbits, qubits, token.line)

    def measure_into(
        self, clbits: list[tuple[str, int]], qubits: _QubitArg, line: int | None = None
    ) -> None:
        if len(clbits) != len(qubits.indices):
            raise QasmError(
                f"cannot measure {len(qubits.indices)} qubit(s) into {len(clbits)} bit(s)",
                line or self.peek().line,
            )
        for qubit, clbit in zip(qubits.indices, clbits, strict=True):
            self.instructions.append(Instruction("measure", (qubit,), line))
            self.ops.append(Measure(qubit, clbit))

    def assignment(self) -> None:
        token = self.peek()
        clbits = self.clbit_argument()
        if not self.accept("="):
            raise QasmError("unsupported: classical assignments", token.line)
        if not self.at("measure"):
            raise QasmError("unsupported: classical assignments other than measure", token.line)
        self.next()
        qubits = self.qubit_argument()
        self.expect(";")
        self.measure_into(clbits, qubits, token.line)

    def reset_statement(self) -> None:
        token = self.next()
        qargs = [self.qubit_argument()]
        while self.accept(","):
            qargs.append(self.qubit_argument())
        self.expect(";")
        for arg in qargs:
            for qubit in arg.indices:
                self.instructions.append(Instruction("reset", (qubit,), token.line))
                self.ops.append(Reset(qubit))

    def barrier_statement(self) -> None:
        self.next()
        qubits: list[int] = []
        if not self.at(";"):
            qubits.extend(self.qubit_argument().indices)
            while self.accept(","):
                qubits.extend(self.qubit_argument().indices)
        self.expect(";")
        self.ops.append(Barrier(tuple(qubits)))

    def delay_statement(self) -> None:
        token = self.next()
        self.expect("[")
        while not self.accept("]"):
            if self.next().kind == "eof":
                raise QasmError("missing ']' in delay", token.line)
        qargs = []
        if not self.at(";"):
            qargs.append(self.qubit_argument())
            while self.accept(","):
                qargs.append(self.qubit_argument())
        self.expect(";")
        for qubit in (index for arg in qargs for index in arg.indices):
            self.instructions.append(Instruction("delay", (qubit,), token.line))

    # -- operands ------------------------------------------------------------------------------

    def qubit_argument(self) -> _QubitArg:
        token = self.next()
        if token.kind == "phys":
            if self.qubit_registers:
                raise QasmError("cannot mix physical qubits with declared qubits", token.line)
            index = int(token.text[1:]) if len(token.text) < 10 else MAX_DECLARED_QUBITS
            if index >= MAX_DECLARED_QUBITS:
                raise QasmError(f"physical qubit {token.text} is out of range", token.line)
            self.physical = True
            self.num_qubits = max(self.num_qubits, index + 1)
            return _QubitArg([index], False)
        if token.kind != "id":
            raise QasmError(f"expected a qubit, found {token}", token.line)
        register = self.qubit_registers.get(token.text)
        if register is None:
            what = "a bit register" if token.text in self.clbit_registers else "not declared"
            raise QasmError(f"qubit register {token.text!r} is {what}", token.line)
        if token.text in self.scalar_names:
            if self.at("["):
                raise QasmError(f"qubit {token.text!r} is not a register", token.line)
            return _QubitArg(register, False)
        selected = self.selection(token, len(register))
        if selected is None:
            return _QubitArg(register, True)
        indices, is_register = selected
        return _QubitArg([register[i] for i in indices], is_register)

    def clbit_argument(self) -> list[tuple[str, int]]:
        token = self.expect_identifier("a bit register")
        name = token.text
        if name not in self.clbit_registers:
            what = "a qubit register" if name in self.qubit_registers else "not declared"
            raise QasmError(f"bit register {name!r} is {what}", token.line)
        return self.clbit_argument_for(name, token.line, parse_index=True)

    def clbit_argument_for(
        self, name: str, line: int, parse_index: bool = False
    ) -> list[tuple[str, int]]:
        size = self.clbit_registers[name]
        if name in self.scalar_names:
            if parse_index and self.at("["):
                raise QasmError(f"bit {name!r} is not a register", line)
            return [(name, 0)]
        selected = self.selection(Token("id", name, line), size) if parse_index else None
        indices = range(size) if selected is None else selected[0]
        return [(name, i) for i in indices]

    def selection(self, token: Token, size: int) -> tuple[list[int], bool] | None:
        """An optional ``[index]``, ``[a:b]``, ``[a:step:b]`` or ``[{i, j}]`` after a register."""
        if not self.accept("["):
            return None
        if self.accept("{"):
            indices = [self.index(token, size)]
            while self.accept(","):
                indices.append(self.index(token, size))
            self.expect("}")
            self.expect("]")
            return indices, True
        bounds: list[int | None] = []
        while True:
            bounds.append(
                None if self.at(":") or self.at("]") else self.integer_constant("an index")
            )
            if not self.accept(":"):
                break
        self.expect("]")
        if len(bounds) == 1:
            if bounds[0] is None:
                raise QasmError("expected an index", token.line)
            return [self.normalise_index(token, bounds[0], size)], False
        if len(bounds) > 3:
            raise QasmError("a range has at most three parts (start:step:end)", token.line)
        start, step, end = bounds[0], (bounds[1] if len(bounds) == 3 else 1), bounds[-1]
        step = 1 if step is None else step
        if step == 0:
            raise QasmError("a range step cannot be zero", token.line)
        first = self.normalise_index(token, 0 if start is None else start, size)
        last = self.normalise_index(token, size - 1 if end is None else end, size)
        return list(range(first, last + (1 if step > 0 else -1), step)), True

    def index(self, token: Token, size: int) -> int:
        return self.normalise_index(token, self.integer_constant("an index"), size)

    def normalise_index(self, token: Token, index: int, size: int) -> int:
        if not -size <= index < size:
            raise QasmError(
                f"index {index} is out of range for {token.text!r} of size {size}", token.line
            )
        return index % size

    # -- expressions ---------------------------------------------------------------------------

    def integer_constant(self, what: str, allowed_names: tuple[str, ...] = ()) -> int:
        line = self.peek().line
        value = self.expression(allowed_names)
        if not isinstance(value, ex.Const) or not float(value.value).is_integer():
            raise QasmError(f"expected {what} (an integer constant), found {value}", line)
        if abs(value.value) > 2**53:
            raise QasmError(f"{what} is too large", line)
        return int(value.value)

    def expression(self, names: tuple[str, ...]) -> ex.Expr:
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise QasmError("expression is too deeply nested", self.peek().line)
            left = self.term(names)
            while self.at("+") or self.at("-"):
                op = self.next().text
                left = ex.binary(op, left, self.term(names))
            return left
        finally:
            self.depth -= 1

    def term(self, names: tuple[str, ...]) -> ex.Expr:
        left = self.unary(names)
        while self.at("*") or self.at("/") or self.at("%"):
            op = self.next().text
            left = ex.binary(op, left, self.unary(names))
        return left

    def unary(self, names: tuple[str, ...]) -> ex.Expr:
        if self.at("-") or self.at("+"):
            op = self.next().text
            self.depth += 1
            try:
                if self.depth > MAX_NESTING:
                    raise QasmError("expression is too deeply nested", self.peek().line)
                return ex.unary(op, self.unary(names))
            finally:
                self.depth -= 1
        base = self.primary(names)
        if self.at("**") or self.at("^"):
            self.next()
            return ex.binary("**", base, self.unary(names))
        return base

    def primary(self, names: tuple[str, ...]) -> ex.Expr:
        token = self.next()
        if token.kind in ("int", "float"):
            return ex.const(_number(token))
        if token.kind == "op" and token.text == "(":
            inner = self.expression(names)
            self.expect(")")
            return inner
        if token.kind == "id":
            if token.text in ex.FUNCTIONS and self.at("("):
                self.next()
                argument = self.expression(names)
                self.expect(")")
                return ex.call(token.text, argument)
            if token.text in _CONSTANTS:
                return ex.const(_CONSTANTS[token.text])
            if token.text in names:
                if self.at("["):
                    raise QasmError("unsupported: indexing a parameter", token.line)
                return ex.name(token.text)
            raise QasmError(f"unknown identifier {token.text!r} in expression", token.line)
        raise QasmError(f"expected an expression, found {token}", token.line)


def _number(token: Token) -> float:
    text = token.text
    try:
        if token.kind == "float":
            return float(text)
        if text[:2].lower() in ("0x", "0b", "0o"):
            return float(int(text, 0))
        return float(int(text.replace("_", ""), 10))
    except (ValueError, OverflowError):
        raise QasmError(f"invalid or too large number {text!r}", token.line) from None


_LIBRARY_SOURCE = """
gate rccx a, b, c {
  u2(0, pi) c; u1(pi/4) c; cx b, c; u1(-pi/4) c; cx a, c; u1(pi/4) c; cx b, c; u1(-pi/4) c;
  u2(0, pi) c;
}
gate rc3x a, b, c, d {
  u2(0, pi) d; u1(pi/4) d; cx c, d; u1(-pi/4) d; u2(0, pi) d; cx a, d; u1(pi/4) d; cx b, d;
  u1(-pi/4) d; cx a, d; u1(pi/4) d; cx b, d; u1(-pi/4) d; u2(0, pi) d; u1(pi/4) d; cx c, d;
  u1(-pi/4) d; u2(0, pi) d;
}
"""


def _written_name(name: str, ctrl_states: list[int], power: int) -> str:
    """A gate call's name with its modifiers, as an instruction-set check sees it."""
    modifiers = [("ctrl" if state else "negctrl") for state in ctrl_states]
    if power != 1:
        modifiers.insert(0, "inv" if power == -1 else f"pow({power})")
    return " @ ".join([*modifiers, name])


@cache
def _library() -> dict[str, _GateDef]:
    """qelib1.inc gates defined by their decomposition (their relative phases are the point)."""
    parser = _Parser(tokenize(_LIBRARY_SOURCE))
    parser.standard_gates = True
    parser.parse()
    return parser.gates
