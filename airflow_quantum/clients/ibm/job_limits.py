"""IBM's job validation limits on one circuit, checked before a job is sent.

IBM's job validation service refuses a job at submission, before the queue, when one of its
circuits is too big for the control system (IBM's docs, "Job limits"). A circuit cannot be split
over jobs, so a sweep over such a circuit is refused here before anything is sent.

The published numbers differ between versions of that page, and which one the service applies
today is UNVERIFIED. Each limit here is the most permissive published, so that no circuit a
version accepts is refused:

- two-qubit gates per circuit: 400,000 in a static circuit, 100,000 in a dynamic one (with
  ``if``, ``for``, ``while`` or ``switch``) (the page's "per circuit" version, 2025);
- single-qubit gates per circuit: 2.4 million ``rz`` and 1.6 million ``sx`` (the same version);
- control-system instructions per qubit: 32 million (26.8 million in the version of 2026),
  each instruction weighted as the page's table says (``rz``, ``delay``: 1; ``sx``, ``x``: 2;
  ``cx``, ``cz``, ``ecr``: 5; ``measure``: 10; ``reset``: 17); an instruction the table does not
  name counts 1 (UNVERIFIED).

Counted on the OpenQASM the client sends, as written (``isa.scan``): a loop's body once, a
call of a defined gate once. QPY circuits and programs this reader cannot follow are left to
the service. The page's note that dynamical decoupling, twirling and ZNE grow a circuit before
the check is not modelled: those options are the service's to apply.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm.isa import QasmInstruction, pub_programs, scan

#: When the numbers below were taken from IBM's public docs.
LIMITS_AS_OF = "2026-12-08"
MAX_TWO_QUBIT_GATES = 400_000
MAX_TWO_QUBIT_GATES_DYNAMIC = 100_000
#: Single-qubit gates of one name a circuit may hold.
MAX_SINGLE_QUBIT_GATES = {"rz": 2_400_000, "sx": 1_600_000}
MAX_INSTRUCTIONS_PER_QUBIT = 32_000_000
#: Control-system instructions each ISA instruction counts for (others: 1).
INSTRUCTION_WEIGHTS = {
    "rz": 1, "delay": 1, "sx": 2, "x": 2, "cx": 5, "cz": 5, "ecr": 5, "measure": 10, "reset": 17,
}  # fmt: skip
#: Markers ``isa.scan`` puts where a block of control flow opens.
_DYNAMIC = frozenset({"if_else", "for_loop", "while_loop", "switch_case"})
_NOT_GATES = frozenset({"barrier", "measure", "reset", "delay", *_DYNAMIC})


class CircuitTooLargeError(InvalidInputError):
    """A circuit is over a per-circuit limit of IBM's job validation: refused before sending."""


def violation(program: Iterable[QasmInstruction]) -> str | None:
    """Which per-circuit limit ``program`` (``isa.scan``'s instructions) breaks, or None."""
    names: Counter[str] = Counter()
    per_qubit: Counter[int] = Counter()
    two_qubit = 0
    dynamic = False
    for item in program:
        names[item.name] += 1
        dynamic = dynamic or item.name in _DYNAMIC
        if len(item.qubits) == 2 and item.name not in _NOT_GATES:
            two_qubit += 1
        weight = INSTRUCTION_WEIGHTS.get(item.name, 1)
        for qubit in item.qubits:
            per_qubit[qubit] += weight
    most = MAX_TWO_QUBIT_GATES_DYNAMIC if dynamic else MAX_TWO_QUBIT_GATES
    if two_qubit > most:
        kind = "a dynamic" if dynamic else "a static"
        return f"{two_qubit} two-qubit gates: {kind} circuit may hold at most {most}"
    for name, limit in MAX_SINGLE_QUBIT_GATES.items():
        if names[name] > limit:
            return f"{names[name]} {name} gates: a circuit may hold at most {limit}"
    if per_qubit:
        qubit, count = per_qubit.most_common(1)[0]
        if count > MAX_INSTRUCTIONS_PER_QUBIT:
            return (
                f"{count} control-system instructions on qubit {qubit}: at most "
                f"{MAX_INSTRUCTIONS_PER_QUBIT} per qubit"
            )
    return None


def check_circuit(circuit: str, where: str = "circuit") -> None:
    """``CircuitTooLargeError`` when the OpenQASM ``circuit`` is over a per-circuit limit."""
    try:
        program, _ = scan(circuit)
    except ValueError:
        return  # what this reader cannot follow, the service still checks
    problem = violation(program)
    if problem is not None:
        raise CircuitTooLargeError(
            f"{where}: IBM's job validation refuses this circuit ({problem}, as of "
            f"{LIMITS_AS_OF}); a circuit cannot be split over jobs: make it smaller"
        )


def check_pubs(params: Mapping[str, Any]) -> None:
    """``check_circuit`` on the circuit of every pub of a primitive's ``params`` (QPY circuits
    are the service's to check)."""
    for index, circuit in pub_programs(params):
        check_circuit(circuit, f"pub {index}")
