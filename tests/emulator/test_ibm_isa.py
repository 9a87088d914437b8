"""The ISA rule: jobs whose circuits are not in the backend's instruction set fail (code 1517).

The service accepts such a job (200 with an id) and then fails it with reason code 1517,
"Circuits do not match the target definition (non-ISA circuits)"; its results answer the error
text, as for every failed job.
"""

from __future__ import annotations

import pytest
from ibm_circuits import ISA_BELL, TEXTBOOK_BELL
from ibm_support import IBMWire, bitarray_counts, ibm_error, pub_data


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def _physical(body: str, clbits: int = 2) -> str:
    return f'OPENQASM 3.0; include "stdgates.inc"; bit[{clbits}] c; {body}'


def _failed(ibm: IBMWire, circuit: str, backend: str = "ibm_fez") -> dict:
    job_id = ibm.submit("sampler", [[circuit, None, 10]], backend=backend)
    job = ibm.wait(job_id)
    assert job["state"]["status"] == "Failed", job["state"]
    assert job["state"]["reason_code"] == 1517
    reason = job["state"]["reason"]
    assert reason.startswith("Circuits do not match the target definition (non-ISA circuits).")
    assert "https://ibm.biz/error_codes#1517" in reason
    text = ibm.get(f"/jobs/{job_id}/results")
    assert text.status_code == 200 and "Error code 1517" in text.text
    return job


def test_the_textbook_bell_circuit_is_accepted_then_fails_as_non_isa(ibm):
    job = _failed(ibm, TEXTBOOK_BELL)
    assert "The instruction h on qubits (0,) is not supported" in job["state"]["reason"]
    assert "pub 0" in job["state"]["reason"]


def test_cz_on_an_uncoupled_pair_fails_naming_the_pair(ibm):
    circuit = _physical("cz $0, $2; c[0] = measure $0; c[1] = measure $2;")
    job = _failed(ibm, circuit)
    assert "cz on qubits (0, 2)" in job["state"]["reason"]
    assert "not coupled on ibm_fez" in job["state"]["reason"]


def test_a_qubit_beyond_the_device_fails(ibm):
    job = _failed(ibm, _physical("x $200; c[0] = measure $200;", 1))
    assert "201 qubits" in job["state"]["reason"] and "156" in job["state"]["reason"]


def test_a_gate_with_modifiers_is_not_in_the_target(ibm):
    circuit = _physical("ctrl @ x $0, $1; c[0] = measure $0; c[1] = measure $1;")
    assert "ctrl @ x on qubits (0, 1)" in _failed(ibm, circuit)["state"]["reason"]


def test_the_first_non_isa_pub_is_named(ibm):
    job_id = ibm.submit("sampler", [[ISA_BELL, None, 10], [TEXTBOOK_BELL, None, 10]])
    reason = ibm.wait(job_id)["state"]["reason"]
    assert "pub 1" in reason and "pub 0" not in reason


def test_estimator_jobs_follow_the_same_rule(ibm):
    job_id = ibm.submit("estimator", [[TEXTBOOK_BELL.replace("c = measure q;", ""), "ZZ"]])
    job = ibm.wait(job_id)
    assert job["state"]["status"] == "Failed" and job["state"]["reason_code"] == 1517


def test_the_isa_bell_circuit_runs_and_gives_bell_counts(ibm):
    job_id = ibm.submit("sampler", [[ISA_BELL, None, 200]])
    assert ibm.wait(job_id)["state"]["status"] == "Completed"
    counts = bitarray_counts(pub_data(ibm.results(job_id))["fields"]["c"])[1]
    assert set(counts) == {"00", "11"}


@pytest.mark.parametrize("backend", ["ibm_fez", "ibm_boston"])
def test_gates_on_pairs_of_the_published_heron_coupling_run(ibm, backend):
    # (3, 16) and (16, 23) are bridges of Heron r2/r3; fractional rx and rzz are in the target.
    circuit = _physical(
        "x $3; cz $3, $16; rzz(0.3) $16, $23; rx(0.2) $23; delay[100ns] $3; "
        "c[0] = measure $3; c[1] = measure $16;"
    )
    job_id = ibm.submit("sampler", [[circuit, None, 20]], backend=backend)
    assert ibm.wait(job_id)["state"]["status"] == "Completed"


def test_calibration_id_is_accepted_on_jobs_and_backend_reads(ibm):
    job_id = ibm.submit("sampler", [[ISA_BELL, None, 10]], calibration_id="cal-2026-11-30")
    assert ibm.job(job_id)["calibration_id"] == "cal-2026-11-30"
    for suffix in ("configuration", "properties"):
        answer = ibm.get(f"/backends/ibm_fez/{suffix}", params={"calibration_id": "cal-1"})
        assert answer.status_code == 200
    assert ibm.run("sampler", [[ISA_BELL, None, 10]], calibration_id=7).status_code == 400


