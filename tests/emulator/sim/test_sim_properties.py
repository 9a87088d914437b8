"""Property tests: bad input only ever raises SimulationError; simulations stay physical."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sim_helpers import HEADER

from airflow_quantum_emulator.sim.errors import QasmError, SimulationError
from airflow_quantum_emulator.sim.gates import BASE_GATES, STANDARD_GATES
from airflow_quantum_emulator.sim.ionq import ionq_probabilities, parse_ionq_circuit
from airflow_quantum_emulator.sim.primitives import run_estimator_pub, run_sampler_pub
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import final_state

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID_PROGRAM = (
    HEADER
    + """input float theta;
qubit[3] q;
bit[3] c;
gate g(a) x, y { h x; ctrl @ rz(a / 2) x, y; }
h q[0];
g(theta) q[0], q[1];
inv @ pow(2) @ s q[2];
cx q[0:1], q[1:2];
barrier q;
c[0] = measure q[0];
reset q[0];
measure q[1:2] -> c[1:2];
"""
)

QASM_WORDS = [
    "OPENQASM", "3.0", "2.0", "include", '"stdgates.inc"', '"qelib1.inc"', '"x.inc"', "qubit",
    "qreg", "bit", "creg", "input", "float", "angle", "gate", "opaque", "measure", "reset",
    "barrier", "delay", "if", "for", "inv", "pow", "ctrl", "negctrl", "@", "U", "CX", "gphase",
    "h", "cx", "rz", "ccx", "q", "c", "r", "$0", "$7", "theta", "pi", "π", "sin", "(", ")", "[",
    "]", "{", "}", ";", ",", ":", "=", "->", "+", "-", "*", "/", "**", "^", "0", "1", "2", "-1",
    "1.5", "1e999", "100ns", "\n",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


def structured(keys: list[str], leaves) -> st.SearchStrategy:
    """JSON objects using the schema's own keys, so fuzzing gets past the first checks."""
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(keys), children, max_size=6)
        ),
        max_leaves=25,
    )


IONQ_KEYS = ["qubits", "circuit", "gateset", "gate", "target", "targets", "control", "controls",
             "rotation", "phase", "phases", "angle", "input"]  # fmt: skip
IONQ_LEAVES = (
    st.sampled_from(["qis", "native", "h", "x", "cnot", "rx", "ms", "gpi", "gpi2", "zz", "swap"])
    | st.integers(-2, 6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.none()
)


@FUZZ
@given(st.text(max_size=200))
def test_random_text_raises_only_qasm_errors(source):
    try:
        parse_qasm(source)
    except QasmError as exc:
        assert exc.line is None or exc.line >= 1


@FUZZ
@given(st.lists(st.sampled_from(QASM_WORDS), max_size=40))
def test_random_token_soup_raises_only_qasm_errors(words):
    try:
        circuit = parse_qasm(" ".join(words))
    except QasmError:
        return
    _run_if_small(circuit)


@FUZZ
@given(st.integers(0, len(VALID_PROGRAM) - 1), st.integers(1, 12), st.text(max_size=4))
def test_mutated_programs_raise_only_qasm_errors(position, length, insert):
    source = VALID_PROGRAM[:position] + insert + VALID_PROGRAM[position + length :]
    try:
        circuit = parse_qasm(source)
    except QasmError:
        return
    _run_if_small(circuit)


def _run_if_small(circuit) -> None:
    """Accepted programs must also simulate or fail with SimulationError, nothing else."""
    try:
        values = np.full(len(circuit.parameters), 0.3)
        run_sampler_pub(circuit, values, 4, np.random.default_rng(0))
    except SimulationError:
        pass


@FUZZ
@given(json_values | structured(IONQ_KEYS, IONQ_LEAVES))
def test_random_json_ionq_circuits_raise_only_simulation_errors(payload):
    try:
        probabilities = ionq_probabilities(parse_ionq_circuit(payload))
    except SimulationError:
        return
    assert math.isclose(sum(probabilities.values()), 1.0, abs_tol=1e-9)


@FUZZ
@given(json_values)
def test_random_observables_raise_only_simulation_errors(observables):
    circuit = parse_qasm(HEADER + "qubit[2] q; h q[0]; cx q[0], q[1];")
    try:
        evs, _ = run_estimator_pub(circuit, observables, None, 0.0, np.random.default_rng(0))
    except SimulationError:
        return
    assert np.all(np.isfinite(evs))


# -- random circuits -----------------------------------------------------------------------------

NUM_QUBITS = 5


@st.composite
def gate_calls(draw) -> str:
    name = draw(st.sampled_from(sorted(STANDARD_GATES)))
    base, controls = STANDARD_GATES[name]
    arity = controls + BASE_GATES[base].num_targets
    qubits = draw(st.permutations(range(NUM_QUBITS)))[:arity]
    angles = draw(
        st.lists(
            st.floats(-10, 10, allow_nan=False),
            min_size=BASE_GATES[base].num_params,
            max_size=BASE_GATES[base].num_params,
        )
    )
    modifier = draw(st.sampled_from(["", "inv @ ", "pow(2) @ ", "pow(-3) @ "]))
    params = f"({', '.join(repr(a) for a in angles)})" if angles else ""
    return f"{modifier}{name}{params} {', '.join(f'q[{i}]' for i in qubits)};"


@settings(max_examples=60, deadline=None)
@given(st.lists(gate_calls(), max_size=12))
def test_random_circuits_give_normalised_states_and_invert(calls):
    program = HEADER + f"qubit[{NUM_QUBITS}] q; id q;\n" + "\n".join(calls)
    state = final_state(parse_qasm(program).bind())
    assert state.shape == (2**NUM_QUBITS,)
    assert math.isclose(float(np.vdot(state, state).real), 1.0, abs_tol=1e-9)
    inverse = [f"inv @ {call}" for call in reversed(calls)]
    back = final_state(parse_qasm(program + "\n" + "\n".join(inverse)).bind())
    assert abs(back[0]) > 1 - 1e-6


@settings(max_examples=30, deadline=None)
@given(st.lists(gate_calls(), max_size=8), st.integers(0, 2**32 - 1))
def test_sampling_matches_the_state_support(calls, seed):
    program = HEADER + f"qubit[{NUM_QUBITS}] q; bit[{NUM_QUBITS}] c;\n" + "\n".join(calls)
    circuit = parse_qasm(program + "\nc = measure q;")
    probabilities = np.abs(final_state(circuit.bind())) ** 2
    bits = sample_memory(circuit.bind(), 50, np.random.default_rng(seed))["c"]
    indices = bits @ (1 << np.arange(NUM_QUBITS))
    assert np.all(probabilities[indices] > 1e-12)
