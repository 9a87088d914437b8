"""Program sets (IQM, Rigetti, the simulators) and AHS programs (Aquila) on the emulated Braket:
what is refused at creation and the result files' shapes, parsed with the schemas' models."""

from __future__ import annotations

import json

import pytest
from braket.task_result import (
    AnalogHamiltonianSimulationTaskResult,
    ProgramResult,
    ProgramSetExecutableResult,
    ProgramSetTaskMetadata,
    ProgramSetTaskResult,
)
from braket_wire import AQUILA, FORTE, GARNET, SV1, BraketWire, aws_error, control, program
from docs_support import example_constant

ROTATION = (
    "OPENQASM 3.0;\ninput float theta;\nbit[1] b;\nqubit[1] q;\nrx(theta) q[0];\n"
    "b[0] = measure q[0];"
)


def program_set(*programs: dict) -> dict:
    return {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program_set", "version": "1"},
        "programs": list(programs),
    }


#: Two atoms driven through resonance: the example DAG's program (loaded, not copied).
AHS_PROGRAM = {
    "braketSchemaHeader": {"name": "braket.ir.ahs.program", "version": "1"},
    **example_constant("example_braket_quantum.py", "RYDBERG_PAIR"),
}


@pytest.fixture
def braket_east(emulator) -> BraketWire:
    return BraketWire(emulator.url)


@pytest.fixture
def iqm(emulator) -> BraketWire:
    return BraketWire(emulator.url, region="eu-north-1")


def s3_json(wire: BraketWire, bucket: str, key: str) -> dict:
    answer = BraketWire(wire.url, wire.region, service="s3").request("GET", f"/{bucket}/{key}")
    assert answer.status_code == 200, (key, answer.text)
    return answer.json()


def test_a_program_set_writes_its_parts_as_relative_s3_paths(iqm):
    action = program_set(program(), program(ROTATION, {"theta": [0.0, 3.141592653589793]}))
    arn = iqm.submit(GARNET, action=action, shots=300)
    task = iqm.finished(arn)
    assert task["status"] == "COMPLETED"
    assert task["actionMetadata"] == {
        "actionType": "braket.ir.openqasm.program_set",
        "programCount": 2,
        "executableCount": 3,
    }
    top = ProgramSetTaskResult.parse_raw(json.dumps(iqm.results(task)))
    bucket, directory = top.s3Location
    assert (bucket, directory) == (task["outputS3Bucket"], task["outputS3Directory"])
    metadata = ProgramSetTaskMetadata.parse_raw(
        json.dumps(s3_json(iqm, bucket, f"{directory}/{top.taskMetadata}"))
    )
    assert metadata.id == arn and metadata.deviceId == GARNET and metadata.requestedShots == 300
    per_program = []
    for path in top.programResults:
        assert path.endswith("/results.json")  # the SDK strips it to find the program's folder
        result = ProgramResult.parse_raw(json.dumps(s3_json(iqm, bucket, f"{directory}/{path}")))
        folder = f"{directory}/{path.removesuffix('/results.json')}"
        source = s3_json(iqm, bucket, f"{folder}/{result.source}")
        raw = [s3_json(iqm, bucket, f"{folder}/{item}") for item in result.executableResults]
        assert {type(bit) for item in raw for shot in item["measurements"] for bit in shot} == {int}
        executables = [ProgramSetExecutableResult.parse_raw(json.dumps(item)) for item in raw]
        per_program.append((source["source"], executables))
    assert [len(executables) for _, executables in per_program] == [1, 2]
    bell = per_program[0][1][0]
    assert len(bell.measurements) == 100  # 300 shots shared by 3 executables
    assert {"".join(map(str, shot)) for shot in bell.measurements} <= {"00", "11"}
    flipped = per_program[1][1][1]
    assert flipped.inputsIndex == 1 and {shot[0] for shot in flipped.measurements} == {1}


def test_a_program_set_can_be_written_inline(iqm, emulator):
    control(emulator.url, "PATCH", "config", {"braket_program_set_results": "inline"})
    task = iqm.finished(iqm.submit(GARNET, action=program_set(program()), shots=10))
    document = ProgramSetTaskResult.parse_raw(json.dumps(iqm.results(task)))
    assert document.s3Location is None
    assert document.taskMetadata.id == task["quantumTaskArn"]
    assert len(document.programResults[0].executableResults[0].measurements) == 10


