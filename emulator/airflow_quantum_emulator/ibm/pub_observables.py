"""The observables of an IBM estimator pub, as an array of ``{pauli: coefficient}`` dicts.

Each observable is a Pauli string (``"ZZ"``) or a ``{pauli: coefficient}`` object with real
coefficients; nested lists make an array whose shape broadcasts against the parameter values.
Every problem is a 400 ``VendorError`` naming the pub.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.ibm import encoding
from airflow_quantum_emulator.ibm.pub_circuits import kind
from airflow_quantum_emulator.sim.circuit import Circuit

_PAULI = frozenset("IXYZ")


def parse_observables(raw: Any, circuit: Circuit, where: str) -> np.ndarray:
    """An object array of ``{pauli: coefficient}`` dicts, shaped like the nested input.

    Labels span the circuit's qubits; circuits on physical qubits (``$n``) may use labels as
    wide as the backend, as qiskit's ISA observables are.
    """
    num_qubits = circuit.num_qubits
    physical = circuit.uses_physical_qubits

    def one(value: Any) -> dict[str, float]:
        if isinstance(value, str):
            terms: dict[str, Any] = {value: 1.0}
        elif isinstance(value, dict) and not encoding.is_tagged(value):
            terms = value
        else:
            raise VendorError(
                400,
                f"{where}: each observable must be a Pauli string such as 'ZZ' or an object "
                f"{{pauli: coefficient}}, not {kind(value)}.",
            )
        if not terms:
            raise VendorError(400, f"{where}: an observable has no terms.")
        clean: dict[str, float] = {}
        for pauli, coefficient in terms.items():
            label = pauli.upper()
            if not label or set(label) - _PAULI:
                raise VendorError(
                    400, f"{where}: {pauli!r} is not a Pauli string (letters I, X, Y, Z)."
                )
            if len(label) != num_qubits and not (physical and len(label) > num_qubits):
                raise VendorError(
                    400,
                    f"{where}: observable {pauli!r} has {len(label)} qubits but the circuit "
                    f"has {num_qubits}.",
                )
            clean[label] = clean.get(label, 0.0) + _coefficient(coefficient, pauli, where)
        return clean

    def nest(value: Any, depth: int) -> Any:
        if depth > 32:
            raise VendorError(400, f"{where}: observables are nested too deeply.")
        if isinstance(value, list):
            if not value:
                raise VendorError(400, f"{where}: an observables list is empty.")
            return [nest(item, depth + 1) for item in value]
        return one(value)

    nested = nest(raw, 0)
    shape = _nested_shape(nested, where)
    array = np.empty(shape, dtype=object)
    for position in np.ndindex(*shape):
        item = nested
        for i in position:
            item = item[i]
        array[position] = item
    return array


def _nested_shape(nested: Any, where: str) -> tuple[int, ...]:
    shape: list[int] = []
    level = nested
    while isinstance(level, list):
        shape.append(len(level))
        level = level[0]

    def check(value: Any, depth: int) -> None:
        if depth == len(shape):
            if isinstance(value, list):
                raise VendorError(400, f"{where}: observables are not a rectangular array.")
            return
        if not isinstance(value, list) or len(value) != shape[depth]:
            raise VendorError(400, f"{where}: observables are not a rectangular array.")
        for item in value:
            check(item, depth + 1)

    check(nested, 0)
    return tuple(shape)


def _coefficient(value: Any, pauli: str, where: str) -> float:
    if encoding.is_tagged(value, "complex"):
        value = value["__value__"]
    if isinstance(value, list) and len(value) == 2:
        real, imag = value
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
            raise VendorError(400, f"{where}: the coefficient of {pauli!r} is not a number.")
        if abs(imag) > 1e-12:
            raise VendorError(
                400,
                f"{where}: the coefficient of {pauli!r} is complex; observables must be "
                "Hermitian (real coefficients).",
            )
        value = real
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise VendorError(400, f"{where}: the coefficient of {pauli!r} must be a real number.")
    return float(value)
