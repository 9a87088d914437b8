"""A recursive-descent parser for the OpenQASM 2 / 3 subset that real programs use.

Supported: version line, ``include "stdgates.inc"`` / ``"qelib1.inc"``, qubit and bit
declarations (``qubit[n]``, ``qreg``, ``bit[n]``, ``creg``, physical ``$n``), ``input float`` /
``input angle`` parameters, gate calls with parameter expressions, broadcasting over registers,
ranges and index sets, the modifiers ``inv``, ``pow(k)`` (integer k), ``ctrl(n)`` and
``negctrl(n)``, ``U``, ``gphase``, ``CX``, user ``gate`` definitions (inlined), ``measure`` in
both syntaxes, ``reset``, ``barrier`` and ``delay`` (ignored), and the dynamic circuits of
:mod:`.qasm_control` (``if``/``else``, ``switch``, ``for``, integer variables). ``while``,
subroutines and other classical computations raise :class:`QasmError` ("unsupported: ...").

Parameter expressions: numbers, ``pi``/``π``, ``tau``/``τ``, ``euler``/``ℇ``, ``input`` names,
``+ - * / %``, ``**`` (and ``^``, read as a power as in OpenQASM 2), and the functions of
:data:`~airflow_quantum_emulator.sim.expr.FUNCTIONS`. Standard gate names need
``include "stdgates.inc"`` or ``"qelib1.inc"`` (either enables both sets); user definitions may
shadow them, as Qiskit's exporters emit definitions for gates outside those files.

The parser is layered, one module a job: :mod:`.qasm_lexer` (tokens), :mod:`.qasm_expressions`
(the token cursor and parameter expressions), :mod:`.qasm_operands` (registers and the qubits and
bits an operand selects), :mod:`.qasm_gates` (gate definitions, modifiers, calls, inlining), and
this module (statements: the program, declarations, measure, reset, barrier, delay).
"""

from __future__ import annotations

from airflow_quantum_emulator.sim.circuit import Barrier, Circuit, Instruction, Measure, Reset
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError
from airflow_quantum_emulator.sim.qasm_control import ControlFlowParser
from airflow_quantum_emulator.sim.qasm_expressions import CONSTANTS
from airflow_quantum_emulator.sim.qasm_gates import MODIFIERS
from airflow_quantum_emulator.sim.qasm_lexer import Token, tokenize
from airflow_quantum_emulator.sim.qasm_operands import MAX_DECLARED_QUBITS, QubitArg

MAX_CLBITS = 100_000

_STANDARD_INCLUDES = ("stdgates.inc", "qelib1.inc")
_UNSUPPORTED = {
    **dict.fromkeys(("while", "break", "continue"), "control flow"),
    **dict.fromkeys(("def", "return", "extern"), "subroutines"),
    **dict.fromkeys(("cal", "defcal", "defcalgrammar"), "pulse-level calibrations"),
    **dict.fromkeys(
        ("float", "angle", "bool", "complex", "duration", "stretch", "array"),
        "classical variables",
    ),
    "const": "constants",
    "let": "aliases",
    "output": "output variables",
    "box": "boxes",
    "pragma": "pragmas",
    "end": "the end statement",
}


def parse_qasm(source: str) -> Circuit:
    """Parse an OpenQASM 2 or 3 program into a :class:`Circuit`; raises :class:`QasmError`."""
    parser = _Parser(tokenize(source))
    try:
        return parser.parse()
    except RecursionError:
        raise QasmError("the program is too deeply nested", parser.peek().line) from None


class _Parser(ControlFlowParser):
    """Statements: the program, its declarations, and measure, reset, barrier and delay (and,
    from :class:`~.qasm_control.ControlFlowParser`, if, switch, for and integer variables)."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.statement_count = 0

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
            "if": self.if_statement,
            "switch": self.switch_statement,
            "for": self.for_statement,
            "int": self.int_declaration,
            "uint": self.int_declaration,
        }.get(keyword)
        if handler is not None:
            handler()
        elif keyword == "opaque":
            raise QasmError("opaque gates cannot be simulated", token.line)
        elif keyword in _UNSUPPORTED:
            raise QasmError(f"unsupported: {_UNSUPPORTED[keyword]} ({keyword!r})", token.line)
        elif keyword in self.variables and self.at("=", 1):
            self.variable_assignment()
        elif (self.at("=", 1) or self.at("[", 1)) and keyword not in MODIFIERS:
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
        if name in CONSTANTS or name in MODIFIERS or name in _UNSUPPORTED:
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
        self, clbits: list[tuple[str, int]], qubits: QubitArg, line: int | None = None
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
