"""The registry of job input formats: which handler validates and runs each ``inputDataFormat``.

Each format module (``ionq_jobs``, ``quantinuum_jobs``, ``qir_jobs``, ``rigetti_jobs``,
``pasqal_jobs``) registers its handler here when it is imported, and
``handlers`` imports them all; this module imports none of them.

A handler checks everything the job needs (program, parameters, size limits) and returns a
``PreparedJob`` whose ``compute`` only runs the simulation. What it finds wrong it raises as
``InputError``: like the service, the emulator then accepts the job (``PUT /jobs/{id}`` answers
200, ``Waiting``) and fails it with ``errorData`` ``{code, message}`` (recorded real sessions:
``InvalidInputData`` "QVM reported a problem running your program ...", ``CompilationError``
"cannot compile QIR bitcode", the estimator's ``InvalidInputError``). A 400 is for a malformed
request, never for the program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_quantum_emulator.azure.targets import Target

#: errorData codes of job-level input failures, as real jobs carry them.
INVALID_INPUT = "InvalidInputData"
COMPILATION_ERROR = "CompilationError"
ESTIMATOR_INPUT_ERROR = "InvalidInputError"
CANNOT_TRANSLATE_OUTPUT = "CannotTranslateOutputData"


class InputError(Exception):
    """The job's input data or parameters cannot run: the job fails with ``code``."""

    def __init__(self, message: str, code: str = INVALID_INPUT) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class PreparedJob:
    """A validated job: how to compute its result (None: it fails), what it will be billed for."""

    compute: Callable[[], bytes] | None
    quantum_computing_count: int | None = None
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobInput:
    """What a handler reads: the decoded input blob and the job's settings."""

    target: Target
    output_format: str
    data: bytes
    params: Mapping[str, Any]
    seed: int
    max_qubits: int

    @property
    def qubit_limit(self) -> int:
        """Qubits a job may use here: the target's, within the simulator's limit."""
        return min(self.max_qubits, self.target.max_qubits or self.max_qubits)

    def require_output(self, *formats: str) -> None:
        """Fail the job as the service does when it cannot write ``output_format``."""
        if self.output_format not in formats:
            raise untranslatable_output(self.target, self.output_format, formats)


Handler = Callable[[JobInput], PreparedJob]
_HANDLERS: dict[str, Handler] = {}


def register(input_format: str) -> Callable[[Handler], Handler]:
    """Class the decorated function as the handler of ``input_format`` jobs."""

    def add(handler: Handler) -> Handler:
        _HANDLERS[input_format] = handler
        return handler

    return add


def registered_formats() -> tuple[str, ...]:
    return tuple(_HANDLERS)


def prepare(job: JobInput, input_format: str) -> PreparedJob:
    """Validate ``job`` with the handler of ``input_format``; InputError says what is wrong."""
    handler = _HANDLERS.get(input_format)
    if handler is None:
        raise InputError(f"The input data format {input_format[:60]!r} cannot be run here.")
    return handler(job)


def untranslatable_output(
    target: Target, output_format: str, writes: tuple[str, ...]
) -> InputError:
    """The recorded failure of a job whose ``outputDataFormat`` the target cannot write."""
    return InputError(
        f"The output returned by '{target.id}' cannot be translated as specified by "
        f"'outputDataFormat'. Please ensure that 'outputDataFormat' is correct "
        f"({output_format[:60]!r}; this job writes {' or '.join(writes)}).",
        CANNOT_TRANSLATE_OUTPUT,
    )


def check_formats(target: Target, input_format: str, output_format: str) -> None:
    """Fail a job whose formats its target does not read or write."""
    if input_format not in target.input_formats:
        raise InputError(
            f"The input data format {input_format[:60]!r} is not supported by {target.id}; "
            f"it reads {', '.join(target.input_formats)}."
        )
    if output_format not in target.output_formats:
        raise untranslatable_output(target, output_format, target.output_formats)
