"""The circuit of an IBM pub: parsed, checked against the emulator's size, and its parameter values.

A circuit comes as an OpenQASM 3 (or 2) string or a tagged QPY ``QuantumCircuit`` (decoded by
qiskit when it is installed beside the emulator); parameter values as an array of shape
(*shape, k) or by name. Every problem is a 400 ``VendorError`` naming the pub.
"""

from __future__ import annotations

import base64
import binascii
import io
import zlib
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import encoding
from airflow_quantum_emulator.ibm.isa import dynamic_instructions
from airflow_quantum_emulator.sim.circuit import Circuit
from airflow_quantum_emulator.sim.components import largest_part
from airflow_quantum_emulator.sim.errors import QasmError, SimulationError


class DynamicCircuit(VendorError):
    """A dynamic circuit the simulator cannot read (a ``while`` loop, a condition joining bits).

    The job's backend decides what it is: a non-ISA circuit when the backend does not list the
    instruction (the job fails with 1517), else a 400 saying what the emulator does not simulate.
    """

    def __init__(self, where: str, source: str, instructions: list[str], reason: str) -> None:
        super().__init__(
            400,
            f"{where}: the emulator does not simulate this dynamic circuit "
            f"({', '.join(instructions)}): {reason}. It runs if/else, switch, for loops and "
            "integer variables taking a register's value.",
        )
        self.where = where
        self.source = source
        self.instructions = instructions


def parse_circuit(value: Any, where: str) -> Circuit:
    """A circuit from an OpenQASM 3/2 string or a tagged QPY ``QuantumCircuit``."""
    if encoding.is_tagged(value, "QuantumCircuit"):
        source = qpy_to_qasm(value["__value__"], where, "a QuantumCircuit's __value__")[0]
    elif isinstance(value, str):
        source = value
    else:
        raise VendorError(
            400,
            f"{where}: the circuit must be an OpenQASM 3 (or 2) string or a QPY "
            '{"__type__": "QuantumCircuit", "__value__": ...} object, '
            f"not {kind(value)}.",
        )
    return parse_source(source, where)


def parse_source(source: str, where: str) -> Circuit:
    """The circuit of an OpenQASM program, or the 400 (or ``DynamicCircuit``) saying why not."""
    from airflow_quantum_emulator.sim.qasm import parse_qasm

    try:
        return parse_qasm(source)
    except QasmError as exc:
        dynamic = dynamic_instructions(source)
        if dynamic:
            raise DynamicCircuit(where, source, dynamic, str(exc)) from exc
        raise VendorError(400, f"{where}: invalid OpenQASM circuit: {exc}") from exc
    except SimulationError as exc:
        raise VendorError(400, f"{where}: the circuit cannot be simulated: {exc}") from exc
    except RecursionError as exc:
        raise VendorError(400, f"{where}: the circuit is nested too deeply.") from exc


def qpy_to_qasm(value: Any, where: str, what: str = "QPY data") -> list[str]:
    """Each circuit of base64 zlib-compressed QPY data, as OpenQASM 3 (qiskit reads QPY)."""
    if not isinstance(value, str):
        raise VendorError(400, f"{where}: {what} must be a base64 string.")
    try:
        from qiskit import qasm3, qpy
    except ImportError:
        raise VendorError(
            400,
            f"{where}: the circuit is QPY-encoded, and decoding QPY needs qiskit installed on "
            "the emulator's side (pip install qiskit); or send the circuit as an OpenQASM 3 "
            "string.",
        ) from None
    try:
        raw = zlib.decompress(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise VendorError(400, f"{where}: the QPY value is not base64 zlib data: {exc}") from exc
    try:
        return [qasm3.dumps(circuit) for circuit in qpy.load(io.BytesIO(raw))]
    except Exception as exc:  # qiskit raises many exception types for bad QPY
        raise VendorError(400, f"{where}: the QPY circuit cannot be read: {exc}") from exc


def kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_size(circuit: Circuit, where: str, max_qubits: int) -> None:
    """The emulator's own limit, on the qubits its gates entangle: parts no gate connects are
    simulated one by one (a device larger than the circuit is the ISA rule's matter)."""
    entangled = largest_part(circuit)
    if entangled > max_qubits:
        raise VendorError(
            400,
            f"{where}: the circuit entangles {entangled} qubits; the emulator simulates at most "
            f"{max_qubits} together.",
        )


def parameter_values(circuit: Circuit, value: Any, where: str) -> np.ndarray:
    """Values of shape (*shape, k) for the circuit's k parameters, in declaration order."""
    names = circuit.parameters
    if isinstance(value, dict) and not encoding.is_tagged(value):
        value = _values_from_mapping(names, value, where)
    if value is None:
        if names:
            raise VendorError(
                400,
                f"{where}: the circuit has parameters ({', '.join(names)}) but the pub gives "
                "no parameter values.",
            )
        return np.zeros((0,))
    try:
        array = encoding.decode_array(value, f"{where} parameter values")
    except encoding.EncodingError as exc:
        raise VendorError(400, str(exc)) from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if not names and array.size == 0:
        return array.reshape(*array.shape[:-1], 0) if array.ndim > 1 else np.zeros((0,))
    if array.shape[-1] != len(names):
        raise VendorError(
            400,
            f"{where}: the circuit has {len(names)} parameter(s)"
            f"{' (' + ', '.join(names) + ')' if names else ''} but the parameter values have "
            f"shape {list(array.shape)}; the last dimension must be {len(names)}.",
        )
    if not np.all(np.isfinite(array)):
        raise VendorError(400, f"{where}: parameter values must be finite numbers.")
    return array


def _values_from_mapping(names: list[str], value: dict[str, Any], where: str) -> np.ndarray:
    unknown = sorted(set(value) - set(names))
    missing = [name for name in names if name not in value]
    if unknown or missing:
        raise VendorError(
            400,
            f"{where}: parameter values by name must cover exactly the circuit's parameters "
            f"({', '.join(names) or 'none'}); missing {missing or 'none'}, unknown "
            f"{unknown or 'none'}.",
        )
    columns = []
    for name in names:
        try:
            columns.append(encoding.decode_array(value[name], f"{where} values of {name!r}"))
        except encoding.EncodingError as exc:
            raise VendorError(400, str(exc)) from exc
    shapes = {column.shape for column in columns}
    if len(shapes) > 1:
        raise VendorError(400, f"{where}: every parameter needs values of the same shape.")
    return np.stack(columns, axis=-1) if columns else np.zeros((0,))
