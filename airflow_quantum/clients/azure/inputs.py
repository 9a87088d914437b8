"""Job inputs built and checked before anything is sent (nothing is paid for a typo).

- ``qio_problem``: a ``microsoft.qio.v2`` optimization problem (Ising or PUBO) from terms
  ``[(c, [ids]), ...]`` or ``[{"c": c, "ids": [...]}, ...]``, or a whole problem document.
- ``ionq_circuit``: an ``ionq.circuit.v1`` circuit (QIS or native gate set), and ``check_shots``.

Every problem raises ``InvalidInputError`` naming the term or gate index and the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError

QIO_INPUT_FORMAT = "microsoft.qio.v2"
QIO_OUTPUT_FORMAT = "microsoft.qio-results.v2"
QIO_PROVIDER = "microsoft"
IONQ_INPUT_FORMAT = "ionq.circuit.v1"
IONQ_OUTPUT_FORMAT = "ionq.quantum-results.v1"
IONQ_PROVIDER = "ionq"
IONQ_DEFAULT_SHOTS = 500

PROBLEM_TYPES = ("ising", "pubo", "ising_grouped", "pubo_grouped")
MAX_TERMS = 1_000_000
MAX_SHOTS = 1_000_000
MAX_IONQ_QUBITS = 1_000
_MAX_ID = 2**63

# gate -> (number of targets (1 = any number of single-qubit applications), parameter)
_QIS_GATES: dict[str, tuple[int, str | None]] = {
    **{name: (1, None) for name in ("x", "y", "z", "h", "s", "si", "t", "ti", "v", "vi", "not")},
    "rx": (1, "rotation"),
    "ry": (1, "rotation"),
    "rz": (1, "rotation"),
    "cnot": (1, None),
    "swap": (2, None),
    "xx": (2, "rotation"),
    "yy": (2, "rotation"),
    "zz": (2, "rotation"),
}
_NATIVE_GATES: dict[str, tuple[int, str | None]] = {
    "gpi": (1, "phase"),
    "gpi2": (1, "phase"),
    "ms": (2, None),
    "zz": (2, "angle"),
}


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


# ------------------------------------------------------------------------ QIO


def _term(term: Any, where: str) -> dict[str, Any]:
    if isinstance(term, Mapping):
        if "c" in term:
            coefficient = term["c"]
        elif "w" in term:
            coefficient = term["w"]
        else:
            raise InvalidInputError(f"{where} has no coefficient 'c'")
        if "ids" not in term:
            raise InvalidInputError(f"{where} has no 'ids'")
        ids = term["ids"]
    elif isinstance(term, list | tuple) and len(term) == 2:
        coefficient, ids = term
    else:
        raise InvalidInputError(
            f"{where} must be (c, [ids]) or {{'c': c, 'ids': [ids]}}, got {_show(term)}"
        )
    c = _finite(coefficient, f"{where}.c")
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable) or isinstance(ids, Mapping):
        raise InvalidInputError(f"{where}.ids must be a list of variable ids")
    checked = []
    for var in ids:
        if not _is_int(var) or not 0 <= var < _MAX_ID:
            raise InvalidInputError(f"{where}.ids must be non-negative integers, got {_show(var)}")
        checked.append(int(var))
    return {"c": c, "ids": checked}


def _terms(terms: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(terms, str | bytes | Mapping) or not isinstance(terms, Iterable):
        raise InvalidInputError(f"{where} must be a list of terms")
    result = []
    for index, term in enumerate(terms):
        if index >= MAX_TERMS:
            raise InvalidInputError(f"{where} has more than {MAX_TERMS} terms")
        result.append(_term(term, f"{where}[{index}]"))
    return result


def _initial_configuration(raw: Any, kind: str) -> dict[str, int]:
    if not isinstance(raw, Mapping):
        raise InvalidInputError("initial_configuration must map variable ids to values")
    domain = (-1, 1) if kind.startswith("ising") else (0, 1)
    result = {}
    for key, value in raw.items():
        text = str(key) if _is_int(key) else key
        if not isinstance(text, str) or not text.isdigit() or len(text) > 19:
            raise InvalidInputError(f"initial_configuration key {_show(key)} is not a variable id")
        if not _is_int(value) or value not in domain:
            raise InvalidInputError(
                f"initial_configuration[{text}] must be {domain[0]} or {domain[1]}, "
                f"got {_show(value)}"
            )
        result[text] = int(value)
    return result


def qio_problem(
    terms: Any = None,
    *,
    problem: Mapping[str, Any] | None = None,
    problem_type: str = "ising",
    name: str | None = None,
    initial_configuration: Mapping[Any, int] | None = None,
) -> dict[str, Any]:
    """A checked ``microsoft.qio.v2`` document, from ``terms`` or from a whole ``problem``.

    ``terms``: ``[(3, [0, 1]), (-2, [2])]`` or ``[{"c": 3, "ids": [0, 1]}, ...]``.
    ``problem_type``: ``ising`` (spins ±1) or ``pubo`` (0/1); ``*_grouped`` for whole documents.
    """
    if (terms is None) == (problem is None):
        raise InvalidInputError("give either terms or problem (exactly one)")
    if problem is not None:
        return check_qio_problem(problem)
    if problem_type not in ("ising", "pubo"):
        raise InvalidInputError(
            f"problem_type must be 'ising' or 'pubo' for terms, got {_show(problem_type)}"
        )
    checked = _terms(terms, "terms")
    if not checked:
        raise InvalidInputError("terms is empty: the problem needs at least one term")
    function: dict[str, Any] = {"version": "1.0", "type": problem_type, "terms": checked}
    if initial_configuration is not None:
        function["version"] = "1.1"
        function["initial_configuration"] = _initial_configuration(
            initial_configuration, problem_type
        )
    document: dict[str, Any] = {"cost_function": function}
    if name is not None:
        if not isinstance(name, str):
            raise InvalidInputError("name must be a string")
        document["metadata"] = {"name": name}
    return document


def check_qio_problem(problem: Any) -> dict[str, Any]:
    """Check a whole ``microsoft.qio.v2`` document and return a normalised copy."""
    if not isinstance(problem, Mapping):
        raise InvalidInputError("problem must be a JSON object with a 'cost_function'")
    function = problem.get("cost_function")
    if not isinstance(function, Mapping):
        raise InvalidInputError("problem.cost_function must be an object")
    kind = function.get("type")
    if kind not in PROBLEM_TYPES:
        raise InvalidInputError(
            f"problem.cost_function.type must be one of {', '.join(PROBLEM_TYPES)}, "
            f"got {_show(kind)}"
        )
    version = function.get("version", "1.0")
    if version not in ("1.0", "1.1"):
        raise InvalidInputError(
            f"problem.cost_function.version must be '1.0' or '1.1', got {_show(version)}"
        )
    out: dict[str, Any] = {"version": version, "type": kind}
    slc = function.get("terms_slc")
    if slc is not None:
        if not kind.endswith("_grouped"):
            raise InvalidInputError(f"terms_slc needs a grouped type ('{kind}_grouped')")
        if isinstance(slc, str | bytes | Mapping) or not isinstance(slc, Iterable):
            raise InvalidInputError("problem.cost_function.terms_slc must be a list")
        groups = []
        for index, group in enumerate(slc):
            where = f"problem.cost_function.terms_slc[{index}]"
            if not isinstance(group, Mapping):
                raise InvalidInputError(f"{where} must be an object with 'c' and 'terms'")
            inner = _terms(group.get("terms"), f"{where}.terms")
            if not inner:
                raise InvalidInputError(f"{where}.terms is empty")
            groups.append({"c": _finite(group.get("c"), f"{where}.c"), "terms": inner})
        out["terms_slc"] = groups
    raw_terms = function.get("terms", [] if slc is not None else None)
    if raw_terms is None:
        raise InvalidInputError("problem.cost_function.terms is missing")
    out["terms"] = _terms(raw_terms, "problem.cost_function.terms")
    if not out["terms"] and not out.get("terms_slc"):
        raise InvalidInputError("problem.cost_function.terms is empty")
    if function.get("initial_configuration") is not None:
        out["initial_configuration"] = _initial_configuration(
            function["initial_configuration"], kind
        )
        out["version"] = "1.1"
    document: dict[str, Any] = {"cost_function": out}
    metadata = problem.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise InvalidInputError("problem.metadata must be an object")
        document["metadata"] = dict(metadata)
    return document


def qio_input_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``inputParams`` of a QIO job: ``{"params": {...}}`` (sweeps, beta_start, seed, ...)."""
    if params is None:
        return {"params": {}}
    if not isinstance(params, Mapping):
        raise InvalidInputError("params must be a dict of solver parameters")
    checked = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise InvalidInputError(f"params key {_show(key)} is not a string")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInputError(f"params.{key} must be finite")
        if value is not None and not isinstance(value, str | bool | Real | list | dict):
            raise InvalidInputError(f"params.{key} must be a JSON value, got {_show(value)}")
        checked[key] = int(value) if _is_int(value) else value
    return {"params": checked}


# ------------------------------------------------------------------------ IonQ


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
    highest = -1
    for gate in gates:
        if not isinstance(gate, Mapping):
            continue
        for key in ("target", "control"):
            if _is_int(gate.get(key)):
                highest = max(highest, int(gate[key]))
        for key in ("targets", "controls"):
            if isinstance(gate.get(key), list | tuple):
                highest = max([highest, *(int(v) for v in gate[key] if _is_int(v))])
    return highest + 1


def ionq_circuit(
    circuit: Any, qubits: int | None = None, *, gateset: str | None = None
) -> dict[str, Any]:
    """A checked ``ionq.circuit.v1`` document.

    ``circuit`` is a list of gates (``{"gate": "h", "target": 0}``, ``{"gate": "cnot",
    "control": 0, "target": 1}``, ...) or a whole document ``{"qubits": n, "circuit": [...]}``.
    ``qubits`` defaults to the document's, else to the highest qubit used plus one.
    """
    if isinstance(circuit, Mapping):
        gates = circuit.get("circuit")
        if qubits is None:
            qubits = circuit.get("qubits")
        if gateset is None:
            gateset = circuit.get("gateset")
    else:
        gates = circuit
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
