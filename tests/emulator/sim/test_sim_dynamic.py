"""Dynamic circuits: if/else, switch, for loops and integer variables, as qiskit exports them."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sim_helpers import HEADER

from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import final_state

#: What qiskit 2.6's qasm3.dumps writes for if_test, for_loop and switch (abridged).
QISKIT_EXPORT = """bit[2] c;
int switch_dummy;
qubit[2] q;
h q[0];
c[0] = measure q[0];
if (c[0]) {
  x q[1];
} else {
  id q[1];
}
for int _loop_i_0 in [0:1] {
  rz(_loop_i_0) q[0];
}
switch_dummy = c;
switch (switch_dummy) {
  case 0 {
    id q[0];
  }
  case 1, 2 {
    id q[0];
  }
  default {
    rz(0.1) q[0];
  }
}
c[1] = measure q[1];
"""


def counts(source: str, shots: int = 2000, register: str = "c") -> Counter[str]:
    bits = sample_memory(parse_qasm(HEADER + source).bind(), shots, np.random.default_rng(5))
    return Counter("".join(map(str, row[::-1])) for row in bits[register])


def test_qiskit_s_export_of_if_for_and_switch_parses_and_records_the_instructions():
    circuit = parse_qasm(HEADER + QISKIT_EXPORT)
    names = [instruction.name for instruction in circuit.instructions]
    for name in ("if_else", "for_loop", "store", "switch_case"):
        assert name in names
    assert names.count("rz") == 3  # the loop unrolled twice, the default case once
    assert circuit.is_dynamic
    found = counts(QISKIT_EXPORT)
    assert set(found) == {"00", "11"}  # q1 follows the measured q0


def test_an_else_block_runs_when_the_condition_fails():
    found = counts(
        "qubit[2] q; bit[2] c; h q[0]; c[0] = measure q[0]; "
        "if (c[0] == 0) { x q[1]; } else { } c[1] = measure q[1];"
    )
    assert set(found) == {"01", "10"}


def test_measure_and_conditional_flip_resets_a_qubit():
    found = counts("qubit q; bit[2] c; h q; c[0] = measure q; if (c[0]) { x q; } c[1] = measure q;")
    assert set(found) == {"00", "01"} and 800 < found["01"] < 1200


@pytest.mark.parametrize(("value", "flips"), [(3, "1"), (0, "0")])
def test_a_switch_reads_the_register_through_a_variable(value, flips):
    prepare = "x q[0]; x q[1];" if value == 3 else ""
    found = counts(
        f"qubit[3] q; bit[2] c; bit d; {prepare} c = measure q[0:1]; int v; v = c; "
        "switch (v) { case 3 { x q[2]; } default { } } d = measure q[2];",
        register="d",
    )
    assert found == {flips: 2000}


def test_a_register_compared_with_a_value_and_its_negation():
    base = "qubit[3] q; bit[2] c; bit d; h q[0]; h q[1]; c = measure q[0:1]; "
    equal = counts(base + "if (c == 2) { x q[2]; } d = measure q[2];", register="d")
    differ = counts(base + "if (c != 2) { x q[2]; } d = measure q[2];", register="d")
    assert 350 < equal["1"] < 650 and 1350 < differ["1"] < 1650


def test_openqasm_2_conditions_without_braces():
    found = counts(
        "qreg q[2]; creg c[2]; h q[0]; measure q[0] -> c[0]; if (c==1) x q[1]; "
        "measure q[1] -> c[1];".replace("'", "")
    )
    assert set(found) == {"00", "11"}


def test_loops_unroll_over_ranges_and_sets_with_the_variable_in_angles_and_indices():
    assert counts("qubit q; bit c; for int i in [0:1] { rx(pi/2) q; } c = measure q;") == {
        "1": 2000
    }
    assert counts("qubit q; bit c; for i in {1, 1, 2} { rx(i*pi/4) q; } c = measure q;") == {
        "1": 2000
    }
    found = counts("qubit[3] q; bit[3] c; for uint i in [0:2:2] { x q[i]; } c = measure q;")
    assert found == {"101": 2000}


def test_a_final_state_is_refused_for_a_dynamic_circuit():
    circuit = parse_qasm(HEADER + "qubit q; bit c; c = measure q; if (c) { x q; }")
    with pytest.raises(SimulationError, match="classical control"):
        final_state(circuit.bind())
