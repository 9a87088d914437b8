"""Dynamic circuits in OpenQASM: ``if``/``else``, ``switch``, ``for`` loops, integer variables.

What qiskit's OpenQASM 3 exporter writes for ``if_test``, ``switch`` and ``for_loop`` (and
OpenQASM 2's ``if (c == 1) x q[0];``):

- ``if (c[0]) { ... } else { ... }``: a bit (``!c[0]`` for its negation), a register compared
  with an integer (``c == 3``, ``c != 3``), or a bit compared with 0 or 1;
- ``int v; v = c; switch (v) { case 0 { ... } case 1, 2 { ... } default { ... } }``: an integer
  variable takes a register's value (a store), a switch reads a register or a variable;
- ``for int i in [0:3] { ... }`` (a range, ends included, or a set ``{0, 2}``): unrolled, the
  loop variable replaced by each value.

Each is recorded as the instruction a backend's target names (``if_else``, ``switch_case``,
``for_loop``, ``store``), so the ISA rule checks it. ``while``, ``break``, ``continue`` and other
conditions are refused by name.
"""

from __future__ import annotations

from airflow_quantum_emulator.sim.circuit import (
    Condition,
    IfElse,
    Instruction,
    Measure,
    Operation,
    Reset,
    Store,
)
from airflow_quantum_emulator.sim.errors import QasmError
from airflow_quantum_emulator.sim.qasm_gates import GateParser
from airflow_quantum_emulator.sim.qasm_lexer import Token

#: Most iterations a program's loops may unroll to, in all.
MAX_UNROLLED = 10_000
#: Bits of an integer variable declared without a size.
INT_BITS = 32


