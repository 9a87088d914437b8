"""Fields of jobs and sessions as the recorded real sessions show them (azure-quantum-python
2dd25ea9, 2024-10 to 2026-02) and the costs of the Quantinuum syntax checkers."""

from __future__ import annotations

import pytest
from azure_support import BELL, IONQ, QASM_BELL, AzureWire, new_id, sas_fields


@pytest.fixture
def wire(emulator) -> AzureWire:
    return AzureWire(emulator.url)


def test_jobs_carry_job_priority_basic_and_neither_priority_nor_usage(wire):
    created = wire.submit(IONQ, BELL, {"shots": 10})
    finished = wire.wait(created["id"])
    assert finished["status"] == "Succeeded"
    for details in (created, finished, wire.list()["value"][0]):
        assert details["jobPriority"] == "Basic"
        assert "priority" not in details and "usage" not in details


def test_the_put_answer_carries_links_without_sas_and_get_signs_them(wire):
    created = wire.submit(IONQ, BELL, {"shots": 10})
    for field in ("containerUri", "inputDataUri", "outputDataUri"):
        assert "?" not in created[field], (field, created[field])
    assert created["outputDataUri"].endswith(f"/job-{created['id']}/outputData")
    fetched = wire.get_job(created["id"])
    assert sas_fields(fetched["containerUri"])["sp"] == "rl"


def test_sessions_carry_job_priority_basic(wire):
    session_id = new_id()
    body = {"providerId": "ionq", "target": "ionq.simulator", "itemType": "Session"}
    opened = wire.call("PUT", f"/sessions/{session_id}", json=body)
    assert opened.status_code == 200 and opened.json()["jobPriority"] == "Basic"


@pytest.mark.parametrize(
    ("target", "dimension", "billed"),
    [
        ("quantinuum.sim.h2-1sc", "hqc", 0.0),
        ("quantinuum.sim.helios-1sc", "hqc", 0.0),
        ("quantinuum.sim.h2-1e", "ehqc", None),
    ],
)
def test_quantinuum_syntax_checkers_bill_hqc_zero(wire, target, dimension, billed):
    kind = ("quantinuum", target, "honeywell.openqasm.v1", "honeywell.quantum-results.v1")
    details, _ = wire.run(kind, QASM_BELL, {"count": 10})
    (event,) = details["costEstimate"]["events"]
    assert event["dimensionId"] == dimension and event["dimensionName"] == dimension.upper()
    if billed is not None:
        assert event["amountBilled"] == event["amountConsumed"] == billed
    else:
        assert event["amountBilled"] > 0
    assert details["costEstimate"]["estimatedTotal"] == 0.0
