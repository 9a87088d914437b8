"""Primitive inputs: circuits, observables and parameter values as the runtime API takes them.

Circuits are OpenQASM 3 strings, checked lightly here (non-empty, starts like OpenQASM) and
fully by the service. When ``qiskit`` is installed, ``QuantumCircuit`` objects are exported with
``qiskit.qasm3.dumps`` and ``SparsePauliOp``/``Pauli`` observables become ``{pauli: coeff}``
objects; without qiskit such objects are refused with a clear message. Pubs are built in the
wire's list form: sampler ``[circuit, parameter_values?, shots?]``, estimator
``[circuit, observables, parameter_values?, precision?]``.

Every problem raises ``InvalidInputError`` naming the pub and the field, before any request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import qiskit_interop
from airflow_quantum.clients.ibm.qiskit_interop import QISKIT_HINT

_PAULI = re.compile(r"^[IXYZ]+$")
#: Comments and blank space an OpenQASM program may start with.
_LEADING = re.compile(r"^(?:\s+|//[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
#: Statements an OpenQASM 2/3 program may start with (the version line is optional in 3).
_FIRST_STATEMENT = re.compile(
    r"^(?:OPENQASM\b|include\b|qubit\b|qreg\b|bit\b|creg\b|input\b|output\b|gate\b|const\b"
    r"|def\b|defcal\b|defcalgrammar\b|cal\b|let\b|barrier\b|#?pragma\b|@)"
)
_MAX_NESTING = 32


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def circuit(value: Any, where: str = "circuit") -> str | dict[str, Any]:
    """An OpenQASM 3 string for the wire (or an already QPY-encoded circuit, unchanged)."""
    if isinstance(value, str):
        return qasm(value, where)
    if isinstance(value, Mapping) and value.get("__type__") == "QuantumCircuit":
        if not isinstance(value.get("__value__"), str):
            raise InvalidInputError(f"{where}: a QPY circuit's __value__ must be a base64 string")
        return dict(value)
    if qiskit_interop.is_circuit(value):
        return qasm(qiskit_interop.circuit_to_qasm3(value, where), where)
    if qiskit_interop.qiskit_installed():
        expected, hint = "an OpenQASM 3 string or a qiskit QuantumCircuit", ""
    else:
        expected, hint = "an OpenQASM 3 string", f" ({QISKIT_HINT} such as QuantumCircuit)"
    raise InvalidInputError(f"{where} must be {expected}, got {_kind(value)}{hint}")


def qasm(text: str, where: str = "circuit") -> str:
    """``text`` if it looks like an OpenQASM program (the service checks the rest)."""
    if not text.strip():
        raise InvalidInputError(f"{where} is an empty string; expected an OpenQASM 3 program")
    body = _LEADING.sub("", text, count=1)
    if not _FIRST_STATEMENT.match(body):
        raise InvalidInputError(
            f"{where} does not look like OpenQASM 3: it should start with 'OPENQASM 3.0;' "
            f"(it starts with {body[:40]!r})"
        )
    return text


def plain_inputs(value: Any, where: str, _depth: int = 0) -> Any:
    """``value`` with qiskit circuits and observables, and numpy arrays, as plain JSON.

    Operators call it in ``__init__``, so that template rendering and DAG serialization only
    see strings, lists and dicts. Anything else (XComArgs, templates, OpenQASM text) is left
    as it is, to be checked when the task runs.
    """
    if _depth > _MAX_NESTING or isinstance(value, str | bytes | int | float | bool | None):
        return value
    if qiskit_interop.is_circuit(value):
        return circuit(value, where)
    if qiskit_interop.is_observable(value):
        return observable(value, where)
    if type(value).__module__.split(".")[0] == "numpy" and hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [plain_inputs(item, f"{where}[{i}]", _depth + 1) for i, item in enumerate(value)]
    if type(value) is dict:
        return {k: plain_inputs(v, f"{where}[{k!r}]", _depth + 1) for k, v in value.items()}
    return value


def observables(value: Any, where: str = "observables", _depth: int = 0) -> Any:
    """One observable (``{pauli: coeff}``) or a nested list of them, for an estimator pub."""
    if _depth > _MAX_NESTING:
        raise InvalidInputError(f"{where} is nested too deeply")
    if isinstance(value, list | tuple):
        if not value:
            raise InvalidInputError(f"{where} is an empty list")
        return [observables(item, f"{where}[{i}]", _depth + 1) for i, item in enumerate(value)]
    return observable(value, where)


def observable(value: Any, where: str = "observable") -> dict[str, float]:
    """``{pauli: coeff}`` from a Pauli string, a mapping, or a qiskit SparsePauliOp/Pauli."""
    if isinstance(value, str):
        return {_pauli(value, where): 1.0}
    if isinstance(value, Mapping):
        if not value:
            raise InvalidInputError(f"{where} has no terms")
        pairs = list(value.items())
    elif qiskit_interop.is_observable(value):
        pairs = qiskit_interop.observable_terms(value, where)
    else:
        hint = (
            "" if qiskit_interop.qiskit_installed() else f" ({QISKIT_HINT} such as SparsePauliOp)"
        )
        raise InvalidInputError(
            f"{where} must be a Pauli string such as 'ZZ', a {{pauli: coefficient}} mapping or a "
            f"SparsePauliOp, got {_kind(value)}{hint}"
        )
    terms: dict[str, float] = {}
    for label, coefficient in pairs:
        pauli = _pauli(label, where)
        terms[pauli] = terms.get(pauli, 0.0) + _coefficient(coefficient, f"{where}[{label!r}]")
    return terms


def _pauli(label: Any, where: str) -> str:
    if not isinstance(label, str) or not _PAULI.match(label.upper()):
        raise InvalidInputError(
            f"{where}: {str(label)[:40]!r} is not a Pauli string (letters I, X, Y and Z)"
        )
    return label.upper()


def _coefficient(value: Any, where: str) -> float:
    if isinstance(value, complex):
        if abs(value.imag) > 1e-12:
            raise InvalidInputError(
                f"{where}: the coefficient {value} is complex; observables must be Hermitian"
            )
        value = value.real
    elif hasattr(value, "item") and not isinstance(value, bool):  # numpy scalars
        return _coefficient(value.item(), where)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(
            f"{where}: the coefficient must be a real number, got {value!r:.40}"
        )
    return float(value)


def parameter_values(value: Any, where: str = "parameter_values") -> Any:
    """Parameter values as JSON: nested lists of numbers, or ``{name: values}``."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        result = {}
        for name, values in value.items():
            if not isinstance(name, str) or not name:
                raise InvalidInputError(f"{where}: parameter names must be strings")
            result[name] = _numbers(values, f"{where}[{name!r}]", 0)
        return result
    return _numbers(value, where, 0)


