"""The Braket hook over real HTTP against the emulator: the aws connection, SigV4, the shared
verbs, reattaching by idempotency tag, results from the S3 subset."""

from __future__ import annotations

import asyncio
import json

import pytest
import requests

from airflow_quantum.clients.braket import BraketPreparedJob
from airflow_quantum.clients.errors import AuthenticationError, ConfigurationError
from airflow_quantum.clients.state import CancelOutcome, JobState
from airflow_quantum.hooks.braket import IDEMPOTENCY_TAG, BraketHook

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
KEY = "airflow-" + "0" * 32


def bell(shots: int = 100) -> BraketPreparedJob:
    return BraketPreparedJob.openqasm(BELL, SV1, shots)


def test_a_bell_task_runs_and_gives_counts(braket_connection) -> None:
    hook = BraketHook()
    arn = hook.submit_job(bell(200), KEY)
    assert hook.check_job_id(arn) == arn
    result = hook.get_job_result(arn, timeout=60)
    assert sum(result["counts"].values()) == 200
    assert set(result["counts"]) <= {"00", "11"}
    assert hook.get_job_status(arn) == (JobState.SUCCEEDED, None)
    assert json.loads(hook.raw_result(arn))["braketSchemaHeader"]["name"].endswith(
        "gate_model_task_result"
    )
    facts = hook.job_facts(arn, result)
    assert (facts.backend, facts.shots, facts.status) == (SV1, 200, "succeeded")


def test_a_retry_finds_the_task_its_key_tagged(braket_connection) -> None:
    hook = BraketHook()
    assert hook.find_job(KEY, bell()) is None
    arn = hook.submit_job(bell(), KEY)
    assert hook.get_conn().get_job(arn).tags[IDEMPOTENCY_TAG] == KEY
    assert hook.find_job(KEY, bell()) == arn
    assert hook.find_job("airflow-" + "1" * 32, bell()) is None


def test_the_same_client_token_creates_one_task(braket_connection) -> None:
    client = BraketHook().get_conn()
    job = bell().with_output("amazon-braket-results", "tasks")
    first = client.create_quantum_task(job, "token-of-one-try")
    again = client.create_quantum_task(job, "token-of-one-try")
    assert first.arn == again.arn


def test_cancel_a_held_task_then_it_is_final(braket_connection, emulator) -> None:
    hook = BraketHook()
    arn = hook.submit_job(bell(), KEY)
    requests.post(
        f"{emulator.url}/_emulator/braket/tasks/{arn}/hold", timeout=10
    ).raise_for_status()
    assert hook.get_job_status(arn)[0] is JobState.QUEUED
    assert hook.queue_position(arn) is None or hook.queue_position(arn) >= 0
    assert hook.cancel_job(arn) is CancelOutcome.CANCELLED
    final = hook.wait_for_job(arn, timeout=30)
    assert final.state is JobState.CANCELLED
    assert hook.cancel_job(arn) is CancelOutcome.ALREADY_FINAL


def test_the_async_face_reads_the_same(braket_connection) -> None:
    hook = BraketHook()
    arn = hook.submit_job(bell(), KEY)
    hook.wait_for_job(arn, timeout=60)

    async def read():
        client = await hook.aclient()
        try:
            return await client.get_job(arn), await client.get_results(arn)
        finally:
            await hook.aclose()

    task, result = asyncio.run(read())
    assert task.state is JobState.SUCCEEDED and sum(result["counts"].values()) == 100


def test_a_wrong_secret_is_refused_as_aws_does(braket_connection, monkeypatch) -> None:
    conn = json.loads(__import__("os").environ["AIRFLOW_CONN_BRAKET_DEFAULT"])
    conn["password"] = "not-the-key"
    monkeypatch.setenv("AIRFLOW_CONN_BRAKET_BAD", json.dumps(conn))
    with pytest.raises(AuthenticationError) as raised:
        BraketHook("braket_bad").get_conn().get_device(SV1)
    assert "not-the-key" not in str(raised.value)
    ok, message = BraketHook("braket_bad").test_connection()
    assert not ok and "403" in message
    assert BraketHook().test_connection()[0]


