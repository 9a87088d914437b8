"""OpenQASM tokens and parameter expressions: the bottom layer of :mod:`.qasm`'s parser.

:class:`ExpressionParser` walks the token list (``peek``, ``accept``, ``expect``, ...) and reads
parameter expressions: numbers, ``pi``/``π``, ``tau``/``τ``, ``euler``/``ℇ``, declared names,
``+ - * / %``, ``**`` (and ``^``, read as a power as in OpenQASM 2), and the functions of
:data:`~airflow_quantum_emulator.sim.expr.FUNCTIONS`.
"""

from __future__ import annotations

import math

from airflow_quantum_emulator.sim import expr as ex
from airflow_quantum_emulator.sim.errors import QasmError
from airflow_quantum_emulator.sim.qasm_lexer import Token

MAX_NESTING = 100

CONSTANTS = {
    "pi": math.pi,
    "π": math.pi,
    "tau": math.tau,
    "τ": math.tau,
    "euler": math.e,
    "ℇ": math.e,
}


class ExpressionParser:
    """A cursor over the tokens of one program, and the expressions in it."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.depth = 0

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
            if token.text in CONSTANTS:
                return ex.const(CONSTANTS[token.text])
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