@pytest.mark.parametrize("angle", ["-0.1", "1.6", "pi"])
def test_rzz_angles_outside_0_to_half_pi_fail_as_the_official_client_refuses_them(ibm, angle):
    circuit = _physical(f"rzz({angle}) $16, $23; c[0] = measure $16; c[1] = measure $23;")
    reason = _failed(ibm, circuit)["state"]["reason"]
    assert "The instruction rzz on qubits (16, 23) is supported only for angles in the range " in (
        reason
    )
    assert "[0, pi/2]" in reason


def test_rzz_angles_are_checked_after_binding_parameter_values(ibm):
    circuit = _physical(
        "input float[64] t; rzz(t) $16, $23; c[0] = measure $16; c[1] = measure $23;"
    )
    ok = ibm.submit("sampler", [[circuit, [[0.0], [1.5707963268]], 10]])
    assert ibm.wait(ok)["state"]["status"] == "Completed"
    job_id = ibm.submit("sampler", [[circuit, [[0.5], [2.0]], 10]])
    job = ibm.wait(job_id)
    assert job["state"]["reason_code"] == 1517 and "angle (2.0)" in job["state"]["reason"]


LOOP = _physical("for int i in [0:1] { x $0; } c[0] = measure $0;", 1)
SWITCH = _physical("int v; v = c; switch (v) { case 0 { x $0; } default { } } c[0] = measure $0;")


@pytest.mark.parametrize(
    ("backend", "circuit", "instruction"),
    [
        ("ibm_kingston", LOOP, "for_loop"),
        ("ibm_boston", SWITCH, "switch_case"),
        ("ibm_miami", _physical("c[0] = measure $0; if (c[0]) { x $1; }"), "if_else"),
    ],
)
def test_a_dynamic_circuit_the_backend_does_not_list_fails_as_non_isa(
    ibm, backend, circuit, instruction
):
    reason = _failed(ibm, circuit, backend)["state"]["reason"]
    assert f"The instruction {instruction} on qubits (" in reason
    assert "is not supported by the target system" in reason


#: A measured qubit, then a flip of its neighbour when it read 1: the neighbour copies it.
FEED_FORWARD = _physical(
    "rz(pi/2) $0; sx $0; rz(pi/2) $0; c[0] = measure $0; if (c[0]) { x $1; } c[1] = measure $1;"
)


@pytest.mark.parametrize(
    ("backend", "circuit", "outcomes"),
    [
        ("ibm_fez", FEED_FORWARD, {"00", "11"}),
        ("ibm_kingston", FEED_FORWARD, {"00", "11"}),
        (
            "ibm_boston",
            FEED_FORWARD.replace("if (c[0])", "int v; v = c; if (v == 1)"),
            {"00", "11"},
        ),
        ("ibm_marrakesh", LOOP, {"0"}),  # x twice
        ("ibm_fez", SWITCH.replace("case 0 { x $0; }", "case 0 { x $0; x $0; }"), {"00"}),
    ],
)
def test_the_dynamic_circuits_a_backend_lists_run(ibm, backend, circuit, outcomes):
    """The emulator runs what the backends advertise (if_else, for_loop, switch_case, store)."""
    job_id = ibm.submit("sampler", [[circuit, None, 200]], backend=backend)
    assert ibm.wait(job_id)["state"]["status"] == "Completed"
    counts = bitarray_counts(pub_data(ibm.results(job_id))["fields"]["c"])[1]
    assert set(counts) == outcomes, counts


def test_a_while_loop_runs_nowhere(ibm):
    circuit = _physical("c[0] = measure $0; while (c[0]) { x $0; c[0] = measure $0; }", 1)
    reason = _failed(ibm, circuit, "ibm_fez")["state"]["reason"]
    assert "The instruction while_loop is not supported by the target system" in reason


def test_a_listed_dynamic_circuit_the_emulator_cannot_read_is_a_400_saying_what(ibm):
    circuit = _physical("c[0] = measure $0; c[1] = measure $2; if (c[0] && c[1]) { x $1; }")
    answer = ibm.run("sampler", [[circuit, None, 10]], backend="ibm_fez")
    assert answer.status_code == 400
    message = ibm_error(answer)["message"]
    assert "does not simulate this dynamic circuit (if_else)" in message
    assert "conditions joining bits" in message