def test_a_connection_without_region_is_refused(monkeypatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_BRAKET_NOREGION",
        json.dumps({"conn_type": "aws", "login": "a", "password": "b"}),
    )
    with pytest.raises(ConfigurationError, match="region_name"):
        BraketHook("braket_noregion").get_conn()


def test_braket_endpoint_reaches_the_emulator_when_the_connection_names_none(
    emulator, monkeypatch
) -> None:
    extra = {"region_name": "us-east-1", "allow_insecure_http": True, "service_config": {}}
    conn = {"conn_type": "aws", "login": "AKIALOCALEMULATOR000", "password": "local-emulator-key"}
    monkeypatch.setenv("AIRFLOW_CONN_BRAKET_ENV", json.dumps({**conn, "extra": extra}))
    monkeypatch.setenv("BRAKET_ENDPOINT", emulator.url)  # the SDK's variable
    assert BraketHook("braket_env").test_connection() == (
        True,
        f"Connected to Amazon Braket in us-east-1 at {emulator.url}; SV1 is ONLINE",
    )
    braket = {"braket": {"endpoint_url": "http://127.0.0.1:9"}}
    extra["service_config"] = braket  # the connection's own endpoint comes first
    monkeypatch.setenv("AIRFLOW_CONN_BRAKET_ENV", json.dumps({**conn, "extra": extra}))
    assert BraketHook("braket_env").get_conn().settings.endpoint_url == "http://127.0.0.1:9"


def test_least_busy_picks_the_shortest_queue(braket_connection, emulator) -> None:
    garnet = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
    forte = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
    requests.put(
        f"{emulator.url}/_emulator/braket/devices/{garnet}", json={"queue_size": 50}, timeout=10
    ).raise_for_status()
    try:
        choice = BraketHook().least_busy([garnet, forte])
    finally:
        requests.delete(f"{emulator.url}/_emulator/braket/devices/{garnet}", timeout=10)
    assert choice.name == forte and garnet in choice.skipped


def test_job_urls_open_the_emulators_page_or_the_console(braket_connection, emulator) -> None:
    hook = BraketHook()
    arn = hook.submit_job(bell(), KEY)
    page = requests.get(hook.job_url(arn), timeout=10)
    assert page.status_code == 200 and arn in page.text
    from airflow_quantum.clients.portal import braket_job_url

    assert braket_job_url(arn, "us-east-1").startswith(
        "https://us-east-1.console.aws.amazon.com/braket/home?region=us-east-1#/tasks/arn%3Aaws"
    )


def test_an_assumed_role_signs_with_its_session_credentials(monkeypatch) -> None:
    """assume-role through AwsBaseHook (STS at moto's server): the client signs with the role's
    temporary keys and session token, refreshable by botocore, resolved on first use."""
    from moto_support import moto_s3

    from airflow_quantum.clients.braket.auth import SigV4Signer
    from airflow_quantum.clients.transport import Request

    with moto_s3() as moto:
        monkeypatch.setenv(
            "AIRFLOW_CONN_BRAKET_ROLE",
            json.dumps(
                {
                    "conn_type": "aws",
                    "login": "AKIAMOTOBASEKEY00000",
                    "password": "moto-secret-key",
                    "extra": {
                        "region_name": "eu-north-1",
                        "role_arn": "arn:aws:iam::123456789012:role/braket-runner",
                        "service_config": {"sts": {"endpoint_url": moto.url}},
                    },
                }
            ),
        )
        settings = BraketHook("braket_role").get_conn().settings
        credentials = settings.credentials.credentials()  # assumes the role now
        frozen = credentials.get_frozen_credentials()
        assert frozen.access_key != "AKIAMOTOBASEKEY00000" and frozen.token
        assert hasattr(credentials, "refresh_needed")  # botocore renews it before it expires
        request = Request(
            "GET",
            "https://braket.eu-north-1.amazonaws.com/device/x",
            signing=("braket", "eu-north-1"),
        )
        headers = SigV4Signer(settings.credentials).headers(request)
    assert f"Credential={frozen.access_key}/" in headers["Authorization"]
    assert "/eu-north-1/braket/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == frozen.token
