"""Sampler V2 / Estimator V2 pubs and the BitArray layout."""

from __future__ import annotations

import numpy as np
import pytest
from sim_helpers import HEADER

from airflow_quantum_emulator.sim.errors import SimulationError
from airflow_quantum_emulator.sim.primitives import (
    pack_bits,
    run_estimator_pub,
    run_sampler_pub,
    unpack_counts,
)
from airflow_quantum_emulator.sim.qasm import parse_qasm

BELL = parse_qasm(HEADER + "qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;")
RY = parse_qasm(HEADER + "input float theta; qubit q; bit[1] c; ry(theta) q; c[0] = measure q;")


def rng(seed: int = 11) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- BitArray layout -------------------------------------------------------------------------------


def test_pack_bits_is_big_endian_with_bit_zero_in_the_last_byte():
    bits = np.zeros((2, 9), dtype=np.uint8)
    bits[0, 0] = 1  # bit 0 -> least significant bit of the last byte
    bits[1, 8] = 1  # bit 8 -> least significant bit of the first byte
    bits[1, 1] = 1
    packed = pack_bits(bits)
    assert packed.dtype == np.uint8
    assert packed.tolist() == [[0, 1], [1, 2]]
    assert unpack_counts(packed, 9) == {"000000001": 1, "100000010": 1}


def test_pack_bits_sixteen_and_seventeen_bits():
    bits = np.zeros((1, 17), dtype=np.uint8)
    bits[0, [0, 7, 8, 15, 16]] = 1
    assert pack_bits(bits).tolist() == [[1, 0x81, 0x81]]
    assert pack_bits(bits[:, :16]).tolist() == [[0x81, 0x81]]


def test_unpack_counts_over_any_leading_shape():
    packed = np.array([[[3], [0]], [[3], [3]]], dtype=np.uint8)
    assert unpack_counts(packed, 2) == {"00": 1, "11": 3}
    assert unpack_counts(np.zeros((4, 0), dtype=np.uint8), 0) == {"": 4}
    with pytest.raises(SimulationError):
        unpack_counts(packed, 9)


# -- sampler ---------------------------------------------------------------------------------------


def test_sampler_bell():
    shape, data = run_sampler_pub(BELL, None, 1000, rng())
    assert shape == ()
    assert data["c"].shape == (1000, 1)
    counts = unpack_counts(data["c"], 2)
    assert set(counts) == {"00", "11"}
    assert 400 < counts["00"] < 600


def test_sampler_parameter_sweep_follows_cos_squared():
    thetas = np.linspace(0, np.pi, 5)
    shape, data = run_sampler_pub(RY, thetas.reshape(5, 1), 4000, rng())
    assert shape == (5,)
    assert data["c"].shape == (5, 4000, 1)
    for theta, packed in zip(thetas, data["c"], strict=True):
        p0 = unpack_counts(packed, 1).get("0", 0) / 4000
        assert p0 == pytest.approx(np.cos(theta / 2) ** 2, abs=0.04)


def test_sampler_nd_parameters_and_scalar():
    shape, data = run_sampler_pub(RY, np.zeros((2, 3, 1)), 5, rng())
    assert shape == (2, 3)
    assert data["c"].shape == (2, 3, 5, 1)
    shape, _ = run_sampler_pub(RY, 0.5, 5, rng())
    assert shape == ()
    shape, data = run_sampler_pub(RY, np.zeros((0, 1)), 5, rng())
    assert shape == (0,)
    assert data["c"].shape == (0, 5, 1)


def test_sampler_register_layout_and_empty_registers():
    circuit = parse_qasm(
        HEADER + "qubit[10] q; bit[10] big; bit[0] none; bit one; x q[0]; x q[9];"
        "big = measure q; one = measure q[9];"
    )
    _, data = run_sampler_pub(circuit, None, 3, rng())
    assert set(data) == {"big", "one"}
    assert data["big"].shape == (3, 2)
    assert data["big"][0].tolist() == [2, 1]
    assert unpack_counts(data["big"], 10) == {"1000000001": 3}
    assert unpack_counts(data["one"], 1) == {"1": 3}


def test_sampler_seed_reproducibility():
    a = run_sampler_pub(BELL, None, 100, rng(5))[1]["c"]
    b = run_sampler_pub(BELL, None, 100, rng(5))[1]["c"]
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    ("values", "shots", "message"),
    [
        (None, 10, "no values"),
        ([[1.0, 2.0]], 10, "last axis"),
        ([["a"]], 10, "real numbers"),
        ([[np.inf]], 10, "finite"),
        ([[1.0], [1.0, 2.0]], 10, "real numbers"),
        ([[0.1]], 0, "shots"),
        ([[0.1]], 10_000_001, "shots"),
        (np.zeros((1000, 1)), 100_000, "exceed"),
    ],
)
def test_sampler_validation(values, shots, message):
    with pytest.raises(SimulationError, match=message):
        run_sampler_pub(RY, values, shots, rng())


