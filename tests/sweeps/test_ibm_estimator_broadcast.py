"""An IBM Estimator sweep with a list of observables: broadcast against the rows as Qiskit
Runtime's pubs are (rows (n, 1, k) x observables (M,) -> values (n, M)), counted as M
circuits an item against the executions limit, and merged with standard errors."""

from __future__ import annotations

import math

import pytest
from airflow_face_support import make_context, stats
from ibm_circuits import ISA_RY_NO_MEASURE

from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator
from airflow_quantum.sweeps import ibm

from .test_sweep_operators import run_deferred

#: ry(theta)|0>: <Z> = cos(theta), <X> = sin(theta).
ANGLES = {"theta": [0.0, math.pi / 2, math.pi]}


def estimator_sweep(**kwargs) -> IBMQuantumSweepOperator:
    options = {
        "task_id": "sweep",
        "backend": "ibm_fez",
        "circuits": ISA_RY_NO_MEASURE,
        "parameter_values": ANGLES,
        "observables": ["Z", "X"],
        "poll_interval": 0.05,
        "max_poll_interval": 0.2,
        "deferrable": True,
        **kwargs,
    }
    return IBMQuantumSweepOperator(**options)


def test_each_row_gets_a_value_and_an_error_per_observable(connections, emulator):
    operator = estimator_sweep()
    summary = run_deferred(operator, make_context(operator))
    rows = summary["rows"]
    assert summary["jobs"] == 1 == stats(emulator, "ibm")["jobs_submitted"]
    expected = [[math.cos(t), math.sin(t)] for t in ANGLES["theta"]]
    for row, values in zip(rows, expected, strict=True):
        assert row["ev"] == pytest.approx(values, abs=0.1)
        assert len(row["std"]) == 2 and all(std >= 0 for std in row["std"])


def test_observables_multiply_the_executions_of_an_item(connections, emulator, monkeypatch):
    # 4,096 shots a point (the default precision). 16,384 executions a job hold 4 points of
    # one observable, but 2 points of two observables: 3 points are 2 jobs, not 1.
    monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 16_384)
    operator = estimator_sweep()
    context = make_context(operator)
    summary = run_deferred(operator, context)
    assert summary["jobs"] == len(context["ti"].pushed("job_ids")) == 2
    assert [len(row["jobs"]) for row in summary["rows"]] == [1, 1, 1]


def test_a_point_cut_over_jobs_combines_each_observables_parts(connections, emulator, monkeypatch):
    # 4,000 executions a job: 2,000 shots a point of two observables, 3 parts of a point.
    monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 4_000)
    operator = estimator_sweep(parameter_values={"theta": [0.0, math.pi]})
    summary = run_deferred(operator, make_context(operator))
    rows = summary["rows"]
    assert [len(row["jobs"]) for row in rows] == [3, 3]
    assert rows[0]["ev"] == pytest.approx([1.0, 0.0], abs=0.1)
    assert rows[1]["ev"] == pytest.approx([-1.0, 0.0], abs=0.1)
    # The emulator's standard error of a part is the precision it was asked for, 1/sqrt(n_i)
    # for parts of 1,366, 1,365 and 1,365 shots: combined, sqrt(sum(n_i^2 / n_i)) / 4,096 =
    # 1/sqrt(4,096), the error of the whole point, for each observable.
    assert [row["std"] for row in rows] == [pytest.approx([1 / 64, 1 / 64], rel=1e-9)] * 2
