"""State-vector simulation: sampling, compaction, mid-circuit measurement and limits."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sim_helpers import HEADER

from airflow_quantum_emulator.sim import sampling
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.qasm import parse_qasm
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import compact_state, final_state


def run(source: str, shots: int = 2000, seed: int = 7, values=()) -> dict[str, np.ndarray]:
    return sample_memory(
        parse_qasm(HEADER + source).bind(values), shots, np.random.default_rng(seed)
    )


def counts(bits: np.ndarray) -> dict[str, int]:
    """Qiskit-style bitstrings: highest bit first."""
    result: dict[str, int] = {}
    for row in bits:
        key = "".join(str(int(b)) for b in row[::-1])
        result[key] = result.get(key, 0) + 1
    return result


def test_bell_samples_only_correlated_outcomes():
    memory = run("qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;")
    assert memory["c"].shape == (2000, 2)
    assert memory["c"].dtype == np.uint8
    result = counts(memory["c"])
    assert set(result) == {"00", "11"}
    assert 850 < result["00"] < 1150


def test_ghz3():
    result = counts(
        run("qubit[3] q; bit[3] c; h q[0]; cx q[0], q[1]; cx q[1], q[2]; c = measure q;")["c"]
    )
    assert set(result) == {"000", "111"}


def test_x_gate_and_register_bit_order():
    memory = run("qubit[3] q; bit[3] c; x q[0]; c = measure q;", shots=10)
    assert counts(memory["c"]) == {"001": 10}
    assert memory["c"][0].tolist() == [1, 0, 0]  # bit i in column i


def test_hadamard_is_fair():
    ones = run("qubit q; bit c; h q; c = measure q;", shots=10_000)["c"].sum()
    assert abs(ones - 5000) < 5 * 50  # five standard deviations


def test_unmeasured_bits_are_zero_and_registers_are_independent():
    memory = run("qubit[2] q; bit[3] a; bit[2] b; x q; a[2] = measure q[0]; b[0] = measure q[1];")
    assert counts(memory["a"]) == {"100": 2000}
    assert counts(memory["b"]) == {"01": 2000}


def test_seeded_sampling_is_reproducible():
    source = "qubit[3] q; bit[3] c; h q; c = measure q;"
    assert np.array_equal(run(source, seed=3)["c"], run(source, seed=3)["c"])
    assert not np.array_equal(run(source, seed=3)["c"], run(source, seed=4)["c"])


def test_final_state_qubit_order_is_little_endian():
    state = final_state(parse_qasm(HEADER + "qubit[3] q; x q[1];").bind())
    assert np.allclose(state, np.eye(8)[2])


def test_final_state_ignores_terminal_measurements_but_not_mid_circuit_ones():
    bell = parse_qasm(HEADER + "qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;")
    assert np.allclose(final_state(bell.bind()), np.array([1, 0, 0, 1]) / np.sqrt(2))
    mid = parse_qasm(HEADER + "qubit q; bit c; h q; c = measure q; h q;")
    with pytest.raises(SimulationError, match="mid-circuit"):
        final_state(mid.bind())


def test_transpiled_circuit_is_compacted():
    lines = ["bit[2] c;", "rz(pi/2) $0;", "sx $0;", "rz(pi/2) $0;", "cx $0, $150;"]
    lines += ["barrier $0, $1, $2, $149, $150;", "c[0] = measure $0;", "c[1] = measure $150;"]
    circuit = parse_qasm(HEADER + "\n".join(lines))
    assert circuit.num_qubits == 151
    result = counts(sample_memory(circuit.bind(), 1000, np.random.default_rng(1))["c"])
    assert set(result) == {"00", "11"}
    state, active = compact_state(circuit.bind())
    assert active == (0, 150)
    assert state.shape == (4,)
    with pytest.raises(SimulationError, match="151 qubits"):
        final_state(circuit.bind())


def test_too_many_entangled_qubits():
    chain = " ".join(f"cx q[{i}], q[{i + 1}];" for i in range(24))
    circuit = parse_qasm(HEADER + f"qubit[25] q; h q[0]; {chain}")
    with pytest.raises(
        SimulationError, match="circuit uses 25 qubits; the emulator simulates at most 24"
    ):
        sample_memory(circuit.bind(), 1)
    small = parse_qasm(
        HEADER + "qubit[3] q; bit[3] c; h q[0]; cx q[0], q[1]; cx q[1], q[2]; c = measure q;"
    )
    with pytest.raises(SimulationError, match="at most 2"):
        sample_memory(small.bind(), 1, max_qubits=2)


def test_qubits_no_gate_connects_are_sampled_part_by_part():
    """A product state: 40 qubits in parts of at most 2, beyond the 24 of one state vector."""
    pairs = " ".join(f"h q[{i}]; cx q[{i}], q[{i + 1}];" for i in range(0, 40, 2))
    circuit = parse_qasm(HEADER + f"qubit[40] q; bit[40] c; {pairs} c = measure q;")
    bits = sample_memory(circuit.bind(), 400, np.random.default_rng(3))["c"]
    assert bits.shape == (400, 40)
    assert np.array_equal(bits[:, 0::2], bits[:, 1::2])  # each Bell pair agrees
    ones = bits[:, 0::2].mean(axis=0)
    assert np.all((ones > 0.35) & (ones < 0.65))  # and the pairs are each 50/50
    assert 0.4 < np.mean(bits[:, 0] == bits[:, 2]) < 0.6  # independent of one another


def test_idle_declared_qubits_cost_nothing():
    circuit = parse_qasm(HEADER + "qubit[60] q; bit c; x q[59]; c = measure q[59];")
    assert counts(sample_memory(circuit.bind(), 5)["c"]) == {"1": 5}


def test_measuring_idle_qubits_costs_nothing():
    memory = run("qubit[40] q; bit[40] c; h q[0]; c = measure q;", shots=1000)
    assert set(counts(memory["c"])) == {"0" * 40, "0" * 39 + "1"}
    # An idle qubit measures 0, overwriting an earlier result in the same bit.
    memory = run("qubit[2] q; bit c; x q[0]; c = measure q[0]; c = measure q[1];", shots=5)
    assert counts(memory["c"]) == {"0": 5}
    memory = run("qubit[2] q; bit c; x q[0]; c = measure q[1]; reset q[0]; c = measure q[0];", 5)
    assert counts(memory["c"]) == {"0": 5}


def test_mid_circuit_measurement_and_reset():
    # Measure a superposition, reset, flip: c0 is random, c1 always 1, c2 copies c0.
    memory = run(
        """qubit[2] q; bit[3] c;
        h q[0];
        c[0] = measure q[0];
        cx q[0], q[1];
        reset q[0];
        x q[0];
        c[1] = measure q[0];
        c[2] = measure q[1];
        """,
        shots=4000,
    )
    bits = memory["c"]
    assert np.all(bits[:, 1] == 1)
    assert np.array_equal(bits[:, 0], bits[:, 2])
    assert 1700 < bits[:, 0].sum() < 2300
    # Shots are shuffled, not grouped by measurement history.
    assert 0 < bits[:100, 0].sum() < 100


def test_measurement_collapses_the_state():
    # After measuring q in the X basis twice in a row, both results agree.
    memory = run("qubit q; bit[2] c; h q; c[0] = measure q; h q; h q; c[1] = measure q;")
    assert np.array_equal(memory["c"][:, 0], memory["c"][:, 1])
    # Measuring then applying H again randomises the second result.
    memory = run("qubit q; bit[2] c; h q; c[0] = measure q; h q; c[1] = measure q;", shots=4000)
    agree = np.mean(memory["c"][:, 0] == memory["c"][:, 1])
    assert 0.4 < agree < 0.6


def test_initial_reset_is_free_and_repeated_measure_overwrites():
    memory = run("qubit[2] q; bit c; reset q; x q[0]; c = measure q[1]; c = measure q[0];", 10)
    assert counts(memory["c"]) == {"1": 10}


def test_reset_of_excited_qubit():
    memory = run("qubit q; bit[2] c; x q; c[0] = measure q; reset q; c[1] = measure q;", 50)
    assert counts(memory["c"]) == {"01": 50}


def test_trajectory_budget(monkeypatch):
    monkeypatch.setattr(sampling, "MAX_TRAJECTORY_WORK", 1000)
    circuit = parse_qasm(
        HEADER + "qubit[8] q; bit c; h q; c = measure q[0]; h q[0]; c = measure q[1]; h q[1];"
        "c = measure q[2]; h q[2];"
    )
    with pytest.raises(SimulationError, match="budget"):
        sample_memory(circuit.bind(), 100)
    # Deterministic histories are cheap, but the work actually done is bounded too.
    monkeypatch.setattr(sampling, "MAX_TRAJECTORY_WORK", 2e8)
    monkeypatch.setattr(sampling, "MAX_TREE_WORK", 1e5)
    repeated = "qubit q; bit c;" + " x q; c = measure q;" * 100
    with pytest.raises(SimulationError, match="budget"):
        sample_memory(parse_qasm(HEADER + repeated).bind(), 100)
    # Terminal measurements are not bounded by it.
    terminal = parse_qasm(HEADER + "qubit[8] q; bit[8] c; h q; c = measure q;")
    assert sample_memory(terminal.bind(), 100)["c"].shape == (100, 8)


@pytest.mark.parametrize("shots", [0, -1, 10_000_001, 1.5, True, "10"])
def test_invalid_shots(shots):
    circuit = parse_qasm(HEADER + "qubit q; bit c; c = measure q;")
    with pytest.raises(SimulationError, match="shots"):
        sample_memory(circuit.bind(), shots)


def test_parameter_binding():
    circuit = parse_qasm(HEADER + "input float a; input float b; qubit q; rx(a + b) q;")
    state = final_state(circuit.bind([np.pi / 2, np.pi / 2]))
    assert np.allclose(np.abs(state) ** 2, [0, 1])
    assert np.allclose(
        final_state(circuit.bind({"a": np.pi, "b": 0})), final_state(circuit.bind([np.pi, 0]))
    )
    for bad in ([1.0], [1.0, 2.0, 3.0], [np.nan, 0], ["x", 1], {"a": 1}):
        with pytest.raises(SimulationError):
            circuit.bind(bad)


def test_empty_circuit():
    circuit = parse_qasm(HEADER + "bit[2] c;")
    assert counts(sample_memory(circuit.bind(), 3)["c"]) == {"00": 3}
    assert np.allclose(final_state(circuit.bind()), [1])


def test_controlled_gates_on_states_past_the_kernel_s_small_path():
    """Over 10 qubits the library's kernel takes its numba path: controls, negative controls
    and multi-target controlled gates must act there exactly as on small states."""
    entangle = "".join(f"cx q[{k}], q[{k + 1}]; " for k in range(11))
    program = (
        "qubit[12] q; bit[12] c; x q[0]; x q[11]; "
        "cswap q[0], q[11], q[5]; "  # q[0] = 1: q[11] and q[5] swap
        "negctrl @ x q[3], q[7]; "  # q[3] = 0: q[7] flips
        "ctrl(2) @ x q[0], q[5], q[9]; "  # both 1: q[9] flips
        "ctrl @ rzz(pi) q[0], q[1], q[2]; "  # a phase only: no bit changes
        "c = measure q;"
    )
    assert counts(run(program, shots=50)["c"]) == {"001010100001": 50}
    # A 12-qubit GHZ state: the same two outcomes as on two qubits.
    ghz = run(f"qubit[12] q; bit[12] c; h q[0]; {entangle}c = measure q;", shots=400)
    assert set(counts(ghz["c"])) == {"0" * 12, "1" * 12}


def test_large_circuits_simulated_in_parallel_threads_do_not_abort_the_process():
    """Jobs run in worker threads; numba's default threading layer kills the whole process when
    two threads enter the library's parallel kernels (states over 10 qubits) at once."""
    script = textwrap.dedent(
        """
        import threading
        import numpy as np
        from airflow_quantum_emulator.sim.qasm import parse_qasm
        from airflow_quantum_emulator.sim.sampling import sample_memory

        gates = "h q[{0}]; rz(0.3) q[{0}]; cz q[{0}], q[{1}];"
        body = " ".join(gates.format(i, (i + 1) % 13) for i in range(13))
        source = 'OPENQASM 3.0; include "stdgates.inc"; qubit[13] q; bit[13] c; '
        circuit = parse_qasm(source + body * 10 + " c = measure q;").bind()

        def work():
            for _ in range(3):
                sample_memory(circuit, 10, np.random.default_rng(0))

        threads = [threading.Thread(target=work) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print("done")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
    assert "terminating" not in done.stderr