# -- estimator -------------------------------------------------------------------------------------


def test_estimator_bell_state():
    evs, stds = run_estimator_pub(
        BELL, ["ZZ", "XX", "ZI", "IZ", "YY", "XY", "II"], None, 0.0, rng()
    )
    assert evs.shape == (7,)
    assert np.allclose(evs, [1, 1, 0, 0, -1, 0, 1])
    assert np.array_equal(stds, np.zeros(7))


def test_estimator_pauli_order_is_qiskit_order():
    circuit = parse_qasm(HEADER + "qubit[2] q; x q[0];")  # |01>: qubit 0 is 1
    evs, _ = run_estimator_pub(circuit, ["IZ", "ZI"], None, 0.0, rng())
    assert evs.tolist() == [-1.0, 1.0]


def test_estimator_rx_sweep_and_broadcasting():
    circuit = parse_qasm(HEADER + "input float t; qubit q; rx(t) q;")
    thetas = np.linspace(0, 2 * np.pi, 7)
    evs, _ = run_estimator_pub(circuit, "Z", thetas.reshape(7, 1), 0.0, rng())
    assert evs.shape == (7,)
    assert np.allclose(evs, np.cos(thetas))
    evs, _ = run_estimator_pub(circuit, [["Z"], ["Y"]], thetas.reshape(7, 1), 0.0, rng())
    assert evs.shape == (2, 7)
    assert np.allclose(evs[0], np.cos(thetas))
    assert np.allclose(evs[1], -np.sin(thetas))
    with pytest.raises(SimulationError, match="broadcast"):
        run_estimator_pub(circuit, ["Z", "X"], thetas.reshape(7, 1), 0.0, rng())


def test_estimator_weighted_sums():
    evs, _ = run_estimator_pub(
        BELL,
        [{"ZZ": 0.5, "XX": 0.25, "YY": 2}, {"II": -1.0, "ZI": 3}, {"ZZ": [2.0, 0.0], "IZ": 1j * 0}],
        None,
        0.0,
        rng(),
    )
    assert np.allclose(evs, [0.5 + 0.25 - 2, -1.0, 2.0])


def test_estimator_ignores_measurements_and_handles_physical_circuits():
    circuit = parse_qasm(
        HEADER + "bit[2] c; h $0; cx $0, $5; c[0] = measure $0; c[1] = measure $5;"
    )
    label = "Z" + "I" * 4 + "Z"  # qubits 5 and 0
    evs, _ = run_estimator_pub(
        circuit, [label, "X" + "I" * 4 + "X", "I" * 10 + "Z" + "I" * 4 + "Z"], None, 0, rng()
    )
    assert np.allclose(evs, [1, 1, 1])
    evs, _ = run_estimator_pub(circuit, ["XIIIIIIIIIIIIII"], None, 0, rng())
    assert np.allclose(evs, [0])  # X on an idle qubit in |0>


def test_estimator_precision_adds_noise():
    evs, stds = run_estimator_pub(BELL, ["ZZ"] * 2000, None, 0.1, rng())
    assert np.allclose(stds, 0.1)
    assert abs(evs.mean() - 1) < 0.02
    assert 0.08 < evs.std() < 0.12


@pytest.mark.parametrize(
    ("observables", "message"),
    [
        ("Z", "acts on 1 qubit"),
        ("ZZZ", "acts on 3 qubit"),
        ("ZA", "not a Pauli string"),
        ("", "not a Pauli string"),
        ({"ZZ": 1j}, "must be real"),
        ({"ZZ": [1.0, 0.5]}, "must be real"),
        ({"ZZ": "1"}, "finite real number"),
        ({"ZZ": float("nan")}, "finite real number"),
        ({}, "at least one"),
        (["ZZ", ["XX"]], "rectangular"),
        ([["ZZ"], ["XX", "YY"]], "rectangular"),
        (3, "Pauli string"),
    ],
)
def test_estimator_observable_validation(observables, message):
    with pytest.raises(SimulationError, match=message):
        run_estimator_pub(BELL, observables, None, 0.0, rng())


@pytest.mark.parametrize("precision", [-0.1, float("nan"), "0.1", True])
def test_estimator_precision_validation(precision):
    with pytest.raises(SimulationError, match="precision"):
        run_estimator_pub(BELL, "ZZ", None, precision, rng())


def test_estimator_rejects_resets_after_use():
    circuit = parse_qasm(HEADER + "qubit q; h q; reset q;")
    with pytest.raises(SimulationError, match="reset"):
        run_estimator_pub(circuit, "Z", None, 0.0, rng())
