"""Pasqal's Pulser targets over the wire: the official client's input blob, simulated atoms."""

from __future__ import annotations

import json
import math

import pytest
from azure_support import AzureWire

PASQAL = ("pasqal", "pasqal.sim.emu-tn", "pasqal.pulser.v1", "pasqal.pulser-results.v1")
FRESNEL = ("pasqal", "pasqal.qpu.fresnel", *PASQAL[2:])


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def pulse(duration: int, amplitude: float, detuning: float = 0.0, shape: dict | None = None):
    """A pulse on the global channel: a constant amplitude unless ``shape`` is given."""
    amp = shape or {"kind": "constant", "duration": duration, "value": amplitude}
    return {
        "op": "pulse",
        "channel": "ch_global",
        "protocol": "min-delay",
        "amplitude": amp,
        "detuning": {"kind": "constant", "duration": duration, "value": detuning},
        "phase": 0.0,
        "post_phase_shift": 0.0,
    }


def blob(xs: list[float], *operations: dict, **extra) -> dict:
    """The official client's upload: the abstract representation as a JSON string."""
    sequence = {
        "version": "1",
        "name": "pulser-exported",
        "register": [{"name": f"q{i}", "x": x, "y": 0.0} for i, x in enumerate(xs)],
        "channels": {"ch_global": "rydberg_global"},
        "variables": {},
        "operations": list(operations),
        "measurement": None,
        "device": {"name": "Fresnel", "rydberg_level": 60},
        **extra,
    }
    return {"sequence_builder": json.dumps(sequence)}


def test_pasqal_is_a_provider_with_the_official_client_s_targets(wire):
    providers = wire.call("GET", "/providerStatus").json()["value"]
    (pasqal,) = [p for p in providers if p["id"] == "pasqal"]
    targets = {t["id"]: t for t in pasqal["targets"]}
    # azure-quantum-python e7c9490, target/pasqal/target.py (PasqalTarget)
    assert set(targets) == {
        "pasqal.sim.emu-tn",
        "pasqal.sim.emu-sv",
        "pasqal.sim.emu-mps",
        "pasqal.sim.emu-free",
        "pasqal.qpu.fresnel",
        "pasqal.qpu.fresnel-can1",
    }
    assert all(t["currentAvailability"] == "Available" for t in targets.values())
    sim, qpu = targets["pasqal.sim.emu-tn"], targets["pasqal.qpu.fresnel"]
    assert qpu["averageQueueTime"] > sim["averageQueueTime"]


def test_emu_free_runs_at_most_its_12_atoms(wire):
    kind = ("pasqal", "pasqal.sim.emu-free", *PASQAL[2:])
    _, result = wire.run(kind, blob([0.0], pulse(1000, math.pi)), {"shots": 20})
    assert result == {"counter": {"1": 20}}


def test_a_constant_pi_pulse_puts_one_atom_in_the_rydberg_state(wire):
    details, result = wire.run(PASQAL, blob([0.0], pulse(1000, math.pi)), {"shots": 200})
    assert details["outputDataFormat"] == "pasqal.pulser-results.v1"
    assert result == {"counter": {"1": 200}}


def test_a_2pi_pulse_brings_the_atom_back_and_count_is_read_too(wire):
    _, result = wire.run(FRESNEL, blob([0.0], pulse(1000, 2 * math.pi)), {"count": 50})
    assert result == {"counter": {"0": 50}}


def test_close_atoms_are_blockaded_and_far_ones_are_not(wire):
    # A collective pi pulse (sqrt(2) Omega t = pi) on atoms 4 um apart: C6/r^6 ~ 211 rad/us
    # against Omega = 2 pi rad/us, so "11" (both in |r>) essentially never happens.
    operations = (pulse(354, 2 * math.pi),)
    _, close = wire.run(PASQAL, blob([0.0, 4.0], *operations), {"shots": 400})
    counts = close["counter"]
    assert sum(counts.values()) == 400
    assert counts.get("11", 0) <= 4
    assert counts.get("01", 0) + counts.get("10", 0) >= 380
    assert counts.get("01", 0) > 100 and counts.get("10", 0) > 100
    # 50 um apart they barely interact: each atom is excited with p = sin^2(1.11) ~ 0.8.
    _, far = wire.run(PASQAL, blob([0.0, 50.0], *operations), {"shots": 400})
    assert far["counter"].get("11", 0) > 200


def test_the_default_run_count_is_the_official_clients(wire):
    _, result = wire.run(PASQAL, blob([0.0], pulse(100, 0.0)), {})
    assert sum(result["counter"].values()) == 100


def test_bit_order_follows_the_register(wire):
    # q0 and q2 are 4 um apart (blockaded), q1 is 50 um away (free): in Pulser's order the
    # first and third characters are never both "1", the first and second often are.
    _, result = wire.run(PASQAL, blob([0.0, 50.0, 4.0], pulse(354, 2 * math.pi)), {"shots": 400})
    counts = result["counter"]
    assert all(len(bits) == 3 for bits in counts)
    assert sum(n for bits, n in counts.items() if bits[0] == bits[2] == "1") <= 4
    assert sum(n for bits, n in counts.items() if bits[0] == bits[1] == "1") > 100


def test_blackman_delay_and_align_are_simulated(wire):
    operations = (
        pulse(500, 0.0, shape={"kind": "blackman", "duration": 500, "area": math.pi}),
        {"op": "delay", "channel": "ch_global", "time": 100},
        {"op": "align", "channels": ["ch_global"]},
    )
    _, result = wire.run(PASQAL, blob([0.0], *operations), {"shots": 100})
    assert result == {"counter": {"1": 100}}


def test_too_many_atoms_fail_the_job(wire):
    error = wire.fails(PASQAL, blob([6.0 * i for i in range(13)], pulse(100, 1.0)))
    assert error["code"] == "InvalidInputData"
    assert "13 atoms" in error["message"]
    assert "at most 12" in error["message"]


@pytest.mark.parametrize(
    ("sequence", "words"),
    [
        (
            blob([0.0], pulse(100, 1.0, shape={"kind": "kaiser", "duration": 100, "area": 1.0})),
            "'kaiser'",
        ),
        (blob([0.0], {"op": "enable_eom_mode", "channel": "ch_global"}), "'enable_eom_mode'"),
        (blob([0.0], pulse(100, 1.0), measurement="XY"), "'XY'"),
        (blob([0.0], pulse(100, 1.0), channels={"c": "rydberg_local"}), "'rydberg_local'"),
        ({"register": []}, "sequence_builder"),
    ],
    ids=["waveform", "eom", "basis", "local-channel", "no-builder"],
)
def test_what_is_not_simulated_fails_the_job_by_name(wire, sequence, words):
    error = wire.fails(PASQAL, sequence)
    assert error["code"] == "InvalidInputData"
    assert words in error["message"]


def test_a_pulser_job_on_another_output_format_fails(wire):
    kind = (*PASQAL[:3], "microsoft.quantum-results.v2")
    error = wire.fails(kind, blob([0.0], pulse(100, 1.0)))
    assert error["code"] == "CannotTranslateOutputData"
    assert "pasqal.pulser-results.v1" in error["message"]
