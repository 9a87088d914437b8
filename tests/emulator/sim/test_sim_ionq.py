"""IonQ ``ionq.circuit.v1`` circuits and their exact histograms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airflow_quantum_emulator.sim.circuit import Measure
from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.gates import gate_matrix
from airflow_quantum_emulator.sim.ionq import ionq_probabilities, parse_ionq_circuit
from airflow_quantum_emulator.sim.sampling import sample_memory
from airflow_quantum_emulator.sim.statevector import final_state


def probabilities(payload: dict) -> dict[int, float]:
    return ionq_probabilities(parse_ionq_circuit(payload))


def test_bell():
    circuit = parse_ionq_circuit(
        {
            "qubits": 2,
            "circuit": [{"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}],
        }
    )
    assert ionq_probabilities(circuit) == {0: 0.5, 3: 0.5}
    assert circuit.clbit_registers == {"c": 2}
    assert [op.qubit for op in circuit.operations if isinstance(op, Measure)] == [0, 1]
    bits = sample_memory(circuit.bind(), 100, np.random.default_rng(0))["c"]
    assert np.all(bits[:, 0] == bits[:, 1])


def test_ghz_with_wrapped_input_and_multi_target():
    payload = {
        "input": {
            "qubits": 3,
            "circuit": [
                {"gate": "h", "targets": [0]},
                {"gate": "cnot", "controls": [0], "targets": [1]},
                {"gate": "cnot", "control": 1, "target": 2},
            ],
        }
    }
    assert probabilities(payload) == {0: 0.5, 7: 0.5}
    assert probabilities({"qubits": 3, "circuit": [{"gate": "x", "targets": [0, 2]}]}) == {5: 1.0}


def test_qis_gates():
    assert probabilities({"qubits": 1, "circuit": [{"gate": "not", "target": 0}]}) == {1: 1.0}
    assert probabilities(
        {"qubits": 1, "circuit": [{"gate": "rx", "target": 0, "rotation": math.pi / 3}]}
    ) == {0: 0.75, 1: 0.25}
    assert probabilities({"qubits": 1, "circuit": [{"gate": "v", "target": 0}] * 2}) == {1: 1.0}
    toffoli = {
        "qubits": 3,
        "circuit": [
            {"gate": "x", "targets": [0, 1]},
            {"gate": "x", "controls": [0, 1], "targets": [2]},
        ],
    }
    assert probabilities(toffoli) == {7: 1.0}
    swap = {
        "qubits": 2,
        "circuit": [{"gate": "x", "target": 0}, {"gate": "swap", "targets": [0, 1]}],
    }
    assert probabilities(swap) == {2: 1.0}
    phases = [{"gate": g, "target": 0} for g in ("h", "s", "si", "t", "ti", "z", "vi", "v", "h")]
    assert probabilities({"qubits": 1, "circuit": phases}) == {1: 1.0}


def test_native_gates():
    circuit = parse_ionq_circuit(
        {"qubits": 1, "gateset": "native", "circuit": [{"gate": "gpi2", "target": 0, "phase": 0}]}
    )
    assert np.allclose(final_state(circuit.bind()), gate_matrix("rx", (math.pi / 2,))[:, 0])
    assert probabilities(
        {"qubits": 1, "gateset": "native", "circuit": [{"gate": "gpi", "target": 0, "phase": 0.3}]}
    ) == {1: 1.0}
    ms = parse_ionq_circuit(
        {
            "qubits": 2,
            "gateset": "native",
            "circuit": [{"gate": "ms", "targets": [0, 1], "phases": [0, 0]}],
        }
    )
    assert np.allclose(final_state(ms.bind()), gate_matrix("rxx", (math.pi / 2,))[:, 0])
    assert ionq_probabilities(ms) == {0: 0.5, 3: 0.5}
    partial = {
        "qubits": 2,
        "gateset": "native",
        "circuit": [{"gate": "ms", "targets": [0, 1], "phases": [0.1, 0.2], "angle": 0.125}],
    }
    result = probabilities(partial)
    assert result[0] == pytest.approx(math.cos(math.pi / 8) ** 2)
    zz = {
        "qubits": 2,
        "gateset": "native",
        "circuit": [{"gate": "zz", "targets": [0, 1], "angle": 0.25}],
    }
    assert probabilities(zz) == {0: 1.0}


def test_documented_native_matrices():
    # GPI2(phi) = 1/sqrt2 [[1, -i e^{-i 2 pi phi}], [-i e^{i 2 pi phi}, 1]]
    phi = 0.1
    expected = np.array(
        [[1, -1j * np.exp(-2j * np.pi * phi)], [-1j * np.exp(2j * np.pi * phi), 1]]
    ) / np.sqrt(2)
    assert np.allclose(gate_matrix("ionq_gpi2", (phi,)), expected)
    # MS(phi0, phi1): the |00> -> |11> entry is -i e^{-i 2 pi (phi0 + phi1)} / sqrt2.
    ms = gate_matrix("ionq_ms", (0.1, 0.2, 0.25))
    assert ms[3, 0] == pytest.approx(-1j * np.exp(2j * np.pi * 0.3) / np.sqrt(2))
    assert ms[0, 3] == pytest.approx(-1j * np.exp(-2j * np.pi * 0.3) / np.sqrt(2))


def test_probabilities_are_rounded_and_sparse():
    result = probabilities(
        {"qubits": 3, "circuit": [{"gate": "ry", "target": 2, "rotation": 2 * math.pi / 3}]}
    )
    assert result == {0: 0.25, 4: 0.75}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "JSON object"),
        ({"circuit": []}, "'qubits' must be an integer"),
        ({"qubits": 0, "circuit": []}, "between 1 and"),
        ({"qubits": True, "circuit": []}, "must be an integer"),
        ({"qubits": 2}, "'circuit' must be a list"),
        ({"qubits": 2, "circuit": [], "gateset": "other"}, "gateset"),
        ({"qubits": 2, "circuit": ["h"]}, r"circuit\[0\] must be an object"),
        (
            {"qubits": 2, "circuit": [{"gate": "foo", "target": 0}]},
            r"circuit\[0\]: unknown qis gate",
        ),
        ({"qubits": 2, "circuit": [{"gate": "h"}]}, "needs 'target'"),
        ({"qubits": 2, "circuit": [{"gate": "h", "target": 2}]}, "out of range"),
        ({"qubits": 2, "circuit": [{"gate": "h", "target": -1}]}, "out of range"),
        ({"qubits": 2, "circuit": [{"gate": "h", "target": "0"}]}, "must be integers"),
        ({"qubits": 2, "circuit": [{"gate": "cnot", "target": 1}]}, "needs a 'control'"),
        ({"qubits": 2, "circuit": [{"gate": "cnot", "control": 1, "target": 1}]}, "both control"),
        ({"qubits": 2, "circuit": [{"gate": "rx", "target": 1}]}, "needs a numeric 'rotation'"),
        (
            {"qubits": 2, "circuit": [{"gate": "rx", "target": 1, "rotation": float("nan")}]},
            "finite",
        ),
        ({"qubits": 2, "circuit": [{"gate": "swap", "targets": [0]}]}, "exactly two targets"),
        (
            {"qubits": 2, "gateset": "native", "circuit": [{"gate": "h", "target": 0}]},
            "unknown native gate",
        ),
        (
            {"qubits": 2, "gateset": "native", "circuit": [{"gate": "ms", "targets": [0, 1]}]},
            "needs 'phases'",
        ),
        (
            {
                "qubits": 2,
                "gateset": "native",
                "circuit": [{"gate": "gpi", "target": 0, "control": 1, "phase": 0}],
            },
            "cannot be controlled",
        ),
        ({"qubits": 30, "circuit": [{"gate": "h", "targets": list(range(30))}]}, "at most 24"),
    ],
)
def test_invalid_circuits(payload, message):
    with pytest.raises(SimulationError, match=message):
        ionq_probabilities(parse_ionq_circuit(payload))
