"""Braket's prepared tasks (every field checked before a request) and results decoding."""

from __future__ import annotations

import json

import pytest
from braket_wire_support import BELL, SV1

from airflow_quantum.clients.braket import BraketPreparedJob, decode_result
from airflow_quantum.clients.braket.prepared import MAX_EXECUTABLES
from airflow_quantum.clients.braket.settings import BraketSettings, CredentialSource
from airflow_quantum.clients.errors import BadResponseError, ConfigurationError, InvalidInputError

AQUILA = "arn:aws:braket:us-east-1::device/qpu/quera/Aquila"
OUT = {"s3_bucket": "amazon-braket-results", "s3_prefix": "tasks"}
AHS_PROGRAM = {
    "setup": {"ahs_register": {"sites": [[0, 0], [0, 4e-6]], "filling": [1, 1]}},
    "hamiltonian": {"drivingFields": [], "localDetuning": []},
}


def test_a_qiskit_circuit_goes_as_openqasm3() -> None:
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    job = BraketPreparedJob.openqasm(circuit, SV1, 10, **OUT)
    assert job.action["source"].startswith("OPENQASM 3.0;")


@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("OPENQASM 2.0; qreg q[1];", "OPENQASM 3"),
        ("", "OpenQASM 3 text"),
        (42, "OpenQASM 3 text"),
    ],
)
def test_programs_that_are_not_openqasm3_are_refused(program, message) -> None:
    with pytest.raises(InvalidInputError, match=message):
        BraketPreparedJob.openqasm(program, SV1, 10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"device_arn": "sv1"}, "device ARN"),
        ({"shots": -1}, "shots"),
        ({"shots": True}, "shots"),
        ({"s3_bucket": "Bad_Bucket"}, "bucket"),
        ({"tags": {"k": 1}}, "tags"),
        ({"device_parameters": "x"}, "device_parameters"),
        ({"tags": {f"k{n}": "v" for n in range(49)}}, r"at most 48 \(2 more are the provider"),
        ({"inputs": {"theta": "0.5"}}, "input 'theta' must be a number, a bit string"),
        ({"inputs": {"theta": [0.5, None]}}, "input 'theta'"),
        ({"inputs": {"theta": {"a": 1}}}, "input 'theta'"),
        ({"inputs": {"theta": [[0.5]]}}, "input 'theta'"),
    ],
)
def test_bad_fields_are_named(kwargs, message) -> None:
    values = {"device_arn": SV1, "shots": 10, **OUT, **kwargs}
    device, shots = values.pop("device_arn"), values.pop("shots")
    with pytest.raises(InvalidInputError, match=message):
        BraketPreparedJob.openqasm(BELL, device, shots, **values)


def test_a_program_set_counts_its_executables() -> None:
    param = "OPENQASM 3.0; input float theta; qubit[1] q; rx(theta) q[0];"
    job = BraketPreparedJob.program_set([BELL, (param, {"theta": [0.1, 0.2, 0.3]})], SV1, 50, **OUT)
    assert job.executables == 4 and job.shots == 200
    action = json.loads(job.body("t")["action"])
    assert action["braketSchemaHeader"]["name"] == "braket.ir.openqasm.program_set"
    assert action["programs"][1]["inputs"] == {"theta": [0.1, 0.2, 0.3]}


def test_a_program_set_holds_at_most_100_executables() -> None:
    param = "OPENQASM 3.0; input float theta; qubit[1] q; rx(theta) q[0];"
    values = [0.0] * (MAX_EXECUTABLES + 1)
    with pytest.raises(InvalidInputError, match="at most 100"):
        BraketPreparedJob.program_set([(param, {"theta": values})], SV1, 1, **OUT)
    with pytest.raises(InvalidInputError, match="one length"):
        BraketPreparedJob.program_set([(param, {"theta": [1], "phi": [1, 2]})], SV1, 1, **OUT)


def test_an_ahs_program_is_checked() -> None:
    job = BraketPreparedJob.ahs(AHS_PROGRAM, AQUILA, 100, **OUT)
    assert job.action["braketSchemaHeader"] == {"name": "braket.ir.ahs.program", "version": "1"}
    with pytest.raises(InvalidInputError, match="hamiltonian"):
        BraketPreparedJob.ahs({"setup": {}}, AQUILA, 100)


def test_the_client_token_is_1_to_64_characters() -> None:
    job = BraketPreparedJob.openqasm(BELL, SV1, 10, **OUT)
    with pytest.raises(InvalidInputError, match="clientToken"):
        job.body("x" * 65)


def test_ahs_results_count_site_states() -> None:
    document = {
        "braketSchemaHeader": {
            "name": "braket.task_result.analog_hamiltonian_simulation_task_result",
            "version": "1",
        },
        "taskMetadata": {"id": "t", "shots": 3},
        "measurements": [
            {
                "shotMetadata": {"shotStatus": "Success"},
                "shotResult": {"preSequence": [1, 1], "postSequence": [0, 1]},
            },
            {
                "shotMetadata": {"shotStatus": "Success"},
                "shotResult": {"preSequence": [1, 0], "postSequence": [1, 0]},
            },
            {
                "shotMetadata": {"shotStatus": "Failure"},
                "shotResult": {"preSequence": None, "postSequence": None},
            },
        ],
    }
    result = decode_result(json.dumps(document))
    assert result["counts"] == {"rg": 1, "ge": 1}
    assert result["successful_shots"] == 2 and len(result["shots"]) == 3


def test_probabilities_only_give_rounded_counts() -> None:
    document = {
        "braketSchemaHeader": {"name": "braket.task_result.gate_model_task_result", "version": "1"},
        "measurementProbabilities": {"00": 0.5, "11": 0.5},
        "measuredQubits": [0, 1],
        "taskMetadata": {"shots": 100},
    }
    assert decode_result(document)["counts"] == {"00": 50, "11": 50}


def test_unknown_formats_pass_through_and_garbage_is_refused() -> None:
    assert decode_result({"braketSchemaHeader": {"name": "x"}, "a": 1})["format"] == "x"
    with pytest.raises(BadResponseError):
        decode_result(b"not json")
    with pytest.raises(BadResponseError):
        decode_result(
            {
                "braketSchemaHeader": {"name": "braket.task_result.gate_model_task_result"},
                "measurements": [[2]],
            }
        )


def test_settings_check_region_endpoints_and_never_show_keys() -> None:
    source = CredentialSource.static("AKIALOCALEMULATOR000", "local-emulator-key")
    settings = BraketSettings("eu-north-1", source, endpoint_url="http://127.0.0.1:1/")
    assert settings.endpoint_url == "http://127.0.0.1:1"
    assert "local-emulator-key" not in repr(settings)
    assert (
        settings.region_for("arn:aws:braket:::device/quantum-simulator/amazon/sv1") == "eu-north-1"
    )
    with pytest.raises(ConfigurationError, match="region"):
        BraketSettings("Europe", source)
    with pytest.raises(ConfigurationError, match="plain http"):
        BraketSettings("us-east-1", source, endpoint_url="http://braket.example.com")
    assert (
        BraketSettings("us-east-1", source).s3_object_url("my-bucket", "a b/c.json", "us-west-1")
        == "https://my-bucket.s3.us-west-1.amazonaws.com/a%20b/c.json"
    )
