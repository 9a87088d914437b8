"""qiskit objects through the IBM operators and hook, against the emulator.

A DAG holding ``QuantumCircuit``/``SparsePauliOp``/numpy arguments serializes (as the DAG
processor does) to plain JSON, runs, and the hook hands back qiskit's own result objects.
``example_ibm_quantum_qiskit`` runs the same under a real ``airflow dags test`` (tests/e2e).
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from airflow_face_support import make_context, stats
from ibm_circuits import qiskit_isa_bell, qiskit_isa_rotation

from airflow_quantum.clients.errors import MissingExtraError
from airflow_quantum.clients.ibm import IBMPreparedJob
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook
from airflow_quantum.operators.ibm_quantum import (
    IBMQuantumRunEstimatorOperator,
    IBMQuantumRunSamplerOperator,
)

qiskit = pytest.importorskip("qiskit")
from airflow.sdk import DAG  # noqa: E402
from airflow.serialization.serialized_objects import DagSerialization  # noqa: E402
from qiskit import QuantumCircuit, qasm3  # noqa: E402
from qiskit.primitives import PrimitiveResult  # noqa: E402
from qiskit.quantum_info import SparsePauliOp  # noqa: E402

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}
ANGLES = np.array([[0.0], [math.pi]])


def rotation() -> QuantumCircuit:
    """ry(theta) then cx, measured: an ISA circuit of ibm_fez (see ibm_circuits)."""
    return qiskit_isa_rotation()


def bell() -> QuantumCircuit:
    """The Bell state, unmeasured: an ISA circuit of ibm_fez."""
    return qiskit_isa_bell()


def qiskit_dag() -> DAG:
    with DAG("qiskit_objects", schedule=None) as dag:
        IBMQuantumRunSamplerOperator(
            task_id="sweep", circuits=[(rotation(), ANGLES, 100)], backend="ibm_fez", **FAST
        )
        IBMQuantumRunEstimatorOperator(
            task_id="energy",
            circuits=[bell()],
            observables=[[SparsePauliOp("ZZ"), SparsePauliOp(["XX", "YY"], [0.5, -0.5])]],
            precision=0.02,
            backend="ibm_fez",
            **FAST,
        )
    return dag


def test_a_dag_of_qiskit_objects_serializes_to_plain_json():
    dag = qiskit_dag()
    serialized = DagSerialization.to_dict(dag)
    text = json.dumps(serialized)
    assert "QuantumCircuit(" not in text and "SparsePauliOp(" not in text
    restored = DagSerialization.from_dict(json.loads(text))
    sweep, energy = restored.get_task("sweep"), restored.get_task("energy")
    assert sweep.circuits == [[qasm3.dumps(rotation()), [[0.0], [math.pi]], 100]]
    assert energy.circuits == [qasm3.dumps(bell())]
    assert energy.observables == [[{"ZZ": 1.0}, {"XX": 0.5, "YY": -0.5}]]


def test_operators_run_qiskit_objects(ibm_connection, emulator):
    dag = qiskit_dag()
    sweep = dag.get_task("sweep").execute(make_context(dag.get_task("sweep")))
    (pub,) = sweep["pub_results"]
    assert pub["shape"] == [2] and pub["counts"] == [{"00": 100}, {"11": 100}]
    energy = dag.get_task("energy").execute(make_context(dag.get_task("energy")))
    evs = energy["pub_results"][0]["evs"]
    assert evs[0] == pytest.approx(1.0, abs=0.1)
    assert evs[1] == pytest.approx(1.0, abs=0.1)  # (<XX> - <YY>) / 2 of the Bell state


def test_hook_returns_qiskit_results_on_request(ibm_connection, emulator):
    hook = IBMQuantumHook()
    job_id = (
        hook.get_conn().run_job(IBMPreparedJob.sampler([(rotation(), ANGLES, 64)], "ibm_fez")).id
    )
    result = hook.get_job_result(job_id, timeout=10, poll_interval=0.02, as_qiskit=True)
    assert isinstance(result, PrimitiveResult)
    meas = result[0].data.meas
    assert meas.shape == (2,) and meas.num_shots == 64
    assert meas.get_counts(0) == {"00": 64} and meas.get_counts(1) == {"11": 64}
    plain = hook.get_job_result(job_id)["pub_results"][0]["counts"]
    assert [meas.get_counts(i) for i in range(2)] == plain


def test_as_qiskit_without_qiskit_fails_before_any_request(ibm_connection, emulator, monkeypatch):
    for name in [name for name in sys.modules if name.split(".")[0] == "qiskit"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "qiskit", None)
    with pytest.raises(MissingExtraError, match=r"as_qiskit=True.*airflow-quantum\[qiskit\]"):
        IBMQuantumHook().get_job_result("someid", as_qiskit=True)
    assert stats(emulator, "ibm")["requests"] == 0


def textbook_bell() -> QuantumCircuit:
    """The textbook Bell state (h, cx): not an ISA circuit of any IBM backend."""
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    return circuit


def test_textbook_circuits_run_with_optimization_level(ibm_connection, emulator):
    measured = textbook_bell()
    measured.measure_all()
    with DAG("transpiled", schedule=None) as dag:
        IBMQuantumRunSamplerOperator(
            task_id="counts",
            circuits=[measured],
            shots=100,
            backend="ibm_fez",
            optimization_level=1,
            **FAST,
        )
        IBMQuantumRunEstimatorOperator(
            task_id="energy",
            circuits=[textbook_bell()],
            observables=[SparsePauliOp.from_list([("ZZ", 1.0), ("XX", 1.0)])],
            precision=0.01,
            backend="ibm_marrakesh",
            optimization_level=3,
            **FAST,
        )
    counts = dag.get_task("counts").execute(make_context(dag.get_task("counts")))
    assert set(counts["pub_results"][0]["counts"]) == {"00", "11"}
    energy = dag.get_task("energy").execute(make_context(dag.get_task("energy")))
    assert energy["pub_results"][0]["evs"] == pytest.approx(2.0, abs=0.1)


def test_optimization_level_is_checked_before_submitting(ibm_connection, emulator, monkeypatch):
    bad = IBMQuantumRunSamplerOperator(
        task_id="bad", circuits=[textbook_bell()], backend="ibm_fez", optimization_level=5, **FAST
    )
    with pytest.raises(Exception, match="optimization_level must be 0, 1, 2 or 3"):
        bad.execute(make_context(bad))
    for name in [name for name in sys.modules if name.split(".")[0] == "qiskit"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "qiskit", None)
    op = IBMQuantumRunSamplerOperator(
        task_id="noqiskit", circuits=[bad.circuits[0]], backend="ibm_fez", optimization_level=1,
        **FAST,
    )  # fmt: skip
    with pytest.raises(Exception, match=r"airflow-quantum\[qiskit\]"):
        op.execute(make_context(op))
    assert stats(emulator, "ibm")["jobs_submitted"] == 0
