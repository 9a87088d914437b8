"""A malformed request is a 4xx that says what is wrong, never a 500; a program that cannot run
is accepted, then fails with the service's errorData (recorded real sessions)."""

from __future__ import annotations

import gzip
import json

import pytest
import requests
from azure_support import (
    BELL,
    ESTIMATOR,
    IONQ,
    IONQ_QIR,
    QUANTINUUM,
    AzureWire,
    azure_error,
    bell_qir,
    failed_job,
    new_id,
    patch_config,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

_QIR_HEAD = "define void @main() #0 {\nentry:\n"
_QIR_TAIL = (
    "}\ndeclare void @__quantum__qis__warp__body(ptr)\n"
    "declare i1 @__quantum__qis__read_result__body(ptr)\n"
    'attributes #0 = { "entry_point" "required_num_qubits"="1" "required_num_results"="1" }\n'
)
#: QIR calling a gate no simulator knows.
WARP_QIR = _QIR_HEAD + "  call void @__quantum__qis__warp__body(ptr null)\n  ret void\n" + _QIR_TAIL
#: QIR that branches on a measurement: adaptive profile, not base.
BRANCHING_QIR = (
    _QIR_HEAD
    + "  %r = call i1 @__quantum__qis__read_result__body(ptr null)\n"
    + "  br i1 %r, label %a, label %b\na:\n  ret void\nb:\n  ret void\n"
    + _QIR_TAIL
)


@pytest.fixture
def wire(emulator) -> AzureWire:
    # Jobs stay queued until a test ends them (``wire.wait``): a loaded machine cannot have
    # moved one on before the PUT's answer is read.
    patch_config(emulator.url, queue_seconds=60)
    return AzureWire(emulator.url)


@pytest.fixture
def staged(wire) -> tuple[str, str]:
    """A job id whose container holds a valid Bell circuit, and the container SAS."""
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    assert wire.upload(sas, json.dumps(BELL).encode()).status_code == 201
    return job_id, sas


def put_job(wire: AzureWire, job_id: str, body) -> requests.Response:
    if isinstance(body, bytes | str):
        return wire.call(
            "PUT", f"/jobs/{job_id}", data=body, headers={"Content-Type": "application/json"}
        )
    return wire.call("PUT", f"/jobs/{job_id}", json=body)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"", "BadRequest"),
        (b"{not json", "BadRequest"),
        (b"\xff\xfe", "BadRequest"),
        (b"[1, 2]", "InvalidJobDefinition"),
        (b'"text"', "InvalidJobDefinition"),
        (b"null", "InvalidJobDefinition"),
        (b'{"metadata": {"x": NaN}}', "BadRequest"),
        (b'{"inputParams": {"shots": Infinity}}', "BadRequest"),
    ],
)
def test_malformed_bodies_are_400(wire, staged, raw, code):
    job_id, _ = staged
    status, got, message = azure_error(put_job(wire, job_id, raw))
    assert (status, got) == (400, code) and message


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"target": 5}, "InvalidJobDefinition", "target"),
        ({"providerId": None}, "InvalidJobDefinition", "providerId"),
        ({"inputParams": []}, "InvalidJobDefinition", "inputParams"),
        ({"tags": "a,b"}, "InvalidJobDefinition", "tags"),
        ({"tags": [1]}, "InvalidJobDefinition", "tag"),
        ({"priority": "Urgent"}, "InvalidJobDefinition", "priority"),
        ({"itemType": "Session"}, "InvalidJobDefinition", "itemType"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "InvalidJobDefinition", "differs"),
        ({"containerUri": "not a url"}, "InvalidJobDefinition", "containerUri"),
        (
            {"containerUri": "https://elsewhere.example.com/c"},
            "InvalidJobDefinition",
            "containerUri",
        ),
        ({"target": "ionq.qpu.unknown"}, "InvalidTarget", "ionq.simulator"),
        ({"target": "quantinuum.sim.h2-1e"}, "InvalidTarget", "not offered"),
        ({"target": "quantinuum.sim.h1-1e"}, "InvalidTarget", "retired"),
        ({"target": "microsoft.simulatedannealing.cpu"}, "InvalidTarget", "retired"),
        ({"providerId": "dwave"}, "InvalidProvider", "providers"),
        ({"sessionId": "no-such-session"}, "SessionNotFound", "session"),
    ],
)
def test_wrong_fields_are_400_naming_the_problem(wire, staged, change, code, words):
    job_id, sas = staged
    body = {**wire.job_body(IONQ, sas, {"shots": 10}), **change}
    status, got, message = azure_error(put_job(wire, job_id, body))
    assert (status, got) == (400, code), message
    assert words.lower() in message.lower()


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (
            {"inputDataUri": "http://h/devstoreaccount1/job-x/missing"},
            "InvalidInputData",
            "does not exist",
        ),
        ({"inputDataFormat": "rigetti.quil.v1"}, "InvalidInputData", "ionq.circuit.v1, qir.v1"),
        ({"inputDataFormat": "qir.v1"}, "CompilationError", "cannot compile QIR bitcode"),
        (
            {"outputDataFormat": "honeywell.quantum-results.v1"},
            "CannotTranslateOutputData",
            "cannot be translated as specified by 'outputDataFormat'",
        ),
        ({"inputParams": {"shots": "many"}}, "InvalidInputData", "shots"),
        ({"inputParams": {"shots": 0}}, "InvalidInputData", "shots"),
    ],
)
def test_a_job_whose_input_cannot_run_is_accepted_then_fails(wire, staged, change, code, words):
    job_id, sas = staged
    body = {**wire.job_body(IONQ, sas, {"shots": 10}), **change}
    error = failed_job(wire, job_id, put_job(wire, job_id, body))
    assert error["code"] == code, error
    assert words.lower() in error["message"].lower()


