"""The Braket client against the wire contract: requests (paths, regions, bodies, SigV4 over
exactly what is sent), answers, errors, paging; sync and async faces."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import responses
from braket_wire_support import (
    BELL,
    ENDPOINT,
    EU_TASK,
    GARNET,
    SV1,
    TASK,
    FakeAWS,
    Seen,
    async_client,
    aws_error,
    sync_client,
    task_payload,
)

from airflow_quantum.clients.braket import BraketPreparedJob, BraketTaskStatus
from airflow_quantum.clients.braket.protocol import CLIENT_TOKEN_TAG
from airflow_quantum.clients.errors import (
    AuthenticationError,
    BadRequestError,
    InvalidInputError,
    InvalidStateError,
    JobFailedError,
    NotFoundError,
    QuotaExhaustedError,
    RetiredTargetError,
    ServiceError,
)
from airflow_quantum.clients.state import FailureCause, JobState


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def bell_job(**options: Any) -> BraketPreparedJob:
    return BraketPreparedJob.openqasm(
        BELL, SV1, 100, s3_bucket="amazon-braket-results", s3_prefix="tasks", **options
    )


def test_create_quantum_task_sends_the_body_the_api_takes(rsps) -> None:
    fake = FakeAWS(lambda seen: (201, {}, {"quantumTaskArn": TASK}))
    client = sync_client(fake, rsps)
    created = client.create_quantum_task(bell_job(tags={"team": "q"}), "token-1")
    assert created.arn == TASK
    (seen,) = fake.seen
    assert (seen.method, seen.url, seen.service, seen.region) == (
        "POST",
        f"{ENDPOINT}/quantum-task",
        "braket",
        "us-east-1",
    )
    body = seen.json()
    assert body["clientToken"] == "token-1"
    assert body["deviceArn"] == SV1 and body["shots"] == 100
    assert (body["outputS3Bucket"], body["outputS3KeyPrefix"]) == ("amazon-braket-results", "tasks")
    action = json.loads(body["action"])  # a JSON string, not an object
    assert action["braketSchemaHeader"] == {"name": "braket.ir.openqasm.program", "version": "1"}
    assert action["source"] == BELL
    assert body["tags"] == {"team": "q", CLIENT_TOKEN_TAG: "token-1"}


def test_a_qpu_task_is_signed_for_the_region_of_its_device(rsps) -> None:
    fake = FakeAWS(lambda seen: (201, {}, {"quantumTaskArn": EU_TASK}))
    client = sync_client(fake, rsps)
    job = BraketPreparedJob.openqasm(BELL, GARNET, 10, s3_bucket="bucket-eu", s3_prefix="p")
    client.create_quantum_task(job)
    assert fake.seen[0].region == "eu-north-1"
    assert len(fake.seen[0].json()["clientToken"]) <= 64


def test_without_an_endpoint_each_region_has_its_own_host(rsps) -> None:
    fake = FakeAWS(lambda seen: (200, {}, task_payload(EU_TASK)))
    client = sync_client(fake, rsps, endpoint_url=None)
    client.get_job(EU_TASK)
    assert fake.seen[0].url.startswith("https://braket.eu-north-1.amazonaws.com/quantum-task/")


def test_get_job_reads_the_task_and_its_queue(rsps) -> None:
    payload = task_payload(
        queueInfo={"queue": "QUANTUM_TASKS_QUEUE", "position": "3", "queuePriority": "Normal"},
        novelField={"kept": True},
    )
    fake = FakeAWS(lambda seen: (200, {}, payload))
    client = sync_client(fake, rsps)
    task = client.get_job(TASK, queue_info=True)
    seen = fake.seen[0]
    assert seen.path == "/quantum-task/" + TASK.replace(":", "%3A").replace("/", "%2F")
    assert "additionalAttributeNames=QueueInfo" in seen.url
    assert task.status is BraketTaskStatus.QUEUED and task.state is JobState.QUEUED
    assert task.queue_info.position_text == "3" and task.queue_info.position == 3
    assert task.model_extra["novelField"] == {"kept": True}
    assert client.queue_info(TASK).position == 3


@pytest.mark.parametrize(
    ("word", "state"),
    [
        ("CREATED", JobState.QUEUED),
        ("QUEUED", JobState.QUEUED),
        ("RUNNING", JobState.RUNNING),
        ("COMPLETED", JobState.SUCCEEDED),
        ("FAILED", JobState.FAILED),
        ("CANCELLING", JobState.CANCELLING),
        ("CANCELLED", JobState.CANCELLED),
        ("PAUSED", JobState.UNKNOWN),
    ],
)
def test_every_status_maps_onto_the_shared_states(rsps, word: str, state: JobState) -> None:
    client = sync_client(FakeAWS(lambda seen: (200, {}, task_payload(status=word))), rsps)
    assert client.get_job(TASK).state is state


@pytest.mark.parametrize(
    ("reason", "cause"),
    [
        ("Validation failed: the program uses an unsupported gate", FailureCause.PERMANENT),
        ("Number of qubits exceeds the device's 20", FailureCause.PERMANENT),
        ("Internal service error", FailureCause.TRANSIENT),
        ("Device calibration in progress", FailureCause.TRANSIENT),
    ],
)
def test_a_failure_says_whether_a_retry_can_help(rsps, reason: str, cause: FailureCause) -> None:
    payload = task_payload(status="FAILED", failureReason=reason)
    task = sync_client(FakeAWS(lambda seen: (200, {}, payload)), rsps).get_job(TASK)
    assert task.failure_cause() is cause
    assert reason in task.error_message()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (aws_error(400, "ValidationException", "bad shots"), BadRequestError),
        (aws_error(402, "ServiceQuotaExceededException", "quota"), QuotaExhaustedError),
        (aws_error(403, "AccessDeniedException", "no"), AuthenticationError),
        (aws_error(404, "ResourceNotFoundException", "gone"), NotFoundError),
        (aws_error(410, "DeviceRetiredException", "retired"), RetiredTargetError),
        (aws_error(424, "DeviceOfflineException", "offline"), ServiceError),
        (aws_error(500, "InternalServiceException", "oops"), ServiceError),
    ],
)
def test_the_services_errors_are_typed(rsps, answer, error) -> None:
    client = sync_client(FakeAWS(lambda seen: answer), rsps)
    with pytest.raises(error) as raised:
        client.create_quantum_task(bell_job())
    assert answer[2]["message"] in str(raised.value)


def test_program_set_validation_failures_reach_the_message(rsps) -> None:
    failures = [{"programIndex": 1, "errors": ["unknown input theta"]}]
    answer = aws_error(
        400,
        "ValidationException",
        "program set invalid",
        reason="ProgramSetValidationFailed",
        programSetValidationFailures=failures,
    )
    client = sync_client(FakeAWS(lambda seen: answer), rsps)
    with pytest.raises(BadRequestError, match="unknown input theta") as raised:
        client.create_quantum_task(bell_job())
    assert raised.value.code == "ValidationException"


def test_a_throttled_create_is_sent_again_with_the_same_token(rsps) -> None:
    answers = [
        aws_error(429, "ThrottlingException", "slow down"),
        (201, {}, {"quantumTaskArn": TASK}),
    ]
    fake = FakeAWS(lambda seen: answers.pop(0))
    client = sync_client(fake, rsps)
    assert client.create_quantum_task(bell_job(), "same").arn == TASK
    assert [s.json()["clientToken"] for s in fake.seen] == ["same", "same"]


def test_a_create_answered_5xx_with_retry_after_is_looked_for_not_sent_again(rsps) -> None:
    # A 503 may come after the task was made (a proxy's timeout): Retry-After does not make a
    # create safe to repeat; the task is looked for by its token's tag first.
    made: list[dict[str, Any]] = []

    def service(seen):
        if seen.path == "/quantum-task":
            made.append(seen.json())
            return 503, {"Retry-After": "0"}, {"message": "try later"}
        tags = made[0]["tags"]
        summary = task_payload(tags=tags, createdAt="2026-12-08T00:00:00.000Z")
        assert {f["name"] for f in seen.json()["filters"]} == {"deviceArn", "createdAt"}
        return 200, {}, {"quantumTasks": [task_payload(EU_TASK), summary]}

    fake = FakeAWS(service)
    created = sync_client(fake, rsps).create_quantum_task(bell_job(), "token-1")
    assert created.arn == TASK
    assert [seen.path for seen in fake.seen] == ["/quantum-task", "/quantum-tasks"]
    assert made[0]["tags"][CLIENT_TOKEN_TAG] == "token-1"


def test_cancel_of_a_final_task_is_an_invalid_state(rsps) -> None:
    fake = FakeAWS(lambda seen: aws_error(409, "ConflictException", "already COMPLETED"))
    client = sync_client(fake, rsps)
    with pytest.raises(InvalidStateError, match="already final"):
        client.cancel_job(TASK)
    seen = fake.seen[0]
    assert seen.method == "PUT" and seen.path.endswith("/cancel")
    assert seen.json()["clientToken"]


def test_cancel_answers_its_status(rsps) -> None:
    answer = {"quantumTaskArn": TASK, "cancellationStatus": "CANCELLING"}
    client = sync_client(FakeAWS(lambda seen: (200, {}, answer)), rsps)
    assert client.cancel_job(TASK).cancellation_status == "CANCELLING"


def test_search_pages_by_next_token(rsps) -> None:
    def page(seen: Seen):
        token = seen.json().get("nextToken")
        if token is None:
            return 200, {}, {"quantumTasks": [task_payload()], "nextToken": "t2"}
        return 200, {}, {"quantumTasks": [task_payload(EU_TASK)]}

    fake = FakeAWS(page)
    client = sync_client(fake, rsps)
    from airflow_quantum.clients.braket.listing import task_filter

    tasks = list(client.search_tasks([task_filter("deviceArn", SV1)], page_size=1))
    assert [t.arn for t in tasks] == [TASK, EU_TASK]
    assert fake.seen[0].json()["filters"] == [
        {"name": "deviceArn", "operator": "EQUAL", "values": [SV1]}
    ]
    assert fake.seen[0].json()["maxResults"] == 1


def test_pending_listing_costs_one_search_per_region(rsps) -> None:
    fake = FakeAWS(lambda seen: (200, {}, {"quantumTasks": [task_payload(status="RUNNING")]}))
    client = sync_client(fake, rsps)
    scope = client.listing_scope([TASK, EU_TASK, TASK])
    pages = list(client.pending_job_pages(**scope))
    assert sorted(s.region for s in fake.seen) == ["eu-north-1", "us-east-1"]
    assert fake.seen[0].json()["filters"][0] == {
        "name": "status",
        "operator": "EQUAL",
        "values": ["CREATED", "QUEUED", "RUNNING", "CANCELLING"],
    }
    listed = pages[0][0]
    assert listed.id == TASK and listed.status == ("RUNNING",)
    assert client.job_from_listing(listed).state is JobState.RUNNING


def test_bad_input_is_refused_before_any_request(rsps) -> None:
    fake = FakeAWS(lambda seen: (200, {}, {}))
    client = sync_client(fake, rsps)
    with pytest.raises(InvalidInputError):
        client.get_job("not-an-arn")
    with pytest.raises(InvalidInputError):
        client.create_quantum_task(BraketPreparedJob.openqasm(BELL, SV1, 10))  # no S3 output
    from airflow_quantum.clients.braket.listing import task_filter

    with pytest.raises(InvalidInputError):
        list(client.search_tasks([task_filter("quantumTaskArn", [TASK] * 11)]))
    with pytest.raises(InvalidInputError, match="256"):
        task_filter("jobArn", "x" * 257)  # each value is a String256
    assert fake.seen == []


def test_devices_and_their_capabilities(rsps) -> None:
    capabilities = {
        "service": {
            "shotsRange": [1, 20000],
            "getTaskPollIntervalMillis": 500,
            "executionWindows": [{"executionDay": "Everyday"}],
        },
        "action": {"braket.ir.openqasm.program": {}},
    }
    device = {
        "deviceArn": GARNET,
        "deviceName": "Garnet",
        "providerName": "IQM",
        "deviceType": "QPU",
        "deviceStatus": "ONLINE",
        "deviceCapabilities": json.dumps(capabilities),
        "deviceQueueInfo": [
            {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "7", "queuePriority": "Normal"}
        ],
    }
    fake = FakeAWS(lambda seen: (200, {}, device))
    client = sync_client(fake, rsps)
    got = client.get_device(GARNET)
    assert fake.seen[0].region == "eu-north-1"
    assert got.shots_range == (1, 20000) and got.poll_interval == 0.5
    assert got.supported_actions == ["braket.ir.openqasm.program"]
    assert got.queue_size() == 7 and got.online and not got.is_simulator


def test_spending_limits_search_and_remaining(rsps) -> None:
    limit = {
        "spendingLimitArn": "arn:aws:braket:eu-north-1:123456789012:spending-limit/abc",
        "deviceArn": GARNET,
        "timePeriod": {"startAt": 1765000000, "endAt": 1767000000},
        "spendingLimit": "100.00",
        "queuedSpend": "12.50",
        "totalSpend": "40.25",
        "createdAt": 1765000000,
        "updatedAt": 1765000000,
    }
    fake = FakeAWS(lambda seen: (200, {}, {"spendingLimits": [limit]}))
    client = sync_client(fake, rsps)
    (found,) = client.search_spending_limits(GARNET)
    assert found.remaining == 47.25
    assert fake.seen[0].path == "/spending-limits" and fake.seen[0].region == "eu-north-1"


def test_spending_limit_writes(rsps) -> None:
    arn = "arn:aws:braket:eu-north-1:123456789012:spending-limit/abc"
    fake = FakeAWS(
        lambda seen: (201 if seen.method == "POST" else 200, {}, {"spendingLimitArn": arn})
    )
    client = sync_client(fake, rsps)
    assert client.create_spending_limit(GARNET, 50) == arn
    client.update_spending_limit(arn, "75.5")
    client.delete_spending_limit(arn)
    assert [s.method for s in fake.seen] == ["POST", "PATCH", "DELETE"]
    assert fake.seen[0].json()["spendingLimit"] == "50.00"
    assert fake.seen[1].json()["spendingLimit"] == "75.50"
    assert fake.seen[2].path.endswith("/delete")


def test_tags(rsps) -> None:
    fake = FakeAWS(lambda seen: (200, {}, {"tags": {"a": "1"}}))
    client = sync_client(fake, rsps)
    assert client.list_tags(TASK) == {"a": "1"}
    client.tag_resource(TASK, {"b": "2"})
    client.untag_resource(TASK, ["a", "b"])
    assert [s.method for s in fake.seen] == ["GET", "POST", "DELETE"]
    assert fake.seen[2].url.endswith("?tagKeys=a&tagKeys=b")


def _completed_task_and_results(results: dict[str, Any], extra: dict[str, Any] | None = None):
    objects = {"tasks/6a1b2c3d-0000-4000-8000-000000000001/results.json": results, **(extra or {})}

    def handler(seen: Seen):
        if seen.service == "s3":
            key = seen.path.split("/", 2)[2]
            if key not in objects:
                return 404, {}, "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>"
            return 200, {}, objects[key]
        return 200, {}, task_payload(status="COMPLETED")

    return FakeAWS(handler)


GATE_RESULT = {
    "braketSchemaHeader": {"name": "braket.task_result.gate_model_task_result", "version": "1"},
    "measurements": [[0, 0], [1, 1], [1, 1], [0, 0], [1, 1]],
    "measuredQubits": [0, 1],
    "taskMetadata": {"id": TASK, "shots": 5, "deviceId": SV1},
    "additionalMetadata": {},
}


def test_results_come_from_s3_as_counts(rsps) -> None:
    fake = _completed_task_and_results(GATE_RESULT)
    client = sync_client(fake, rsps)
    result = client.get_results(TASK)
    assert result["counts"] == {"00": 2, "11": 3}
    assert result["shots"] == 5 and result["probabilities"] == {"00": 0.4, "11": 0.6}
    s3 = fake.seen[-1]
    assert s3.service == "s3" and s3.region == "us-east-1"
    assert s3.url == (
        "https://s3.test/amazon-braket-results/tasks/6a1b2c3d-0000-4000-8000-000000000001/results.json"
    )
    assert "x-amz-content-sha256" in {k.lower() for k in s3.headers}


def test_program_set_entries_given_as_s3_paths_are_read(rsps) -> None:
    executable = {
        "braketSchemaHeader": {
            "name": "braket.task_result.program_set_executable_result",
            "version": "1",
        },
        "inputsIndex": 1,
        "measurements": [[1], [1]],
        "measuredQubits": [0],
    }
    program = {
        "braketSchemaHeader": {"name": "braket.task_result.program_result", "version": "1"},
        "executableResults": [
            {**executable, "inputsIndex": 0, "measurements": [[0], [0]]},
            "executables/1.json",
        ],
        "source": {},
        "additionalMetadata": {},
    }
    document = {
        "braketSchemaHeader": {
            "name": "braket.task_result.program_set_task_result",
            "version": "1",
        },
        "programResults": ["programs/0/results.json"],
        "taskMetadata": {"id": TASK},
    }
    prefix = "tasks/6a1b2c3d-0000-4000-8000-000000000001/"
    fake = _completed_task_and_results(
        document,
        {
            prefix + "programs/0/results.json": program,
            prefix + "programs/0/executables/1.json": executable,
        },
    )
    result = sync_client(fake, rsps).get_results(TASK)
    assert [(r["program_index"], r["inputs_index"], r["counts"]) for r in result["results"]] == [
        (0, 0, {"0": 2}),
        (0, 1, {"1": 2}),
    ]


def test_results_of_a_failed_task_raise_its_reason(rsps) -> None:
    payload = task_payload(status="FAILED", failureReason="Internal error")
    client = sync_client(FakeAWS(lambda seen: (200, {}, payload)), rsps)
    with pytest.raises(JobFailedError, match="Internal error"):
        client.get_results(TASK)


def test_the_async_face_signs_and_reads_the_same() -> None:
    fake = _completed_task_and_results(GATE_RESULT)

    async def run() -> Any:
        async with async_client(fake) as client:
            task = await client.get_job(TASK)
            return task, await client.get_results(task)

    task, result = asyncio.run(run())
    assert task.state is JobState.SUCCEEDED
    assert result["counts"] == {"00": 2, "11": 3}
    assert [s.service for s in fake.seen] == ["braket", "s3"]


def test_a_wrong_secret_never_verifies(rsps) -> None:
    from airflow_quantum.clients.braket import CredentialSource

    fake = FakeAWS(lambda seen: (200, {}, task_payload()))
    client = sync_client(
        fake, rsps, credentials=CredentialSource.static("AKIALOCALEMULATOR000", "wrong")
    )
    with pytest.raises(Exception, match="bad signature"):
        client.get_job(TASK)


def test_refreshable_credentials_are_renewed_off_the_event_loop(monkeypatch) -> None:
    """An assumed role's keys (botocore's RefreshableCredentials, as AwsBaseHook hands them
    over) are renewed when they expire: the async face renews them in a worker thread."""
    import datetime
    import threading

    import braket_wire_support
    from botocore.credentials import RefreshableCredentials

    from airflow_quantum.clients.braket import CredentialSource

    monkeypatch.setitem(braket_wire_support.SECRETS, "ASIAROLE0001", "first-secret")
    monkeypatch.setitem(braket_wire_support.SECRETS, "ASIAROLE0002", "second-secret")
    issued: list[tuple[str, int]] = []

    def refresh() -> dict[str, str]:
        number = len(issued) + 1
        issued.append((f"ASIAROLE000{number}", threading.get_ident()))
        # The first keys are already expired: the next signature needs new ones.
        lifetime = datetime.timedelta(hours=-1 if number == 1 else 1)
        expiry = datetime.datetime.now(datetime.timezone.utc) + lifetime
        return {
            "access_key": f"ASIAROLE000{number}",
            "secret_key": ("first-secret", "second-secret")[number - 1],
            "token": f"session-token-{number}",
            "expiry_time": expiry.isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(refresh(), refresh, "assume-role")
    fake = FakeAWS(lambda seen: (200, {}, task_payload()))

    async def read() -> None:
        async with async_client(fake, credentials=CredentialSource(lambda: credentials)) as c:
            await c.get_job(TASK)

    loop_thread = threading.get_ident()
    asyncio.run(read())
    assert [key for key, _ in issued] == ["ASIAROLE0001", "ASIAROLE0002"]
    assert issued[1][1] != loop_thread  # renewed in a worker thread, not on the loop
    headers = {name.lower(): value for name, value in fake.seen[0].headers.items()}
    assert headers["x-amz-security-token"] == "session-token-2"
    assert "Credential=ASIAROLE0002/" in headers["authorization"]
