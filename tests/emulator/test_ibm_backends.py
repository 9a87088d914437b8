"""Backends, configuration, properties, status and usage: the official client's start-up calls."""

from __future__ import annotations

import pytest
import requests
from ibm_support import BELL, IBMWire, ibm_error

CONFIGURATION_FIELDS = {
    "backend_name",
    "backend_version",
    "n_qubits",
    "online_date",
    "basis_gates",
    "gates",
    "coupling_map",
    "local",
    "simulator",
    "conditional",
    "open_pulse",
    "memory",
    "max_shots",
    "max_experiments",
    "processor_type",
}


#: IBM's fleet today: Heron r2 and r3 devices of 156 qubits; its cloud simulators are retired.
HERON_FLEET = ("ibm_fez", "ibm_marrakesh", "ibm_kingston", "ibm_pittsburgh", "ibm_boston")
FLEET = (*HERON_FLEET, "ibm_miami")


@pytest.fixture
def ibm(emulator) -> IBMWire:
    return IBMWire(emulator.url)


def test_official_client_start_up_sequence_is_answered(ibm):
    listed = ibm.get("/backends", params={"include_mocks": "True"})
    assert listed.status_code == 200
    devices = listed.json()["devices"]
    names = [device["name"] for device in devices]
    assert set(names) == set(FLEET)
    for name in names:
        config = ibm.get(f"/backends/{name}/configuration")
        assert config.status_code == 200
        assert set(config.json()) >= CONFIGURATION_FIELDS
        assert config.json()["simulator"] is False
        assert ibm.get(f"/backends/{name}/properties").status_code == 200
    usage = ibm.get("/instances/usage").json()
    assert usage["usage_limit_reached"] is False
    status = ibm.get("/backends/ibm_fez/status").json()
    assert status["state"] is True and status["status"] == "active"
    assert status["length_queue"] == 0


def test_backend_list_entries_carry_status_qubits_and_queue_length(ibm):
    devices = {d["name"]: d for d in ibm.get("/backends").json()["devices"]}
    fez = devices["ibm_fez"]
    assert fez["status"] == {"name": "online", "reason": "available"}
    assert fez["qubits"] == 156 and fez["is_simulator"] is False
    assert all(d["is_simulator"] is False for d in devices.values())
    herons = [devices[name] for name in HERON_FLEET]
    assert all(d["qubits"] == 156 and d["processor_type"]["family"] == "Heron" for d in herons)
    assert devices["ibm_miami"]["qubits"] == 120
    assert devices["ibm_miami"]["processor_type"] == {"family": "Nighthawk", "revision": "1"}
    assert all(d["status"]["name"] == "online" for d in devices.values())


def test_configuration_has_valid_types_for_the_official_client(ibm):
    config = ibm.get("/backends/ibm_fez/configuration").json()
    assert config["backend_name"] == "ibm_fez"
    assert config["n_qubits"] == 156
    assert config["basis_gates"] == ["cz", "id", "rz", "sx", "x", "rx", "rzz"]
    assert set(config["supported_instructions"]) >= {"cz", "rz", "sx", "x", "measure", "delay"}
    assert config["gates"] == []
    assert config["local"] is False and config["simulator"] is False
    assert config["open_pulse"] is False and config["conditional"] is False
    assert config["dt"] == 4.0 and config["description"] == "156 qubit device"
    assert isinstance(config["memory"], bool)
    assert config["max_shots"] >= 100_000
    assert config["processor_type"]["family"] == "Heron"
    assert isinstance(config["online_date"], str)


def test_coupling_map_is_a_connected_heavy_hex_with_both_directions(ibm):
    config = ibm.get("/backends/ibm_fez/configuration").json()
    edges = {tuple(edge) for edge in config["coupling_map"]}
    assert all((b, a) in edges for a, b in edges)
    assert all(0 <= a < 156 and 0 <= b < 156 and a != b for a, b in edges)
    degree = {q: 0 for q in range(156)}
    for a, _ in edges:
        degree[a] += 1
    assert max(degree.values()) == 3 and min(degree.values()) >= 1
    seen, frontier = {0}, [0]
    while frontier:
        node = frontier.pop()
        for a, b in edges:
            if a == node and b not in seen:
                seen.add(b)
                frontier.append(b)
    assert len(seen) == 156


@pytest.mark.parametrize("name", HERON_FLEET)
def test_every_backend_is_a_heron_of_156_qubits_with_fractional_gates(ibm, name):
    config = ibm.get(f"/backends/{name}/configuration").json()
    assert config["n_qubits"] == 156 and config["simulator"] is False
    assert config["processor_type"]["family"] == "Heron"
    assert config["processor_type"]["revision"] in ("2", "3")
    assert {"rx", "rzz"} <= set(config["basis_gates"])
    assert len(config["coupling_map"]) == 352