def _numbers(value: Any, where: str, depth: int) -> Any:
    if depth > _MAX_NESTING:
        raise InvalidInputError(f"{where} is nested too deeply")
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):  # numpy arrays
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_numbers(item, where, depth + 1) for item in value]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(f"{where} must hold finite real numbers, got {value!r:.40}")
    return value


def _pub_items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, tuple | list) else [value]


def _as_list(circuits: Any, name: str) -> list[Any]:
    if isinstance(circuits, str | Mapping) or not hasattr(circuits, "__iter__"):
        return [circuits]
    items = list(circuits)
    if not items:
        raise InvalidInputError(f"{name} is empty: give at least one circuit")
    return items


def shots(value: Any, where: str = "shots") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{where} must be a positive whole number, got {value!r:.40}")
    return value


def precision(value: Any, where: str = "precision") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise InvalidInputError(f"{where} must be a number in (0, 1], got {value!r:.40}")
    return float(value)


def sampler_pubs(circuits: Any, default_shots: int | None = None) -> list[list[Any]]:
    """Sampler pubs from circuits, or ``(circuit, parameter_values, shots)`` tuples."""
    if default_shots is not None:
        shots(default_shots)
    pubs = []
    for index, item in enumerate(_as_list(circuits, "circuits")):
        where = f"circuits[{index}]"
        parts = _pub_items(item)
        if not 1 <= len(parts) <= 3:
            raise InvalidInputError(
                f"{where} must be a circuit or a (circuit, parameter_values, shots) tuple, "
                f"got {len(parts)} items"
            )
        checked = [circuit(parts[0], where)]
        pubs.append(checked + _pub_tail(parts, 1, default_shots, shots, "shots", where))
    return pubs


def _pub_tail(
    parts: list[Any],
    start: int,
    default: Any,
    checked: Callable[[Any, str], Any],
    what: str,
    where: str,
) -> list[Any]:
    """A pub's ``parameter_values`` (at ``start``) and last field (``what``: shots or precision,
    ``default`` when absent), checked; trailing fields that are absent are left out."""
    given = len(parts) > start
    values = parameter_values(parts[start], f"{where} parameter_values") if given else None
    last = parts[start + 1] if len(parts) > start + 1 and parts[start + 1] is not None else default
    if last is not None:
        return [values, checked(last, f"{where} {what}")]
    return [] if values is None else [values]


def estimator_pubs(
    circuits: Any, observables_: Any = None, default_precision: float | None = None
) -> list[list[Any]]:
    """Estimator pubs.

    ``circuits`` holds circuits, or ``(circuit, observables, parameter_values, precision)``
    tuples (then ``observables_`` is None). Otherwise ``observables_`` is one observable for
    every circuit, or a list with one entry (an observable or a list of them) per circuit.
    """
    if default_precision is not None:
        precision(default_precision)
    items = _as_list(circuits, "circuits")
    tuples = [isinstance(item, tuple | list) for item in items]
    if any(tuples):
        if not all(tuples):
            raise InvalidInputError(
                "circuits must be all circuits or all (circuit, observables, ...) tuples"
            )
        if observables_ is not None:
            raise InvalidInputError(
                "observables must be None when circuits are (circuit, observables, ...) tuples"
            )
        rows = [list(item) for item in items]
    else:
        if observables_ is None:
            raise InvalidInputError("observables are required: e.g. 'ZZ' or {'ZZ': 1.0}")
        listed = isinstance(observables_, list | tuple)
        per_circuit = list(observables_) if listed else [observables_] * len(items)
        if len(per_circuit) != len(items):
            raise InvalidInputError(
                f"observables has {len(per_circuit)} entries for {len(items)} circuits; "
                "give one entry per circuit (or a single observable for all)"
            )
        rows = [[item, obs] for item, obs in zip(items, per_circuit, strict=True)]
    pubs = []
    for index, parts in enumerate(rows):
        where = f"circuits[{index}]"
        if not 2 <= len(parts) <= 4:
            raise InvalidInputError(
                f"{where} must be a (circuit, observables, parameter_values, precision) tuple, "
                f"got {len(parts)} items"
            )
        checked = [circuit(parts[0], where), observables(parts[1], f"{where} observables")]
        pubs.append(checked + _pub_tail(parts, 2, default_precision, precision, "precision", where))
    return pubs


def primitive_params(
    pubs: list[list[Any]], options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``params`` of a V2 primitive job."""
    if options is not None and not isinstance(options, Mapping):
        raise InvalidInputError(f"options must be a mapping, got {_kind(options)}")
    return {"pubs": pubs, "options": dict(options or {}), "version": 2, "support_qiskit": True}
