"""Base-profile QIR read with pyqir, simulated, and sized by the resource estimator."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.estimator import estimate
from airflow_quantum_emulator.sim.qir import LogicalCounts, parse_qir
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import final_state

pyqir = pytest.importorskip("pyqir")


def module(qubits: int, results: int, build) -> bytes:
    simple = pyqir.SimpleModule("main", num_qubits=qubits, num_results=results)
    build(pyqir.BasicQisBuilder(simple.builder), simple.qubits, simple.results)
    return simple.bitcode()


def test_gates_and_adjoints_give_the_state_a_textbook_circuit_gives():
    def build(qis, q, r):
        qis.h(q[0])
        qis.t(q[0])
        qis.t_adj(q[0])  # T then T-dagger: identity
        qis.s(q[1])
        qis.s_adj(q[1])
        qis.rx(math.pi, q[1])  # X up to a phase
        qis.cz(q[0], q[1])

    program = parse_qir(module(2, 0, build))
    state = final_state(program.circuit.bind(()))
    # H on q0, X on q1 (index q0 + 2 q1): amplitude on 2 and 3, CZ flips the sign of 3.
    assert np.abs(state) ** 2 == pytest.approx([0.0, 0.0, 0.5, 0.5])
    assert state[3] / state[2] == pytest.approx(-1.0)


def test_recorded_results_set_the_order_of_the_outputs():
    text = (
        "define void @main() #0 {\nentry:\n"
        "  call void @__quantum__qis__x__body(ptr inttoptr (i64 1 to ptr))\n"
        "  call void @__quantum__qis__mz__body(ptr null, ptr null)\n"
        "  call void @__quantum__qis__mz__body(ptr inttoptr (i64 1 to ptr), "
        "ptr inttoptr (i64 1 to ptr))\n"
        "  call void @__quantum__rt__array_record_output(i64 2, ptr null)\n"
        "  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr null)\n"
        "  call void @__quantum__rt__result_record_output(ptr null, ptr null)\n"
        "  ret void\n}\n"
        "declare void @__quantum__qis__x__body(ptr)\n"
        "declare void @__quantum__qis__mz__body(ptr, ptr)\n"
        "declare void @__quantum__rt__array_record_output(i64, ptr)\n"
        "declare void @__quantum__rt__result_record_output(ptr, ptr)\n"
        'attributes #0 = { "entry_point" "required_num_qubits"="2" "required_num_results"="2" }\n'
    )
    program = parse_qir(text.encode())
    assert program.outputs == [1, 0]
    memory = sample_memory(program.circuit.bind(()), 5, np.random.default_rng(0))
    assert memory["r"][:, program.outputs].tolist() == [[1, 0]] * 5


def test_rotations_are_counted_as_the_estimator_counts_them():
    def build(qis, q, r):
        qis.rz(math.pi / 2, q[0])  # Clifford (S): not counted
        qis.rz(math.pi / 4, q[0])  # T up to Cliffords
        qis.rz(0.3, q[0])
        qis.rz(0.4, q[1])  # parallel to the one above: same layer
        qis.ry(0.5, q[0])
        qis.mz(q[0], r[0])

    counts = parse_qir(module(2, 1, build)).counts
    assert (counts.t_count, counts.rotation_count, counts.rotation_depth) == (1, 3, 2)
    assert counts.measurement_count == 1 and counts.num_qubits == 2


def test_an_entry_point_can_be_named_and_must_exist():
    data = module(1, 1, lambda qis, q, r: qis.mz(q[0], r[0]))
    assert parse_qir(data, "main").entry_point == "main"
    with pytest.raises(SimulationError, match="no entry point named 'other'"):
        parse_qir(data, "other")
    with pytest.raises(SimulationError, match="not valid LLVM"):
        parse_qir(b"BC\xc0\xde garbage")


def test_the_estimate_of_the_recorded_sample_matches_the_recording():
    # azure-quantum tests/unit/recordings/test_estimator_non_batching_job.yaml (before 859d18f7):
    # 3 qubits, one CCZ, 3 measurements, default parameters.
    document = estimate(LogicalCounts(num_qubits=3, ccz_count=1, measurement_count=3), {})
    physical = document["physicalCounts"]
    assert (physical["physicalQubits"], physical["runtime"], physical["rqops"]) == (
        16856,
        36400,
        4285715,
    )
    breakdown = physical["breakdown"]
    assert breakdown["algorithmicLogicalQubits"] == 12
    assert (breakdown["algorithmicLogicalDepth"], breakdown["logicalDepth"]) == (6, 13)
    assert (breakdown["numTstates"], breakdown["numTfactories"]) == (4, 4)
    assert breakdown["requiredLogicalQubitErrorRate"] == pytest.approx(6.944444444444445e-06)
    assert document["logicalQubit"] == {
        "codeDistance": 7,
        "physicalQubits": 98,
        "logicalCycleTime": 2800,
        "logicalErrorRate": pytest.approx(3e-6),
    }
    factory = document["tfactory"]
    assert (factory["physicalQubits"], factory["runtime"]) == (3920, 36400)
    assert factory["logicalErrorRate"] == pytest.approx(2.1335e-05)
    assert document["errorBudget"] == {"logical": 0.0005, "tstates": 0.0005, "rotations": 0.0}
    assert document["physicalCountsFormatted"]["physicalQubits"] == "16.86k"


def test_a_smaller_budget_or_a_worse_qubit_costs_more():
    counts = LogicalCounts(num_qubits=5, t_count=10, rotation_count=4, rotation_depth=2)
    base = estimate(counts, {})["physicalCounts"]["physicalQubits"]
    assert estimate(counts, {"errorBudget": 1e-6})["physicalCounts"]["physicalQubits"] > base
    better = estimate(counts, {"qubitParams": {"name": "qubit_gate_ns_e4"}})
    assert better["physicalCounts"]["physicalQubits"] < base
    assert estimate(LogicalCounts(num_qubits=2, measurement_count=2), {})["tfactory"] is None
    words = "The error budget must be between 0.0 and 1.0, provided input was `2`"
    with pytest.raises(SimulationError, match=re.escape(words)):
        estimate(counts, {"errorBudget": 2})