def test_properties_give_per_qubit_t1_t2_readout_error_with_units_and_dates(ibm):
    props = ibm.get("/backends/ibm_marrakesh/properties").json()
    assert props["backend_name"] == "ibm_marrakesh"
    assert len(props["qubits"]) == 156
    first = {item["name"]: item for item in props["qubits"][0]}
    assert first["T1"]["unit"] == "us" and first["T1"]["value"] > 0
    assert first["T2"]["unit"] == "us" and first["T2"]["value"] > 0
    assert 0 < first["readout_error"]["value"] < 0.1
    assert all(item["date"] == props["last_update_date"] for item in props["qubits"][0])
    two_qubit = [g for g in props["gates"] if g["gate"] == "cz"]
    assert {tuple(g["qubits"]) for g in two_qubit} == {
        tuple(pair)
        for pair in ibm.get("/backends/ibm_marrakesh/configuration").json()["coupling_map"]
    }
    assert {g["gate"] for g in props["gates"]} == {"cz", "id", "rz", "sx", "x", "rx", "rzz"}
    assert two_qubit and {p["name"] for p in two_qubit[0]["parameters"]} == {
        "gate_error",
        "gate_length",
    }


def test_ibm_miami_is_a_120_qubit_nighthawk_on_a_square_lattice(ibm):
    """As the official client's fake backend (fake_provider/backends/miami/conf_miami.json)."""
    config = ibm.get("/backends/ibm_miami/configuration").json()
    assert config["n_qubits"] == 120
    assert config["processor_type"] == {"family": "Nighthawk", "revision": "1"}
    assert config["basis_gates"] == ["cz", "id", "rz", "sx", "x"]
    assert config["supported_instructions"] == ["cz", "id", "rz", "sx", "x", "delay", "measure"]
    assert config["max_experiments"] == 75
    pairs = {tuple(sorted(pair)) for pair in config["coupling_map"]}
    # 12 rows of 10: each qubit coupled to its right and lower neighbour (218 couplers).
    assert len(pairs) == 218 and len(config["coupling_map"]) == 436
    assert {b - a for a, b in pairs} == {1, 10}
    assert (9, 10) not in pairs and (0, 1) in pairs and (0, 10) in pairs


@pytest.mark.parametrize(
    ("name", "dynamic"),
    [
        ("ibm_fez", {"if_else", "for_loop", "switch_case"}),
        ("ibm_marrakesh", {"if_else", "for_loop", "switch_case"}),
        ("ibm_kingston", {"if_else", "store", "measure_2"}),
        ("ibm_pittsburgh", {"if_else", "store", "measure_2"}),
        ("ibm_boston", {"if_else", "store", "measure_2", "reset_2"}),
    ],
)
def test_each_heron_advertises_the_dynamic_instructions_of_its_fake_backend(ibm, name, dynamic):
    """Fake backends of 2026-04 (qiskit-ibm-runtime 73514f06): the first Herons run loops and
    switches, the later ones stores and measure_2 (boston also reset_2)."""
    config = ibm.get(f"/backends/{name}/configuration").json()
    instructions = set(config["supported_instructions"])
    known = {"if_else", "for_loop", "switch_case", "while_loop", "store", "measure_2", "reset_2"}
    assert instructions & known == dynamic
    assert {"cz", "id", "rz", "sx", "x", "delay", "measure", "reset"} <= instructions


@pytest.mark.parametrize("suffix", ["status", "configuration", "properties"])
def test_unknown_backend_is_404_in_ibm_shape(ibm, suffix):
    answer = ibm.get(f"/backends/ibm_nowhere/{suffix}")
    assert answer.status_code == 404
    assert "ibm_nowhere" in ibm_error(answer)["message"]


def test_queue_length_counts_queued_jobs_on_that_backend(ibm, emulator):
    requests.patch(f"{emulator.url}/_emulator/config", json={"queue_seconds": 60})
    for _ in range(3):
        ibm.submit("sampler", [[BELL, None, 10]], backend="ibm_marrakesh")
    ibm.submit("sampler", [[BELL, None, 10]], backend="ibm_fez")
    assert ibm.get("/backends/ibm_marrakesh/status").json()["length_queue"] == 3
    devices = {d["name"]: d for d in ibm.get("/backends").json()["devices"]}
    assert devices["ibm_marrakesh"]["queue_length"] == 3
    assert devices["ibm_fez"]["queue_length"] == 1


def test_instance_usage_grows_with_the_run_time_of_jobs(ibm):
    usage = ibm.get("/instances/usage").json()
    assert {
        "usage_consumed_seconds",
        "usage_limit_seconds",
        "usage_allocation_seconds",
        "usage_limit_reached",
    } <= set(usage)
    assert usage["usage_consumed_seconds"] == 0
    job_id = ibm.submit("sampler", [[BELL, None, 10]])
    ibm.wait(job_id)
    after = ibm.get("/instances/usage").json()["usage_consumed_seconds"]
    assert after >= 1
    assert ibm.job(job_id)["usage"]["qpu_charge_time_seconds"] == after


def test_usage_limit_reached_refuses_new_jobs_with_409(ibm, emulator):
    ibm.wait(ibm.submit("sampler", [[BELL, None, 10]]))
    emulator.state.config.ibm_usage_limit_seconds = 1
    usage = ibm.get("/instances/usage").json()
    assert usage["usage_limit_reached"] is True
    answer = ibm.run("sampler", [[BELL, None, 10]])
    assert answer.status_code == 409
    assert "usage limit" in ibm_error(answer)["message"]
