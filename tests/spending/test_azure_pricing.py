"""Azure cost estimates from the published rules, checked against figures computed by hand."""

from __future__ import annotations

import dataclasses
import json

import pytest
from airflow_face_support import BELL_IONQ, BELL_QASM2, TOFFOLI_QIR

from airflow_quantum.clients.azure import AzurePreparedJob
from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.spending.azure_counting import (
    CannotCount,
    GateCounts,
    ionq_counts,
    qasm2_counts,
    qir_counts,
)
from airflow_quantum.spending.azure_pricing import (
    PRICES_AS_OF,
    check_prices,
    rule_for,
)
from airflow_quantum.spending.azure_pricing import estimate as estimate_job

#: Every kind of statement the light OpenQASM counter meets: 5 one-qubit gates, 2 multi-qubit
#: gates (a user gate counts once, as qiskit counted it for the official client), 4 SPAM ops.
BUSY_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
gate majority a,b,c { cx c,b; cx c,a; ccx a,b,c; }
qreg q[3];
creg c[3];
h q;                      // a register: one h per qubit
rz(pi/(2)) q[0];
majority q[0],q[1],q[2];
barrier q;
cx q[0],q[1];
reset q[2];
measure q -> c;
if(c==1) x q[0];
"""
TOFFOLI_IONQ = [
    {"gate": "h", "targets": [0, 1, 2]},
    {"gate": "x", "controls": [0, 1], "target": 2},
]


def ionq(circuit, shots=None):
    return AzurePreparedJob.ionq_circuit(circuit, **({} if shots is None else {"shots": shots}))


def raw(data, fmt="x.v1", shots=None, **params):
    """Input data in format ``fmt`` (to an IonQ target: only the estimate reads the target)."""
    params = {**params, **({} if shots is None else {"shots": shots})}
    return AzurePreparedJob.input_data(data, fmt, None, "ionq", "ionq.simulator", params)


def quantinuum(program, shots):
    return AzurePreparedJob.quantinuum_program(program, shots=shots)


def qir(program, shots=None):
    return AzurePreparedJob.qir(program, target="ionq.simulator", shots=shots)


def estimate(target, job, *overrides):
    return estimate_job(job.on_target(target), *overrides)


def test_ionq_bell_on_a_qpu_is_the_minimum_plus_gate_shots():
    result = estimate("ionq.qpu.aria-1", ionq(BELL_IONQ, 100))
    # 97.5 + 100 x (0.000220 x 1 + 0.000975 x 1)
    assert result["estimated_total"] == pytest.approx(97.6195)
    assert result["currency"] == "USD" and result["priced"] is True
    assert result["formula"] == "97.5 + 100 shots x (0.00022 x 1 1q + 0.000975 x 1 2q gates)"
    assert result["prices_as_of"] == PRICES_AS_OF


def test_ionq_multi_controlled_gates_are_billed_as_six_n_minus_two():
    assert ionq_counts(TOFFOLI_IONQ) == GateCounts(3, 1, 0, 6)
    result = estimate("ionq.qpu.forte-1", ionq({"qubits": 3, "circuit": TOFFOLI_IONQ}, 1000))
    # 97.5 + 1000 x (0.000220 x 3 + 0.000975 x 6) = 97.5 + 0.66 + 5.85
    assert result["estimated_total"] == pytest.approx(104.01)
    three_controls = [{"gate": "not", "controls": [0, 1, 2], "target": 3}]
    assert ionq_counts(three_controls).ionq_two_qubit == 12  # the pricing page's example
    two_targets = [{"gate": "zz", "targets": [0, 1], "rotation": 0.5}]
    assert ionq_counts(two_targets) == GateCounts(0, 1, 0, 1)


def test_ionq_default_shots_and_error_mitigation_off():
    # No shots: the client sends 500; 97.5 + 500 x (0.00022 + 0.000975)
    assert estimate("ionq.qpu.aria-1", ionq(BELL_IONQ))["estimated_total"] == pytest.approx(98.0975)
    document = {"qubits": 2, "circuit": BELL_IONQ}
    program = raw(document, "ionq.circuit.v1", 100, **{"error-mitigation": {"debias": False}})
    result = estimate("ionq.qpu.aria-1", program)
    assert result["estimated_total"] == pytest.approx(12.4166 + 0.1195)
    assert "error mitigation off" in result["detail"]
    as_text = dataclasses.replace(program, program=json.dumps(document).encode())
    assert estimate("ionq.qpu.aria-1", as_text)["estimated_total"] == result["estimated_total"]


def test_free_targets_cost_nothing_whatever_the_program():
    for target in ("ionq.simulator", "quantinuum.sim.h2-1sc", "microsoft.estimator"):
        result = estimate(target, ionq(BELL_IONQ, 10))
        assert (result["estimated_total"], result["priced"]) == (0.0, True), target
    assert estimate("rigetti.sim.qvm", raw("H 0", "rigetti.quil.v1"))["estimated_total"] == 0.0


def test_quantinuum_bell_is_in_credits_without_a_price_per_credit():
    program = quantinuum(BELL_QASM2, 100)
    result = estimate("quantinuum.qpu.h2-1", program)
    # 5 + 100 x (1 + 10 x 1 + 5 x 2) / 5000: measure q -> c measures both qubits
    assert (result["estimated_total"], result["currency"]) == (pytest.approx(5.42), "HQC")
    assert "no public price per HQC" in result["detail"]
    emulated = estimate("quantinuum.sim.h2-1e", program)
    assert (emulated["estimated_total"], emulated["currency"]) == (pytest.approx(5.42), "EHQC")
    priced = estimate("quantinuum.qpu.h2-1", program, {"quantinuum.qpu.*": {"price_per_hqc": 10}})
    assert (priced["estimated_total"], priced["currency"]) == (pytest.approx(54.2), "USD")
    assert priced["rule"] == "override 'quantinuum.qpu.*'"


def test_the_openqasm_counter_reads_registers_params_user_gates_and_conditions():
    assert qasm2_counts(BUSY_QASM2) == GateCounts(5, 2, 4, 6 + 1)  # IonQ: 6 (N - 2) + 1
    result = estimate("quantinuum.sim.h2-1e", quantinuum(BUSY_QASM2, 10))
    assert result["estimated_total"] == pytest.approx(5 + 10 * (5 + 10 * 2 + 5 * 4) / 5000)


def test_qir_text_and_bitcode_are_counted_alike():
    counts = qir_counts(TOFFOLI_QIR)
    assert counts == GateCounts(0, 1, 3, 6)
    pyqir = pytest.importorskip("pyqir")
    bitcode = pyqir.Module.from_ir(pyqir.Context(), TOFFOLI_QIR).bitcode
    assert qir_counts(bitcode) == counts
    on_ionq = estimate("ionq.qpu.aria-1", qir(bitcode, 100))
    assert on_ionq["estimated_total"] == pytest.approx(97.5 + 100 * 0.000975 * 6)
    on_h2 = estimate("quantinuum.qpu.h2-1", qir(TOFFOLI_QIR, 100))
    assert on_h2["estimated_total"] == pytest.approx(5 + 100 * (10 + 5 * 3) / 5000)


def test_what_cannot_be_estimated_says_why_instead_of_guessing():
    no_shots = estimate("ionq.qpu.aria-1", qir(TOFFOLI_QIR))
    assert (no_shots["priced"], no_shots["estimated_total"]) == (False, None)
    assert "no shots" in no_shots["detail"]
    for target, why in (
        ("rigetti.qpu.cepheus-1-108q", "10 ms"),
        ("pasqal.qpu.fresnel", "hours"),
        ("pasqal.sim.emu-tn", "hours"),
        ("someone.qpu.new", "no price rule"),
    ):
        result = estimate(target, raw("{}", "x.v1", 10))
        assert result["priced"] is False and why in result["detail"], target
    pulses = raw("{}", "pasqal.pulser.v1", 10)
    result = estimate("ionq.qpu.aria-1", pulses)
    assert result["priced"] is False and "cannot count" in result["detail"]
    with pytest.raises(CannotCount, match="unknown qubit argument"):
        qasm2_counts("OPENQASM 2.0;\nh r[0];\nh r;")


def test_overrides_are_checked_and_the_later_layer_wins():
    connection = check_prices({"ionq.qpu.*": {"price_2q": 0.001, "minimum": 1}}, "connection")
    operator = check_prices({"ionq.qpu.aria-1": {"minimum": 2}}, "operator")
    rule, origin = rule_for("ionq.qpu.aria-1", connection, operator)
    assert (rule.price_2q, rule.minimum, rule.price_1q) == (0.001, 2, 0.000220)
    assert origin == "override 'ionq.qpu.aria-1'"
    for bad, message in (
        ([1], "must be a mapping"),
        ({"ionq.*": {"price_3q": 1}}, "unknown field 'price_3q'"),
        ({"ionq.*": {"minimum": -1}}, "must be a number >= 0"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            check_prices(bad, "operator")