def test_program_set_validation_failures_name_the_failing_programs(iqm):
    broken = program("OPENQASM 3.0; qubit[2] q; h q[0]; cnot q[0] q[1];")
    too_big = program("OPENQASM 3.0; bit[21] b; qubit[21] q; b = measure q;")
    answer = iqm.create(GARNET, action=program_set(program(), broken, too_big), shots=30)
    assert answer.status_code == 400
    assert aws_error(answer)[0] == "ValidationException"
    body = answer.json()
    assert body["reason"] == "ProgramSetValidationFailed"
    failures = body["programSetValidationFailures"]
    assert [failure["programIndex"] for failure in failures] == [1, 2]
    assert all(failure["errors"] for failure in failures)


def test_program_sets_are_limited_to_100_executables_and_divisible_shots(iqm):
    many = program_set(program(ROTATION, {"theta": [0.1 * i for i in range(101)]}))
    answer = iqm.create(GARNET, action=many, shots=101 * 10)
    assert answer.status_code == 400 and "100" in aws_error(answer)[1]
    answer = iqm.create(GARNET, action=program_set(program(), program()), shots=11)
    assert answer.status_code == 400 and "multiple" in aws_error(answer)[1]


def test_a_device_without_program_sets_refuses_them(braket_east):
    answer = braket_east.create(FORTE, action=program_set(program()), shots=10)
    assert answer.status_code == 400
    assert "does not support" in aws_error(answer)[1]


def test_an_ahs_program_on_aquila_writes_shot_results(braket_east):
    arn = braket_east.submit(AQUILA, action=AHS_PROGRAM, shots=20)
    task = braket_east.finished(arn)
    assert task["status"] == "COMPLETED"
    assert task["actionMetadata"] == {"actionType": "braket.ir.ahs.program"}
    result = AnalogHamiltonianSimulationTaskResult.parse_raw(json.dumps(braket_east.results(task)))
    assert result.taskMetadata.id == arn and result.taskMetadata.deviceId == AQUILA
    assert len(result.measurements) == 20
    for shot in result.measurements:
        assert shot.shotMetadata.shotStatus == "Success"
        assert len(shot.shotResult.preSequence) == len(shot.shotResult.postSequence) == 2


def test_aquila_refuses_gate_programs_and_gate_devices_refuse_ahs(braket_east):
    assert braket_east.create(AQUILA, shots=10).status_code == 400
    assert braket_east.create(SV1, action=AHS_PROGRAM, shots=10).status_code == 400
    no_sites = {**AHS_PROGRAM, "setup": {"ahs_register": {"sites": [], "filling": []}}}
    assert braket_east.create(AQUILA, action=no_sites, shots=10).status_code == 400


@pytest.mark.parametrize(
    "action",
    [
        {**AHS_PROGRAM, "setup": [1, 2]},
        {**AHS_PROGRAM, "hamiltonian": None},
        {"braketSchemaHeader": {"name": "braket.ir.ahs.program", "version": "2"}},
        {"braketSchemaHeader": "braket.ir.ahs.program"},
        [AHS_PROGRAM],
        "OPENQASM 3.0;",
        {**AHS_PROGRAM, "setup": {"ahs_register": {"sites": "abc", "filling": 1}}},
    ],
)
def test_malformed_ahs_actions_are_validation_errors_not_server_errors(braket_east, action):
    answer = braket_east.create(AQUILA, action=action, shots=10)
    assert answer.status_code == 400, answer.text
    assert aws_error(answer)[0] == "ValidationException"


@pytest.mark.parametrize(
    "action",
    [
        {**program(), "inputs": "theta"},
        {**program(), "source": 42},
        {**program_set(program()), "programs": [None]},
        {**program_set(program()), "programs": "x"},
        program_set(program(ROTATION, {"theta": [1.0, 2.0]}), program(ROTATION, {"theta": 5})),
    ],
)
def test_malformed_gate_actions_are_validation_errors_not_server_errors(iqm, action):
    answer = iqm.create(GARNET, action=action, shots=20)
    assert answer.status_code == 400, answer.text
    assert aws_error(answer)[0] == "ValidationException"
