"""The sweep operators against the emulator over loopback HTTP: split, submit, one deferral,
resubmit by cause, reattach on a retry, merge, spend over the sum of the chunks."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import pytest
from airflow.sdk import ObjectStoragePath
from airflow.sdk.exceptions import AirflowException, AirflowFailException, TaskDeferred
from airflow_face_support import control, hold, job_fault, make_context, run_trigger, stats
from ibm_circuits import ISA_RY_SWEEP

from airflow_quantum.operators.azure_quantum_sweep import AzureQuantumSweepOperator
from airflow_quantum.operators.ibm_quantum_sweep import IBMQuantumSweepOperator
from airflow_quantum.sweeps import ibm

#: ry(theta) on Quantinuum's H2 targets (OpenQASM 2): theta is bound before sending.
RY_QASM2 = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\n'
    "ry(theta) q[0];\nmeasure q -> c;\n"
)
#: 0 and pi give certain outcomes, whatever the seed.
ANGLES = {"theta": [0.0, math.pi, 0.0]}


def ibm_sweep(**kwargs: Any) -> IBMQuantumSweepOperator:
    options = {
        "task_id": "sweep",
        "backend": "ibm_fez",
        "circuits": ISA_RY_SWEEP,
        "parameter_values": ANGLES,
        "shots": 6,
        "poll_interval": 0.05,
        "max_poll_interval": 0.2,
        **kwargs,
    }
    return IBMQuantumSweepOperator(**options)


def azure_sweep(**kwargs: Any) -> AzureQuantumSweepOperator:
    options = {
        "task_id": "sweep",
        "target": "quantinuum.sim.h2-1e",
        "circuits": RY_QASM2,
        "parameter_values": ANGLES,
        "shots": 6,
        "poll_interval": 0.05,
        "max_poll_interval": 0.2,
        **kwargs,
    }
    return AzureQuantumSweepOperator(**options)


SWEEPS = {"ibm": ibm_sweep, "azure": azure_sweep}


def submitted(emulator: Any, vendor: str) -> int:
    return stats(emulator, vendor)["jobs_submitted"]


def resume(operator: Any, context: Any, deferred: TaskDeferred) -> Any:
    (event,) = asyncio.run(run_trigger(deferred.trigger, timeout=60))
    assert len(json.dumps(event)) < 2000 and "counts" not in json.dumps(event)
    assert not deferred.kwargs  # what resumes the task is in XCom and the event
    return getattr(operator, deferred.method_name)(context, event=event)


def run_deferred(operator: Any, context: Any) -> Any:
    """execute, then each deferral's trigger and resume, until the task returns."""
    try:
        return operator.execute(context)
    except TaskDeferred as deferred:
        pending = deferred
    while True:
        try:
            return resume(operator, context, pending)
        except TaskDeferred as again:
            pending = again


def check_angles(rows: list[dict[str, Any]], shots: int) -> None:
    assert [row["parameters"]["theta"] for row in rows] == ANGLES["theta"]
    assert [row["counts"] for row in rows] == [{"0": shots}, {"1": shots}, {"0": shots}]


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_a_sweep_waits_on_the_worker_and_merges_one_row_per_point(connections, emulator, vendor):
    operator = SWEEPS[vendor]()
    context = make_context(operator)
    summary = operator.execute(context)
    check_angles(summary["rows"], 6)
    assert summary["items"] == 3 and summary["parameters"] == ["theta"]
    job_ids = context["ti"].pushed("job_ids")
    assert summary["jobs"] == len(job_ids) == (1 if vendor == "ibm" else 3)
    assert submitted(emulator, vendor) == len(job_ids)


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_one_deferral_for_all_jobs_and_the_table_in_object_storage(
    connections, emulator, vendor, tmp_path
):
    path = tmp_path / "sweep.jsonl"
    operator = SWEEPS[vendor](deferrable=True, results_path=f"file://{path}")
    context = make_context(operator)
    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(context)
    trigger = deferred.value.trigger
    job_ids = context["ti"].pushed("job_ids")  # in XCom before the deferral
    assert trigger.job_ids == job_ids
    assert "local-emulator-key" not in json.dumps(trigger.serialize())
    summary = resume(operator, context, deferred.value)
    assert summary["results_uri"].endswith("sweep.jsonl") and "rows" not in summary
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    check_angles(rows, 6)
    assert summary["preview"] == rows
    facet = operator.get_openlineage_facets_on_complete(None)
    if facet is not None:
        assert facet.run_facets["quantumSweep"].jobIds == job_ids


