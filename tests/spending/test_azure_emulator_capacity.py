"""The emulator's scriptable quotas and availability, as the workspace API shows them."""

from __future__ import annotations

import requests
from airflow_face_support import control

from airflow_quantum.hooks.azure_quantum import AzureQuantumHook


def client():
    return AzureQuantumHook().get_conn()


def test_a_target_status_shows_in_provider_status_and_degrades_its_provider(
    azure_connection, emulator
):
    body = {"availability": "Unavailable", "average_queue_time": 7200}
    assert control(emulator, "PUT", "/azure/targets/IonQ.QPU.Aria-1/status", body) == {
        "target": "ionq.qpu.aria-1",
        "availability": "Unavailable",
        "average_queue_time": 7200,
    }
    ionq = next(p for p in client().get_provider_status() if p.id == "ionq")
    aria = ionq.target("ionq.qpu.aria-1")
    assert (aria.current_availability, aria.average_queue_time) == ("Unavailable", 7200)
    assert ionq.current_availability == "Degraded"
    control(emulator, "PUT", "/azure/providers/ionq/status", {"availability": "Unavailable"})
    ionq = next(p for p in client().get_provider_status() if p.id == "ionq")
    assert ionq.current_availability == "Unavailable"
    control(emulator, "POST", "/reset")
    ionq = next(p for p in client().get_provider_status() if p.id == "ionq")
    assert ionq.current_availability == "Available"
    assert ionq.target("ionq.qpu.aria-1").current_availability == "Available"


def test_quota_settings_change_listed_quotas_and_add_new_ones(azure_connection, emulator):
    control(
        emulator, "PUT", "/azure/quotas", {"provider_id": "ionq", "dimension": "qgs", "holds": 5}
    )
    control(
        emulator, "PUT", "/azure/quotas", {"provider_id": "ionq", "dimension": "qgs", "limit": 9}
    )
    new = {"provider_id": "pasqal", "dimension": "qpu-hours", "utilization": 1, "limit": 2}
    control(emulator, "PUT", "/azure/quotas", new)
    quotas = {(q.provider_id, q.dimension): q for q in client().get_quotas()}
    gs = quotas["ionq", "qgs"]
    assert (gs.utilization, gs.holds, gs.limit, gs.scope) == (0, 5, 9, "Subscription")
    pasqal = quotas["pasqal", "qpu-hours"]
    assert (pasqal.utilization, pasqal.limit, pasqal.period) == (1, 2, "Monthly")


def test_bad_settings_are_refused(emulator):
    url = f"{emulator.url}/_emulator/azure"
    refused = [
        requests.put(f"{url}/targets/nowhere.qpu/status", json={"availability": "Available"}),
        requests.put(f"{url}/providers/nobody/status", json={"availability": "Available"}),
    ]
    assert [answer.status_code for answer in refused] == [404, 404]
    bad = [
        requests.put(f"{url}/targets/ionq.simulator/status", json={"availability": "Sleepy"}),
        requests.put(f"{url}/quotas", json={"provider_id": "ionq", "dimension": "gs", "limit": -1}),
    ]
    assert all(400 <= answer.status_code < 500 for answer in bad)