@pytest.mark.parametrize("missing", ["providerId", "target", "containerUri", "inputDataFormat"])
def test_required_fields_are_named_when_missing(wire, staged, missing):
    job_id, sas = staged
    body = wire.job_body(IONQ, sas)
    del body[missing]
    status, code, message = azure_error(put_job(wire, job_id, body))
    assert (status, code) == (400, "InvalidJobDefinition") and missing in message


RIGETTI = ("rigetti", "rigetti.sim.qvm", "rigetti.quil.v1", "rigetti.quil-results.v1")
BAD_PROGRAMS = [
    (IONQ, {"qubits": 2, "circuit": [{"gate": "warp", "target": 0}]}, "InvalidInputData", "warp"),
    (
        IONQ,
        {"qubits": 2, "circuit": [{"gate": "h", "target": 5}]},
        "InvalidInputData",
        "Invalid IonQ circuit",
    ),
    (IONQ, {"qubits": 30, "circuit": []}, "InvalidInputData", "at most"),
    (IONQ, "this is not json", "InvalidInputData", "not valid ionq.circuit.v1 JSON"),
    (IONQ_QIR, "this is not LLVM", "CompilationError", "cannot compile QIR bitcode"),
    (IONQ_QIR, WARP_QIR, "CompilationError", "__quantum__qis__warp__body"),
    (IONQ_QIR, BRANCHING_QIR, "CompilationError", "base-profile"),
    (ESTIMATOR, WARP_QIR, "CompilationError", "cannot compile QIR bitcode"),
    (QUANTINUUM, "OPENQASM 2.0; qreg q[2]; bogus q[0];", "InvalidInputData", "Invalid OpenQASM"),
    (QUANTINUUM, "OPENQASM 2.0; qreg q[40];", "InvalidInputData", "at most"),
    (
        RIGETTI,
        "DECLARE ro BIT[1]\na 0\nMEASURE 0 ro[0]\n",
        "InvalidInputData",
        "QVM reported a problem running your program",
    ),
]


def submit_text(wire: AzureWire, kind, payload, params=None) -> tuple[str, requests.Response]:
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    if isinstance(payload, str):
        data = payload.encode()
    else:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    assert wire.upload(sas, data, compress=False).status_code == 201
    return job_id, wire.call("PUT", f"/jobs/{job_id}", json=wire.job_body(kind, sas, params))


@pytest.mark.parametrize(("kind", "payload", "code", "words"), BAD_PROGRAMS)
def test_a_program_that_cannot_run_is_a_failed_job_with_the_reason(
    wire, kind, payload, code, words
):
    error = failed_job(wire, *submit_text(wire, kind, payload))
    assert error["code"] == code, error
    assert words.lower() in error["message"].lower()


def test_estimator_parameters_out_of_range_fail_the_job_as_the_service_words_it(wire):
    error = failed_job(wire, *submit_text(wire, ESTIMATOR, bell_qir(), {"errorBudget": 2}))
    assert error == {
        "code": "InvalidInputError",
        "message": "The error budget must be between 0.0 and 1.0, provided input was `2`",
    }


def test_a_resubmitted_bad_program_fails_the_same_way(wire):
    """Input errors are permanent: queuing the same program again ends the same way."""
    kind, payload, _, _ = BAD_PROGRAMS[0]
    first = failed_job(wire, *submit_text(wire, kind, payload))
    again = failed_job(wire, *submit_text(wire, kind, payload))
    assert again == first


