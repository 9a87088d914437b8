"""A circuit over a per-circuit limit of IBM's job validation cannot be split over jobs: the
client refuses it before anything is sent, in a sweep as in a single job."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException
from airflow_face_support import make_context, stats
from ibm_circuits import ISA_BELL

from airflow_quantum.clients.ibm import job_limits
from airflow_quantum.clients.ibm.isa import QasmInstruction
from airflow_quantum.clients.ibm.prepared import IBMPreparedJob
from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator

CZ = QasmInstruction("cz", (0, 1))
IF = QasmInstruction("if_else", ())


def test_the_two_qubit_limit_is_400000_static_and_100000_dynamic():
    assert job_limits.violation([CZ] * 400_000) is None
    assert "400001 two-qubit gates" in job_limits.violation([CZ] * 400_001)
    assert job_limits.violation([IF, *[CZ] * 100_000]) is None
    assert "a dynamic circuit may hold at most 100000" in job_limits.violation(
        [IF, *[CZ] * 100_001]
    )


def test_rz_and_sx_have_limits_of_their_own(monkeypatch):
    monkeypatch.setattr(job_limits, "MAX_SINGLE_QUBIT_GATES", {"rz": 4, "sx": 2})
    rz = QasmInstruction("rz", (0,))
    assert job_limits.violation([rz] * 4) is None
    assert "5 rz gates: a circuit may hold at most 4" in job_limits.violation([rz] * 5)
    sx = [QasmInstruction("sx", (q,)) for q in range(2)]
    assert job_limits.violation(sx) is None  # one on each of two qubits
    assert "4 sx gates" in job_limits.violation(sx * 2)


def test_control_system_instructions_per_qubit_are_weighted(monkeypatch):
    monkeypatch.setattr(job_limits, "MAX_INSTRUCTIONS_PER_QUBIT", 21)
    measure = QasmInstruction("measure", (0,))
    assert job_limits.violation([CZ, CZ, measure]) is None  # 5 + 5 + 10 on qubit 0
    assert "22 control-system instructions on qubit 0" in job_limits.violation(
        [CZ, CZ, measure, QasmInstruction("sx", (0,))]
    )


def test_the_check_reads_the_openqasm_text_and_names_the_pub(monkeypatch):
    monkeypatch.setattr(job_limits, "MAX_TWO_QUBIT_GATES", 1)
    big = ISA_BELL.replace("cz q[0], q[1];\n", "cz q[0], q[1];\n" * 2)
    with pytest.raises(job_limits.CircuitTooLargeError, match=r"pub 1: .*2 two-qubit gates"):
        IBMPreparedJob.sampler([ISA_BELL, big], "ibm_fez", 10)


def test_a_sweep_over_a_too_large_circuit_is_refused_before_anything_is_sent(
    connections, emulator, monkeypatch
):
    monkeypatch.setattr(job_limits, "MAX_TWO_QUBIT_GATES", 0)
    operator = IBMQuantumSweepOperator(
        task_id="sweep", backend="ibm_fez", circuits=[ISA_BELL] * 3, shots=10
    )
    with pytest.raises(AirflowFailException, match="cannot be split over jobs"):
        operator.execute(make_context(operator))
    assert stats(emulator, "ibm")["jobs_submitted"] == 0
