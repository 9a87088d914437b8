"""GetDevice and SearchDevices: the catalogue of today, capabilities in the schemas' shapes."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from braket.schema_common import BraketSchemaBase
from braket_wire import AQUILA, FORTE, GARNET, SV1, BraketWire, aws_error, control

#: The devices and regions the wire page lists (SDK devices.py, 2026-08).
CURRENT = {
    "arn:aws:braket:::device/quantum-simulator/amazon/sv1": None,
    "arn:aws:braket:::device/quantum-simulator/amazon/dm1": None,
    "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1": "us-east-1",
    "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-Enterprise-1": "us-east-1",
    "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet": "eu-north-1",
    "arn:aws:braket:eu-north-1::device/qpu/iqm/Emerald": "eu-north-1",
    "arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-108Q": "us-west-1",
    "arn:aws:braket:us-east-1::device/qpu/quera/Aquila": "us-east-1",
    "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1": "eu-north-1",
}
RETIRED = {
    "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3": "us-west-1",
    "arn:aws:braket:::device/quantum-simulator/amazon/tn1": None,
    "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1": "us-east-1",
}


def get_device(emulator, arn: str, region: str | None):
    return BraketWire(emulator.url, region=region or "us-east-1").request(
        "GET", f"/device/{quote(arn, safe='')}"
    )


@pytest.mark.parametrize("arn", sorted({**CURRENT, **RETIRED}))
def test_every_device_answers_capabilities_the_schemas_parse(emulator, arn):
    region = {**CURRENT, **RETIRED}[arn]
    answer = get_device(emulator, arn, region)
    assert answer.status_code == 200, answer.text
    device = answer.json()
    assert device["deviceArn"] == arn
    assert device["deviceType"] == ("SIMULATOR" if "quantum-simulator" in arn else "QPU")
    assert device["deviceStatus"] == ("RETIRED" if arn in RETIRED else "ONLINE")
    assert isinstance(device["deviceCapabilities"], str)
    parsed = BraketSchemaBase.parse_raw_schema(device["deviceCapabilities"])
    service = parsed.service
    assert service.executionWindows and service.shotsRange[1] >= 1
    assert service.getTaskPollIntervalMillis > 0
    assert service.deviceCost.unit == ("minute" if device["deviceType"] == "SIMULATOR" else "shot")
    assert parsed.action


def test_supported_actions_follow_the_device(emulator):
    def actions(arn, region):
        capabilities = json.loads(get_device(emulator, arn, region).json()["deviceCapabilities"])
        return set(capabilities["action"])

    assert actions(AQUILA, "us-east-1") == {"braket.ir.ahs.program"}
    assert actions(FORTE, "us-east-1") == {"braket.ir.openqasm.program"}
    assert "braket.ir.openqasm.program_set" in actions(GARNET, "eu-north-1")
    assert "braket.ir.openqasm.program_set" in actions(SV1, "us-east-1")


def test_aqt_ibex_takes_at_most_2000_shots(emulator):
    arn = "arn:aws:braket:eu-north-1::device/qpu/aqt/Ibex-Q1"
    capabilities = json.loads(get_device(emulator, arn, "eu-north-1").json()["deviceCapabilities"])
    assert capabilities["service"]["shotsRange"] == [1, 2000]
    wire = BraketWire(emulator.url, region="eu-north-1")
    assert wire.create(arn, shots=2001).status_code == 400
    assert wire.create(arn, shots=2000).status_code == 201


def test_a_qpu_is_found_only_in_its_own_region(emulator):
    assert get_device(emulator, GARNET, "us-east-1").status_code == 404
    answer = get_device(emulator, GARNET, "us-east-1")
    assert aws_error(answer)[0] == "ResourceNotFoundException"
    assert get_device(emulator, SV1, "eu-north-1").status_code == 200
    unknown = get_device(emulator, "arn:aws:braket:us-east-1::device/qpu/acme/Nope", "us-east-1")
    assert unknown.status_code == 404


def test_search_lists_the_region_s_devices_and_filters_them(emulator):
    wire = BraketWire(emulator.url, region="eu-north-1")
    names = {
        d["deviceName"] for d in wire.request("POST", "/devices", {"filters": []}).json()["devices"]
    }
    assert names == {"SV1", "DM1", "TN1", "Garnet", "Emerald", "Ibex-Q1"}
    qpus = wire.request(
        "POST",
        "/devices",
        {
            "filters": [
                {"name": "deviceType", "values": ["QPU"]},
                {"name": "providerName", "values": ["IQM"]},
            ]
        },
    ).json()["devices"]
    assert {d["deviceName"] for d in qpus} == {"Garnet", "Emerald"}
    assert set(qpus[0]) == {"deviceArn", "deviceName", "providerName", "deviceType", "deviceStatus"}
    page = wire.request("POST", "/devices", {"filters": [], "maxResults": 4}).json()
    rest = wire.request("POST", "/devices", {"filters": [], "nextToken": page["nextToken"]}).json()
    assert len(page["devices"]) + len(rest["devices"]) == 6 and "nextToken" not in rest


def test_offline_and_windows_are_scripted_through_the_control_api(emulator):
    window = {"executionDay": "Weekdays", "windowStartHour": "13:00", "windowEndHour": "15:00"}
    control(
        emulator.url, "PUT", f"braket/devices/{FORTE}", {"status": "OFFLINE", "windows": [window]}
    )
    device = get_device(emulator, FORTE, "us-east-1").json()
    assert device["deviceStatus"] == "OFFLINE"
    assert json.loads(device["deviceCapabilities"])["service"]["executionWindows"] == [window]
    offline = BraketWire(emulator.url).request(
        "POST", "/devices", {"filters": [{"name": "deviceStatus", "values": ["OFFLINE"]}]}
    )
    assert [d["deviceArn"] for d in offline.json()["devices"]] == [FORTE]
    control(emulator.url, "DELETE", f"braket/devices/{FORTE}")
    assert get_device(emulator, FORTE, "us-east-1").json()["deviceStatus"] == "ONLINE"