def test_corrupt_gzip_input_fails_the_job(wire):
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    base, query = sas.split("?", 1)
    headers = {"x-ms-blob-type": "BlockBlob", "x-ms-blob-content-encoding": "gzip"}
    requests.put(f"{base}/inputData?{query}", data=b"\x1f\x8bnot gzip", headers=headers, timeout=5)
    response = wire.call("PUT", f"/jobs/{job_id}", json=wire.job_body(IONQ, sas))
    error = failed_job(wire, job_id, response)
    assert error["code"] == "InvalidInputData" and "gzip" in error["message"]


def test_gzip_bomb_input_is_refused(wire, emulator):
    patch_config(emulator.url, max_body_bytes=100_000)
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    bomb = gzip.compress(b" " * 1_000_000)
    base, query = sas.split("?", 1)
    headers = {"x-ms-blob-type": "BlockBlob", "x-ms-blob-content-encoding": "gzip"}
    assert (
        requests.put(f"{base}/inputData?{query}", data=bomb, headers=headers, timeout=5).status_code
        == 201
    )
    response = wire.call("PUT", f"/jobs/{job_id}", json=wire.job_body(IONQ, sas))
    assert failed_job(wire, job_id, response)["code"] == "InvalidInputData"


def test_oversized_body_is_413(wire, emulator, staged):
    patch_config(emulator.url, max_body_bytes=1000)
    job_id, sas = staged
    body = wire.job_body(IONQ, sas, {"padding": "x" * 5000})
    status, code, _ = azure_error(put_job(wire, job_id, body))
    assert (status, code) == (413, "RequestBodyTooLarge")


@pytest.mark.parametrize(
    "job_id", ["x" * 37, "has space", "semi;colon", "under_score", "%F0%9F%98%80"]
)
def test_bad_job_ids_are_400(wire, job_id):
    for method in ("PUT", "GET", "PATCH"):
        response = wire.call(method, f"/jobs/{job_id}", json={})
        status, code, _ = azure_error(response)
        assert (status, code) == (400, "InvalidJobId"), method


def test_unknown_routes_and_methods_are_4xx_in_azure_shape(wire):
    assert azure_error(wire.call("GET", "/nothing-here"))[0] == 404
    assert azure_error(wire.call("POST", "/jobs"))[0] == 405


def test_unknown_storage_account_is_not_served(emulator):
    response = requests.get(f"{emulator.url}/otheraccount/container/blob", timeout=5)
    assert response.status_code == 404


def test_body_fields_the_emulator_does_not_know_are_kept_out_of_the_way(wire, staged):
    job_id, sas = staged
    body = {**wire.job_body(IONQ, sas), "somethingNew": {"x": 1}, "jobType": "QuantumComputing"}
    assert put_job(wire, job_id, body).status_code == 200


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
job_fields = st.sampled_from(
    [
        "id",
        "name",
        "providerId",
        "target",
        "containerUri",
        "inputDataUri",
        "inputDataFormat",
        "outputDataFormat",
        "inputParams",
        "tags",
        "metadata",
        "sessionId",
        "priority",
        "itemType",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.one_of(json_values, st.dictionaries(job_fields, json_values, max_size=8)),
    st.booleans(),
)
def test_random_json_bodies_never_cause_a_server_error(emulator_server, body, start_valid):
    wire = AzureWire(emulator_server.url)
    job_id = new_id()
    sas = wire.sas_uri(f"job-{job_id}")
    wire.upload(sas, json.dumps(BELL).encode())
    if start_valid and isinstance(body, dict):
        body = {**wire.job_body(IONQ, sas), **body}
    response = wire.call("PUT", f"/jobs/{job_id}", json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        azure_error(response)


@pytest.mark.parametrize(
    ("target", "shots", "refused"),
    [
        ("ionq.qpu.aria-1", 10_000, False),
        ("ionq.qpu.aria-1", 10_001, True),
        ("ionq.simulator", 10_001, False),  # the simulator has no maximum of its own
        ("ionq.simulator", 1_000_001, True),  # the service-wide range
    ],
)
def test_a_target_refuses_more_shots_than_its_maximum(wire, staged, target, shots, refused):
    """The shot maxima the sweep splits by (airflow_quantum.sweeps.azure) are enforced here."""
    job_id, sas = staged
    body = wire.job_body(IONQ, sas, {"shots": shots}, target=target)
    response = put_job(wire, job_id, body)
    if not refused:
        assert response.status_code == 200, response.text
        return
    error = failed_job(wire, job_id, response)
    assert error["code"] == "InvalidInputData", error
    maximum = 10_000 if target != "ionq.simulator" else 1_000_000
    assert f"inputParams.shots must be between 1 and {maximum}" in error["message"]
