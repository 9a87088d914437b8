"""A CreateQuantumTask whose answer is lost makes one task, whatever the service does with a
``clientToken`` it has seen (UNVERIFIED on the wire page: the emulator plays each reading).

Against the emulator over loopback HTTP: the answer is held back past the client's read timeout
after the task was made ("late"), or the connection is dropped / a 500 answered before it was
made; the client must end with exactly one task and its ARN."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import requests

from airflow_quantum.clients.braket import (
    AsyncBraketClient,
    BraketClient,
    BraketPreparedJob,
    BraketSettings,
    CredentialSource,
)
from airflow_quantum.clients.braket.protocol import BRAKET_RETRY_POLICY, CLIENT_TOKEN_TAG
from airflow_quantum.clients.errors import ServiceError

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
#: Braket's policy with a read timeout the held answers outlast, and no waits between tries.
POLICY = dataclasses.replace(BRAKET_RETRY_POLICY, read_timeout=1.0, backoff_base=0.0, jitter=0.0)
READINGS = ("idempotent", "first", "ignored")


def control(emulator, method: str, path: str, body: dict | None = None) -> None:
    answer = requests.request(method, f"{emulator.url}/_emulator/{path}", json=body, timeout=30)
    assert answer.status_code < 300, answer.text


def settings(emulator) -> BraketSettings:
    return BraketSettings(
        region="us-east-1",
        credentials=CredentialSource.static("AKIALOCALEMULATOR000", "local-emulator-key"),
        endpoint_url=emulator.url,
        s3_endpoint_url=f"{emulator.url}/s3",
        allow_insecure_http=True,
    )


def job() -> BraketPreparedJob:
    return BraketPreparedJob.openqasm(
        BELL, SV1, 10, s3_bucket="amazon-braket-results", s3_prefix="t"
    )


def lose_the_next_create(emulator, kind: str) -> None:
    fault = {"kind": kind, "vendor": "braket", "method": "POST", "path": "^/quantum-task$"}
    fault |= {"count": 1, "delay": 3.0} if kind == "late" else {"count": 1, "status": 500}
    if kind == "drop":
        del fault["status"]
    control(emulator, "POST", "faults", fault)


def tasks_made(client: BraketClient) -> list[str]:
    return [task.arn for task in client.search_tasks([])]


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize("kind", ["late", "drop", "status"])
def test_a_lost_create_makes_one_task_whatever_the_token_means(emulator, reading, kind) -> None:
    control(emulator, "PATCH", "config", {"braket_client_token": reading, "queue_seconds": 600})
    lose_the_next_create(emulator, kind)
    with BraketClient(settings(emulator), retry_policy=POLICY) as client:
        created = client.create_quantum_task(job(), "token-of-one-try")
        assert tasks_made(client) == [created.arn]
        assert client.get_job(created.arn).tags[CLIENT_TOKEN_TAG] == "token-of-one-try"


@pytest.mark.parametrize("reading", READINGS)
def test_the_async_client_finds_a_task_whose_answer_came_too_late(emulator, reading) -> None:
    control(emulator, "PATCH", "config", {"braket_client_token": reading, "queue_seconds": 600})
    lose_the_next_create(emulator, "late")

    async def create() -> str:
        async with AsyncBraketClient(settings(emulator), retry_policy=POLICY) as client:
            return (await client.create_quantum_task(job(), "token-of-one-try")).arn

    arn = asyncio.run(create())
    with BraketClient(settings(emulator)) as client:
        assert tasks_made(client) == [arn]


def test_a_create_lost_every_time_fails_after_a_few_rounds_without_a_task(emulator) -> None:
    control(emulator, "PATCH", "config", {"braket_client_token": "ignored"})
    control(
        emulator,
        "POST",
        "faults",
        {"kind": "status", "vendor": "braket", "method": "POST", "path": "^/quantum-task$"},
    )
    with BraketClient(settings(emulator), retry_policy=POLICY) as client:
        with pytest.raises(ServiceError):
            client.create_quantum_task(job(), "token-of-one-try")
        assert tasks_made(client) == []
