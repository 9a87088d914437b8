"""Quantum task lifecycles on the emulated Braket: statuses, results.json, clientToken, cancel,
search, errors, held tasks and execution windows (paced by the control API, not by sleeps)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests
from braket.task_result import GateModelTaskResult
from braket_wire import (
    BUCKET,
    DM1,
    FORTE,
    GARNET,
    SV1,
    BraketWire,
    aws_error,
    control,
    counts,
    program,
    task_id,
)


@pytest.fixture
def braket(emulator) -> BraketWire:
    return BraketWire(emulator.url)


def hold(emulator, arn: str) -> None:
    control(emulator.url, "POST", f"braket/tasks/{task_id(arn)}/hold")


def test_a_bell_task_completes_and_writes_results_json_in_the_schema(braket):
    arn = braket.submit(SV1, shots=200, tags={"team": "qa"})
    assert arn.startswith("arn:aws:braket:us-east-1:123456789012:quantum-task/")
    task = braket.finished(arn)
    assert task["status"] == "COMPLETED"
    assert task["numSuccessfulShots"] == 200
    assert task["outputS3Bucket"] == BUCKET
    assert task["outputS3Directory"] == f"tasks/{task_id(arn)}"
    assert task["tags"] == {"team": "qa"}
    assert task["actionMetadata"] == {"actionType": "braket.ir.openqasm.program"}
    assert task["createdAt"].endswith("Z") and task["endedAt"] >= task["createdAt"]
    document = braket.results(task)
    result = GateModelTaskResult.parse_raw(json.dumps(document))  # the schema's own model
    assert result.measuredQubits == [0, 1]
    assert result.taskMetadata.id == arn
    assert result.taskMetadata.deviceId == SV1
    assert result.taskMetadata.shots == 200
    tally = counts(document)
    assert set(tally) <= {"00", "11"} and sum(tally.values()) == 200
    # The raw JSON, not the schema's coercion: each bit is the number 0 or 1, as the service
    # writes it (the local simulators give the characters "0" and "1").
    assert {type(bit) for shot in document["measurements"] for bit in shot} == {int}


def test_qpu_tasks_run_on_the_state_vector_and_dm1_on_the_density_matrix(braket, emulator):
    for device, region in ((FORTE, "us-east-1"), (DM1, "us-east-1"), (GARNET, "eu-north-1")):
        wire = BraketWire(emulator.url, region=region)
        task = wire.finished(wire.submit(device, shots=50))
        assert task["status"] == "COMPLETED", task
        assert set(counts(wire.results(task))) <= {"00", "11"}


def test_inputs_bind_program_parameters(braket):
    source = (
        "OPENQASM 3.0;\ninput float theta;\nbit[1] b;\nqubit[1] q;\nrx(theta) q[0];\n"
        "b[0] = measure q[0];"
    )
    task = braket.finished(braket.submit(action=program(source, {"theta": 3.141592653589793})))
    assert counts(braket.results(task)) == {"1": 100}


def test_statuses_go_from_queued_to_running_to_completed(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    arn = braket.submit()
    hold(emulator, arn)
    queued = braket.task(arn, queue_info=True)
    assert queued["status"] == "QUEUED"
    assert queued["queueInfo"]["queue"] == "QUANTUM_TASKS_QUEUE"
    assert queued["queueInfo"]["position"] == "1"
    assert "endedAt" not in queued
    control(emulator.url, "POST", f"braket/tasks/{task_id(arn)}/release")
    assert braket.task(arn)["status"] in ("RUNNING", "COMPLETED")
    done = braket.wait(arn)
    assert done["status"] == "COMPLETED"
    info = braket.task(arn, queue_info=True)["queueInfo"]
    assert info["position"] == "None" and "COMPLETED" in info["message"]


def test_queue_positions_count_the_tasks_ahead_and_the_scripted_queue(braket, emulator):
    # Queued long enough to be held however slow the machine (a 0.2 s queue was not once).
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})
    first, second = braket.submit(FORTE), braket.submit(FORTE)
    hold(emulator, first)
    hold(emulator, second)
    control(emulator.url, "PUT", f"braket/devices/{FORTE}", {"queue_size": 5})
    assert braket.task(first, queue_info=True)["queueInfo"]["position"] == "6"
    assert braket.task(second, queue_info=True)["queueInfo"]["position"] == "7"
    device = braket.request("GET", f"/device/{FORTE}").json()
    assert device["deviceQueueInfo"][0] == {
        "queue": "QUANTUM_TASKS_QUEUE",
        "queueSize": "7",
        "queuePriority": "Normal",
    }


def test_a_task_outside_the_execution_windows_stays_created_until_one_opens(braket, emulator):
    now = control(emulator.url, "GET", "health")["time"]
    import datetime

    moment = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
    start = (moment + datetime.timedelta(hours=2)).strftime("%H:%M")
    end = (moment + datetime.timedelta(hours=3)).strftime("%H:%M")
    window = {"executionDay": "Everyday", "windowStartHour": start, "windowEndHour": end}
    control(emulator.url, "PUT", f"braket/devices/{FORTE}", {"windows": [window]})
    arn = braket.submit(FORTE)
    assert braket.task(arn)["status"] == "CREATED"
    capabilities = json.loads(
        braket.request("GET", f"/device/{FORTE}").json()["deviceCapabilities"]
    )
    assert capabilities["service"]["executionWindows"] == [window]
    control(emulator.url, "POST", "clock/advance", {"seconds": 2 * 3600 + 60})
    assert braket.task(arn)["status"] != "CREATED"
    assert braket.wait(arn)["status"] == "COMPLETED"


def test_the_same_client_token_and_body_answer_the_first_task(braket):
    body = braket.create_body()
    first = braket.request("POST", "/quantum-task", body)
    again = braket.request("POST", "/quantum-task", body)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(braket.search([]).json()["quantumTasks"]) == 1


def test_the_same_client_token_with_another_body_is_refused(braket):
    body = braket.create_body()
    assert braket.request("POST", "/quantum-task", body).status_code == 201
    answer = braket.request("POST", "/quantum-task", {**body, "shots": 7})
    assert answer.status_code == 400
    code, message = aws_error(answer)
    assert code == "ValidationException" and "clientToken" in message


def test_a_service_that_ignores_client_tokens_creates_a_task_each_time(braket, emulator):
    control(emulator.url, "PATCH", "config", {"braket_client_token": "ignored"})
    body = braket.create_body()
    first = braket.request("POST", "/quantum-task", body).json()["quantumTaskArn"]
    second = braket.request("POST", "/quantum-task", body).json()["quantumTaskArn"]
    assert first != second


def test_a_service_that_keeps_the_first_task_answers_it_for_any_body(braket, emulator):
    control(emulator.url, "PATCH", "config", {"braket_client_token": "first"})
    body = braket.create_body()
    first = braket.request("POST", "/quantum-task", body).json()
    assert braket.request("POST", "/quantum-task", {**body, "shots": 7}).json() == first
    assert braket.task(first["quantumTaskArn"])["shots"] == 100


def test_client_tokens_are_per_region(braket, emulator):
    body = braket.create_body()
    here = braket.request("POST", "/quantum-task", body).json()["quantumTaskArn"]
    west = BraketWire(emulator.url, region="us-west-1")
    there = west.request("POST", "/quantum-task", body).json()["quantumTaskArn"]
    assert here.split(":")[3] == "us-east-1" and there.split(":")[3] == "us-west-1"


def test_cancelling_a_queued_task_reads_cancelling_then_cancelled(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    arn = braket.submit(FORTE)
    hold(emulator, arn)
    control(emulator.url, "PATCH", "config", {"braket_cancel_seconds": 30})
    answer = braket.cancel(arn)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"quantumTaskArn": arn, "cancellationStatus": "CANCELLING"}
    assert braket.task(arn)["status"] == "CANCELLING"
    assert braket.cancel(arn).json()["cancellationStatus"] == "CANCELLING"
    control(emulator.url, "POST", "clock/advance", {"seconds": 31})
    task = braket.task(arn)
    assert task["status"] == "CANCELLED" and "endedAt" in task
    listing = BraketWire(emulator.url, service="s3").request(
        "GET", f"/{BUCKET}", query={"list-type": "2", "prefix": task["outputS3Directory"]}
    )
    assert "<KeyCount>0</KeyCount>" in listing.text  # no results for a cancelled task


def test_cancelling_with_no_delay_is_cancelled_at_once(braket, emulator):
    control(emulator.url, "PATCH", "config", {"braket_cancel_seconds": 0})
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    arn = braket.submit()
    hold(emulator, arn)
    assert braket.cancel(arn).json()["cancellationStatus"] == "CANCELLED"


def test_cancelling_a_finished_task_is_a_conflict(braket):
    arn = braket.submit()
    braket.finished(arn)
    answer = braket.cancel(arn)
    assert answer.status_code == 409
    assert aws_error(answer)[0] == "ConflictException"


def test_a_failed_task_has_a_failure_reason_and_no_results(braket, emulator):
    arn = braket.submit()
    control(emulator.url, "POST", f"jobs/{task_id(arn)}/fail", {"message": "calibration lost"})
    task = braket.task(arn)
    assert task["status"] == "FAILED"
    assert task["failureReason"] == "calibration lost"
    assert "numSuccessfulShots" not in task


def test_a_job_fault_fails_the_next_task(braket, emulator):
    control(emulator.url, "POST", "faults/jobs", {"vendor": "braket", "outcome": "fail"})
    task = braket.wait(braket.submit())
    assert task["status"] == "FAILED" and task["failureReason"]
    assert braket.wait(braket.submit())["status"] == "COMPLETED"


def test_unknown_tasks_and_tasks_of_another_region_are_not_found(braket, emulator):
    arn = braket.submit()
    missing = arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    answer = braket.get(missing)
    assert answer.status_code == 404
    assert aws_error(answer)[0] == "ResourceNotFoundException"
    assert BraketWire(emulator.url, region="eu-north-1").get(arn).status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"shots": 100_001}, "out of range"),
        ({"device": FORTE, "shots": 0}, "out of range"),
        (
            {"action": {"braketSchemaHeader": {"name": "braket.ir.jaqcd.program", "version": "1"}}},
            "not supported",
        ),
        (
            {"action": program("OPENQASM 3.0; qubit[2] q; h q[0]; cnot q[0] q[1];")},
            "does not parse",
        ),
        ({"action": program("OPENQASM 3.0; bit[40] b; qubit[40] q; b = measure q;")}, "40 qubits"),
        (
            {
                "device": FORTE,
                "action": program("OPENQASM 3.0; bit[37] b; qubit[37] q; b = measure q;"),
            },
            "has 36",
        ),
        ({"shots": 0}, "Result types must be specified"),
    ],
)
def test_programs_the_device_cannot_run_are_refused_at_creation(braket, kwargs, needle):
    device = kwargs.pop("device", SV1)
    answer = braket.create(device, **kwargs)
    assert answer.status_code == 400, answer.text
    code, message = aws_error(answer)
    assert code == "ValidationException"
    assert needle in message


def test_a_non_native_gate_in_a_verbatim_box_is_refused_on_a_qpu(braket):
    verbatim = (
        "OPENQASM 3.0;\nbit[2] b;\n#pragma braket verbatim\nbox {\n  h $0;\n  cnot $0, $1;\n}\n"
        "b[0] = measure $0;\nb[1] = measure $1;"
    )
    answer = braket.create(FORTE, action=program(verbatim))
    assert answer.status_code == 400
    assert "not native" in aws_error(answer)[1]
    native = verbatim.replace("h $0;", "gpi2(0.5) $0;").replace("cnot $0, $1;", "zz(0.25) $0, $1;")
    assert braket.create(FORTE, action=program(native)).status_code == 201


def test_missing_and_malformed_fields_are_validation_errors(braket):
    body = braket.create_body()
    del body["deviceArn"]
    answer = braket.request("POST", "/quantum-task", body)
    assert answer.status_code == 400
    assert "deviceArn" in aws_error(answer)[1]
    answer = braket.request(
        "POST", "/quantum-task", {**braket.create_body(), "action": "{not json"}
    )
    assert answer.status_code == 400


def test_device_parameters_must_be_a_json_document_in_a_string(braket):
    # botocore's model marks deviceParameters ``jsonvalue``, as action: JSON encoded in a string.
    for refused in ("{not json", {"braketSchemaHeader": {}}):
        answer = braket.request(
            "POST", "/quantum-task", {**braket.create_body(), "deviceParameters": refused}
        )
        assert answer.status_code == 400, refused
        assert "deviceParameters" in aws_error(answer)[1]
    accepted = {**braket.create_body(), "deviceParameters": json.dumps({"a": 1})}
    assert braket.request("POST", "/quantum-task", accepted).status_code == 201


def test_retired_and_offline_devices_answer_410_and_424(braket, emulator):
    for retired, region in (
        ("arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3", "us-west-1"),
        ("arn:aws:braket:::device/quantum-simulator/amazon/tn1", "us-east-1"),
        ("arn:aws:braket:us-east-1::device/qpu/ionq/Aria-1", "us-east-1"),
    ):
        answer = BraketWire(emulator.url, region=region).create(retired)
        assert answer.status_code == 410, answer.text
        assert aws_error(answer)[0] == "DeviceRetiredException"
    control(emulator.url, "PUT", f"braket/devices/{FORTE}", {"status": "OFFLINE"})
    answer = braket.create(FORTE)
    assert answer.status_code == 424
    assert aws_error(answer)[0] == "DeviceOfflineException"
    control(emulator.url, "DELETE", f"braket/devices/{FORTE}")
    assert braket.create(FORTE).status_code == 201


def test_a_qpu_of_another_region_is_refused(braket):
    answer = braket.create(GARNET)  # signed for us-east-1; Garnet lives in eu-north-1
    assert answer.status_code == 400
    code, message = aws_error(answer)
    assert code == "ValidationException" and "us-east-1" in message


def test_search_filters_by_status_device_and_time_and_pages(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    held = braket.submit(FORTE)
    hold(emulator, held)
    control(emulator.url, "PATCH", "config", {"queue_seconds": 0.2})
    arns = [braket.submit() for _ in range(3)]
    for arn in arns:
        braket.finished(arn)
    completed = braket.search([{"name": "status", "operator": "EQUAL", "values": ["COMPLETED"]}])
    assert {t["quantumTaskArn"] for t in completed.json()["quantumTasks"]} == set(arns)
    on_forte = braket.search([{"name": "deviceArn", "operator": "EQUAL", "values": [FORTE]}])
    assert [t["quantumTaskArn"] for t in on_forte.json()["quantumTasks"]] == [held]
    first = braket.task(arns[0])["createdAt"]
    later = braket.search([{"name": "createdAt", "operator": "GT", "values": [first]}])
    assert arns[0] not in {t["quantumTaskArn"] for t in later.json()["quantumTasks"]}
    seen, token = [], None
    while True:
        page = braket.search([], maxResults=3, **({"nextToken": token} if token else {}))
        assert page.status_code == 200, page.text
        seen += [t["quantumTaskArn"] for t in page.json()["quantumTasks"]]
        token = page.json().get("nextToken")
        if not token:
            break
    assert sorted(seen) == sorted([*arns, held])
    summary = page.json()["quantumTasks"][0]
    assert set(summary) >= {
        "quantumTaskArn",
        "status",
        "deviceArn",
        "shots",
        "outputS3Bucket",
        "outputS3Directory",
        "createdAt",
    }


def test_search_refuses_unknown_filters_and_bad_tokens(braket):
    answer = braket.search([{"name": "tags", "operator": "EQUAL", "values": ["x"]}])
    assert answer.status_code == 400
    assert braket.search([], nextToken="garbage").status_code == 400
    assert braket.search([], maxResults=101).status_code == 400


def test_search_filter_values_are_at_most_256_characters_and_ten(braket, emulator):
    # botocore: SearchQuantumTasksFilterValuesList of 1 to 10 String256 (so SearchDevices' and
    # SearchSpendingLimits' filters).
    for values in (["x" * 257], [f"v{n}" for n in range(11)]):
        for path, name in (
            ("/quantum-tasks", "deviceArn"),
            ("/devices", "deviceArn"),
            ("/spending-limits", "deviceArn"),
        ):
            body = {"filters": [{"name": name, "operator": "EQUAL", "values": values}]}
            if path == "/devices":
                del body["filters"][0]["operator"]
            answer = braket.request("POST", path, body)
            assert answer.status_code == 400, (path, answer.text)
            assert aws_error(answer)[0] == "ValidationException"
    assert braket.search([{"name": "deviceArn", "operator": "EQUAL", "values": ["x" * 256]}]).ok


def test_injected_throttling_and_internal_errors_are_aws_shaped(braket, emulator):
    control(
        emulator.url,
        "POST",
        "faults",
        {"kind": "status", "vendor": "braket", "status": 429, "count": 1, "retry_after": 1},
    )
    answer = braket.search([])
    assert answer.status_code == 429
    assert aws_error(answer)[0] == "ThrottlingException"
    control(
        emulator.url,
        "POST",
        "faults",
        {
            "kind": "status",
            "vendor": "braket",
            "status": 500,
            "count": 1,
            "method": "POST",
            "path": "^/quantum-task$",
        },
    )
    answer = braket.create()
    assert answer.status_code == 500
    assert aws_error(answer)[0] == "InternalServiceException"
    assert braket.search([]).json()["quantumTasks"] == []  # the fault came before the task
    control(
        emulator.url,
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
    assert aws_error(braket.create())[0] == "ServiceQuotaExceededException"


def test_a_held_task_can_be_finished_and_cloned_through_the_shared_verbs(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 600})  # held, however slow
    arn = braket.submit()
    hold(emulator, arn)
    twins = control(emulator.url, "POST", f"jobs/{task_id(arn)}/clone", {"count": 2})
    assert len(twins["ids"]) == 2
    for twin, twin_arn in zip(twins["ids"], twins["references"], strict=True):
        assert twin_arn == arn.rsplit("/", 1)[0] + "/" + twin  # what clients call it
        assert braket.task(twin_arn)["deviceArn"] == SV1
    # The control routes that act on a job take a task's ARN too (as written, or URL-encoded).
    more = control(emulator.url, "POST", f"jobs/{quote(arn, safe='')}/clone", {"count": 1})
    assert braket.task(more["references"][0])["status"] == "QUEUED"
    other_region = arn.replace("us-east-1", "eu-north-1")
    answer = requests.post(f"{emulator.url}/_emulator/jobs/{other_region}/clone", timeout=30)
    assert answer.status_code == 404  # the id alone is not enough: the ARN must be the task's
    assert len(braket.search([]).json()["quantumTasks"]) == 4
    control(emulator.url, "POST", f"jobs/{more['references'][0]}/finish")
    assert braket.task(more["references"][0])["status"] == "COMPLETED"
    assert braket.finished(arn)["status"] == "COMPLETED"


def test_a_running_task_is_cancelled_too_and_never_completes_meanwhile(braket, emulator):
    control(emulator.url, "PATCH", "config", {"queue_seconds": 0, "run_seconds": 3600})
    control(emulator.url, "PATCH", "config", {"braket_cancel_seconds": 60})
    arn = braket.submit()
    assert braket.task(arn)["status"] == "RUNNING"
    assert braket.cancel(arn).json()["cancellationStatus"] == "CANCELLING"
    control(emulator.url, "POST", "clock/advance", {"seconds": 30})
    assert braket.task(arn)["status"] == "CANCELLING"
    control(emulator.url, "POST", "clock/advance", {"seconds": 31})
    task = braket.task(arn)
    assert task["status"] == "CANCELLED" and "numSuccessfulShots" not in task
