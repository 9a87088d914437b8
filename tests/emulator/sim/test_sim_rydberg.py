"""The Rydberg simulator against an exact reference, and its refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from airflow_quantum_emulator.sim import rydberg
from airflow_quantum_emulator.sim.errors import SimulationError


def _sequence(xs, *operations, **extra):
    return {
        "register": [{"name": f"q{i}", "x": x, "y": 0.0} for i, x in enumerate(xs)],
        "channels": {"ch": "rydberg_global"},
        "variables": {},
        "measurement": None,
        "operations": list(operations),
        **extra,
    }


def _pulse(duration, amplitude, detuning):
    return {
        "op": "pulse",
        "channel": "ch",
        "amplitude": {"kind": "constant", "duration": duration, "value": amplitude},
        "detuning": {"kind": "constant", "duration": duration, "value": detuning},
        "phase": 0.0,
        "post_phase_shift": 0.0,
    }


def _exact(xs, segments, c6=865723.02):
    """exp(-iHt) by eigendecomposition, one constant segment after another."""
    n = len(xs)
    x, num, eye = np.array([[0, 1], [1, 0]]), np.diag([0.0, 1.0]), np.eye(2)

    def one(op, k):
        out = np.eye(1)
        for j in range(n):
            out = np.kron(out, op if j == k else eye)
        return out

    drive = sum(one(x, k) for k in range(n))
    count = sum(one(num, k) for k in range(n))
    pairs = sum(
        c6 / abs(xs[i] - xs[j]) ** 6 * one(num, i) @ one(num, j)
        for i in range(n)
        for j in range(i + 1, n)
    )
    state = np.zeros(2**n, dtype=complex)
    state[0] = 1
    for duration, omega, delta in segments:
        values, vectors = np.linalg.eigh(omega / 2 * drive - delta * count + pairs)
        phases = np.exp(-1j * values * duration * 1e-3)
        state = vectors @ (phases * (vectors.conj().T @ state))
    return np.abs(state) ** 2


@pytest.mark.parametrize(
    ("xs", "segments"),
    [
        ([0.0, 6.0, 13.0], [(300, 2 * math.pi, 1.5), (200, 0.0, -3.0), (250, 4.0, 0.5)]),
        ([0.0, 5.0], [(500, 3 * math.pi, 0.0)]),
    ],
    ids=["three-atoms-three-segments", "strong-blockade"],
)
def test_probabilities_match_the_exact_evolution(xs, segments):
    ops = [_pulse(*segment) for segment in segments]
    probabilities = np.abs(rydberg.evolve(rydberg.parse_sequence(_sequence(xs, *ops)))) ** 2
    assert probabilities == pytest.approx(_exact(xs, segments), abs=1e-4)


def test_ramp_and_blackman_are_sampled_per_ns_with_the_requested_area():
    ramp = rydberg.waveform_samples({"kind": "ramp", "duration": 5, "start": 0, "stop": 4})
    assert ramp.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    blackman = rydberg.waveform_samples({"kind": "blackman", "duration": 300, "area": math.pi})
    assert blackman.sum() * 1e-3 == pytest.approx(math.pi)
    assert blackman[150] == blackman.max()


def test_pulser_bit_order_puts_the_first_atom_first():
    # q0 and q2 blockade each other (4 um), q1 is free (50 um): "1?1" must not appear.
    seq = rydberg.parse_sequence(_sequence([0.0, 50.0, 4.0], _pulse(354, 2 * math.pi, 0.0)))
    counts = rydberg.sample_counts(seq, 500, np.random.default_rng(1))
    assert sum(n for bits, n in counts.items() if bits[0] == bits[2] == "1") <= 5
    assert sum(n for bits, n in counts.items() if bits[0] == bits[1] == "1") > 100


def test_a_half_pulse_gives_even_odds_and_a_seed_repeats():
    single = rydberg.parse_sequence(_sequence([0.0], _pulse(500, math.pi, 0.0)))
    half = rydberg.sample_counts(single, 2000, np.random.default_rng(1))
    assert set(half) == {"0", "1"} and abs(half["1"] - 1000) < 150
    assert rydberg.sample_counts(single, 2000, np.random.default_rng(1)) == half


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"variables": {"t": {"type": "float", "value": [1.0]}}}, "variables"),
        ({"device": {"rydberg_level": 70}}, "Rydberg level 70"),
        ({"channels": {"ch": "rydberg_global", "r": "raman_local"}}, "exactly one"),
        ({"measurement": "digital"}, "'digital'"),
    ],
)
def test_unsupported_features_are_named(change, words):
    with pytest.raises(SimulationError, match=words):
        rydberg.parse_sequence({**_sequence([0.0], _pulse(100, 1.0, 0.0)), **change})


def test_different_phases_and_phase_shifts_are_refused():
    a, b = _pulse(100, 1.0, 0.0), {**_pulse(100, 1.0, 0.0), "phase": 1.0}
    with pytest.raises(SimulationError, match="different phases"):
        rydberg.parse_sequence(_sequence([0.0], a, b))
    with pytest.raises(SimulationError, match="post_phase_shift"):
        rydberg.parse_sequence(_sequence([0.0], {**a, "post_phase_shift": 0.5}))


def test_atoms_too_close_for_the_step_budget_are_refused_before_running():
    # 1 um apart: C6/r^6 ~ 8.7e5 rad/us needs ~17,000 sub-steps per ns.
    seq = rydberg.parse_sequence(_sequence([0.0, 1.0], _pulse(1000, 1.0, 0.0)))
    with pytest.raises(SimulationError, match="integration steps"):
        rydberg.substeps(seq, rydberg.interaction_diagonal(seq))
