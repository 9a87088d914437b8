"""Azure Quantum's face of a sweep: one circuit per job, each target's shot maximum, binding.

An Azure job runs one circuit (azure-quantum-python #224), so a chunk is one part: one circuit
with its parameter values bound, and at most the target's shots. Parameters are bound here
(the service has no parameter binding): in an OpenQASM 2 program (a Quantinuum target) each
parameter's name, as a whole word, becomes its value; in an IonQ circuit every gate field whose
value is a parameter's name does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from airflow_quantum.clients.azure.inputs import MAX_SHOTS
from airflow_quantum.clients.azure.prepared import AzurePreparedJob
from airflow_quantum.clients.errors import BadResponseError, InvalidInputError
from airflow_quantum.sweeps.limits import Chunk, JobLimits
from airflow_quantum.sweeps.workload import Workload

#: When the shot table below was taken.
LIMITS_AS_OF = "2026-12-07"
#: Targets (by id prefix) that run at most 10,000 shots a job: the ``max_shots`` of the
#: official azure-quantum client's Qiskit backends (the service does not publish them). The
#: IonQ simulator and the Quantinuum emulators and syntax checkers have none.
TARGET_MAX_SHOTS: tuple[tuple[str, int], ...] = (
    ("ionq.qpu", 10_000),
    ("quantinuum.qpu", 10_000),
    ("rigetti.", 10_000),
)


def limits(target: str) -> JobLimits:
    """The limits of a job on ``target``: one circuit, the target's shot maximum."""
    for prefix, maximum in TARGET_MAX_SHOTS:
        if target.lower().startswith(prefix):
            return JobLimits(
                max_items=1,
                max_shots=maximum,
                source=f"one circuit per job; {target}'s shots as of {LIMITS_AS_OF}",
            )
    return JobLimits(
        max_items=1, max_shots=MAX_SHOTS, source="one circuit per job; the service's shot range"
    )


def bind_program(program: str, values: Mapping[str, float]) -> str:
    """An OpenQASM 2 program with each parameter name (a whole word) replaced by its value."""
    if not values:
        return program
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, values)) + r")\b")
    return pattern.sub(lambda match: repr(float(values[match.group(1)])), program)


def bind_circuit(circuit: Any, values: Mapping[str, float]) -> Any:
    """An IonQ circuit (gate list or document) with parameter names replaced by values."""
    if isinstance(circuit, str):
        return values.get(circuit, circuit) if values else circuit
    if isinstance(circuit, Mapping):
        return {
            key: value if key == "gate" else bind_circuit(value, values)
            for key, value in circuit.items()
        }
    if isinstance(circuit, list | tuple):
        return [bind_circuit(value, values) for value in circuit]
    return circuit


def chunk_job(workload: Workload, chunk: Chunk, target: str, **options: Any) -> AzurePreparedJob:
    """The job of ``chunk`` (one part) on ``target``: an OpenQASM 2 program (str) or an IonQ
    circuit (gate list or document), bound to the part's parameter values."""
    (part,) = chunk.parts
    circuit = workload.circuit_of(part.item)
    values = workload.values_of(part.item)
    if isinstance(circuit, str):
        return AzurePreparedJob.from_inputs(
            target, quantinuum_program=bind_program(circuit, values), shots=part.shots, **options
        )
    if isinstance(circuit, list | tuple | Mapping):
        return AzurePreparedJob.from_inputs(
            target, ionq_circuit=bind_circuit(circuit, values), shots=part.shots, **options
        )
    raise InvalidInputError(
        f"circuits[{0 if workload.is_sweep else part.item}] must be an OpenQASM 2 program (str) "
        f"or an IonQ circuit (list or dict), got {type(circuit).__name__}"
    )


def counts_of(result: Mapping[str, Any], shots: int) -> dict[str, Any]:
    """Counts from a decoded Azure result: Quantinuum's per register (one register: flat),
    QIR's ``counts``, IonQ's probabilities times the shots (rounded)."""
    counts = result.get("counts")
    if isinstance(counts, Mapping) and counts:
        registers = list(counts.values())
        if all(isinstance(value, Mapping) for value in registers):
            return dict(registers[0]) if len(registers) == 1 else dict(counts)
        return dict(counts)
    probabilities = result.get("probabilities") or result.get("histogram")
    if isinstance(probabilities, Mapping):
        return {
            key: round(float(p) * shots)
            for key, p in probabilities.items()
            if round(float(p) * shots)
        }
    raise BadResponseError(
        f"the result of format {result.get('format')!r} holds no counts", vendor="Azure Quantum"
    )
