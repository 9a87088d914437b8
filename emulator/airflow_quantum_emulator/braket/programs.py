"""Checking a task's ``action`` at CreateQuantumTask and running it with the SDK's own simulators.

What is refused at creation (400 ValidationException), as the service refuses it: an action
that is not JSON or names no schema the device supports, shots outside the device's range,
an OpenQASM program that does not parse, uses more qubits than the device has (or than the
emulator simulates), or, in a verbatim box on a QPU, a gate outside the device's native set;
a program set over 100 executables or whose shots do not divide among them (with
``programSetValidationFailures``). Executing is ``amazon-braket-default-simulator``'s
(``StateVectorSimulator`` for SV1 and the gate-model QPUs, ``DensityMatrixSimulator`` for
DM1, ``RydbergAtomSimulator`` for Aquila), imported on first use (see
:mod:`airflow_quantum_emulator.sim.library`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_quantum_emulator.braket.devices import (
    AHS,
    MAX_EXECUTABLES,
    PROGRAM,
    PROGRAM_SET,
    Device,
)
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.jobs import JobFailureError
from airflow_quantum_emulator.sim.library import KERNEL_LOCK

_QUBIT_DECLARATION = re.compile(r"\bqubit\s*(?:\[\s*(\d+)\s*\])?\s+[A-Za-z_]\w*\s*;")
_LEGACY_QUBITS = re.compile(r"\bqreg\s+[A-Za-z_]\w*\s*\[\s*(\d+)\s*\]\s*;")
_PHYSICAL = re.compile(r"\$(\d+)")
_VERBATIM = re.compile(r"#pragma\s+braket\s+verbatim\s*box\s*\{(?P<body>[^}]*)\}", re.S)
_GATE_CALL = re.compile(
    r"^\s*(?:ctrl\s*@\s*|negctrl\s*@\s*|inv\s*@\s*|pow\([^)]*\)\s*@\s*)*([A-Za-z_]\w*)"
)


@dataclass(frozen=True)
class PreparedTask:
    """A checked action: what it is and how to compute its result document."""

    action_type: str
    compute: Callable[[], dict[str, Any]]
    program_count: int | None = None
    executable_count: int | None = None


def invalid(message: str, **members: Any) -> VendorError:
    return VendorError(400, message, "ValidationException", members=members or None)


def prepare(device: Device, action_text: str, shots: int, max_qubits: int) -> PreparedTask:
    """Check ``action_text`` for ``device`` and return how to run it (400 when refused)."""
    try:
        action = json.loads(action_text)
    except (TypeError, ValueError):
        raise invalid("action is not a valid JSON document.") from None
    if not isinstance(action, dict):
        raise invalid("action must be a JSON object.")
    header = action.get("braketSchemaHeader") or {}
    name = header.get("name") if isinstance(header, dict) else None
    if name not in (PROGRAM, PROGRAM_SET, AHS):
        raise invalid(f"Action type {name!r} is not supported by Amazon Braket.")
    if name not in device.actions:
        raise invalid(f"Device {device.arn} does not support action type {name}.")
    _check_schema(name, action)
    low, high = device.shots_range
    if not low <= shots <= high:
        raise invalid(
            f"Shots {shots} is out of range for device {device.arn}; it must be between "
            f"{low} and {high}."
        )
    qubit_limit = min(device.qubits, max_qubits)
    if name == PROGRAM:
        source = _source(action)
        _check_program(device, source, qubit_limit)
        if shots == 0 and "#pragma braket result" not in source:
            raise invalid("Result types must be specified in the program when shots=0.")
        engine = device.engine
        return PreparedTask(PROGRAM, lambda: _run_program(engine, action_text, shots))
    if name == PROGRAM_SET:
        programs = action.get("programs")
        if not isinstance(programs, list) or not programs:
            raise invalid("A program set needs a non-empty list of programs.")
        failures = []
        executables = 0
        for index, program in enumerate(programs):
            try:
                if not isinstance(program, dict):
                    raise invalid("each program of a set is an OpenQASM program object")
                _check_program(device, _source(program), qubit_limit)
                executables += _executables(program.get("inputs"))
            except VendorError as error:
                failures.append({"programIndex": index, "errors": [error.message]})
        if failures:
            raise invalid(
                "The program set failed validation.",
                reason="ProgramSetValidationFailed",
                programSetValidationFailures=failures,
            )
        if executables > MAX_EXECUTABLES:
            raise invalid(
                f"The program set has {executables} executables; at most {MAX_EXECUTABLES} "
                "are allowed.",
                reason="ProgramSetValidationFailed",
                programSetValidationFailures=[],
            )
        if shots == 0 or shots % executables:
            raise invalid(
                f"Shots {shots} must be a positive multiple of the program set's "
                f"{executables} executables."
            )
        engine = device.engine
        return PreparedTask(
            PROGRAM_SET,
            lambda: _run_program_set(engine, action_text, shots),
            program_count=len(programs),
            executable_count=executables,
        )
    sites = (action.get("setup") or {}).get("ahs_register", {}).get("sites")
    if not isinstance(sites, list) or not sites:
        raise invalid("An AHS program needs setup.ahs_register.sites.")
    if len(sites) > device.qubits:
        raise invalid(f"The register has {len(sites)} sites; {device.name} has {device.qubits}.")
    if len(sites) > max_qubits:
        raise invalid(
            f"The register has {len(sites)} sites; the emulator simulates at most {max_qubits}."
        )
    return PreparedTask(AHS, lambda: _run_ahs(action_text, shots))


def _check_schema(name: str, action: dict[str, Any]) -> None:
    """Refuse an action its IR schema (``amazon-braket-schemas``) does not validate."""
    from braket.ir.ahs.program_v1 import Program as AhsProgram
    from braket.ir.openqasm.program_set_v1 import ProgramSet
    from braket.ir.openqasm.program_v1 import Program

    model = {PROGRAM: Program, PROGRAM_SET: ProgramSet, AHS: AhsProgram}[name]
    try:
        model.parse_obj(action)
    except Exception as error:  # pydantic's ValidationError, or a type error on odd input
        detail = " ".join(str(error).split())
        raise invalid(f"The action is not a valid {name} document: {detail}"[:2000]) from None


def _source(program: dict[str, Any]) -> str:
    source = program.get("source")
    if not isinstance(source, str) or not source.strip():
        raise invalid("An OpenQASM program needs a non-empty source.")
    return source


def _executables(inputs: Any) -> int:
    if not inputs:
        return 1
    if not isinstance(inputs, dict):
        raise invalid("inputs must be an object of parameter lists.")
    lengths = {len(value) if isinstance(value, list) else 1 for value in inputs.values()}
    if len(lengths) != 1:
        raise invalid("All inputs of a program in a set must have the same number of values.")
    return lengths.pop()


def _check_program(device: Device, source: str, qubit_limit: int) -> None:
    qubits = sum(int(size or 1) for size in _QUBIT_DECLARATION.findall(source))
    qubits += sum(int(size) for size in _LEGACY_QUBITS.findall(source))
    physical = {int(index) for index in _PHYSICAL.findall(source)}
    if physical:
        qubits = max(qubits, max(physical) + 1)
    if qubits > device.qubits:
        raise invalid(f"The program uses {qubits} qubits; device {device.arn} has {device.qubits}.")
    if qubits > qubit_limit:
        raise invalid(
            f"The program uses {qubits} qubits; the emulator simulates at most {qubit_limit}."
        )
    if device.kind == "QPU":
        native = set(device.native_gates)
        for box in _VERBATIM.finditer(source):
            for statement in box["body"].split(";"):
                match = _GATE_CALL.match(statement)
                if match and match[1] not in native and match[1] not in ("barrier", "measure"):
                    raise invalid(
                        f"Gate {match[1]!r} in a verbatim box is not native to {device.name} "
                        f"(native gates: {', '.join(sorted(native))})."
                    )
    try:
        import openqasm3

        openqasm3.parse(source)
    except ImportError:  # pragma: no cover - a dependency of the simulator
        return
    except Exception as error:  # the parser raises several types; any means "does not parse"
        raise invalid(f"The OpenQASM program does not parse: {error}") from None


def _simulator(engine: str) -> Any:
    if engine == "dm":
        from braket.default_simulator import DensityMatrixSimulator

        # DM1 runs what it is given; the local simulator's advice to use SV1 is noise here.
        warnings.filterwarnings("ignore", "You are running a noise-free circuit", UserWarning)

        return DensityMatrixSimulator()
    from braket.default_simulator import StateVectorSimulator

    return StateVectorSimulator()


def _document(result: Any) -> dict[str, Any]:
    return json.loads(result.json(exclude_none=False))


def _run_program(engine: str, action_text: str, shots: int) -> dict[str, Any]:
    from braket.ir.openqasm import Program

    try:
        with KERNEL_LOCK:
            result = _simulator(engine).run_openqasm(Program.parse_raw(action_text), shots=shots)
    except Exception as error:
        raise JobFailureError("FAILED", f"The program failed to run: {error}") from None
    return _document(result)


def _run_program_set(engine: str, action_text: str, shots: int) -> dict[str, Any]:
    from braket.ir.openqasm.program_set_v1 import ProgramSet

    try:
        with KERNEL_LOCK:
            result = _simulator(engine).run(ProgramSet.parse_raw(action_text), shots=shots)
    except Exception as error:
        raise JobFailureError("FAILED", f"The program set failed to run: {error}") from None
    return _document(result)


def _run_ahs(action_text: str, shots: int) -> dict[str, Any]:
    from braket.analog_hamiltonian_simulator.rydberg.rydberg_simulator import RydbergAtomSimulator
    from braket.ir.ahs.program_v1 import Program

    try:
        result = RydbergAtomSimulator().run(Program.parse_raw(action_text), shots=shots)
    except Exception as error:
        raise JobFailureError("FAILED", f"The AHS program failed to run: {error}") from None
    return _document(result)
