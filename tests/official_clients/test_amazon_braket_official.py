"""The official ``amazon-braket-sdk`` and boto3's ``braket`` client run task lifecycles on the
emulator, and its answers hold the shapes botocore's service model and the SDK's schemas give.

Nothing in either library is patched. They are pointed at the emulator with their own,
documented knobs, set with ``monkeypatch.setenv`` for each test only:

- ``BRAKET_ENDPOINT={emulator.url}``: the SDK's ``AwsSession`` builds its braket client (and
  the one of every session it copies for a QPU's own region) with this endpoint;
- ``AWS_ENDPOINT_URL_S3={emulator.url}/s3``: botocore's service-specific endpoint variable,
  read by every S3 client the SDK makes (results, program-set parts);
- ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_DEFAULT_REGION``: the emulator's
  credentials, which it checks with SigV4 as AWS does.

Run with ``make test-official`` (in ``.venv-official``, which has both clients).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import pytest
import requests
from braket.aws import AwsDevice, AwsQuantumTask, AwsSession
from braket.circuits import Circuit
from braket.device_schema import DeviceActionType

ACCESS_KEY = "AKIALOCALEMULATOR000"
SECRET = "local-emulator-key"
REGION = "us-east-1"
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
BUCKET = "amazon-braket-official-tests"
#: How long any one wait may take: tasks end within a second on the test emulator.
WAIT = 60


def control(emulator: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Call the emulator's control API (never a vendor route)."""
    answer = requests.request(method, f"{emulator.url}/_emulator/{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json() if answer.content else None


@pytest.fixture
def aws(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("BRAKET_ENDPOINT", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"{emulator.url}/s3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return emulator


@pytest.fixture
def session(aws: Any) -> AwsSession:
    return AwsSession(boto3.Session(region_name=REGION))


@pytest.fixture
def client(aws: Any) -> Any:
    return boto3.client("braket", region_name=REGION, endpoint_url=aws.url)


def bell() -> Circuit:
    return Circuit().h(0).cnot(0, 1)


def test_the_sdk_runs_a_bell_circuit_on_sv1_and_reads_its_counts(session):
    device = AwsDevice(SV1, aws_session=session)
    assert device.name == "SV1" and device.status == "ONLINE"
    assert DeviceActionType.OPENQASM in device.properties.action
    task = device.run(bell(), s3_destination_folder=(BUCKET, "sdk"), shots=100)
    result = task.result()
    assert task.state() == "COMPLETED"
    counts = result.measurement_counts
    assert set(counts) <= {"00", "11"} and sum(counts.values()) == 100
    assert result.task_metadata.id == task.id
    assert result.task_metadata.deviceId == SV1
    again = AwsQuantumTask(task.id, aws_session=session).result()
    assert again.measurement_counts == counts


def test_the_sdk_runs_on_a_qpu_of_another_region(session):
    device = AwsDevice(GARNET, aws_session=session)  # the SDK copies the session to eu-north-1
    assert device.properties.paradigm.qubitCount == 20
    task = device.run(bell(), s3_destination_folder=(BUCKET, "garnet"), shots=50)
    assert task.id.split(":")[3] == "eu-north-1"
    assert sum(task.result().measurement_counts.values()) == 50


def test_the_sdk_reads_a_held_task_s_queue_position_and_cancels_it(session, aws):
    device = AwsDevice(FORTE, aws_session=session)
    control(aws, "PATCH", "config", {"queue_seconds": 3600})
    task = device.run(bell(), s3_destination_folder=(BUCKET, "cancel"), shots=10)
    assert task.state() == "QUEUED"
    position = task.queue_position()
    assert position.queue_position == "1"
    task.cancel()
    assert task.state() in ("CANCELLING", "CANCELLED")
    control(aws, "POST", "clock/advance", {"seconds": 5})
    assert AwsQuantumTask(task.id, aws_session=session).state() == "CANCELLED"


def test_the_sdk_searches_devices_and_tasks(session):
    names = {device.name for device in AwsDevice.get_devices(aws_session=session)}
    assert {"SV1", "DM1", "Forte-1", "Garnet", "Emerald", "Cepheus-1-108Q", "Aquila"} <= names
    device = AwsDevice(SV1, aws_session=session)
    task = device.run(bell(), s3_destination_folder=(BUCKET, "search"), shots=10)
    task.result()
    found = session.braket_client.search_quantum_tasks(
        filters=[{"name": "quantumTaskArn", "operator": "EQUAL", "values": [task.id]}]
    )["quantumTasks"]
    assert [item["quantumTaskArn"] for item in found] == [task.id]
    assert found[0]["status"] == "COMPLETED"


def test_boto3_runs_a_task_lifecycle_in_the_model_s_shapes(client, aws):
    action = {
        "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
        "source": "OPENQASM 3.0; bit[2] b; qubit[2] q; h q[0]; cnot q[0], q[1]; b = measure q;",
    }
    created = client.create_quantum_task(
        deviceArn=SV1,
        shots=10,
        outputS3Bucket=BUCKET,
        outputS3KeyPrefix="boto3",
        action=json.dumps(action),
        tags={"suite": "official"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    arn = created["quantumTaskArn"]
    control(aws, "POST", f"jobs/{arn.rsplit('/', 1)[-1]}/finish")
    task = client.get_quantum_task(quantumTaskArn=arn, additionalAttributeNames=["QueueInfo"])
    shapes = botocore.session.get_session().get_service_model("braket")
    output = shapes.operation_model("GetQuantumTask").output_shape
    assert set(output.required_members) <= set(task)
    assert set(task) - {"ResponseMetadata"} <= set(output.members)
    assert task["status"] in output.members["status"].enum
    assert task["queueInfo"]["queue"] in output.members["queueInfo"].members["queue"].enum
    assert task["tags"] == {"suite": "official"}
    pages = client.get_paginator("search_quantum_tasks").paginate(
        filters=[{"name": "deviceArn", "operator": "EQUAL", "values": [SV1]}]
    )
    summaries = [item for page in pages for item in page["quantumTasks"]]
    summary_shape = shapes.shape_for("QuantumTaskSummary")
    assert all(set(summary_shape.required_members) <= set(item) for item in summaries)
    with pytest.raises(client.exceptions.ConflictException):
        client.cancel_quantum_task(quantumTaskArn=arn)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_quantum_task(quantumTaskArn=arn[:-4] + "0000")


def test_boto3_maps_the_emulator_s_errors_to_the_model_s_exceptions(client, aws):
    body = {
        "deviceArn": "arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1",
        "shots": 10,
        "outputS3Bucket": BUCKET,
        "outputS3KeyPrefix": "errors",
        "action": json.dumps(
            {
                "braketSchemaHeader": {"name": "braket.ir.openqasm.program", "version": "1"},
                "source": "OPENQASM 3.0;",
            }
        ),
    }
    with pytest.raises(client.exceptions.DeviceRetiredException):
        client.create_quantum_task(**body)
    control(aws, "PUT", f"braket/devices/{FORTE}", {"status": "OFFLINE"})
    with pytest.raises(client.exceptions.DeviceOfflineException):
        client.create_quantum_task(**{**body, "deviceArn": FORTE})
    with pytest.raises(client.exceptions.ValidationException):
        client.create_quantum_task(**{**body, "deviceArn": SV1, "shots": 10**7})
    control(
        aws,
        "POST",
        "faults",
        {
            "kind": "status",
            "vendor": "braket",
            "status": 402,
            "count": 1,
            "path": "^/quantum-task$",
        },
    )
    with pytest.raises(client.exceptions.ServiceQuotaExceededException):
        client.create_quantum_task(**{**body, "deviceArn": SV1})
    control(
        aws,
        "POST",
        "faults",
        {"kind": "status", "vendor": "braket", "status": 429, "count": 10, "path": "^/devices$"},
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.search_devices(filters=[])
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"


def test_the_sdk_sees_program_set_validation_failures(session):
    from braket.ir.openqasm import Program, ProgramSet

    device = AwsDevice(GARNET, aws_session=session)
    broken = ProgramSet(programs=[Program(source="OPENQASM 3.0; qubit[2] q; cnot q[0] q[1];")])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        device.run(broken, s3_destination_folder=(BUCKET, "sets"), shots=10)
    assert caught.value.response["programSetValidationFailures"][0]["programIndex"] == 0
    assert "First failure" in str(caught.value)


def test_the_sdk_reads_a_program_set_result_from_its_s3_parts(session):
    from braket.ir.openqasm import Program, ProgramSet

    device = AwsDevice(GARNET, aws_session=session)
    source = "OPENQASM 3.0; input float t; bit[1] b; qubit[1] q; rx(t) q[0]; b[0] = measure q[0];"
    programs = ProgramSet(programs=[Program(source=source, inputs={"t": [0.0, 3.141592653589793]})])
    task = device.run(programs, s3_destination_folder=(BUCKET, "sets"), shots=20)
    result = task.result()
    [entry] = result.entries
    assert [executable.counts for executable in entry.entries] == [{"0": 10}, {"1": 10}]
