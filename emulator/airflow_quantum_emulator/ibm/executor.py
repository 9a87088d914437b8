"""The ``executor`` program: quantum programs, as qiskit-ibm-runtime 0.50+ sends them.

``prepare`` reads the params (``quantum_program``) and checks every circuit against the backend
(the ISA rule) at submission; the computation runs each item's circuit for each of its
executions, ``shots`` times, and the result is the ``QuantumProgramResult`` of the schema
(ibm-quantum-schemas ``executor/version_2_0``): per item, one tensor per classical register of
booleans, shape (*item shape, shots, register size), bit i of the register in column i (plus,
for samplex items, the samplex's outputs but its parameter values), the execution's timing, and
the program's ``passthrough_data`` and ``semantic_role``, which the client's decoder uses to
post-process the result into a ``PrimitiveResult`` for its Sampler and Estimator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from airflow_quantum_emulator.ibm import isa, samplex_items, tensors
from airflow_quantum_emulator.ibm.backends import Backend
from airflow_quantum_emulator.ibm.programs import Program, guarded, non_isa_program
from airflow_quantum_emulator.ibm.pub_circuits import DynamicCircuit, check_size
from airflow_quantum_emulator.ibm.quantum_program import ProgramItem, QuantumProgram, parse
from airflow_quantum_emulator.sim.sampling import sample_memory

PROGRAM_ID = "executor"


@dataclass
class ExecutorResult:
    """What a quantum program's computation produced: arrays per item, and the program's data."""

    items: list[dict[str, np.ndarray]]
    shapes: list[tuple[int, ...]]
    registers: list[list[str]]
    program: QuantumProgram

    def document(self, started: float, ended: float) -> dict[str, Any]:
        """The ``QuantumProgramResult`` (schema v2.0) of a job that ran from ``started``."""
        parts = [
            {
                "idx_item": index,
                "size": math.prod(shape),
                "permutation": list(range(len(shape))),
                "element_range": [0, math.prod(shape), 1],
            }
            for index, shape in enumerate(self.shapes)
        ]
        return {
            "schema_version": "v2.0",
            "data": [
                {
                    "results": {name: tensors.encode(array) for name, array in item.items()},
                    "metadata": {"scheduler_timing": None, "stretch_values": None},
                }
                for item in self.items
            ],
            "metadata": {
                "chunk_timing": [{"start": _iso(started), "stop": _iso(ended), "parts": parts}]
            },
            "passthrough_data": self.program.passthrough_data,
            "semantic_role": self.program.semantic_role,
        }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def prepare(params: Any, *, backend: Backend, max_qubits: int, seed: int) -> Program:
    """Validate an executor job's params for ``backend`` and build its computation."""
    try:
        program = parse(params)
    except DynamicCircuit as exc:  # what the backend does not list is non-ISA, else a 400
        problem = isa.unsupported_dynamic(exc.source, backend)
        if problem is None:
            raise
        return non_isa_program(PROGRAM_ID, seed, isa.failure_message(exc.where, problem))
    samplexes: dict[int, Any] = {}
    for item in program.items:
        where = f"item {item.index}"
        check_size(item.circuit, where, max_qubits)
        problem = isa.violation(item.circuit, backend)
        if problem is None and item.arguments is not None:
            problem = isa.rzz_violation(item.circuit, item.arguments)
        if problem is not None:
            return non_isa_program(PROGRAM_ID, seed, isa.failure_message(where, problem))
        if item.samplex_json is not None:
            samplex = samplex_items.load(item.samplex_json, where)
            inputs = samplex_items.arguments_of(samplex, item.samplex_arguments, where)
            samplexes[item.index] = (samplex, inputs)
    return Program(PROGRAM_ID, [], seed, _compute(program, samplexes, seed, max_qubits))


def _compute(program: QuantumProgram, samplexes: dict[int, Any], seed: int, max_qubits: int):
    @guarded
    def compute() -> ExecutorResult:
        rng = np.random.default_rng(seed)
        items, registers = [], []
        for item in program.items:
            if item.index in samplexes:
                samplex, inputs = samplexes[item.index]
                outputs = samplex_items.sample(samplex, inputs, item.shape, rng)
                values = outputs.pop("parameter_values").astype(float)
            else:
                outputs = {}
                count = item.arguments.shape[-1]
                values = np.broadcast_to(item.arguments, (*item.shape, count))
            measured = _run(item, values, program.shots, rng, max_qubits)
            items.append({**outputs, **measured})
            registers.append(list(measured))
        shapes = [item.shape for item in program.items]
        return ExecutorResult(items, shapes, registers, program)

    return compute


def _run(
    item: ProgramItem, values: np.ndarray, shots: int, rng: np.random.Generator, max_qubits: int
) -> dict[str, np.ndarray]:
    """Each register's bits for every execution: booleans (*shape, shots, size)."""
    circuit = item.circuit
    out = {
        name: np.zeros((*item.shape, shots, size), dtype=bool)
        for name, size in circuit.clbit_registers.items()
    }
    for index in np.ndindex(*item.shape):
        memory = sample_memory(circuit.bind(values[index]), shots, rng, max_qubits=max_qubits)
        for name in out:
            out[name][index] = memory[name].astype(bool)
    return out
