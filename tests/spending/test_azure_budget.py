"""Budgets, quotas and target choice of the Azure submit operator, against the emulator.

"No job was created" is checked on the emulator's own job list and counters, not on the
operator's word.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from airflow.sdk.exceptions import AirflowFailException
from airflow_face_support import BELL_IONQ, BELL_QASM2, control, make_context, stats

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator
from airflow_quantum.spending.choice import NoBackendAvailableError

FAST = {"poll_interval": 0.05, "max_poll_interval": 0.1, "deferrable": False}
BELL_QUIL = "DECLARE ro BIT[2]\nH 0\nCNOT 0 1\nMEASURE 0 ro[0]\nMEASURE 1 ro[1]\n"
#: 97.5 + 100 x (0.000220 x 1 + 0.000975 x 1): the Bell pair on an IonQ QPU, 100 shots.
BELL_ON_ARIA = 97.6195


@pytest.fixture(autouse=True)
def _no_config_limit(monkeypatch) -> None:
    monkeypatch.delenv("AIRFLOW__QUANTUM__MAX_COST", raising=False)


def bell_on_aria(**kwargs: Any) -> AzureQuantumSubmitJobOperator:
    options = {"target": "ionq.qpu.aria-1", "ionq_circuit": BELL_IONQ, "shots": 100, **FAST}
    return AzureQuantumSubmitJobOperator(task_id="bell", **{**options, **kwargs})


def jobs_in_workspace() -> list[Any]:
    return list(AzureQuantumHook().get_conn().list_jobs())


def assert_nothing_submitted(emulator) -> None:
    assert jobs_in_workspace() == []
    assert stats(emulator, "azure")["jobs_submitted"] == 0


def fails(op: AzureQuantumSubmitJobOperator) -> tuple[str, dict[str, Any]]:
    context = make_context(op)
    with pytest.raises(AirflowFailException) as failure:
        op.execute(context)
    return str(failure.value), context


def test_over_budget_fails_before_any_job_exists(azure_connection, emulator):
    message, context = fails(bell_on_aria(max_cost=50))
    assert "97.6195 USD for ionq.qpu.aria-1" in message
    assert "over the limit max_cost=50 (from the operator)" in message
    assert "nothing was submitted" in message
    assert context["ti"].pushed("cost_estimate")["estimated_total"] == pytest.approx(BELL_ON_ARIA)
    assert_nothing_submitted(emulator)


def test_limits_from_the_connection_and_the_config(azure_connection, emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW__QUANTUM__MAX_COST", "10")
    message, _ = fails(bell_on_aria())
    assert "max_cost=10 (from the config)" in message
    variable = "AIRFLOW_CONN_AZURE_QUANTUM_DEFAULT"
    conn = json.loads(os.environ[variable])
    conn["extra"]["max_cost"] = 20
    monkeypatch.setenv(variable, json.dumps(conn))
    message, _ = fails(bell_on_aria())
    assert "max_cost=20 (from the connection)" in message
    assert_nothing_submitted(emulator)


def test_under_budget_runs_and_the_service_bills_what_was_estimated(azure_connection, emulator):
    op = bell_on_aria(max_cost=100)
    context = make_context(op)
    result = op.execute(context)
    assert result["format"] == "ionq.quantum-results.v1" and set(result["histogram"]) <= {"0", "3"}
    estimate = context["ti"].pushed("cost_estimate")
    assert estimate["estimated_total"] == pytest.approx(BELL_ON_ARIA)
    (job,) = jobs_in_workspace()
    details = AzureQuantumHook().get_conn().get_job(job.id)
    assert details.cost_estimate.estimated_total == pytest.approx(BELL_ON_ARIA)
    assert {e.dimension_id: e.amount_billed for e in details.cost_estimate.events} == {
        "gs1q": 100,
        "gs2q": 100,
    }


def test_a_limit_on_a_target_without_a_formula_fails_closed(azure_connection, emulator):
    rigetti = {
        "target": "rigetti.qpu.cepheus-1-108q",
        "input_data": BELL_QUIL,
        "input_data_format": "rigetti.quil.v1",
        "output_data_format": "rigetti.quil-results.v1",
        "provider_id": "rigetti",
        "input_params": {"count": 10},
        **FAST,
    }
    message, _ = fails(AzureQuantumSubmitJobOperator(task_id="r", max_cost=1000, **rigetti))
    assert "no estimate for rigetti.qpu.cepheus-1-108q" in message
    assert "10 ms" in message and "allow_unpriced=True" in message
    assert_nothing_submitted(emulator)
    op = AzureQuantumSubmitJobOperator(task_id="r", max_cost=1000, allow_unpriced=True, **rigetti)
    assert op.execute(make_context(op))["shots"] == 10


def test_credits_do_not_compare_with_money_unless_priced(azure_connection, emulator):
    options = {"target": "quantinuum.sim.h2-1e", "quantinuum_program": BELL_QASM2, "shots": 100}
    message, _ = fails(AzureQuantumSubmitJobOperator(task_id="q", max_cost=1, **options, **FAST))
    assert "only an estimate in EHQC: 5.42 EHQC" in message and "price_per_hqc" in message
    assert_nothing_submitted(emulator)
    priced = {"quantinuum.sim.*": {"price_per_hqc": 0.5}}  # 5.42 EHQC x 0.5 = 2.71 USD
    message, _ = fails(
        AzureQuantumSubmitJobOperator(task_id="q", max_cost=1, prices=priced, **options, **FAST)
    )
    assert "2.71 USD" in message
    op = AzureQuantumSubmitJobOperator(task_id="q", max_cost=3, prices=priced, **options, **FAST)
    assert op.execute(make_context(op))["shots"] == 100


def test_a_used_up_quota_of_the_target_s_provider_stops_the_submission(azure_connection, emulator):
    quota = {"provider_id": "quantinuum", "dimension": "ehqc", "utilization": 399, "holds": 1}
    control(emulator, "PUT", "/azure/quotas", quota)
    op = AzureQuantumSubmitJobOperator(
        task_id="q", target="quantinuum.sim.h2-1e", quantinuum_program=BELL_QASM2, **FAST
    )
    message, _ = fails(op)
    assert "the quantinuum quota 'ehqc'" in message
    assert "utilization 399 + holds 1 >= limit 400" in message
    assert_nothing_submitted(emulator)
    # The QPU's credits (hqc) are another dimension; the free simulator uses no quota at all.
    control(
        emulator, "PUT", "/azure/quotas", {"provider_id": "ionq", "dimension": "gs", "limit": 0}
    )
    ok = AzureQuantumSubmitJobOperator(
        task_id="s", target="ionq.simulator", ionq_circuit=BELL_IONQ, **FAST
    )
    assert ok.execute(make_context(ok))["histogram"] == {"0": 0.5, "3": 0.5}
    message, _ = fails(bell_on_aria())
    assert "the ionq quota 'gs'" in message


def test_a_target_list_picks_the_first_available_with_the_shortest_queue(
    azure_connection, emulator
):
    status = "/azure/targets/{}/status"
    control(emulator, "PUT", status.format("ionq.qpu.aria-1"), {"availability": "Unavailable"})
    control(emulator, "PUT", status.format("ionq.qpu.forte-1"), {"average_queue_time": 900})
    control(emulator, "PUT", status.format("ionq.simulator"), {"average_queue_time": 3})
    candidates = ["ionq.qpu.aria-1", "ionq.qpu.forte-1", "ionq.simulator"]
    op = AzureQuantumSubmitJobOperator(
        task_id="pick", target=candidates, ionq_circuit=BELL_IONQ, shots=10, **FAST
    )
    context = make_context(op)
    op.execute(context)
    ti = context["ti"]
    assert ti.pushed("chosen_backend") == "ionq.simulator"
    assert ti.pushed("cost_estimate")["target"] == "ionq.simulator"
    (job,) = jobs_in_workspace()
    assert job.target == "ionq.simulator"
    # The chosen target is the one budgeted: forte-1 (shortest queue now) is over 50 USD.
    control(emulator, "PUT", status.format("ionq.qpu.forte-1"), {"average_queue_time": 1})
    again = AzureQuantumSubmitJobOperator(
        task_id="pick2", target=candidates, ionq_circuit=BELL_IONQ, max_cost=50, **FAST
    )
    message, context = fails(again)
    assert context["ti"].pushed("chosen_backend") == "ionq.qpu.forte-1"
    assert "for ionq.qpu.forte-1" in message


def test_no_available_target_is_an_error_worth_a_retry(azure_connection, emulator):
    for target in ("ionq.qpu.aria-1", "ionq.qpu.forte-1"):
        body = {"availability": "Degraded" if target.endswith("1") else "Unavailable"}
        control(emulator, "PUT", f"/azure/targets/{target}/status", body)
    op = AzureQuantumSubmitJobOperator(
        task_id="none", target=["ionq.qpu.aria-1", "ionq.qpu.forte-1"], ionq_circuit=BELL_IONQ
    )
    with pytest.raises(NoBackendAvailableError, match=r"ionq.qpu.aria-1: Degraded"):
        op.execute(make_context(op))
    assert_nothing_submitted(emulator)


def test_every_candidate_is_validated_before_any_request(azure_connection, emulator):
    op = AzureQuantumSubmitJobOperator(
        task_id="old", target=["ionq.simulator", "quantinuum.qpu.h1-1"], ionq_circuit=BELL_IONQ
    )
    message, _ = fails(op)
    assert "retired" in message
    assert stats(emulator, "azure")["requests"] == 0
