"""IBM's job validation refuses, at submission, a job holding a circuit over a per-circuit limit
(two-qubit gates, rz and sx gates, control-system instructions per qubit): a 400, no job.

The real limits are hundreds of thousands of gates; the tests lower them (the same code path)
so that circuits stay small."""

from __future__ import annotations

import pytest
from ibm_support import BELL, IBMWire, ibm_error

from airflow_quantum_emulator.ibm import circuit_limits

#: Heron's basis: cz on the coupled pair (0, 1), rz, sx, x, measure.
HEAD = 'OPENQASM 3.0;\ninclude "stdgates.inc";\nqubit[2] q;\nbit[2] c;\n'


def circuit(body: str) -> str:
    return HEAD + body + "c = measure q;\n"


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def test_two_qubit_gates_over_the_static_limit_are_refused_at_submission(ibm, monkeypatch):
    monkeypatch.setattr(circuit_limits, "MAX_TWO_QUBIT_GATES", 3)
    assert ibm.run("sampler", [[circuit("cz q[0], q[1];\n" * 3), None, 10]]).status_code == 200
    answer = ibm.run("sampler", [[BELL], [circuit("cz q[0], q[1];\n" * 4), None, 10]])
    assert answer.status_code == 400, answer.text
    message = ibm_error(answer)["message"]
    assert "pub 1" in message and "4 two-qubit gates" in message and "static" in message


def test_a_dynamic_circuit_has_the_lower_two_qubit_limit(ibm, monkeypatch):
    monkeypatch.setattr(circuit_limits, "MAX_TWO_QUBIT_GATES", 10)
    monkeypatch.setattr(circuit_limits, "MAX_TWO_QUBIT_GATES_DYNAMIC", 2)
    static = circuit("cz q[0], q[1];\n" * 3)
    assert ibm.run("sampler", [[static, None, 10]]).status_code == 200
    dynamic = (
        HEAD
        + "c[0] = measure q[0];\nif (c[0]) {\n  x q[1];\n}\n"
        + "cz q[0], q[1];\n" * 3
        + "c = measure q;\n"
    )
    answer = ibm.run("sampler", [[dynamic, None, 10]])
    assert answer.status_code == 400, answer.text
    assert "a dynamic circuit may have at most 2" in ibm_error(answer)["message"]


@pytest.mark.parametrize(("gate", "limit"), [("rz(0.1) q[0];\n", "rz"), ("sx q[0];\n", "sx")])
def test_single_qubit_gates_over_their_limit_are_refused(ibm, monkeypatch, gate, limit):
    monkeypatch.setattr(circuit_limits, "MAX_SINGLE_QUBIT_GATES", {"rz": 5, "sx": 5})
    assert ibm.run("sampler", [[circuit(gate * 5), None, 10]]).status_code == 200
    answer = ibm.run("sampler", [[circuit(gate * 6), None, 10]])
    assert answer.status_code == 400
    assert f"6 {limit} gates" in ibm_error(answer)["message"]


def test_control_system_instructions_per_qubit_are_weighted(ibm, monkeypatch):
    # On qubit 0: cz (5) x 2 + measure (10) = 20; sx (2) more makes 22.
    monkeypatch.setattr(circuit_limits, "MAX_INSTRUCTIONS_PER_QUBIT", 21)
    assert ibm.run("sampler", [[circuit("cz q[0], q[1];\n" * 2), None, 10]]).status_code == 200
    answer = ibm.run("sampler", [[circuit("cz q[0], q[1];\n" * 2 + "sx q[0];\n"), None, 10]])
    assert answer.status_code == 400
    assert "22 control-system instructions on qubit 0" in ibm_error(answer)["message"]


def test_the_estimator_is_held_to_the_same_limits(ibm, monkeypatch):
    monkeypatch.setattr(circuit_limits, "MAX_TWO_QUBIT_GATES", 1)
    body = HEAD.replace("bit[2] c;\n", "") + "cz q[0], q[1];\n" * 2
    answer = ibm.run("estimator", [[body, "ZZ"]])
    assert answer.status_code == 400
    assert "2 two-qubit gates" in ibm_error(answer)["message"]