def test_ibm_shots_beyond_a_job_are_split_over_jobs_and_summed(connections, emulator, monkeypatch):
    # At most 10 executions a job: 3 points x 25 shots is 9 jobs of (nearly) equal parts.
    monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 10)
    operator = ibm_sweep(shots=25, deferrable=True)
    context = make_context(operator)
    summary = run_deferred(operator, context)
    check_angles(summary["rows"], 25)
    assert len(context["ti"].pushed("job_ids")) == summary["jobs"] == 9
    assert [len(row["jobs"]) for row in summary["rows"]] == [3, 3, 3]


def test_azure_shots_beyond_a_qpu_maximum_are_split(connections, emulator):
    operator = azure_sweep(
        target="quantinuum.qpu.h2-1", parameter_values={"theta": [math.pi]}, shots=10_001
    )
    emulator.state.config.queue_seconds = 0.0
    context = make_context(operator)
    summary = operator.execute(context)
    assert summary["rows"][0]["counts"] == {"1": 10_001}
    assert len(summary["rows"][0]["jobs"]) == 2


@pytest.mark.parametrize(("vendor", "code"), [("ibm", "1500"), ("azure", "ProviderTimeout")])
def test_a_chunk_failing_for_a_transient_cause_is_resubmitted(connections, emulator, vendor, code):
    job_fault(emulator, vendor, outcome="fail", code=code, message="the device hiccupped", count=1)
    operator = SWEEPS[vendor](deferrable=True)
    context = make_context(operator)
    summary = run_deferred(operator, context)
    check_angles(summary["rows"], 6)
    first = 1 if vendor == "ibm" else 3
    assert submitted(emulator, vendor) == first + 1


@pytest.mark.parametrize(("vendor", "code"), [("ibm", "1517"), ("azure", "InvalidInputData")])
def test_a_chunk_failing_for_a_permanent_cause_fails_the_task_naming_it(
    connections, emulator, vendor, code
):
    job_fault(emulator, vendor, outcome="fail", code=code, message="not runnable", count=1)
    operator = SWEEPS[vendor](deferrable=True)
    context = make_context(operator)
    with pytest.raises(AirflowFailException, match=rf"chunk 0 .*\[{code}\].*not runnable"):
        run_deferred(operator, context)
    assert submitted(emulator, vendor) == (1 if vendor == "ibm" else 3)


def test_a_permanent_failure_on_the_worker_fails_the_task_naming_the_chunk(connections, emulator):
    job_fault(emulator, "azure", outcome="fail", code="InvalidInputData", message="nope", count=1)
    operator = azure_sweep()
    with pytest.raises(AirflowFailException, match=r"chunk 0 .*\[InvalidInputData\].*nope"):
        operator.execute(make_context(operator))
    assert submitted(emulator, "azure") == 3


def test_transient_failures_past_the_limit_leave_the_retry_to_airflow(connections, emulator):
    job_fault(emulator, "ibm", outcome="fail", code="1500", message="busy", count=3)
    operator = ibm_sweep(max_chunk_resubmits=1)
    context = make_context(operator)
    with pytest.raises(AirflowException, match="a retry of the task submits only") as failed:
        operator.execute(context)
    assert not isinstance(failed.value, AirflowFailException)
    assert submitted(emulator, "ibm") == 2


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_a_retry_reattaches_to_the_chunks_sent_and_submits_only_the_missing(
    connections, emulator, vendor, monkeypatch
):
    # The first try dies after its second submission (a killed worker, in effect).
    operator = SWEEPS[vendor](parameter_values={"theta": [0.0] * 4})
    if vendor == "ibm":
        monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 6)  # one point a job
    hook_class = operator.hook_class
    real_submit = hook_class.submit_job
    calls = []

    def dying_submit(self, job, key):
        if len(calls) == 2:
            raise SystemExit("worker killed")
        calls.append(key)
        return real_submit(self, job, key)

    monkeypatch.setattr(hook_class, "submit_job", dying_submit)
    with pytest.raises(SystemExit):
        operator.execute(make_context(operator))
    assert submitted(emulator, vendor) == 2
    monkeypatch.setattr(hook_class, "submit_job", real_submit)

    retry = SWEEPS[vendor](parameter_values={"theta": [0.0] * 4})
    context = make_context(retry, try_number=2)
    summary = retry.execute(context)
    assert submitted(emulator, vendor) == 4
    assert [row["counts"] for row in summary["rows"]] == [{"0": 6}] * 4
    assert len(set(context["ti"].pushed("job_ids"))) == 4


