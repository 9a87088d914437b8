"""Errors raised by the simulation core for invalid user input."""

from __future__ import annotations


class SimulationError(ValueError):
    """The input (circuit, problem, parameters, ...) cannot be simulated.

    The message is meant for the end user: it says what is wrong and, where it helps, where.
    """


class QasmError(SimulationError):
    """An OpenQASM program is invalid or uses an unsupported feature.

    ``line`` is the 1-based source line of the problem, when known; it is also part of the message.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        self.reason = message
        super().__init__(f"line {line}: {message}" if line is not None else message)

    def __reduce__(self):  # keep the exception picklable (multiprocessing, job stores)
        return (type(self), (self.reason, self.line))
