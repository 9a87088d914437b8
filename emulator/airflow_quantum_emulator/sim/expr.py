"""Real-valued expressions used as gate parameters (angles that may depend on inputs).

Build expressions with :func:`const`, :func:`name`, :func:`unary`, :func:`binary` and
:func:`call`; they fold constant sub-expressions, so a parameter-free angle is a :class:`Const`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from airflow_quantum_emulator.sim.errors import SimulationError

FUNCTIONS: dict[str, Callable[[float], float]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "arcsin": math.asin,
    "arccos": math.acos,
    "arctan": math.atan,
    "exp": math.exp,
    "ln": math.log,
    "log": math.log,
    "sqrt": math.sqrt,
}

_BINARY: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: math.fmod(a, b),
    "**": math.pow,
}


class Expr:
    """Base class of expression nodes."""

    def evaluate(self, env: Mapping[str, float]) -> float:
        """The value of the expression, names taken from ``env``; raises SimulationError."""
        try:
            value = self._eval(env)
        except SimulationError:
            raise
        except (ArithmeticError, ValueError) as exc:
            raise SimulationError(f"cannot evaluate {_describe(self)}: {exc}") from None
        except RecursionError:
            raise SimulationError("parameter expression is too deeply nested") from None
        if not math.isfinite(value):
            raise SimulationError(f"{_describe(self)} evaluates to a non-finite value")
        return value

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        """A copy with the names in ``mapping`` replaced by expressions."""
        raise NotImplementedError

    def _eval(self, env: Mapping[str, float]) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class Const(Expr):
    """A number."""

    value: float

    def _eval(self, env: Mapping[str, float]) -> float:
        return self.value

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        return self

    def __str__(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class Name(Expr):
    """A named value: a circuit input parameter or a gate parameter."""

    name: str

    def _eval(self, env: Mapping[str, float]) -> float:
        if self.name not in env:
            raise SimulationError(f"no value for parameter {self.name!r}")
        return float(env[self.name])

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        return mapping.get(self.name, self)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Negate(Expr):
    """Unary minus."""

    operand: Expr

    def _eval(self, env: Mapping[str, float]) -> float:
        return -self.operand._eval(env)

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        return unary("-", self.operand.substitute(mapping))

    def __str__(self) -> str:
        return f"-({self.operand})"


@dataclass(frozen=True)
class Binary(Expr):
    """A binary arithmetic operation (one of ``+ - * / % **``)."""

    op: str
    left: Expr
    right: Expr

    def _eval(self, env: Mapping[str, float]) -> float:
        return _BINARY[self.op](self.left._eval(env), self.right._eval(env))

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        return binary(self.op, self.left.substitute(mapping), self.right.substitute(mapping))

    def __str__(self) -> str:
        return f"({self.left} {self.op} {self.right})"


@dataclass(frozen=True)
class Call(Expr):
    """A call of one of the :data:`FUNCTIONS`."""

    function: str
    argument: Expr

    def _eval(self, env: Mapping[str, float]) -> float:
        return FUNCTIONS[self.function](self.argument._eval(env))

    def substitute(self, mapping: Mapping[str, Expr]) -> Expr:
        return call(self.function, self.argument.substitute(mapping))

    def __str__(self) -> str:
        return f"{self.function}({self.argument})"


def _describe(expr: Expr) -> str:
    try:
        text = str(expr)
    except RecursionError:
        return "expression"
    return text if len(text) <= 80 else text[:77] + "..."


def const(value: float) -> Const:
    """A constant; raises SimulationError for NaN or infinity."""
    value = float(value)
    if not math.isfinite(value):
        raise SimulationError(f"number {value} is not finite")
    return Const(value)


def name(identifier: str) -> Name:
    """A reference to a named parameter."""
    return Name(identifier)


def _folded(node: Expr, *operands: Expr) -> Expr:
    if all(isinstance(operand, Const) for operand in operands):
        return Const(node.evaluate({}))
    return node


def unary(op: str, operand: Expr) -> Expr:
    """``+operand`` or ``-operand``."""
    if op == "+":
        return operand
    if op != "-":
        raise SimulationError(f"unknown unary operator {op!r}")
    return _folded(Negate(operand), operand)


def binary(op: str, left: Expr, right: Expr) -> Expr:
    """``left op right`` for ``op`` in ``+ - * / % **``."""
    if op not in _BINARY:
        raise SimulationError(f"unknown operator {op!r}")
    return _folded(Binary(op, left, right), left, right)


def call(function: str, argument: Expr) -> Expr:
    """``function(argument)`` for a function in :data:`FUNCTIONS`."""
    if function not in FUNCTIONS:
        raise SimulationError(f"unknown function {function!r}")
    return _folded(Call(function, argument), argument)