def test_azure_max_cost_applies_to_the_sum_of_the_jobs(connections, emulator):
    prices = {"quantinuum.sim.h2-1e": {"price_per_hqc": 1.0, "currency": "USD"}}
    one = azure_sweep(parameter_values={"theta": [0.0]}, prices=prices)
    context = make_context(one)
    one.execute(context)
    single = context["ti"].pushed("cost_estimate")["estimated_total"]
    assert single > 0
    three = azure_sweep(prices=prices, max_cost=single * 2.5)
    context = make_context(three)
    with pytest.raises(AirflowFailException, match="over the limit"):
        three.execute(context)
    assert context["ti"].pushed("cost_estimate")["estimated_total"] == pytest.approx(single * 3)
    assert submitted(emulator, "azure") == 1  # nothing of the three was sent


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"parameter_values": {"theta": [1.0, "x"]}}, "finite numbers"),
        ({"shots": 0}, "shots"),
        ({"circuits": [RY_QASM2, RY_QASM2]}, "exactly one circuit"),
        ({"parameter_values": {"theta": [0.0] * 1001}}, "results_path"),
    ],
)
def test_bad_input_fails_before_anything_is_sent(connections, emulator, kwargs, words):
    operator = azure_sweep(**kwargs)
    with pytest.raises(AirflowFailException, match=words):
        operator.execute(make_context(operator))
    assert submitted(emulator, "azure") == 0


def test_object_storage_path_objects_are_taken(connections, emulator, tmp_path):
    path = ObjectStoragePath(f"file://{tmp_path}/nested/table.jsonl")
    operator = ibm_sweep(results_path=path)
    summary = operator.execute(make_context(operator))
    assert summary["results_uri"].endswith("nested/table.jsonl")
    assert len(path.read_text().splitlines()) == 3


def test_ibm_max_quantum_seconds_applies_to_the_sum_of_the_queued_jobs(
    connections, emulator, monkeypatch
):
    """Three jobs the service estimates at 5 s each: over a limit of 12 s together, though
    each is under it; the ones not final are cancelled and the task fails without a retry."""
    monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 6)  # one point a job
    hold(emulator)
    control(emulator, "POST", "/ibm/estimates", {"seconds": 5, "count": 3})
    operator = ibm_sweep(deferrable=True, max_quantum_seconds=12)
    context = make_context(operator)
    with pytest.raises(
        AirflowFailException, match=r"15 quantum seconds, over max_quantum_seconds=12"
    ):
        run_deferred(operator, context)
    job_ids = context["ti"].pushed("job_ids")
    assert len(job_ids) == 3
    hook = operator.hook
    assert {hook.get_job_status(job_id)[0].value for job_id in job_ids} <= {
        "cancelled",
        "cancelling",
    }


def test_ibm_textbook_circuit_is_made_isa_by_optimization_level(connections, emulator):
    textbook = (
        'OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float[64] theta;\n'
        "qubit[1] q;\nbit[1] c;\nry(theta) q[0];\nc[0] = measure q[0];\n"
    )
    operator = ibm_sweep(circuits=textbook, optimization_level=1)
    check_angles(operator.execute(make_context(operator))["rows"], 6)


#: Two different points: two different pieces of work (equal points share a cache entry).
TWO_ANGLES = {"theta": [0.0, math.pi]}


