"""The ISA rule: IBM backends run only circuits written in their instruction set.

Since March 2024 Qiskit Runtime refuses circuits that do not match the backend's target: a
gate outside its ``supported_instructions``, a two-qubit gate on a pair missing from its
coupling map, or a qubit beyond the device. The service accepts such a job and fails it with
reason code 1517 ("Circuits do not match the target definition (non-ISA circuits)"), as users
saw it on the dashboard; the emulator does the same (see ``docs/emulator.md``).
"""

from __future__ import annotations

import math
import re

import numpy as np

from airflow_quantum_emulator.ibm.backends import TWO_QUBIT_GATES, Backend, edges
from airflow_quantum_emulator.sim.circuit import Circuit, GateOp

#: Reason code of a job whose circuits are not ISA circuits for its backend.
NON_ISA_CODE = "1517"
NON_ISA_REASON = "Circuits do not match the target definition (non-ISA circuits)."
NON_ISA_SOLUTION = (
    "Transpile your circuits for the target before submitting a primitive query, e.g. with "
    "qiskit's generate_preset_pass_manager(optimization_level=1, target=backend.target), and "
    "apply the layout of the transpiled circuits to estimator observables. "
    "-- https://ibm.biz/error_codes#1517"
)
#: Instructions that every target accepts whatever their qubits (as the client's is_isa_circuit).
_ALWAYS = frozenset({"barrier", "store"})
#: ``rzz`` is calibrated for angles in [0, pi/2] only; the official client (``utils.py``,
#: ``_is_valid_rzz_pub_helper``) allows 1e-10 of rounding above pi/2 and refuses the rest.
RZZ_LIMIT = math.pi / 2 + 1e-10
#: OpenQASM 3 statements of dynamic circuits, and the instruction each is in a target.
_DYNAMIC = {
    "if_else": re.compile(r"\bif\s*\("),
    "for_loop": re.compile(r"\bfor\s+\w+(\s+\w+)?\s+in\b"),
    "while_loop": re.compile(r"\bwhile\s*\("),
    "switch_case": re.compile(r"\bswitch\s*\("),
}


def violation(circuit: Circuit, backend: Backend) -> str | None:
    """Why ``circuit`` is not an ISA circuit of ``backend`` (the first problem), or None."""
    if circuit.num_qubits > backend.num_qubits:
        return (
            f"The circuit has {circuit.num_qubits} qubits but the target system "
            f"{backend.name} has {backend.num_qubits} qubits."
        )
    supported = set(backend.supported_instructions)
    pairs = set(edges(backend))
    for instruction in circuit.instructions:
        name, qubits = instruction.name, instruction.qubits
        if name in _ALWAYS:
            continue
        shown = "(" + ", ".join(map(str, qubits)) + ("," if len(qubits) == 1 else "") + ")"
        if name not in supported:
            return (
                f"The instruction {name} on qubits {shown} is not supported by the target "
                f"system: {backend.name} runs {', '.join(backend.basis_gates)}."
            )
        if name in TWO_QUBIT_GATES and (len(qubits) != 2 or tuple(qubits) not in pairs):
            return (
                f"The instruction {name} on qubits {shown} is not supported by the target "
                f"system: qubits {shown} are not coupled on {backend.name}."
            )
    return None


def rzz_violation(circuit: Circuit, values: np.ndarray) -> str | None:
    """Why an ``rzz`` angle of the circuit, bound to each set of ``values``, is not allowed."""
    gates = [op for op in circuit.operations if isinstance(op, GateOp) and op.base == "rzz"]
    if not gates:
        return None
    rows = values.reshape(-1, values.shape[-1]) if circuit.parameters else [()]
    for row in rows:
        env = circuit.environment(row)
        for gate in gates:
            angle = gate.params[0].evaluate(env)
            if not 0.0 <= angle <= RZZ_LIMIT:
                qubits = tuple(gate.qubits)
                return (
                    f"The instruction rzz on qubits {qubits} is supported only for angles in the "
                    f"range [0, pi/2], but an angle ({angle}) outside of this range has been "
                    "requested."
                )
    return None


def dynamic_instructions(source: str) -> list[str]:
    """The dynamic-circuit instructions an OpenQASM 3 program uses (``if_else``, ...)."""
    return [name for name, pattern in _DYNAMIC.items() if pattern.search(source)]


def unsupported_dynamic(source: str, backend: Backend) -> str | None:
    """Why a dynamic circuit is not an ISA circuit of ``backend``, or None when it is."""
    runs = [name for name in _DYNAMIC if name in backend.supported_instructions]
    for name in dynamic_instructions(source):
        if name not in runs:
            return (
                f"The instruction {name} is not supported by the target system: {backend.name} "
                f"runs {', '.join(runs) or 'no dynamic circuits'}."
            )
    return None


def failure_message(where: str, problem: str) -> str:
    """The failed job's reason: the service's words, then where (``pub 0``, ``item 1``) and what
    is wrong."""
    return f"{NON_ISA_REASON} -- {where}: {problem} {NON_ISA_SOLUTION}"
