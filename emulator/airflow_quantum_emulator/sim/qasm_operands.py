"""OpenQASM registers and operands: which qubits and bits a statement names.

:class:`OperandParser` keeps the declared registers and reads a qubit or bit operand: a register,
a scalar, a physical qubit ``$n``, an index, a range ``[a:step:b]`` or an index set ``[{i, j}]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_quantum_emulator.sim.errors import QasmError
from airflow_quantum_emulator.sim.qasm_expressions import ExpressionParser
from airflow_quantum_emulator.sim.qasm_lexer import Token

MAX_DECLARED_QUBITS = 100_000


@dataclass(frozen=True)
class QubitArg:
    indices: list[int]
    is_register: bool


class OperandParser(ExpressionParser):
    """Declared registers, and the operands that select from them."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(tokens)
        self.qubit_registers: dict[str, list[int]] = {}
        self.scalar_names: set[str] = set()  # `qubit q;` / `bit c;`: singular, not registers
        self.clbit_registers: dict[str, int] = {}
        self.num_qubits = 0
        self.physical = False

    def qubit_argument(self) -> QubitArg:
        token = self.next()
        if token.kind == "phys":
            if self.qubit_registers:
                raise QasmError("cannot mix physical qubits with declared qubits", token.line)
            index = int(token.text[1:]) if len(token.text) < 10 else MAX_DECLARED_QUBITS
            if index >= MAX_DECLARED_QUBITS:
                raise QasmError(f"physical qubit {token.text} is out of range", token.line)
            self.physical = True
            self.num_qubits = max(self.num_qubits, index + 1)
            return QubitArg([index], False)
        if token.kind != "id":
            raise QasmError(f"expected a qubit, found {token}", token.line)
        register = self.qubit_registers.get(token.text)
        if register is None:
            what = "a bit register" if token.text in self.clbit_registers else "not declared"
            raise QasmError(f"qubit register {token.text!r} is {what}", token.line)
        if token.text in self.scalar_names:
            if self.at("["):
                raise QasmError(f"qubit {token.text!r} is not a register", token.line)
            return QubitArg(register, False)
        selected = self.selection(token, len(register))
        if selected is None:
            return QubitArg(register, True)
        indices, is_register = selected
        return QubitArg([register[i] for i in indices], is_register)

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