def counts_of(summary: dict[str, Any]) -> list[dict[str, int]]:
    return [row["counts"] for row in summary["rows"]]


@pytest.mark.parametrize("vendor", ["ibm", "azure"])
def test_the_result_cache_reuses_the_same_work_and_only_that(
    connections, emulator, vendor, tmp_path, capsys
):
    cache = f"file://{tmp_path}/cache"
    first = SWEEPS[vendor](result_cache=cache, parameter_values=TWO_ANGLES)
    assert counts_of(first.execute(make_context(first))) == [{"0": 6}, {"1": 6}]
    paid = submitted(emulator, vendor)
    assert len(list((tmp_path / "cache").iterdir())) == paid

    # Another run, the same work: nothing is sent, the same table comes back, the log says so.
    again = SWEEPS[vendor](result_cache=cache, parameter_values=TWO_ANGLES)
    context = make_context(again, run_id="manual__2026-01-02T00:00:00+00:00")
    capsys.readouterr()
    summary = again.execute(context)
    assert submitted(emulator, vendor) == paid
    assert counts_of(summary) == [{"0": 6}, {"1": 6}]
    assert summary["cached_chunks"] == paid
    assert all(job_id.startswith("cached:") for job_id in context["ti"].pushed("job_ids"))
    assert "from the result cache" in capsys.readouterr().out
    facet = again.get_openlineage_facets_on_complete(None)
    if facet is not None:
        assert facet.run_facets["quantumSweep"].cachedChunks == paid

    # Other shots are other work: sent and paid for.
    other = SWEEPS[vendor](result_cache=cache, parameter_values=TWO_ANGLES, shots=7)
    context = make_context(other, run_id="manual__2026-01-03T00:00:00+00:00")
    assert counts_of(other.execute(context)) == [{"0": 7}, {"1": 7}]
    assert submitted(emulator, vendor) == 2 * paid


def test_no_result_cache_by_default(connections, emulator, tmp_path):
    operator = ibm_sweep()
    operator.execute(make_context(operator))
    again = ibm_sweep()
    again.execute(make_context(again, run_id="manual__2026-01-02T00:00:00+00:00"))
    assert submitted(emulator, "ibm") == 2


def test_a_bad_circuit_anywhere_in_a_batch_fails_before_any_job_is_sent(
    connections, emulator, monkeypatch
):
    monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 6)  # one circuit a job: the bad one is the 2nd
    good = ISA_RY_SWEEP.replace("input float[64] theta;\n", "").replace("theta", "0.5")
    operator = ibm_sweep(circuits=[good, "not a circuit"], parameter_values=None)
    with pytest.raises(AirflowFailException, match=r"circuits"):
        operator.execute(make_context(operator))
    assert submitted(emulator, "ibm") == 0


@pytest.mark.parametrize("split", [False, True])
def test_ibm_estimator_sweep_gives_expectation_values_per_point(
    connections, emulator, monkeypatch, split
):
    """<Z> after ry(theta) is cos(theta): +1 at 0, -1 at pi; cut over jobs, the parts'
    values combine to the same."""
    measured = ISA_RY_SWEEP.replace("bit[1] meas;\n", "").replace("meas[0] = measure q[0];\n", "")
    if split:
        monkeypatch.setattr(ibm, "MAX_EXECUTIONS", 2000)  # 4,096 shots a point: 3 parts
    operator = ibm_sweep(circuits=measured, observables="Z", shots=None, deferrable=True)
    context = make_context(operator)
    summary = run_deferred(operator, context)
    rows = summary["rows"]
    assert [row["ev"] for row in rows] == pytest.approx([1.0, -1.0, 1.0], abs=0.1)
    assert all(row["std"] >= 0 and "counts" not in row for row in rows)
    assert [len(row["jobs"]) for row in rows] == ([3, 3, 3] if split else [1, 1, 1])


def test_an_estimator_sweep_takes_precision_not_shots(connections, emulator):
    operator = ibm_sweep(observables="Z", shots=10)
    with pytest.raises(AirflowFailException, match="precision, not shots"):
        operator.execute(make_context(operator))
    assert submitted(emulator, "ibm") == 0
