"""Transpile pubs for a backend with qiskit (the ``qiskit`` extra): textbook circuits in, ISA out.

The backend's qiskit ``Target`` is built from its configuration and properties (calibrated
errors and durations, coupling map, measure/reset/delay); qiskit's preset pass manager runs at
the requested ``optimization_level``. Estimator observables follow the circuit's layout
(``SparsePauliOp.apply_layout``), as IBM's guides do. Fractional gates (``rx``, ``rzz``) are
left out of the target, as the official client does by default.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError, MissingExtraError
from airflow_quantum.clients.ibm.qiskit_interop import (
    QISKIT_EXTRA,
    circuit_to_qasm3,
    require_qiskit,
)

#: Gates the service runs only with fractional gates enabled; not targeted here.
FRACTIONAL_GATES = frozenset({"rx", "rzz"})
#: Transpilation is deterministic: the same DAG run submits the same circuits.
SEED = 11
OPTIMIZATION_LEVELS = (0, 1, 2, 3)


def optimization_level(value: Any) -> int | None:
    """``None`` (no transpilation) or a level 0-3."""
    if value is None:
        return None
    if isinstance(value, bool) or value not in OPTIMIZATION_LEVELS:
        raise InvalidInputError(f"optimization_level must be 0, 1, 2 or 3 (or None), got {value!r}")
    return int(value)


def backend_target(configuration: Any, properties: Any = None) -> Any:
    """qiskit ``Target`` of a backend from its configuration and (optional) properties."""
    require_qiskit("optimization_level")
    from qiskit.circuit import Delay, Measure, Parameter, Reset
    from qiskit.circuit.library import get_standard_gate_name_mapping
    from qiskit.transpiler import InstructionProperties, Target

    n = configuration.n_qubits or 0
    calibrated = _calibration(properties)
    readout = _readout(properties)
    pairs = sorted({tuple(pair) for pair in configuration.coupling_map or [] if len(pair) == 2})
    target = Target(num_qubits=n, description=configuration.backend_name)
    gates = get_standard_gate_name_mapping()
    for name in configuration.basis_gates or []:
        if name in FRACTIONAL_GATES or name not in gates:
            continue
        gate = gates[name]
        qargs = pairs if gate.num_qubits == 2 else [(q,) for q in range(n)]
        target.add_instruction(gate, {q: calibrated.get((name, q)) for q in qargs})
    target.add_instruction(
        Measure(), {(q,): InstructionProperties(error=readout.get(q)) for q in range(n)}
    )
    target.add_instruction(Reset(), {(q,): None for q in range(n)})
    target.add_instruction(Delay(Parameter("t")), {(q,): None for q in range(n)})
    return target


def _calibration(properties: Any) -> dict[tuple[str, tuple[int, ...]], Any]:
    """``(gate, qubits) -> InstructionProperties`` (duration in s, error) from the properties'
    ``gates``."""
    from qiskit.transpiler import InstructionProperties

    found = {}
    for gate in getattr(properties, "gates", None) or []:
        values = {p.get("name"): p.get("value") for p in gate.get("parameters", [])}
        length = values.get("gate_length")
        duration = length * 1e-9 if isinstance(length, int | float) else None
        key = (gate.get("gate"), tuple(gate.get("qubits", ())))
        found[key] = InstructionProperties(duration, values.get("gate_error"))
    return found


def _readout(properties: Any) -> dict[int, float]:
    errors = {}
    for index, items in enumerate(getattr(properties, "qubits", None) or []):
        for item in items:
            if item.get("name") == "readout_error":
                errors[index] = item.get("value")
    return errors


def isa_pubs(
    program_id: str, pubs: Sequence[list[Any]], target: Any, level: int
) -> list[list[Any]]:
    """Wire pubs whose circuits are transpiled for ``target`` (observables laid out)."""
    from qiskit.transpiler import generate_preset_pass_manager

    # qiskit logs every pass's timing at INFO (30-38 "Pass: ..." lines per circuit): too chatty
    # for task logs, unless the deployment configured qiskit's loggers itself.
    qiskit_logger = logging.getLogger("qiskit")
    if qiskit_logger.level == logging.NOTSET:
        qiskit_logger.setLevel(logging.WARNING)

    manager = generate_preset_pass_manager(
        optimization_level=level, target=target, seed_transpiler=SEED
    )
    result = []
    for index, pub in enumerate(pubs):
        circuit = _load(pub[0], f"pub {index}")
        isa = manager.run(circuit)
        out = [circuit_to_qasm3(isa, f"pub {index}"), *pub[1:]]
        if program_id == "estimator" and len(pub) > 1:
            out[1] = _laid_out(pub[1], isa.layout, isa.num_qubits)
        result.append(out)
    return result


def _load(text: Any, where: str) -> Any:
    if not isinstance(text, str):
        raise InvalidInputError(f"{where}: only OpenQASM 3 circuits can be transpiled here")
    from qiskit import qasm3

    try:
        return qasm3.loads(text)
    except qasm3.QASM3ImporterError as exc:
        raise InvalidInputError(f"{where}: qiskit could not read the circuit: {exc}") from exc
    except ImportError:
        raise MissingExtraError(
            "optimization_level with OpenQASM 3 circuits", QISKIT_EXTRA, "qiskit-qasm3-import"
        ) from None


def _laid_out(observables: Any, layout: Any, width: int) -> Any:
    """Each ``{pauli: coefficient}`` re-indexed onto the physical qubits of ``layout``."""
    if isinstance(observables, list):
        return [_laid_out(item, layout, width) for item in observables]
    from qiskit.quantum_info import SparsePauliOp

    operator = SparsePauliOp.from_list(list(observables.items()))
    physical = operator.apply_layout(layout, num_qubits=width)
    terms: dict[str, float] = {}
    for label, coefficient in physical.to_list():
        terms[label] = terms.get(label, 0.0) + float(complex(coefficient).real)
    return terms