class ControlFlowParser(GateParser):
    """The dynamic-circuit statements; the statement parser (``qasm._Parser``) dispatches here."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.variables: dict[str, int] = {}  # integer variables and their sizes in bits
        self.unrolled = 0

    def statement(self) -> None:  # implemented by the statement parser
        raise NotImplementedError

    # -- blocks --------------------------------------------------------------------------------

    def block(self) -> tuple[Operation, ...]:
        """``{ statements }`` or one statement: its operations, kept out of the program's."""
        outer, self.ops = self.ops, []
        try:
            if self.accept("{"):
                while not self.accept("}"):
                    if self.peek().kind == "eof":
                        raise QasmError("missing '}' at the end of a block", self.peek().line)
                    self.statement()
            else:
                self.statement()
            return tuple(self.ops)
        finally:
            self.ops = outer

    def record(self, name: str, line: int, *blocks: tuple[Operation, ...]) -> None:
        qubits = sorted({q for ops in blocks for q in _qubits(ops)})
        self.instructions.append(Instruction(name, tuple(qubits), line))

    # -- if / else -----------------------------------------------------------------------------

    def if_statement(self) -> None:
        token = self.next()
        self.expect("(")
        condition = self.condition()
        self.expect(")")
        then_ops = self.block()
        else_ops = self.block() if self.accept("else") else ()
        self.record("if_else", token.line, then_ops, else_ops)
        self.ops.append(IfElse(condition, then_ops, else_ops))

    def condition(self) -> Condition:
        condition = self.comparison()
        if self.at("&&") or self.at("||"):
            raise QasmError("unsupported: conditions joining bits (&&, ||)", self.peek().line)
        return condition

    def comparison(self) -> Condition:
        line = self.peek().line
        if self.accept("!"):
            register, bits = self.classical_value()
            if len(bits) != 1:
                raise QasmError("'!' applies to a single bit", line)
            return Condition(register, bits, frozenset({0}))
        register, bits = self.classical_value()
        if self.at("==") or self.at("!="):
            negate = self.next().text == "!="
            value = self.integer_constant("a value to compare with")
            return Condition(register, bits, frozenset({value}), negate)
        if len(bits) != 1:
            raise QasmError("a register in a condition is compared with a value (c == 3)", line)
        return Condition(register, bits, frozenset({1}))

    def classical_value(self) -> tuple[str, tuple[int, ...]]:
        """A bit, a bit register or an integer variable: its name and the bits read."""
        token = self.expect_identifier("a bit, a bit register or an integer variable")
        if token.text in self.variables:
            return token.text, tuple(range(self.variables[token.text]))
        if token.text not in self.clbit_registers:
            raise QasmError(
                f"unsupported condition on {token.text!r}: a bit, a bit register or an integer "
                "variable compared with a value",
                token.line,
            )
        clbits = self.clbit_argument_for(token.text, token.line, parse_index=True)
        return token.text, tuple(bit for _, bit in clbits)

    # -- switch --------------------------------------------------------------------------------

    def switch_statement(self) -> None:
        token = self.next()
        self.expect("(")
        register, bits = self.classical_value()
        self.expect(")")
        self.expect("{")
        cases: list[tuple[frozenset[int], tuple[Operation, ...]]] = []
        default: tuple[Operation, ...] = ()
        while not self.accept("}"):
            if self.accept("default"):
                default = self.block()
            else:
                self.expect("case", "'case' or 'default'")
                values = {self.integer_constant("a case value")}
                while self.accept(","):
                    values.add(self.integer_constant("a case value"))
                cases.append((frozenset(values), self.block()))
        chain = default
        for values, ops in reversed(cases):
            chain = (IfElse(Condition(register, bits, values), ops, chain),)
        self.record("switch_case", token.line, default, *(ops for _, ops in cases))
        self.ops.extend(chain)

    # -- integer variables ---------------------------------------------------------------------

    def int_declaration(self) -> None:
        self.next()
        size = self.size_designator() or INT_BITS
        token = self.expect_identifier("a variable name")
        name = self.declare(token)
        self.variables[name] = size
        if self.accept("="):
            self.store_into(name, token.line)
        self.expect(";")

    def variable_assignment(self) -> None:
        token = self.next()
        self.expect("=")
        self.store_into(token.text, token.line)
        self.expect(";")

    def store_into(self, name: str, line: int) -> None:
        source = self.next()
        if source.text not in self.clbit_registers or self.at("["):
            raise QasmError(
                f"unsupported: classical expressions ({name} = {source.text}...): a variable "
                "takes the value of a whole bit register",
                line,
            )
        size = min(self.clbit_registers[source.text], self.variables[name])
        self.instructions.append(Instruction("store", (), line))
        self.ops.append(Store(name, source.text, size))

    # -- for loops -----------------------------------------------------------------------------

    def for_statement(self) -> None:
        token = self.next()
        if self.peek(1).kind == "id" and self.peek(1).text == "in":
            variable = self.expect_identifier("a loop variable")
        else:
            self.expect_identifier("a loop variable's type")
            self.size_designator()
            variable = self.expect_identifier("a loop variable")
        self.expect("in")
        values = self.loop_values()
        body = self.block_tokens()
        self.unrolled += len(values)
        if self.unrolled > MAX_UNROLLED:
            raise QasmError(f"the loops unroll to more than {MAX_UNROLLED} iterations", token.line)
        self.instructions.append(Instruction("for_loop", (), token.line))
        copies = [
            Token("int", str(value), t.line) if t.kind == "id" and t.text == variable.text else t
            for value in values
            for t in body
        ]
        self.tokens[self.pos : self.pos] = copies

    def loop_values(self) -> list[int]:
        if self.accept("{"):
            values = [self.integer_constant("a loop value")]
            while self.accept(","):
                values.append(self.integer_constant("a loop value"))
            self.expect("}")
            return values
        self.expect("[", "a range [start:end] or a set {a, b}")
        bounds = [self.integer_constant("a range bound")]
        while self.accept(":"):
            bounds.append(self.integer_constant("a range bound"))
        self.expect("]")
        if len(bounds) not in (2, 3) or (len(bounds) == 3 and bounds[1] == 0):
            raise QasmError("a loop range is [start:end] or [start:step:end]", self.peek().line)
        start, step, end = bounds[0], (bounds[1] if len(bounds) == 3 else 1), bounds[-1]
        return list(range(start, end + (1 if step > 0 else -1), step))

    def block_tokens(self) -> list[Token]:
        """The tokens inside the braces of the block that follows (consumed)."""
        start = self.pos
        if not self.at("{"):
            raise QasmError("a loop body is a block in braces", self.peek().line)
        depth = 0
        while True:
            token = self.next()
            if token.kind == "eof":
                raise QasmError("missing '}' at the end of a loop body", token.line)
            depth += token.kind == "op" and token.text == "{"
            depth -= token.kind == "op" and token.text == "}"
            if depth == 0:  # the statements between the braces
                return self.tokens[start + 1 : self.pos - 1]


def _qubits(ops: tuple[Operation, ...]) -> set[int]:
    used: set[int] = set()
    for op in ops:
        if isinstance(op, IfElse):
            used |= _qubits(op.then_ops) | _qubits(op.else_ops)
        elif isinstance(op, Measure | Reset):
            used.add(op.qubit)
        elif not isinstance(op, Store):
            used.update(op.qubits)
    return used
