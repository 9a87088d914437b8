"""Job inputs built and checked before anything is sent (nothing is paid for a typo): IonQ
circuits (``ionq.circuit.v1``, QIS or native gates), Quantinuum's OpenQASM 2
(``honeywell.openqasm.v1``), QIR (``qir.v1``: LLVM bitcode or its text form) with its input
parameters, and any input's blob and content type. Every problem raises ``InvalidInputError``
naming the gate index or the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

from airflow_quantum.clients.azure.targets import ESTIMATOR_PROVIDER, ESTIMATOR_TARGET
from airflow_quantum.clients.errors import InvalidInputError

IONQ_INPUT_FORMAT = "ionq.circuit.v1"
IONQ_OUTPUT_FORMAT = "ionq.quantum-results.v1"
IONQ_PROVIDER = "ionq"
IONQ_DEFAULT_SHOTS = 500
QUANTINUUM_INPUT_FORMAT = "honeywell.openqasm.v1"
QUANTINUUM_OUTPUT_FORMAT = "honeywell.quantum-results.v1"
QUANTINUUM_PROVIDER = "quantinuum"
QIR_INPUT_FORMAT = "qir.v1"
#: What a QIR job writes unless it asks otherwise (the official client's fallback).
QIR_OUTPUT_FORMAT = "microsoft.quantum-results.v2"
ESTIMATES_OUTPUT_FORMAT = "microsoft.resource-estimates.v1"
BITCODE_MAGIC = b"BC\xc0\xde"

MAX_SHOTS = 1_000_000
MAX_IONQ_QUBITS = 1_000

# gate -> (number of targets (1 = any number of single-qubit applications), parameter)
_QIS_GATES: dict[str, tuple[int, str | None]] = {
    **{name: (1, None) for name in ("x", "y", "z", "h", "s", "si", "t", "ti", "v", "vi", "not")},
    **{name: (1, "rotation") for name in ("rx", "ry", "rz")},
    "cnot": (1, None),
    "swap": (2, None),
    **{name: (2, "rotation") for name in ("xx", "yy", "zz")},
}
_NATIVE_GATES = {"gpi": (1, "phase"), "gpi2": (1, "phase"), "ms": (2, None), "zz": (2, "angle")}


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _finite(value: Any, where: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InvalidInputError(f"{where} must be a number, got {_show(value)}")
    number = int(value) if isinstance(value, Integral) else float(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidInputError(f"{where} must be finite, got {number}")
    return number


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _qubit_list(gate: Mapping, single: str, plural: str, where: str, qubits: int) -> list[int]:
    values: list[Any] = []
    if single in gate:
        values.append(gate[single])
    if plural in gate:
        if not isinstance(gate[plural], list | tuple):
            raise InvalidInputError(f"{where}.{plural} must be a list of qubit indices")
        values.extend(gate[plural])
    for value in values:
        if not _is_int(value):
            raise InvalidInputError(f"{where}: qubit indices must be integers, got {_show(value)}")
        if not 0 <= value < qubits:
            raise InvalidInputError(
                f"{where}: qubit {value} is out of range (0..{qubits - 1} for {qubits} qubits)"
            )
    if len(set(values)) != len(values):
        raise InvalidInputError(f"{where}: a qubit appears twice in {single}/{plural}")
    return [int(v) for v in values]


def _gate(gate: Any, where: str, qubits: int, gateset: str) -> dict[str, Any]:
    if not isinstance(gate, Mapping) or not isinstance(gate.get("gate"), str):
        raise InvalidInputError(f"{where} must be an object with a 'gate' name")
    name = gate["gate"].lower()
    table = _NATIVE_GATES if gateset == "native" else _QIS_GATES
    if name not in table:
        raise InvalidInputError(
            f"{where}: unknown {gateset} gate {_show(gate['gate'])}; known: {', '.join(table)}"
        )
    arity, parameter = table[name]
    targets = _qubit_list(gate, "target", "targets", where, qubits)
    controls = _qubit_list(gate, "control", "controls", where, qubits)
    if not targets:
        raise InvalidInputError(f"{where}: {name} needs 'target' or 'targets'")
    if name == "cnot" and not controls:
        raise InvalidInputError(f"{where}: cnot needs a 'control'")
    if gateset == "native" and controls:
        raise InvalidInputError(f"{where}: native gates cannot be controlled")
    if arity == 2 and len(targets) != 2:
        raise InvalidInputError(f"{where}: {name} needs exactly two targets")
    if set(targets) & set(controls):
        raise InvalidInputError(f"{where}: a qubit is both control and target")
    out = dict(gate)
    if parameter is not None:
        if parameter not in gate:
            raise InvalidInputError(f"{where}: {name} needs a numeric '{parameter}'")
        out[parameter] = _finite(gate[parameter], f"{where}.{parameter}")
    if name == "ms":
        phases = gate.get("phases")
        if not isinstance(phases, list | tuple) or len(phases) != 2:
            raise InvalidInputError(f"{where}: ms needs 'phases', two numbers (turns)")
        out["phases"] = [_finite(p, f"{where}.phases") for p in phases]
        if "angle" in gate:
            out["angle"] = _finite(gate["angle"], f"{where}.angle")
    return out


def _max_qubit(gates: list[Any]) -> int:
    named: list[Any] = []
    for gate in gates:
        if not isinstance(gate, Mapping):
            continue
        named += [gate.get("target"), gate.get("control")]
        for key in ("targets", "controls"):
            named += gate[key] if isinstance(gate.get(key), list | tuple) else []
    return max((int(index) for index in named if _is_int(index)), default=-1) + 1


def ionq_circuit(
    circuit: Any, qubits: int | None = None, *, gateset: str | None = None
) -> dict[str, Any]:
    """A checked ``ionq.circuit.v1`` document.

    ``circuit`` is a list of gates (``{"gate": "h", "target": 0}``, ``{"gate": "cnot",
    "control": 0, "target": 1}``, ...) or a whole document ``{"qubits": n, "circuit": [...]}``.
    ``qubits`` defaults to the document's, else to the highest qubit used plus one.
    """
    gates = circuit
    if isinstance(circuit, Mapping):
        gates = circuit.get("circuit")
        qubits = circuit.get("qubits") if qubits is None else qubits
        gateset = circuit.get("gateset") if gateset is None else gateset
    gateset = gateset or "qis"
    if gateset not in ("qis", "native"):
        raise InvalidInputError(f"gateset must be 'qis' or 'native', got {_show(gateset)}")
    if isinstance(gates, str | bytes | Mapping) or not isinstance(gates, Iterable):
        raise InvalidInputError("circuit must be a list of gates")
    gates = list(gates)
    if not gates:
        raise InvalidInputError("circuit is empty: it needs at least one gate")
    if qubits is None:
        qubits = _max_qubit(gates)
    if not _is_int(qubits) or not 1 <= qubits <= MAX_IONQ_QUBITS:
        raise InvalidInputError(
            f"qubits must be an integer between 1 and {MAX_IONQ_QUBITS}, got {_show(qubits)}"
        )
    checked = [
        _gate(gate, f"circuit[{index}]", int(qubits), gateset) for index, gate in enumerate(gates)
    ]
    document: dict[str, Any] = {"qubits": int(qubits), "circuit": checked}
    if gateset == "native":
        document["gateset"] = "native"
    return document


def check_shots(shots: Any, what: str = "shots") -> int:
    if not _is_int(shots) or not 1 <= shots <= MAX_SHOTS:
        raise InvalidInputError(f"{what} must be an integer between 1 and {MAX_SHOTS}")
    return int(shots)


def quantinuum_program(program: Any) -> str:
    """A checked OpenQASM 2 program for Quantinuum (``OPENQASM 2.0;`` header, some text)."""
    if not isinstance(program, str):
        raise InvalidInputError(
            f"the program must be OpenQASM 2 text, got {type(program).__name__}"
        )
    body = program.strip()
    if not body:
        raise InvalidInputError("the program is empty")
    lines = (line.strip() for line in body.splitlines())
    first = next((line for line in lines if line and not line.startswith("//")), "")
    if not first.replace(" ", "").startswith("OPENQASM2"):
        raise InvalidInputError(
            "the program must start with 'OPENQASM 2.0;' (Quantinuum reads OpenQASM 2), "
            f"got {_show(first)}"
        )
    return program


def qir_program(qir: Any) -> bytes:
    """QIR as the bytes to upload: LLVM bitcode as is, or the text form (``.ll``) encoded."""
    if isinstance(qir, bytes | bytearray):
        data = bytes(qir)
        if data.startswith(BITCODE_MAGIC):
            return data
        try:
            qir = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError(
                "qir bytes are neither LLVM bitcode (they start with 'BC\\xc0\\xde') "
                "nor UTF-8 LLVM text"
            ) from None
    if not isinstance(qir, str):
        raise InvalidInputError(
            f"qir must be LLVM bitcode (bytes) or LLVM text (str), got {type(qir).__name__}"
        )
    if "define " not in qir:
        raise InvalidInputError("qir text defines no function: it needs an entry point")
    return qir.encode("utf-8")


def qir_input_params(
    *,
    entry_point: str | None = None,
    arguments: Any = None,
    shots: int | None = None,
    items: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``inputParams`` of a QIR job, as the official client sends them.

    ``entryPoint`` names the entry function (the module's only one when omitted), ``arguments``
    its arguments (base-profile entry points take none), ``items`` a batch (the estimator).
    """
    params: dict[str, Any] = dict(extra or {})
    if entry_point is not None:
        if not isinstance(entry_point, str) or not entry_point:
            raise InvalidInputError("entry_point must be a function name")
        params["entryPoint"] = entry_point
    if arguments is not None and not isinstance(arguments, list):
        raise InvalidInputError("arguments must be a list")
    params["arguments"] = params.get("arguments", []) if arguments is None else arguments
    if shots is not None:
        params["shots"] = check_shots(shots)
    if items is not None:
        if not isinstance(items, list) or not items:
            raise InvalidInputError("items must be a non-empty list of parameter objects")
        if not all(isinstance(item, Mapping) for item in items):
            raise InvalidInputError("every item must be an object of parameters")
        params["items"] = [dict(item) for item in items]
    return params


