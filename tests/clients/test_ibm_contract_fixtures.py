"""Contract fixtures (tests/fixtures/ibm): our client decodes them, the emulator answers like them.

Each fixture has the shape of a response the official client's tests and fake backends use
(see the fixtures' README). The first half decodes them with our client; the second half
checks the emulator's answers against the same files, so the emulator and the client cannot
drift apart from the real service's shapes without a test failing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from ibm_client_support import FAST, settings

from airflow_quantum.clients.calls import json_call
from airflow_quantum.clients.errors import JobFailedError
from airflow_quantum.clients.ibm import IBMJob, IBMJobStatus, IBMQuantumClient
from airflow_quantum.clients.ibm.backend_models import IBMBackendConfiguration, IBMBackendProperties
from airflow_quantum.clients.ibm.isa import BackendTarget
from airflow_quantum.clients.ibm.results import result_or_raise
from airflow_quantum.clients.state import JobState

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ibm"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# ------------------------------------------------------------------ our client decodes them


def test_a_heron_configuration_gives_the_isa_target():
    configuration = IBMBackendConfiguration.from_wire(fixture("configuration_heron_r2.json"))
    assert configuration.n_qubits == 156 and configuration.simulator is False
    target = BackendTarget.from_configuration(configuration)
    assert {"cz", "rz", "sx", "x", "measure", "reset", "delay", "if_else"} <= target.instructions
    assert target.pairs is not None and len(target.pairs) == 352
    assert (3, 16) in target.pairs and (16, 3) in target.pairs and (0, 16) not in target.pairs


def test_heron_properties_give_calibrated_target_instructions():
    pytest.importorskip("qiskit")
    from airflow_quantum.clients.ibm import transpile

    configuration = IBMBackendConfiguration.from_wire(fixture("configuration_heron_r2.json"))
    properties = IBMBackendProperties.from_wire(fixture("properties_heron_r2_excerpt.json"))
    target = transpile.backend_target(configuration, properties)
    assert target.num_qubits == 156
    assert target["cz"][(0, 1)].error == pytest.approx(0.004)
    assert target["cz"][(0, 1)].duration == pytest.approx(84e-9)
    assert target["sx"][(0,)].error == pytest.approx(0.0003)
    assert target["measure"][(1,)].error == pytest.approx(0.02)
    assert "rzz" not in target.operation_names and "rx" not in target.operation_names


def test_an_upper_case_failed_job_is_an_error_and_its_text_is_the_message():
    job = IBMJob.from_wire(fixture("job_failed_upper_case.json"))
    assert job.status is IBMJobStatus.ERROR and job.state is JobState.FAILED
    assert job.backend == "ibm_fez" and job.program_id == "sampler"
    with pytest.raises(JobFailedError, match="Kaboom!"):
        result_or_raise(job, "Kaboom!")


def test_cancelled_with_reason_code_1305_is_a_failure_not_a_cancel():
    job = IBMJob.from_wire(fixture("job_cancelled_ran_too_long.json"))
    assert job.status is IBMJobStatus.ERROR and job.reason_code == 1305
    assert job.reason == "RAN TOO LONG"


def test_a_non_isa_failure_keeps_its_code_and_reason():
    job = IBMJob.from_wire(fixture("job_failed_non_isa.json"))
    assert job.status is IBMJobStatus.ERROR and job.reason_code == 1517
    assert "non-ISA circuits" in job.error_message()
    with pytest.raises(JobFailedError) as failed:
        result_or_raise(job, None)
    assert failed.value.code == "1517"


# ---------------------------------------------------------- the emulator answers like them


@pytest.fixture
def client(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        yield client


def _raw(client: IBMQuantumClient, path: str) -> Any:
    headers = client.authenticator.headers()
    headers.update(client.request("GET", path).headers)
    answer = requests.get(f"{client.settings.runtime_url}{path}", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _same_kind(ours: Any, theirs: Any) -> bool:
    numbers = (int, float)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return type(ours) is type(theirs)
    if isinstance(theirs, numbers):
        return isinstance(ours, numbers)
    return theirs is None or ours is None or type(ours) is type(theirs)


def test_the_emulators_configuration_has_every_field_of_the_fixture(client):
    theirs = fixture("configuration_heron_r2.json")
    ours = _raw(client, "/backends/ibm_fez/configuration")
    assert set(theirs) - {"gates"} <= set(ours)
    for key, value in theirs.items():
        assert _same_kind(ours[key], value), (key, ours[key], value)
    assert {tuple(p) for p in ours["coupling_map"]} == {tuple(p) for p in theirs["coupling_map"]}
    assert set(theirs["basis_gates"]) <= set(ours["basis_gates"])
    assert set(theirs["supported_instructions"]) <= set(ours["supported_instructions"])
    assert ours["processor_type"] == theirs["processor_type"]
    assert ours["timing_constraints"] == theirs["timing_constraints"]


def test_the_emulators_properties_have_the_fixtures_shape(client):
    theirs = fixture("properties_heron_r2_excerpt.json")
    ours = _raw(client, "/backends/ibm_fez/properties")
    assert set(theirs) <= set(ours)
    their_items = {item["name"]: set(item) for item in theirs["qubits"][0]}
    our_items = {item["name"]: set(item) for item in ours["qubits"][0]}
    assert set(their_items) <= set(our_items)
    assert all(our_items[name] == keys for name, keys in their_items.items())
    their_gates = {gate["gate"] for gate in theirs["gates"]} - {"reset"}
    assert their_gates <= {gate["gate"] for gate in ours["gates"]}
    assert {frozenset(gate) for gate in ours["gates"]} == {frozenset(theirs["gates"][0])}


def test_the_emulators_non_isa_failure_has_the_fixtures_shape(client, emulator):
    from ibm_circuits import TEXTBOOK_BELL

    theirs = fixture("job_failed_non_isa.json")
    body = {
        "program_id": "sampler",
        "backend": "ibm_fez",
        "params": {"pubs": [[TEXTBOOK_BELL, None, 10]], "version": 2},
    }
    # The raw call: our client would refuse this circuit itself.
    submitted = client.run(
        json_call("IBM Quantum", client.request("POST", "/jobs", body=body), dict)
    )
    requests.post(f"{emulator.url}/_emulator/jobs/{submitted['id']}/finish", timeout=10)
    ours = _raw(client, f"/jobs/{submitted['id']}")
    assert set(theirs) <= set(ours)
    assert set(theirs["state"]) <= set(ours["state"])
    assert ours["state"]["status"] == ours["status"] == theirs["state"]["status"]
    assert ours["state"]["reason_code"] == theirs["state"]["reason_code"]
    prefix = theirs["state"]["reason"].split(" -- ")[0]
    assert ours["state"]["reason"].startswith(prefix)
    assert "https://ibm.biz/error_codes#1517" in ours["state"]["reason"]
    job = IBMJob.from_wire(ours)
    assert job.status is IBMJobStatus.ERROR and job.reason_code == 1517