def provider_of(target: str) -> str:
    """The provider id of a target name (``ionq.simulator`` → ``ionq``)."""
    if target.strip().lower() == ESTIMATOR_TARGET:
        return ESTIMATOR_PROVIDER
    provider = target.strip().split(".", 1)[0].lower()
    if not provider or "." not in target:
        raise InvalidInputError(f"target {target!r:.60} does not name its provider")
    return provider


def encoded(input_data: Any) -> bytes:
    """The input blob's bytes: bytes as they are, text as UTF-8, a dict or list as JSON."""
    if isinstance(input_data, bytes | bytearray):
        raw = bytes(input_data)
    elif isinstance(input_data, str):
        raw = input_data.encode("utf-8")
    elif isinstance(input_data, Mapping | list):
        try:
            raw = json.dumps(input_data, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"input_data is not JSON-serialisable: {exc}") from None
    else:
        raise InvalidInputError(
            f"input_data must be bytes, str, dict or list, got {type(input_data).__name__}"
        )
    if not raw:
        raise InvalidInputError("input_data is empty")
    return raw


#: Content types by a word of the input format, as the official client's targets send them
#: (Quantinuum's OpenQASM, QIR, Rigetti's Quil); JSON otherwise.
_CONTENT_TYPES = (("qasm", "application/qasm"), ("qir", "qir.v1"), ("quil", "text/plain"))


def default_content_type(input_data_format: str) -> str:
    fmt = input_data_format.lower()
    return next((kind for word, kind in _CONTENT_TYPES if word in fmt), "application/json")
